export type {
  FaultAction,
  FaultMatch,
  FaultProxyOptions,
  FaultRule,
  ProxiedRequest,
  RunningFaultProxy,
  ScriptedRule,
} from './fault-proxy';
export { startFaultProxy } from './fault-proxy';
