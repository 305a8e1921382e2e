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
export type { VerifyingStreamOptions } from './digest';
export {
  computeDigest,
  createVerifyingStream,
  DigestMismatchError,
  isDigest,
  SizeMismatchError,
} from './digest';
export type { LayoutStoreOptions, OpenLayoutStoreOptions } from './layout-store';
export { LayoutStore, openLayoutStore, REF_NAME_ANNOTATION } from './layout-store';
export type { Lineage, LineageOptions } from './lineage';
export { buildLineageAnnotations, githubRunUrl, LineageAnnotations, readLineage } from './lineage';
export type { Lock, LockOptions } from './lock';
export { acquireLock, LockTimeoutError, withLock } from './lock';
export type { MemoryStoreCounters } from './memory-store';
export { MemoryStore } from './memory-store';
export type { ArtifactStore, BlobContent, Descriptor, Manifest, Platform } from './store';
export { MANIFEST_MEDIA_TYPES, MediaTypes } from './store';
