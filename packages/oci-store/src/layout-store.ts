import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { link, mkdir, open, readFile, rename, stat, unlink } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { ConfigurationError } from '@flow-actions/action-kit';
import { type BlobSource, discardBlobSource, uploadBlobSource } from './blob-source';
import { computeDigest, createVerifyingStream, DigestMismatchError, isDigest } from './digest';
import { type LockOptions, withLock } from './lock';
import { isValidTag } from './reference';
import type { ArtifactStore, BlobContent, Descriptor, Manifest } from './store';
import { MANIFEST_MEDIA_TYPES, MediaTypes } from './store';

/** The annotation that names a tag in an OCI image layout's index.json (skopeo's and umoci's convention). */
export const REF_NAME_ANNOTATION = 'org.opencontainers.image.ref.name';

/** Names other tools may have written (OCI ref.name grammar, plus `_`): what this store reads. */
const REF_NAME_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._:@+/-]{0,254}$/;
/** Registries commonly cap manifests at 4 MiB; a bigger "manifest" is not one. */
const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
const LAYOUT_VERSION = '1.0.0';

export interface LayoutStoreOptions {
  /** Passed to the index.json lock. Default: the lock's defaults (60 s timeout, 30 s stale). */
  lock?: LockOptions;
}

export interface OpenLayoutStoreOptions extends LayoutStoreOptions {
  /** Create the directory, `oci-layout` and `index.json` when missing. Default: false (a missing layout is an error). */
  create?: boolean;
}

interface IndexFile {
  schemaVersion: number;
  mediaType?: string;
  manifests: Descriptor[];
  [key: string]: unknown;
}

/**
 * An OCI image layout (`oci:<dir>`) as an ArtifactStore: the embedded default store.
 *
 * - Tags are `org.opencontainers.image.ref.name` annotations on index.json entries, one entry per
 *   tag as skopeo writes them; a digest may sit under several tags, and a manifest put by digest
 *   gets an untagged entry.
 * - Blobs and index.json are written to a temp file in the layout, fsynced, then renamed into place,
 *   so a reader never sees a partial file. Every read-modify-write of index.json runs under a lock
 *   file (see lock.ts), so concurrent writers — other processes included — never lose an update.
 * - Nothing is written until the first write: a new directory gets `oci-layout` and `index.json` then.
 * - Deleting a manifest removes its index entries and its manifest blob, but leaves the config and
 *   layer blobs: they may be shared with other manifests, or belong to a manifest another writer is
 *   uploading right now, and the layout stays valid either way (`umoci gc` reclaims them).
 */
export class LayoutStore implements ArtifactStore {
  readonly location: string;
  readonly dir: string;
  private readonly lockOptions: LockOptions;

  constructor(dir: string, options: LayoutStoreOptions = {}) {
    if (!dir) throw new ConfigurationError('An OCI layout needs a directory: use oci:<dir>.');
    this.dir = resolve(dir);
    this.location = `oci:${this.dir}`;
    this.lockOptions = options.lock ?? {};
  }

  async resolve(reference: string): Promise<Descriptor | undefined> {
    const found = await this.findManifest(reference);
    return found?.descriptor;
  }

  async getManifest(reference: string): Promise<Manifest | undefined> {
    const found = await this.findManifest(reference);
    if (!found) return undefined;
    const bytes = found.bytes ?? (await this.readManifestBlob(found.descriptor.digest));
    if (!bytes) {
      throw new Error(
        `${this.location}: index.json names ${found.descriptor.digest} for "${reference}" but its blob is missing; the layout is damaged.`,
      );
    }
    if (bytes.length !== found.descriptor.size) {
      throw new Error(
        `${this.location}: index.json gives ${found.descriptor.digest} a size of ${found.descriptor.size} but the blob has ${bytes.length} bytes; the layout is damaged.`,
      );
    }
    return { bytes, mediaType: found.descriptor.mediaType, digest: found.descriptor.digest };
  }

