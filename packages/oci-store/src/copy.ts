import { type Logger, nullLogger } from '@flow-actions/action-kit';
import { isDigest } from './digest';
import { RegistryError } from './errors';
import { RegistryStore } from './registry-store';
import type { ArtifactStore, Descriptor, Manifest } from './store';
import { MediaTypes } from './store';

export interface CopyOptions {
  /** Tags to put the artifact under in the destination. Default: the source reference if it is a tag, else none (stored by digest). */
  tags?: readonly string[];
  /** Blobs transferred at once. Default: 4. */
  concurrency?: number;
  /** Default: nullLogger. */
  logger?: Logger;
}

export interface CopyResult {
  /** Digest of the top manifest, identical in source and destination. */
  digest: string;
  mediaType: string;
  /** Manifests written (the top one and, for an index, its children). */
  manifests: number;
  blobsMounted: number;
  blobsUploaded: number;
  blobsSkipped: number;
  /** Blob bytes sent to the destination (mounted and skipped blobs send none). */
  bytesUploaded: number;
}

const INDEX_TYPES = new Set<string>([MediaTypes.ociIndex, MediaTypes.dockerManifestList]);

/**
 * Copies an artifact — an index with its child manifests, or one manifest — and every blob it
 * references from one store to another, byte for byte, so the digest is the same on both sides.
 * Blobs already present are skipped; between two repositories of one registry they are mounted;
 * otherwise each is streamed across once. Children and blobs are written before the manifests
 * that reference them, so a reader never sees a dangling reference.
 */
export async function copyArtifact(
  from: ArtifactStore,
  to: ArtifactStore,
  reference: string,
  options: CopyOptions = {},
): Promise<CopyResult> {
  const logger = options.logger ?? nullLogger;
  // The source lacks what the copy needs: a 404 error whatever the source's backend.
  const missing = (message: string, what: 'manifest' | 'blob' = 'manifest') =>
    new RegistryError(message, {
      status: 404,
      code: what === 'blob' ? 'BLOB_UNKNOWN' : 'MANIFEST_UNKNOWN',
      temporary: false,
      operation: what === 'blob' ? 'get-blob' : 'get-manifest',
      url: from.location,
    });
  const top = await from.getManifest(reference);
  if (!top) throw missing(`${from.location} has no ${reference}: nothing to copy`);

  const children: Manifest[] = [];
  const blobs = new Map<string, Descriptor>();
  const collect = (manifest: Manifest): Descriptor[] => {
    const parsed = JSON.parse(manifest.bytes.toString('utf8')) as {
      manifests?: Descriptor[];
      config?: Descriptor;
      layers?: Descriptor[];
    };
    if (INDEX_TYPES.has(manifest.mediaType)) return parsed.manifests ?? [];
    for (const blob of [parsed.config, ...(parsed.layers ?? [])])
      if (blob?.digest) blobs.set(blob.digest, blob);
    return [];
  };
  for (const child of collect(top)) {
    const manifest = await from.getManifest(child.digest);
    if (!manifest)
      throw missing(
        `${from.location} lacks child manifest ${child.digest} of ${reference}: the source is incomplete`,
      );
    children.push(manifest);
    // Nested indexes are rare; their grandchildren are not followed.
    collect(manifest);
  }

  const result: CopyResult = {
    digest: top.digest,
    mediaType: top.mediaType,
    manifests: 0,
    blobsMounted: 0,
    blobsUploaded: 0,
    blobsSkipped: 0,
    bytesUploaded: 0,
  };
  const mountFrom =
    from instanceof RegistryStore &&
    to instanceof RegistryStore &&
    from.registry === to.registry &&
    from.repository !== to.repository
      ? from.repository
      : undefined;

  const copyBlob = async (blob: Descriptor): Promise<void> => {
    if (await to.hasBlob(blob.digest)) {
      result.blobsSkipped += 1;
      return;
    }
    if (mountFrom && (await to.mountBlob(blob.digest, mountFrom))) {
      result.blobsMounted += 1;
      return;
    }
    // Opened afresh for each attempt: a transfer cut on either side starts over from the source.
    await to.putBlob(blob.digest, blob.size, async () => {
      const content = await from.getBlob(blob.digest);
      if (!content)
        throw missing(
          `${from.location} lacks blob ${blob.digest} of ${reference}: the source is incomplete`,
          'blob',
        );
      return content.stream;
    });
    result.blobsUploaded += 1;
    result.bytesUploaded += blob.size;
  };

  await runLimited([...blobs.values()], Math.max(1, options.concurrency ?? 4), copyBlob);
  for (const child of children) {
    await to.putManifest(child.digest, child);
    result.manifests += 1;
  }
  const tags = options.tags ?? (isDigest(reference) ? [] : [reference]);
  if (tags.length === 0) {
    await to.putManifest(top.digest, top);
    result.manifests += 1;
  }
  for (const tag of tags) {
    await to.putManifest(tag, top);
    result.manifests += 1;
  }
  logger.debug(
    `copied ${from.location}@${top.digest} to ${to.location}: ${result.blobsUploaded} uploaded, ${result.blobsMounted} mounted, ${result.blobsSkipped} present`,
  );
  return result;
}

/** Runs `task` over `items` with at most `limit` running at once; the first failure rejects. */
async function runLimited<T>(
  items: readonly T[],
  limit: number,
  task: (item: T) => Promise<void>,
): Promise<void> {
  let next = 0;
  let failed = false;
  const worker = async () => {
    while (!failed && next < items.length) {
      const item = items[next] as T;
      next += 1;
      try {
        await task(item);
      } catch (error) {
        failed = true;
        throw error;
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}
