import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, open, rename, stat, unlink } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { ConfigurationError } from '@flow-actions/action-kit';
import { computeDigest, isDigest } from './digest';
import { isValidTag } from './reference';
import type { ArtifactStore, Descriptor } from './store';
import { MediaTypes } from './store';

/** The layer annotation that carries the archive's file name (what `oras pull` writes it as, too). */
export const TITLE_ANNOTATION = 'org.opencontainers.image.title';

/**
 * The `artifactType` of archives packed without one. One fixed type, not one derived from the
 * layer's media type: tools filter "what kind of artifact" by it, and the layer's media type
 * already says zip or tarball.
 */
export const ARCHIVE_ARTIFACT_TYPE = 'application/vnd.flow-actions.archive.v1';

/** The OCI empty descriptor's content: `{}`. */
export const EMPTY_CONFIG = Buffer.from('{}');
export const EMPTY_CONFIG_DESCRIPTOR: Descriptor = {
  mediaType: MediaTypes.ociEmpty,
  digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
  size: 2,
};

// RFC 6838: type/subtype with restricted characters, optional +suffix; no parameters.
const MEDIA_TYPE_PATTERN = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

export interface PackArchiveOptions {
  /** Path of the file to pack. Required. */
  file: string;
  /** Media type of the layer, e.g. `application/zip` or `application/vnd.oci.image.layer.v1.tar+gzip`. Required. */
  mediaType: string;
  /** Tag to put the manifest under. Default: none — the manifest is put by its digest. */
  tag?: string;
  /** Manifest annotations, typically from `buildLineageAnnotations`. Default: none. */
  annotations?: Record<string, string>;
  /** The manifest's `artifactType`. Default: `ARCHIVE_ARTIFACT_TYPE`. */
  artifactType?: string;
  /** File name recorded in the layer's title annotation. Default: the file's base name. */
  title?: string;
}

export interface PackedArchive {
  /** Descriptor of the manifest that was put. */
  manifest: Descriptor;
  /** Descriptor of the single layer: the file's bytes. */
  layer: Descriptor;
}

/**
 * Packs one file into an OCI artifact (DESIGN §2): an empty config, one layer holding the file's
 * bytes with its media type and title, `artifactType` set, the given annotations on the manifest.
 * The file is streamed twice (hash, then upload), never held in memory; if it changes in between,
 * the upload's digest check fails instead of storing the wrong bytes.
 */
export async function packArchive(store: ArtifactStore, options: PackArchiveOptions): Promise<PackedArchive> {
  const artifactType = options.artifactType ?? ARCHIVE_ARTIFACT_TYPE;
  assertMediaType(options.mediaType, 'media type');
  assertMediaType(artifactType, 'artifact type');
  if (options.tag !== undefined && !isValidTag(options.tag)) {
    throw new ConfigurationError(
      `Invalid tag "${options.tag}": a tag is 1-128 characters of letters, digits, _ . - and cannot start with . or -.`,
    );
  }
  const title = options.title ?? basename(options.file);
  assertTitle(title);
  const info = await stat(options.file).catch((error: NodeJS.ErrnoException) => {
    throw new ConfigurationError(
      `Cannot pack ${options.file}: ${error.code === 'ENOENT' ? 'no such file' : error.message}.`,
      {
        cause: error,
      },
    );
  });
  if (!info.isFile()) throw new ConfigurationError(`Cannot pack ${options.file}: it is not a regular file.`);

  const { digest, size } = await hashFile(options.file);
  const layer: Descriptor = {
    mediaType: options.mediaType,
    digest,
    size,
    annotations: { [TITLE_ANNOTATION]: title },
  };
  await store.putBlob(EMPTY_CONFIG_DESCRIPTOR.digest, EMPTY_CONFIG_DESCRIPTOR.size, EMPTY_CONFIG);
  // Opened again for each attempt, so an upload cut by a reset starts over in a new session.
  if (!(await store.hasBlob(digest)))
    await store.putBlob(digest, size, async () => createReadStream(options.file));

  const manifest: Record<string, unknown> = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    artifactType,
    config: EMPTY_CONFIG_DESCRIPTOR,
    layers: [layer],
  };
  if (options.annotations && Object.keys(options.annotations).length > 0)
    manifest.annotations = options.annotations;
  const bytes = Buffer.from(JSON.stringify(manifest));
  const manifestDigest = await store.putManifest(options.tag ?? computeDigest(bytes), {
    bytes,
    mediaType: MediaTypes.ociManifest,
  });
  return {
    manifest: { mediaType: MediaTypes.ociManifest, digest: manifestDigest, size: bytes.length, artifactType },
    layer,
  };
}

export interface UnpackArchiveOptions {
  /** Replace a file of the same name in the destination. Default: true (a re-run must succeed). */
  overwrite?: boolean;
}

export interface UnpackedArchive {
  /** Absolute path of the unpacked file: the destination directory plus the layer's title. */
  path: string;
  /** Digest of the manifest that was unpacked. */
  manifestDigest: string;
  /** Descriptor of the layer (media type, digest, size, title). */
  layer: Descriptor;
  /** The manifest's annotations (lineage), as stored. */
  annotations: Record<string, string>;
}

