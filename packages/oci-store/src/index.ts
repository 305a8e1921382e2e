export type { VerifyingStreamOptions } from './digest';
export {
  computeDigest,
  createVerifyingStream,
  DigestMismatchError,
  isDigest,
  SizeMismatchError,
} from './digest';
export type { Lineage, LineageOptions } from './lineage';
export { buildLineageAnnotations, githubRunUrl, LineageAnnotations, readLineage } from './lineage';
export type { MemoryStoreCounters } from './memory-store';
export { MemoryStore } from './memory-store';
export type { ArtifactStore, BlobContent, Descriptor, Manifest, Platform } from './store';
export { MANIFEST_MEDIA_TYPES, MediaTypes } from './store';