  async putManifest(reference: string, manifest: Pick<Manifest, 'bytes' | 'mediaType'>): Promise<string> {
    return (await this.#put(reference, manifest, false)).digest;
  }

  /** Under the index lock, the check and the write are one step: no other writer slips in between. */
  createTag(
    tag: string,
    manifest: Pick<Manifest, 'bytes' | 'mediaType'>,
  ): Promise<{ digest: string; created: boolean }> {
    return this.#put(tag, manifest, true);
  }

  async #put(
    reference: string,
    manifest: Pick<Manifest, 'bytes' | 'mediaType'>,
    onlyIfAbsent: boolean,
  ): Promise<{ digest: string; created: boolean }> {
    const digest = computeDigest(manifest.bytes);
    const tag = isDigest(reference) ? undefined : reference;
    if (tag === undefined && reference !== digest) {
      throw new ConfigurationError(
        `Cannot put manifest under ${reference} in ${this.location}: its bytes hash to ${digest}; put it by that digest or by a tag.`,
      );
    }
    if (tag !== undefined) assertTag(tag, this.location);
    const parsed = parseManifest(manifest.bytes, manifest.mediaType, this.location);
    for (const child of referencedDigests(parsed)) {
      if (!(await this.hasBlob(child))) {
        throw new Error(
          `Cannot put manifest ${digest} in ${this.location}: it references ${child}, which is not in the layout; put that blob or manifest first.`,
        );
      }
    }
    const entry: Descriptor = { mediaType: manifest.mediaType, digest, size: manifest.bytes.length };
    if (typeof parsed.artifactType === 'string') entry.artifactType = parsed.artifactType;
    if (tag !== undefined) entry.annotations = { [REF_NAME_ANNOTATION]: tag };

    await this.ensureLayoutFile();
    let holds = digest;
    let created = false;
    await this.updateIndex(async (index) => {
      if (onlyIfAbsent) {
        const existing = index.manifests.find((m) => refName(m) === tag);
        if (existing) {
          holds = existing.digest;
          return false;
        }
      }
      // Written under the lock, so a concurrent deleteManifest cannot remove it between write and index update.
      await this.writeBlobBytes(digest, manifest.bytes);
      created = onlyIfAbsent;
      if (tag === undefined) {
        if (index.manifests.some((m) => m.digest === digest)) return false;
        index.manifests.push(entry);
        return true;
      }
      // A tagged entry makes an untagged one for the same digest redundant.
      const kept = index.manifests.filter((m) => !(m.digest === digest && refName(m) === undefined));
      const at = kept.findIndex((m) => refName(m) === tag);
      // Re-putting a tag where it already is changes nothing: index.json is not rewritten.
      if (
        at >= 0 &&
        kept.length === index.manifests.length &&
        JSON.stringify(kept[at]) === JSON.stringify(entry)
      ) {
        return false;
      }
      if (at >= 0) kept[at] = entry;
      else kept.push(entry);
      index.manifests = kept;
      return true;
    });
    return { digest: holds, created };
  }

  async listTags(): Promise<string[]> {
    const index = await this.readIndex();
    const tags = new Set<string>();
    for (const m of index?.manifests ?? []) {
      const name = refName(m);
      if (name !== undefined) tags.add(name);
    }
    return [...tags].sort();
  }

  async deleteManifest(digest: string): Promise<void> {
    assertDigest(digest, this.location);
    if (!(await this.readIndex())) return;
    await this.updateIndex(async (index) => {
      const before = index.manifests.length;
      index.manifests = index.manifests.filter((m) => m.digest !== digest);
      // A tagged index that lists this manifest as a platform still needs its bytes.
      if (!(await this.isChildOfIndexed(index, digest))) {
        await unlink(this.blobPath(digest)).catch(ignoreMissing);
      }
      return index.manifests.length !== before;
    });
  }

  /** Removes one tag, leaving the manifest (and any other tag on it) in place. False when the tag was absent. */
  async deleteTag(tag: string): Promise<boolean> {
    assertReadableTag(tag, this.location);
    if (!(await this.readIndex())) return false;
    let removed = false;
    await this.updateIndex(async (index) => {
      const before = index.manifests.length;
      index.manifests = index.manifests.filter((m) => refName(m) !== tag);
      removed = index.manifests.length !== before;
      return removed;
    });
    return removed;
  }

  async hasBlob(digest: string): Promise<boolean> {
    assertDigest(digest, this.location);
    try {
      return (await stat(this.blobPath(digest))).isFile();
    } catch (error) {
      ignoreMissing(error);
      return false;
    }
  }