/**
 * Writes the file of an archive artifact into `destDir` under its title, byte-identical: streamed
 * through digest verification into a temp file that is renamed into place only when it matches.
 */
export async function unpackArchive(
  store: ArtifactStore,
  reference: string,
  destDir: string,
  options: UnpackArchiveOptions = {},
): Promise<UnpackedArchive> {
  const manifest = await store.getManifest(reference);
  if (!manifest)
    throw new ConfigurationError(
      `No artifact "${reference}" in ${store.location}: check the tag or digest, or pack the archive first.`,
    );
  const parsed = parseArchiveManifest(manifest.bytes);
  if (!parsed) {
    throw new ConfigurationError(
      `${store.location}:${reference} is not an archive artifact (expected an OCI manifest with a non-image config and exactly one layer with an ${TITLE_ANNOTATION} annotation).`,
    );
  }
  const { layer } = parsed;
  const title = layer.annotations?.[TITLE_ANNOTATION] ?? '';
  assertTitle(title);
  const dir = resolve(destDir);
  const target = join(dir, title);
  if (options.overwrite === false) {
    const exists = await stat(target).then(
      () => true,
      () => false,
    );
    if (exists)
      throw new ConfigurationError(
        `Cannot unpack to ${target}: the file exists; remove it or allow overwrite.`,
      );
  }
  const blob = await store.getBlob(layer.digest);
  if (!blob) throw new Error(`${store.location}: the layer ${layer.digest} of ${reference} is missing.`);
  if (blob.size !== layer.size) {
    blob.stream.destroy();
    throw new Error(
      `${store.location}: the layer ${layer.digest} of ${reference} has ${blob.size} bytes but the manifest says ${layer.size}.`,
    );
  }
  await mkdir(dir, { recursive: true });
  const tempPath = join(dir, `.${title}.${randomBytes(6).toString('hex')}.partial`);
  try {
    await pipeline(blob.stream, createWriteStream(tempPath, { flags: 'wx' }));
    const handle = await open(tempPath, 'r');
    try {
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tempPath, target);
  } catch (error) {
    await unlink(tempPath).catch(() => undefined);
    throw error;
  }
  return { path: target, manifestDigest: manifest.digest, layer, annotations: parsed.annotations };
}

/** True when the bytes are an archive artifact's manifest: what `unpackArchive` accepts. */
export function isArchiveManifest(bytes: Buffer): boolean {
  return parseArchiveManifest(bytes) !== undefined;
}

interface ArchiveManifest {
  layer: Descriptor;
  annotations: Record<string, string>;
}

function parseArchiveManifest(bytes: Buffer): ArchiveManifest | undefined {
  let value: {
    schemaVersion?: unknown;
    mediaType?: unknown;
    config?: { mediaType?: unknown };
    layers?: unknown;
    annotations?: unknown;
  };
  try {
    value = JSON.parse(bytes.toString('utf8'));
  } catch {
    return undefined;
  }
  if (!value || typeof value !== 'object' || value.schemaVersion !== 2) return undefined;
  if (value.mediaType !== undefined && value.mediaType !== MediaTypes.ociManifest) return undefined;
  // An image's config is an image config; an artifact's is empty or its own type.
  if (typeof value.config?.mediaType !== 'string' || value.config.mediaType === MediaTypes.ociConfig)
    return undefined;
  if (!Array.isArray(value.layers) || value.layers.length !== 1) return undefined;
  const layer = value.layers[0] as Partial<Descriptor>;
  if (
    typeof layer?.mediaType !== 'string' ||
    !isDigest(layer.digest) ||
    typeof layer.size !== 'number' ||
    typeof layer.annotations?.[TITLE_ANNOTATION] !== 'string'
  ) {
    return undefined;
  }
  const annotations =
    value.annotations && typeof value.annotations === 'object'
      ? (value.annotations as Record<string, string>)
      : {};
  return { layer: layer as Descriptor, annotations };
}

async function hashFile(path: string): Promise<{ digest: string; size: number }> {
  const hash = createHash('sha256');
  let size = 0;
  for await (const chunk of createReadStream(path)) {
    hash.update(chunk as Buffer);
    size += (chunk as Buffer).length;
  }
  return { digest: `sha256:${hash.digest('hex')}`, size };
}

function assertMediaType(value: string, what: string): void {
  if (!MEDIA_TYPE_PATTERN.test(value)) {
    throw new ConfigurationError(`Invalid ${what} "${value}": expected type/subtype, e.g. application/zip.`);
  }
}

/** A title becomes a file name on unpack: nothing that could climb out of the destination. */
function assertTitle(title: string): void {
  if (!title || title === '.' || title === '..' || /[/\\\0]/.test(title)) {
    throw new ConfigurationError(
      `Invalid archive title "${title}": it must be a plain file name, without path separators or "..".`,
    );
  }
}
