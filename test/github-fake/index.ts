export type { FactoryContext, JsonRecord, JsonValue, ReviewSeed, ReviewState } from './factories';
export { makeRepository, makeUser, shaOf } from './factories';
export type {
  GitHubFake,
  GitHubFakeOptions,
  GitHubFakeSeeder,
  GitHubFakeState,
  PackageVersionsSeed,
  RecordedRequest,
  SchemaViolation,
  ScriptedFault,
} from './github-fake';
export { packageKey, startGitHubFake } from './github-fake';
export { getOperation, validateRequest, validateResponse } from './openapi';
export type { PermissionLevel, Permissions } from './permissions';
export { permits, REQUIRED_PERMISSIONS, toPermissions } from './permissions';