  async getBlob(digest: string): Promise<BlobContent | undefined> {
    assertDigest(digest, this.location);
    let handle: Awaited<ReturnType<typeof open>>;
    try {
      handle = await open(this.blobPath(digest), 'r');
    } catch (error) {
      ignoreMissing(error);
      return undefined;
    }
    const size = (await handle.stat()).size;
    const verifier = createVerifyingStream(digest, { size, what: `${this.location} blob ${digest}` });
    // pipeline carries a read error into the verifier, and a consumer's destroy back to the file.
    pipeline(handle.createReadStream(), verifier).catch(() => undefined);
    return { stream: verifier, size };
  }

  async putBlob(digest: string, size: number, content: BlobSource): Promise<void> {
    assertDigest(digest, this.location);
    if (!Number.isSafeInteger(size) || size < 0) {
      throw new Error(`Invalid size ${size} for blob ${digest}: expected a non-negative integer.`);
    }
    if (await this.hasBlob(digest)) {
      discardBlobSource(content);
      return;
    }
    await this.ensureLayoutFile();
    // A source cut off on its way (another store's blob) starts over into a new temp file.
    await uploadBlobSource(content, (opened) =>
      this.writeAtomically(this.blobPath(digest), async (tempPath) => {
        await pipeline(
          Buffer.isBuffer(opened) ? Readable.from([opened]) : opened,
          createVerifyingStream(digest, { size, what: `${this.location} blob ${digest}` }),
          createWriteStream(tempPath, { flags: 'wx' }),
        );
      }),
    );
  }

  /**
   * Makes a blob of another layout on this machine (`<dir>` or `oci:<dir>`) present here: a hard
   * link on the same filesystem, else a verified copy. False when the other layout lacks the blob.
   */
  async mountBlob(digest: string, fromRepository: string): Promise<boolean> {
    assertDigest(digest, this.location);
    const from = new LayoutStore(fromRepository.replace(/^oci:/, ''));
    if (from.dir === this.dir) return this.hasBlob(digest);
    if (!(await from.hasBlob(digest))) return false;
    if (await this.hasBlob(digest)) return true;
    await this.ensureLayoutFile();
    try {
      await link(from.blobPath(digest), this.blobPath(digest));
      return true;
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      if (code === 'EEXIST') return true;
      if (code !== 'EXDEV' && code !== 'EPERM' && code !== 'EMLINK') throw error;
    }
    const size = (await stat(from.blobPath(digest))).size;
    await this.putBlob(digest, size, createReadStream(from.blobPath(digest)));
    return true;
  }

  // ---- index and layout files ----

  private get indexPath(): string {
    return join(this.dir, 'index.json');
  }

  private blobPath(digest: string): string {
    return join(this.dir, 'blobs', 'sha256', digest.slice('sha256:'.length));
  }

  private async readIndex(): Promise<IndexFile | undefined> {
    let text: string;
    try {
      text = await readFile(this.indexPath, 'utf8');
    } catch (error) {
      ignoreMissing(error);
      return undefined;
    }
    let value: unknown;
    try {
      value = JSON.parse(text);
    } catch (error) {
      throw new Error(`${this.location}: index.json is not valid JSON (${(error as Error).message}).`, {
        cause: error,
      });
    }
    const index = value as Partial<IndexFile> | null;
    if (!index || typeof index !== 'object' || index.schemaVersion !== 2 || !Array.isArray(index.manifests)) {
      throw new Error(
        `${this.location}: index.json is not an OCI image index (schemaVersion 2 with a manifests array).`,
      );
    }
    return index as IndexFile;
  }

