import { Readable } from 'node:stream';
import { type BlobSource, uploadBlobSource } from './blob-source';
import { computeDigest, createVerifyingStream, isDigest } from './digest';
import type { ArtifactStore, BlobContent, Descriptor, Manifest } from './store';

/** Counts of what a MemoryStore was asked, so unit tests can assert "no blob request was made". */
export interface MemoryStoreCounters {
  resolve: number;
  getManifest: number;
  putManifest: number;
  listTags: number;
  deleteManifest: number;
  blobRequests: number;
}

/**
 * An ArtifactStore held in memory, for the unit tests of pure cores. It keeps exact bytes and
 * verifies digests like the real backends; integration tests use the real registry instead.
 */
export class MemoryStore implements ArtifactStore {
  readonly manifests = new Map<string, Manifest>();
  readonly tags = new Map<string, string>();
  readonly blobs = new Map<string, Buffer>();
  readonly counters: MemoryStoreCounters = {
    resolve: 0,
    getManifest: 0,
    putManifest: 0,
    listTags: 0,
    deleteManifest: 0,
    blobRequests: 0,
  };
  /** Called before every write; throw from it to simulate a failure midway. */
  beforeWrite: (operation: string, reference: string) => void = () => {};

  constructor(readonly location = 'memory://test/app') {}

  async resolve(reference: string): Promise<Descriptor | undefined> {
    this.counters.resolve++;
    const manifest = this.#lookup(reference);
    return (
      manifest && { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length }
    );
  }

  async getManifest(reference: string): Promise<Manifest | undefined> {
    this.counters.getManifest++;
    const manifest = this.#lookup(reference);
    return manifest && { ...manifest, bytes: Buffer.from(manifest.bytes) };
  }

  async putManifest(reference: string, manifest: Pick<Manifest, 'bytes' | 'mediaType'>): Promise<string> {
    this.counters.putManifest++;
    this.beforeWrite('putManifest', reference);
    const digest = computeDigest(manifest.bytes);
    if (isDigest(reference) && reference !== digest) {
      throw new Error(`manifest digest ${digest} does not match the reference ${reference}`);
    }
    this.manifests.set(digest, { bytes: Buffer.from(manifest.bytes), mediaType: manifest.mediaType, digest });
    if (!isDigest(reference)) this.tags.set(reference, digest);
    return digest;
  }

  async listTags(): Promise<string[]> {
    this.counters.listTags++;
    return [...this.tags.keys()].sort();
  }

  async deleteManifest(digest: string): Promise<void> {
    this.counters.deleteManifest++;
    this.beforeWrite('deleteManifest', digest);
    this.manifests.delete(digest);
    for (const [tag, target] of this.tags) if (target === digest) this.tags.delete(tag);
  }

  async deleteTag(tag: string): Promise<boolean> {
    this.beforeWrite('deleteTag', tag);
    return this.tags.delete(tag);
  }

  async hasBlob(digest: string): Promise<boolean> {
    this.counters.blobRequests++;
    return this.blobs.has(digest);
  }

  async getBlob(digest: string): Promise<BlobContent | undefined> {
    this.counters.blobRequests++;
    const bytes = this.blobs.get(digest);
    if (!bytes) return undefined;
    return { stream: Readable.from([bytes]).pipe(createVerifyingStream(digest)), size: bytes.length };
  }

  async putBlob(digest: string, size: number, content: BlobSource): Promise<void> {
    this.counters.blobRequests++;
    this.beforeWrite('putBlob', digest);
    await uploadBlobSource(content, async (opened) => {
      const chunks: Buffer[] = [];
      if (Buffer.isBuffer(opened)) chunks.push(opened);
      else for await (const chunk of opened) chunks.push(Buffer.from(chunk as Buffer));
      const bytes = Buffer.concat(chunks);
      if (bytes.length !== size || computeDigest(bytes) !== digest) {
        throw new Error(`blob does not match ${digest} (${size} bytes)`);
      }
      this.blobs.set(digest, bytes);
    });
  }

  async mountBlob(): Promise<boolean> {
    this.counters.blobRequests++;
    return false;
  }

  #lookup(reference: string): Manifest | undefined {
    const digest = isDigest(reference) ? reference : this.tags.get(reference);
    return digest === undefined ? undefined : this.manifests.get(digest);
  }
}
