// What `flow init` writes, for the tests that check its output as GitHub and the simulation read it.
export { AUTH_ACTION_PINS, type RegistryLogin } from './login';
export { VALUES } from './values';
export { type FlowActionsRelease, renderWorkflow, type WorkflowSettings } from './workflow';