  /** Read-modify-write of index.json under the lock; `change` returns false when nothing changed. */
  private async updateIndex(change: (index: IndexFile) => Promise<boolean>): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    await withLock(
      join(this.dir, 'index.json.lock'),
      async () => {
        const index = (await this.readIndex()) ?? {
          schemaVersion: 2,
          mediaType: MediaTypes.ociIndex,
          manifests: [],
        };
        if (!(await change(index))) return;
        await this.writeAtomically(this.indexPath, async (tempPath) => {
          const handle = await open(tempPath, 'wx');
          try {
            await handle.writeFile(JSON.stringify(index));
            await handle.sync();
          } finally {
            await handle.close();
          }
        });
      },
      this.lockOptions,
    );
  }

  /** Writes `oci-layout` if missing, and refuses a layout of a version this store does not know. */
  private async ensureLayoutFile(): Promise<void> {
    const path = join(this.dir, 'oci-layout');
    try {
      const text = await readFile(path, 'utf8');
      const version = (JSON.parse(text) as { imageLayoutVersion?: unknown }).imageLayoutVersion;
      if (version !== LAYOUT_VERSION) {
        throw new ConfigurationError(
          `${this.location}: oci-layout declares imageLayoutVersion ${JSON.stringify(version)}; only ${LAYOUT_VERSION} is supported.`,
        );
      }
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    await mkdir(join(this.dir, 'blobs', 'sha256'), { recursive: true });
    await this.writeAtomically(path, async (tempPath) => {
      const handle = await open(tempPath, 'wx');
      try {
        await handle.writeFile(JSON.stringify({ imageLayoutVersion: LAYOUT_VERSION }));
        await handle.sync();
      } finally {
        await handle.close();
      }
    });
  }

  /** Creates the layout's directory, `oci-layout` and an empty `index.json` now. */
  async initialize(): Promise<void> {
    await this.ensureLayoutFile();
    if (await this.readIndex()) return;
    await this.updateIndex(async () => true);
  }

  /**
   * Temp file in the layout (same filesystem, so the rename is atomic), fsynced by `write`, renamed
   * over the target, then the directory fsynced so the rename itself survives a crash.
   */
  private async writeAtomically(target: string, write: (tempPath: string) => Promise<void>): Promise<void> {
    await mkdir(dirname(target), { recursive: true });
    const tempPath = join(this.dir, `.tmp-${randomBytes(8).toString('hex')}`);
    try {
      await write(tempPath);
      if (target.startsWith(join(this.dir, 'blobs'))) await fsyncFile(tempPath);
      await rename(tempPath, target);
    } catch (error) {
      await unlink(tempPath).catch(() => undefined);
      throw error;
    }
    await fsyncDirectory(dirname(target));
  }

  private async writeBlobBytes(digest: string, bytes: Buffer): Promise<void> {
    if (await this.hasBlob(digest)) return;
    await this.putBlob(digest, bytes.length, bytes);
  }

  private async readManifestBlob(digest: string): Promise<Buffer | undefined> {
    let bytes: Buffer;
    try {
      const size = (await stat(this.blobPath(digest))).size;
      if (size > MAX_MANIFEST_BYTES) return undefined;
      bytes = await readFile(this.blobPath(digest));
    } catch (error) {
      ignoreMissing(error);
      return undefined;
    }
    const actual = computeDigest(bytes);
    if (actual !== digest) {
      throw new DigestMismatchError(`${this.location} blob ${digest}`, digest, actual);
    }
    return bytes;
  }

  private async findManifest(
    reference: string,
  ): Promise<{ descriptor: Descriptor; bytes?: Buffer } | undefined> {
    if (isDigest(reference)) {
      const index = await this.readIndex();
      const entry = index?.manifests.find((m) => m.digest === reference);
      if (entry) return { descriptor: plainDescriptor(entry) };
      // Not in index.json — maybe a platform manifest of an indexed image index, stored only as a blob.
      const bytes = await this.readManifestBlob(reference);
      if (!bytes) return undefined;
      const mediaType = sniffManifestMediaType(bytes);
      if (!mediaType) return undefined;
      return { descriptor: { mediaType, digest: reference, size: bytes.length }, bytes };
    }
    assertReadableTag(reference, this.location);
    const index = await this.readIndex();
    const entry = index?.manifests.find((m) => refName(m) === reference);
    if (!entry) return undefined;
    if (!isDigest(entry.digest)) {
      throw new Error(
        `${this.location}: index.json entry for "${reference}" has an unsupported digest ${entry.digest}.`,
      );
    }
    return { descriptor: plainDescriptor(entry) };
  }

  private async isChildOfIndexed(index: IndexFile, digest: string): Promise<boolean> {
    for (const entry of index.manifests) {
      if (entry.mediaType !== MediaTypes.ociIndex && entry.mediaType !== MediaTypes.dockerManifestList)
        continue;
      const bytes = await this.readManifestBlob(entry.digest).catch(() => undefined);
      if (!bytes) continue;
      const parsed = JSON.parse(bytes.toString('utf8')) as { manifests?: { digest?: unknown }[] };
      if (parsed.manifests?.some((m) => m.digest === digest)) return true;
    }
    return false;
  }
}

/**
 * Opens an OCI image layout. With `create`, makes the directory, `oci-layout` and `index.json` now;
 * without it, a directory that is not a layout is an error that says so.
 */
