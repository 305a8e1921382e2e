// The runner-facing entry, `@flow-actions/action-kit/runner`: what an action's main.ts calls. It
// loads @actions/core; the main entry does not, so `flow` never loads it.
export type { ActionContext } from './run';
export { runAction } from './run';
export { setOutput } from './runner-commands';
