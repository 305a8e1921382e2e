export type {
  CommitIdentity,
  CommitSource,
  EventContext,
  EventPayload,
  ResolveCommitOptions,
} from './identity';
export { readEventContext, resolveCommit } from './identity';
export type { ShaTagOptions } from './sha-tag';
export {
  DEFAULT_SHA_LENGTH,
  isAbbreviatedSha,
  isFullSha,
  shaTag,
  shortSha,
  TAG_PATTERN,
  tombstoneTag,
} from './sha-tag';