export async function openLayoutStore(
  dir: string,
  options: OpenLayoutStoreOptions = {},
): Promise<LayoutStore> {
  const store = new LayoutStore(dir, options);
  if (options.create) {
    await store.initialize();
    return store;
  }
  try {
    await stat(join(store.dir, 'oci-layout'));
  } catch {
    throw new ConfigurationError(
      `${store.location} is not an OCI image layout (no oci-layout file); point at a layout, or create one.`,
    );
  }
  return store;
}

// ---- helpers ----

interface ParsedManifest {
  mediaType?: unknown;
  artifactType?: unknown;
  config?: { digest?: unknown };
  layers?: { digest?: unknown; urls?: unknown }[];
  manifests?: { digest?: unknown }[];
}

function parseManifest(bytes: Buffer, mediaType: string, location: string): ParsedManifest {
  if (!MANIFEST_MEDIA_TYPES.includes(mediaType)) {
    throw new Error(
      `Cannot put a manifest of media type "${mediaType}" in ${location}: expected one of ${MANIFEST_MEDIA_TYPES.join(', ')}.`,
    );
  }
  let parsed: ParsedManifest;
  try {
    parsed = JSON.parse(bytes.toString('utf8')) as ParsedManifest;
  } catch (error) {
    throw new Error(
      `Cannot put manifest in ${location}: its bytes are not JSON (${(error as Error).message}).`,
      {
        cause: error,
      },
    );
  }
  if (!parsed || typeof parsed !== 'object')
    throw new Error(`Cannot put manifest in ${location}: not a JSON object.`);
  if (parsed.mediaType !== undefined && parsed.mediaType !== mediaType) {
    throw new Error(
      `Cannot put manifest in ${location}: it declares media type "${String(parsed.mediaType)}" but was given as "${mediaType}".`,
    );
  }
  return parsed;
}

function referencedDigests(manifest: ParsedManifest): string[] {
  const digests: unknown[] = [];
  if (manifest.config) digests.push(manifest.config.digest);
  // Foreign layers (with urls) live elsewhere by design.
  for (const layer of manifest.layers ?? []) if (layer.urls === undefined) digests.push(layer.digest);
  for (const child of manifest.manifests ?? []) digests.push(child.digest);
  return digests.filter(isDigest);
}

function sniffManifestMediaType(bytes: Buffer): string | undefined {
  let parsed: ParsedManifest & { schemaVersion?: unknown };
  try {
    parsed = JSON.parse(bytes.toString('utf8')) as ParsedManifest & { schemaVersion?: unknown };
  } catch {
    return undefined;
  }
  if (!parsed || typeof parsed !== 'object' || parsed.schemaVersion !== 2) return undefined;
  if (typeof parsed.mediaType === 'string') {
    return MANIFEST_MEDIA_TYPES.includes(parsed.mediaType) ? parsed.mediaType : undefined;
  }
  if (Array.isArray(parsed.manifests)) return MediaTypes.ociIndex;
  if (parsed.config && Array.isArray(parsed.layers)) return MediaTypes.ociManifest;
  return undefined;
}

function refName(descriptor: Descriptor): string | undefined {
  return descriptor.annotations?.[REF_NAME_ANNOTATION];
}

/** The descriptor as a registry's HEAD would describe it: no layout-specific annotations. */
function plainDescriptor(entry: Descriptor): Descriptor {
  const descriptor: Descriptor = { mediaType: entry.mediaType, digest: entry.digest, size: entry.size };
  if (entry.artifactType !== undefined) descriptor.artifactType = entry.artifactType;
  return descriptor;
}

function assertTag(tag: string, location: string): void {
  if (!isValidTag(tag)) {
    throw new ConfigurationError(
      `Invalid tag "${tag}" for ${location}: a tag is 1-128 characters of letters, digits, _ . - and cannot start with . or -.`,
    );
  }
}

function assertReadableTag(tag: string, location: string): void {
  if (!REF_NAME_PATTERN.test(tag)) {
    throw new ConfigurationError(
      `Invalid reference "${tag}" for ${location}: expected a tag or a sha256: digest.`,
    );
  }
}

function assertDigest(digest: string, location: string): void {
  if (!isDigest(digest)) {
    throw new ConfigurationError(
      `Invalid digest "${digest}" for ${location}: expected sha256: followed by 64 lower-case hex characters.`,
    );
  }
}

async function fsyncFile(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fsyncDirectory(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } catch {
    // Some filesystems refuse fsync on a directory; the rename is still atomic.
  } finally {
    await handle.close();
  }
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}
