export type { NpmResult, NpmRunner, NpmRunOptions, NpmSession, NpmSessionOptions } from './npm-runner';
export { NPM_INSTALL_HINT, npmEnvironment, npmrcText, withNpmSession } from './npm-runner';
export { checkNpmPackageName } from './package-name';
