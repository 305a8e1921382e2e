export type {
  BareRepository,
  CreateBareRepositoryOptions,
  GitRequest,
  GitServerOptions,
  RunningGitServer,
} from './git-server';
export { GIT_INSTALL, startGitServer } from './git-server';
export type { ManagedProcess, StopProcessOptions, WaitForHttpOptions } from './processes';
export { findFreePort, listRunningPids, requireBinary, waitForHttp } from './processes';
export type { RegistryOptions, RunningRegistry } from './registry';
export { REGISTRY_BINARY, REGISTRY_INSTALL, startRegistry } from './registry';
export type {
  RunningTokenServer,
  TokenAccess,
  TokenAccount,
  TokenRequest,
  TokenServerOptions,
} from './token-server';
export { startTokenServer } from './token-server';
export type { RunningVerdaccio, VerdaccioOptions } from './verdaccio';
export { startVerdaccio, VERDACCIO_INSTALL } from './verdaccio';
