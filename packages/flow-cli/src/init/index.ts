// What `flow init` writes, for the tests that check its output as GitHub and the simulation read it.
export { unifiedDiff } from './diff';
export {
  AUTH_ACTION_PINS,
  type LoginKind,
  loginKindFor,
  type RegistryLogin,
} from './login';
export {
  type FlowActionsRelease,
  headerRepository,
  readWorkflow,
  renderWorkflow,
  TEMPLATE_REPOSITORY,
  updateWorkflow,
  type WorkflowSettings,
} from './workflow';
