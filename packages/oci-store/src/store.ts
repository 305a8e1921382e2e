import type { Readable } from 'node:stream';
import type { BlobSource } from './blob-source';

/** OCI and Docker media types the store knows by name. */
export const MediaTypes = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayerTarGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
} as const;

/**
 * Every manifest media type, sent as the Accept list on every manifest GET: a partial list makes
 * some registries hand back one platform of a multi-platform image.
 */
export const MANIFEST_MEDIA_TYPES: readonly string[] = [
  MediaTypes.ociIndex,
  MediaTypes.ociManifest,
  MediaTypes.dockerManifestList,
  MediaTypes.dockerManifest,
];

export interface Platform {
  architecture: string;
  os: string;
  variant?: string;
  'os.version'?: string;
  'os.features'?: string[];
}

/** An OCI content descriptor. */
export interface Descriptor {
  mediaType: string;
  digest: string;
  size: number;
  annotations?: Record<string, string>;
  artifactType?: string;
  platform?: Platform;
  urls?: string[];
}

/** A manifest exactly as stored: its bytes are what the digest is computed over, never re-serialised. */
export interface Manifest {
  bytes: Buffer;
  mediaType: string;
  /** `sha256:<hex>` of `bytes`, verified on every read. */
  digest: string;
}

/** The content of a blob as a stream that errors if the bytes do not match the digest. */
export interface BlobContent {
  stream: Readable;
  size: number;
}

/**
 * One repository of artifacts: a repository in a remote OCI registry, or a local OCI image layout
 * (`oci:<dir>`). Every action reads and writes artifacts only through this interface.
 *
 * `reference` arguments are a tag or a `sha256:` digest. "Not found" is `undefined`, never an
 * exception; every other failure throws (a `RegistryError` for registry answers).
 */
export interface ArtifactStore {
  /** Human-readable location, e.g. `ghcr.io/acme/api` or `oci:/tmp/layout`, for messages and summaries. */
  readonly location: string;

  /** Resolves a tag or digest to the manifest's descriptor, without fetching the body where possible (HEAD). */
  resolve(reference: string): Promise<Descriptor | undefined>;

  /** The manifest's exact bytes and media type; the digest is verified against the bytes. */
  getManifest(reference: string): Promise<Manifest | undefined>;

  /**
   * Stores manifest bytes exactly as given under a tag or under their digest, and returns the
   * digest of the bytes. All blobs and child manifests it references must already be present.
   */
  putManifest(reference: string, manifest: Pick<Manifest, 'bytes' | 'mediaType'>): Promise<string>;

  /**
   * Points `tag` at the manifest only if the tag does not exist yet, as one atomic step, and
   * returns the digest the tag holds afterwards: this manifest's when it was created now or already
   * named it, another's when someone else created the tag first. Only backends that can compare and
   * swap implement it (a local layout, under its index lock); a registry cannot, and immutable tags
   * written there are guarded by reading them again after a settle interval instead.
   */
  createTag?(
    tag: string,
    manifest: Pick<Manifest, 'bytes' | 'mediaType'>,
  ): Promise<{ digest: string; created: boolean }>;

  /** Every tag in the repository, sorted, across all pages. */
  listTags(): Promise<string[]>;

  /** Deletes a manifest by digest (every tag on it goes with it). */
  deleteManifest(digest: string): Promise<void>;

  /**
   * Removes one tag and leaves the manifest and its other tags; false when the tag was absent.
   * Only backends that can (a local layout) implement it: registries delete manifests, not tags.
   */
  deleteTag?(tag: string): Promise<boolean>;

  hasBlob(digest: string): Promise<boolean>;

  /** Streams a blob; the stream fails if its bytes do not hash to `digest`. */
  getBlob(digest: string): Promise<BlobContent | undefined>;

  /**
   * Uploads a blob (streamed when given a stream); verifies the digest of what was sent.
   * A blob that is already present is not uploaded again. Content that can be read again (a
   * Buffer, or a function that opens it) is uploaded again from the start when an attempt fails
   * temporarily; give a function whenever the content can be reopened.
   */
  putBlob(digest: string, size: number, content: BlobSource): Promise<void>;

  /**
   * Makes a blob from another repository of the same backend available here without
   * transferring it. Returns false when the backend could not mount it (the caller uploads instead).
   */
  mountBlob(digest: string, fromRepository: string): Promise<boolean>;
}
