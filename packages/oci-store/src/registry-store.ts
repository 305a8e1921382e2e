import { createHash } from 'node:crypto';
import { pipeline, Readable } from 'node:stream';
import type { ReadableStream } from 'node:stream/web';
import { errorMessage } from '@flow-actions/action-kit';
import { type BlobSource, discardBlobSource, uploadBlobSource } from './blob-source';
import {
  computeDigest,
  createVerifyingStream,
  DigestMismatchError,
  isDigest,
  SizeMismatchError,
} from './digest';
import { RegistryError } from './errors';
import type { RegistryReference } from './reference';
import { assertValidTag } from './reference';
import type { ArtifactStore, BlobContent, Descriptor, Manifest } from './store';
import { MANIFEST_MEDIA_TYPES } from './store';
import type { RegistryTransport } from './transport';

/** How far one blob upload has got, told as it goes (a restarted upload starts again from 0). */
export interface UploadProgress {
  /** `registry/repository` the blob goes to. */
  location: string;
  digest: string;
  /** Bytes the registry has accepted so far. */
  sent: number;
  total: number;
}

export interface RegistryStoreOptions {
  /**
   * Told when a blob upload starts, after each chunk the registry accepts, and when it is done:
   * for a progress display. Default: nothing.
   */
  onUploadProgress?: (progress: UploadProgress) => void;
  /** Blobs up to this size are uploaded in one PUT (a stream is read into memory first). Default: 8 MiB. */
  monolithicMaxBytes?: number;
  /** Size of each PATCH of a chunked upload. Default: 8 MiB. */
  chunkBytes?: number;
  /**
   * Attempts for a whole blob upload, each in a new session, when it fails temporarily (a reset,
   * a 5xx); only for content that can be read again (a Buffer, or a function that opens it). Default: 3.
   */
  uploadAttempts?: number;
}

const ACCEPT = MANIFEST_MEDIA_TYPES.join(', ');
const MIB = 1024 * 1024;
const MAX_TAG_PAGES = 10_000;
const TAG_PAGE_SIZE = 100;

/** One repository in a remote OCI registry, spoken to over the distribution API. */
export class RegistryStore implements ArtifactStore {
  readonly location: string;
  /** The registry as users name it (`docker.io`, `127.0.0.1:5000`). */
  readonly registry: string;
  readonly repository: string;
  readonly transport: RegistryTransport;
  readonly #options: RegistryStoreOptions;

  constructor(
    reference: Pick<RegistryReference, 'registry' | 'repository'>,
    transport: RegistryTransport,
    options: RegistryStoreOptions = {},
  ) {
    this.registry = reference.registry;
    this.repository = reference.repository;
    this.location = `${reference.registry}/${reference.repository}`;
    this.transport = transport;
    this.#options = options;
  }

  async resolve(reference: string): Promise<Descriptor | undefined> {
    checkReference(reference);
    const head = await this.#head(reference);
    if (!head) return undefined;
    if (head.digest && head.mediaType && head.size) {
      return { mediaType: head.mediaType, digest: head.digest, size: head.size };
    }
    // Some registries omit the digest (or the type, or the size) on HEAD: read the body, verified.
    const manifest = head.digest
      ? await this.#getByDigest(head.digest)
      : isDigest(reference)
        ? await this.#getByDigest(reference)
        : await this.#getByTag(reference, { headed: true });
    return (
      manifest && { mediaType: manifest.mediaType, digest: manifest.digest, size: manifest.bytes.length }
    );
  }

  async getManifest(reference: string): Promise<Manifest | undefined> {
    checkReference(reference);
    return isDigest(reference) ? this.#getByDigest(reference) : this.#getByTag(reference, { headed: false });
  }

