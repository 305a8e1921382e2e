export type { PackArchiveOptions, PackedArchive, UnpackArchiveOptions, UnpackedArchive } from './archive';
export {
  ARCHIVE_ARTIFACT_TYPE,
  EMPTY_CONFIG,
  EMPTY_CONFIG_DESCRIPTOR,
  isArchiveManifest,
  packArchive,
  TITLE_ANNOTATION,
  unpackArchive,
} from './archive';
export type { BlobSource, UploadAttemptOptions } from './blob-source';
export type { CopyOptions, CopyResult } from './copy';
export { copyArtifact } from './copy';
export type { Credentials, ResolveCredentialsOptions } from './credentials';
export { resolveCredentials, sameRegistry } from './credentials';
export type { VerifyingStreamOptions } from './digest';
export {
  computeDigest,
  createVerifyingStream,
  DigestMismatchError,
  isDigest,
  SizeMismatchError,
} from './digest';
export type {
  AccessRefusal,
  ImmutabilitySetting,
  RegistryErrorDetails,
  RegistryOperation,
  SpecError,
} from './errors';
export {
  ImmutableTagRefusedError,
  isImmutableTagRefusedError,
  isRegistryError,
  parseSpecErrors,
  RegistryError,
} from './errors';
export type { LayoutStoreOptions, OpenLayoutStoreOptions } from './layout-store';
export { LayoutStore, openLayoutStore, REF_NAME_ANNOTATION } from './layout-store';
export type { Lineage, LineageOptions } from './lineage';
export {
  buildLineageAnnotations,
  DIRTY_REVISION_SUFFIX,
  githubRepositoryUrl,
  githubRunUrl,
  LineageAnnotations,
  readLineage,
} from './lineage';
export type { Lock, LockOptions } from './lock';
export { acquireLock, LockTimeoutError, withLock } from './lock';
export type { MemoryStoreCounters } from './memory-store';
export { MemoryStore } from './memory-store';
export type { OpenStoreOptions } from './open-store';
export { openStore } from './open-store';
export type { LayoutReference, ParseReferenceOptions, Reference, RegistryReference } from './reference';
export {
  apiHostOf,
  assertValidTag,
  DOCKER_HUB,
  DOCKER_LOGIN,
  formatReference,
  hasVersion,
  isDockerHub,
  isValidTag,
  parseReference,
  parseRegistryOnlyReference,
  REGISTRY_CREDENTIALS_GO,
  REGISTRY_LOGIN,
} from './reference';
export type { RegistryStoreOptions, UploadProgress } from './registry-store';
export { RegistryStore } from './registry-store';
export type { ArtifactStore, BlobContent, Descriptor, Manifest, Platform } from './store';
export { MANIFEST_MEDIA_TYPES, MediaTypes } from './store';
export type { FetchLike, TransportOptions, TransportRequest } from './transport';
export {
  isLoopback,
  isPlainHttpAllowed,
  isTransientError,
  parseChallenge,
  RegistryTransport,
  retryAfterMs,
  USER_AGENT,
} from './transport';
