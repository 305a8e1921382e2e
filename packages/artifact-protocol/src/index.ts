export type { RegistryInputs } from './action-inputs';
export { getRegistryInputs, getSettleMs, getShaTagInputs } from './action-inputs';
export type { ImmutableTagPolicy } from './immutable-tags';
export {
  createImmutableTagPolicy,
  createTagPatternMatcher,
  DEFAULT_IMMUTABLE_PATTERNS,
  SHA_TAGS,
} from './immutable-tags';
export type { RevisionCheck, RevisionLineage } from './revision';
export { describeUncommitted, judgeRevision, readRevision, verifyRevision } from './revision';
export type {
  ApplyTagPlanOptions,
  PlannedTag,
  TagChange,
  TagConflict,
  TagPlan,
  TagWrite,
  TagWriteResult,
} from './tag-plan';
export {
  applyTagPlans,
  ConcurrentTagWriteError,
  DEFAULT_SETTLE_MS,
  planTags,
} from './tag-plan';
export type { Tombstone, TombstoneInput, YankMode, YankRemains } from './tombstone';
export {
  buildTombstoneManifest,
  findYankRemains,
  readTombstone,
  TOMBSTONE_ARTIFACT_TYPE,
  TombstoneAnnotations,
  writeTombstone,
  yankedError,
} from './tombstone';
