export type { ActionInput, ActionMetadata } from './action-metadata';
export { readActionMetadata } from './action-metadata';
export { resolveNode24 } from './node-runtime';
export type { ActionRun, RunActionOptions } from './run-action';
export { inputEnv, runAction } from './run-action';
export type { WorkflowCommand } from './workflow-commands';
export { parseCommandFile, parseWorkflowCommands } from './workflow-commands';