  async putManifest(reference: string, manifest: Pick<Manifest, 'bytes' | 'mediaType'>): Promise<string> {
    checkReference(reference);
    const digest = computeDigest(manifest.bytes);
    if (isDigest(reference) && reference !== digest)
      throw new DigestMismatchError(`manifest for ${this.#target(reference)}`, reference, digest);
    const response = await this.transport.request({
      method: 'PUT',
      url: this.#path(`manifests/${reference}`),
      headers: { 'content-type': manifest.mediaType },
      body: manifest.bytes,
      scopes: [this.#scope('pull,push')],
      operation: 'put-manifest',
      target: this.#target(reference),
    });
    await discardBody(response);
    const stored = response.headers.get('docker-content-digest');
    if (stored?.startsWith('sha256:') && stored !== digest) {
      throw new DigestMismatchError(
        `registry ${this.transport.host} stored manifest ${this.#target(reference)}`,
        digest,
        stored,
      );
    }
    return digest;
  }

  async listTags(): Promise<string[]> {
    const tags = new Set<string>();
    const seenUrls = new Set<string>();
    let url: string | undefined = this.#path(`tags/list?n=${TAG_PAGE_SIZE}`);
    // Once a registry has paged with Link headers, a page without one is the last.
    let pagesWithLink = false;
    for (let page = 0; url && page < MAX_TAG_PAGES; page += 1) {
      seenUrls.add(url);
      const response = await this.transport.request({
        method: 'GET',
        url,
        scopes: [this.#scope('pull')],
        operation: 'list-tags',
        target: this.repository,
      });
      const body = (await response.json().catch(() => ({}))) as { tags?: unknown };
      const pageTags = Array.isArray(body.tags)
        ? body.tags.filter((tag): tag is string => typeof tag === 'string')
        : [];
      const before = tags.size;
      for (const tag of pageTags) tags.add(tag);
      // A registry that ignores `last` sends a page we already have: that is the end.
      if (tags.size === before) break;
      const next = nextLink(response.headers.get('link'));
      let candidate: string | undefined;
      if (next) {
        pagesWithLink = true;
        candidate = this.transport.resolveUrl(next);
      } else if (!pagesWithLink && pageTags.length >= TAG_PAGE_SIZE) {
        // No Link header but a full page: ask for what follows the last tag, in case there is more.
        const last = [...pageTags].sort().at(-1) ?? '';
        candidate = this.#path(`tags/list?n=${TAG_PAGE_SIZE}&last=${encodeURIComponent(last)}`);
      }
      url = candidate && !seenUrls.has(candidate) ? candidate : undefined;
    }
    return [...tags].sort();
  }

  async deleteManifest(digest: string): Promise<void> {
    if (!isDigest(digest)) throw new RangeError(`deleteManifest needs a sha256 digest, got "${digest}"`);
    const response = await this.transport.request({
      method: 'DELETE',
      url: this.#path(`manifests/${digest}`),
      scopes: [this.#scope('delete'), this.#scope('pull')],
      operation: 'delete-manifest',
      target: this.#target(digest),
      // Already gone is what the caller wanted: deleting twice is not an error.
      accept: [404],
    });
    await discardBody(response);
  }

  async hasBlob(digest: string): Promise<boolean> {
    checkDigest(digest);
    const response = await this.transport.request({
      method: 'HEAD',
      url: this.#path(`blobs/${digest}`),
      scopes: [this.#scope('pull')],
      operation: 'has-blob',
      target: this.#target(digest),
      accept: [404],
    });
    return response.status !== 404;
  }

  async getBlob(digest: string): Promise<BlobContent | undefined> {
    checkDigest(digest);
    const response = await this.transport.request({
      method: 'GET',
      url: this.#path(`blobs/${digest}`),
      scopes: [this.#scope('pull')],
      operation: 'get-blob',
      target: this.#target(digest),
      accept: [404],
    });
    if (response.status === 404 || !response.body) {
      await discardBody(response);
      return undefined;
    }
    const length = response.headers.get('content-length');
    const size = length === null ? Number.NaN : Number(length);
    const body = Readable.fromWeb(response.body as ReadableStream<Uint8Array>);
    const verifying = createVerifyingStream(digest, {
      what: `blob ${this.#target(digest)}`,
      size: Number.isFinite(size) ? size : undefined,
    });
    // pipeline hands an error of either side to the verifying stream, which the caller reads.
    const stream = pipeline(body, verifying, () => {});
    return { stream, size: Number.isFinite(size) ? size : -1 };
  }

  async putBlob(digest: string, size: number, content: BlobSource): Promise<void> {
    checkDigest(digest);
    if (await this.hasBlob(digest)) {
      discardBlobSource(content);
      return;
    }
    const target = this.#target(digest);
    // Each attempt opens a new upload session (POST): a broken one is never PATCHed or PUT into.
    await uploadBlobSource(content, (opened) => this.#upload(digest, size, opened), {
      attempts: this.#options.uploadAttempts ?? 3,
      pause: (attempt) => this.transport.pause(attempt),
      onRestart: (error, attempt, attempts) =>
        this.transport.logger.debug(
          `upload of blob ${target} failed temporarily (${errorMessage(error)}); starting a new upload session (attempt ${attempt + 1} of ${attempts})`,
        ),
    });
  }

  async mountBlob(digest: string, fromRepository: string): Promise<boolean> {
    checkDigest(digest);
    const response = await this.transport.request({
      method: 'POST',
      url: this.#path(
        `blobs/uploads/?mount=${encodeURIComponent(digest)}&from=${encodeURIComponent(fromRepository)}`,
      ),
      scopes: [this.#scope('pull,push'), `repository:${fromRepository}:pull`],
      operation: 'mount-blob',
      target: this.#target(digest),
    });
    await discardBody(response);
    if (response.status === 201) return true;
    // 202: the registry opened an upload session instead; cancel it so it does not linger.
    const location = response.headers.get('location');
    if (location) await this.#cancelUpload(location, digest);
    return false;
  }

  /** The HEAD of a manifest: its digest, type and size as the registry states them; undefined for 404. */
  async #head(
    reference: string,
  ): Promise<{ digest?: string; mediaType?: string; size?: number } | undefined> {
    const response = await this.transport.request({
      method: 'HEAD',
      url: this.#path(`manifests/${reference}`),
      headers: { accept: ACCEPT },
      scopes: [this.#scope('pull')],
      operation: 'resolve',
      target: this.#target(reference),
      accept: [404],
    });
    if (response.status === 404) return undefined;
    const digest = stateDigest(response);
    if (digest && isDigest(reference) && digest !== reference)
      throw new DigestMismatchError(this.#target(reference), reference, digest);
    const size = Number(response.headers.get('content-length'));
    return {
      ...(digest ? { digest } : {}),
      ...(contentType(response) ? { mediaType: contentType(response) } : {}),
      ...(Number.isSafeInteger(size) && size > 0 ? { size } : {}),
    };
  }

  /** A manifest by digest: the bytes must hash to it, whatever the registry says. */
  async #getByDigest(digest: string): Promise<Manifest | undefined> {
    const fetched = await this.#fetchManifest(digest);
    if (!fetched) return undefined;
    const target = this.#target(digest);
    if (fetched.manifest.digest !== digest)
      throw new DigestMismatchError(`manifest ${target}`, digest, fetched.manifest.digest);
    if (fetched.stated && fetched.stated !== digest)
      throw new DigestMismatchError(`manifest ${target}`, fetched.stated, fetched.manifest.digest);
    return fetched.manifest;
  }

  /**
   * A manifest by tag, verified against the digest the registry states for the tag (DESIGN §8
   * rule 6). The GET's Docker-Content-Digest header states it; when the GET omits it, the tag's
   * HEAD does, and a body that does not hash to that digest (the tag moved in between, or the
   * body was altered on the way) is read again by the digest. When neither states one, the bytes
   * cannot be tied to the tag and are refused rather than trusted. `headed`: the caller's HEAD
   * already stated no digest.
   */
  async #getByTag(tag: string, { headed }: { headed: boolean }): Promise<Manifest | undefined> {
    const fetched = await this.#fetchManifest(tag);
    if (!fetched) return undefined;
    const { manifest, stated } = fetched;
    const target = this.#target(tag);
    if (stated) {
      if (stated !== manifest.digest)
        throw new DigestMismatchError(`manifest ${target}`, stated, manifest.digest);
      return manifest;
    }
    const head = headed ? { digest: undefined } : await this.#head(tag);
    // Deleted between the GET and the HEAD: absent now.
    if (!head) return undefined;
    if (!head.digest) {
      throw new RegistryError(
        `registry ${this.transport.host} states no digest (no Docker-Content-Digest header on GET or HEAD) for manifest ${target}: its bytes cannot be checked against the tag, so they are refused: refer to it by digest (${this.repository}@sha256:…), or reach the registry without a proxy that strips the header`,
        {
          status: 200,
          temporary: false,
          operation: 'get-manifest',
          url: this.transport.redactUrl(this.#path(`manifests/${tag}`)),
        },
      );
    }
    return head.digest === manifest.digest ? manifest : this.#getByDigest(head.digest);
  }

  /** One manifest GET: the exact bytes, their media type and digest, and the digest the registry stated. */
  async #fetchManifest(reference: string): Promise<{ manifest: Manifest; stated?: string } | undefined> {
    const target = this.#target(reference);
    const response = await this.transport.request({
      method: 'GET',
      url: this.#path(`manifests/${reference}`),
      headers: { accept: ACCEPT },
      scopes: [this.#scope('pull')],
      operation: 'get-manifest',
      target,
      accept: [404],
    });
    if (response.status === 404) {
      await discardBody(response);
      return undefined;
    }
    const bytes = Buffer.from(await response.arrayBuffer());
    const mediaType = contentType(response) ?? mediaTypeFromBody(bytes);
    if (!mediaType) {
      throw new RegistryError(
        `registry ${this.transport.host} sent manifest ${target} without a media type: cannot store it exactly`,
        {
          status: response.status,
          temporary: false,
          operation: 'get-manifest',
          url: this.transport.redactUrl(this.#path(`manifests/${reference}`)),
        },
      );
    }
    const stated = stateDigest(response);
    return { manifest: { bytes, mediaType, digest: computeDigest(bytes) }, ...(stated ? { stated } : {}) };
  }

  #path(rest: string): string {
    return `/v2/${this.repository}/${rest}`;
  }

  #scope(actions: string): string {
    return `repository:${this.repository}:${actions}`;
  }

  #target(reference: string): string {
    return `${this.repository}${isDigest(reference) ? '@' : ':'}${reference}`;
  }

  async #startUpload(digest: string): Promise<string> {
    const response = await this.transport.request({
      method: 'POST',
      url: this.#path('blobs/uploads/'),
      scopes: [this.#scope('pull,push')],
      operation: 'put-blob',
      target: this.#target(digest),
    });
    await discardBody(response);
    const location = response.headers.get('location');
    if (!location) {
      throw new RegistryError(
        `registry ${this.transport.host} opened an upload for ${this.#target(digest)} without a Location`,
        {
          status: response.status,
          temporary: false,
          operation: 'put-blob',
          url: this.transport.redactUrl(this.#path('blobs/uploads/')),
        },
      );
    }
    return this.transport.resolveUrl(location);
  }

  /** One whole upload in a session of its own: a single PUT up to monolithicMaxBytes, else PATCH chunks. */
  async #upload(digest: string, size: number, content: Buffer | Readable): Promise<void> {
    const what = `blob ${this.#target(digest)}`;
    this.#progress(digest, 0, size);
    if (Buffer.isBuffer(content) || size <= (this.#options.monolithicMaxBytes ?? 8 * MIB)) {
      const bytes = Buffer.isBuffer(content) ? content : await readAll(content, size, what);
      verifyBytes(bytes, digest, size, what);
      await this.#uploadMonolithic(digest, bytes);
    } else {
      await this.#uploadChunked(digest, size, content);
    }
    this.#progress(digest, size, size);
  }

  #progress(digest: string, sent: number, total: number): void {
    this.#options.onUploadProgress?.({ location: this.location, digest, sent, total });
  }

  async #uploadMonolithic(digest: string, bytes: Buffer): Promise<void> {
    const location = await this.#startUpload(digest);
    const response = await this.transport.request({
      method: 'PUT',
      url: withDigest(location, digest),
      headers: { 'content-type': 'application/octet-stream' },
      body: bytes,
      scopes: [this.#scope('pull,push')],
      operation: 'put-blob',
      target: this.#target(digest),
      replayable: false,
    });
    await discardBody(response);
    this.#checkStoredDigest(response, digest);
  }

  async #uploadChunked(digest: string, size: number, content: Readable): Promise<void> {
    const chunkBytes = this.#options.chunkBytes ?? 8 * MIB;
    const target = this.#target(digest);
    let location = await this.#startUpload(digest);
    const hash = createHash('sha256');
    let offset = 0;
    try {
      for await (const chunk of chunksOf(content, chunkBytes)) {
        hash.update(chunk);
        const response = await this.transport.request({
          method: 'PATCH',
          url: location,
          headers: {
            'content-type': 'application/octet-stream',
            'content-range': `${offset}-${offset + chunk.length - 1}`,
            'content-length': String(chunk.length),
          },
          body: chunk,
          scopes: [this.#scope('pull,push')],
          operation: 'put-blob',
          target,
          replayable: false,
        });
        await discardBody(response);
        offset += chunk.length;
        if (offset < size) this.#progress(digest, offset, size);
        const next = response.headers.get('location');
        if (next) location = this.transport.resolveUrl(next);
      }
      const actual = `sha256:${hash.digest('hex')}`;
      if (offset !== size) throw new SizeMismatchError(`blob ${target}`, size, offset);
      if (actual !== digest) throw new DigestMismatchError(`blob ${target}`, digest, actual);
    } catch (error) {
      await this.#cancelUpload(location, digest);
      throw error;
    }
    const response = await this.transport.request({
      method: 'PUT',
      url: withDigest(location, digest),
      scopes: [this.#scope('pull,push')],
      operation: 'put-blob',
      target,
      replayable: false,
    });
    await discardBody(response);
    this.#checkStoredDigest(response, digest);
  }

  #checkStoredDigest(response: Response, digest: string): void {
    const stored = response.headers.get('docker-content-digest');
    if (stored?.startsWith('sha256:') && stored !== digest) {
      throw new DigestMismatchError(
        `registry ${this.transport.host} stored blob ${this.#target(digest)}`,
        digest,
        stored,
      );
    }
  }

  async #cancelUpload(location: string, digest: string): Promise<void> {
    try {
      const response = await this.transport.request({
        method: 'DELETE',
        url: this.transport.resolveUrl(location),
        scopes: [this.#scope('pull,push')],
        operation: 'put-blob',
        target: this.#target(digest),
        accept: [404, 405],
        replayable: false,
      });
      await discardBody(response);
    } catch {
      // Best effort: registries expire abandoned upload sessions on their own.
    }
  }
}

function checkReference(reference: string): void {
  if (reference.startsWith('sha256:')) checkDigest(reference);
  else assertValidTag(reference);
}

function checkDigest(digest: string): void {
  if (!isDigest(digest))
    throw new RangeError(
      `"${digest}" is not a sha256 digest (sha256: followed by 64 lower-case hex characters)`,
    );
}

/** The sha256 digest a response states in Docker-Content-Digest; another algorithm cannot be checked here. */
function stateDigest(response: Response): string | undefined {
  const digest = response.headers.get('docker-content-digest')?.trim();
  return isDigest(digest) ? digest : undefined;
}

function contentType(response: Response): string | undefined {
  const value = response.headers.get('content-type');
  return value ? (value.split(';')[0] ?? '').trim() || undefined : undefined;
}

function mediaTypeFromBody(bytes: Buffer): string | undefined {
  try {
    const parsed = JSON.parse(bytes.toString('utf8')) as { mediaType?: unknown };
    return typeof parsed.mediaType === 'string' ? parsed.mediaType : undefined;
  } catch {
    return undefined;
  }
}

/** Reads an unwanted body to the end, so the connection goes back to the pool. */
async function discardBody(response: Response): Promise<void> {
  await response.arrayBuffer().catch(() => undefined);
}

function withDigest(location: string, digest: string): string {
  const url = new URL(location);
  url.searchParams.set('digest', digest);
  return url.toString();
}

/** The `rel="next"` target of a Link header. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const match = /<([^>]+)>\s*;.*\brel="?next"?/i.exec(part);
    if (match?.[1]) return match[1];
  }
  return undefined;
}

function verifyBytes(bytes: Buffer, digest: string, size: number, what: string): void {
  if (bytes.length !== size) throw new SizeMismatchError(what, size, bytes.length);
  const actual = computeDigest(bytes);
  if (actual !== digest) throw new DigestMismatchError(what, digest, actual);
}

async function readAll(stream: Readable, size: number, what: string): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of stream) {
    const buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    total += buffer.length;
    if (total > size) {
      stream.destroy();
      throw new SizeMismatchError(what, size, total);
    }
    chunks.push(buffer);
  }
  return Buffer.concat(chunks, total);
}

/** Re-cuts a stream into chunks of exactly `size` bytes (the last may be shorter). */
async function* chunksOf(stream: Readable, size: number): AsyncGenerator<Buffer> {
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  for await (const chunk of stream) {
    let buffer = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk as Uint8Array);
    while (pendingBytes + buffer.length >= size) {
      const take = size - pendingBytes;
      pending.push(buffer.subarray(0, take));
      yield Buffer.concat(pending, size);
      buffer = buffer.subarray(take);
      pending = [];
      pendingBytes = 0;
    }
    if (buffer.length > 0) {
      pending.push(buffer);
      pendingBytes += buffer.length;
    }
  }
  if (pendingBytes > 0) yield Buffer.concat(pending, pendingBytes);
}
