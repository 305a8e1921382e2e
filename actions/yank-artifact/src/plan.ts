import { readTombstone, type Tombstone, verifyRevision } from '@flow-actions/artifact-protocol';
import { type ShaTagOptions, shaTag, tombstoneTag } from '@flow-actions/commit-identity';
import { type ArtifactStore, type Descriptor, MediaTypes } from '@flow-actions/oci-store';

/** What yanking one commit from one repository would do, found before anything is written. */
export interface ImagePlan {
  /** The repository, e.g. `ghcr.io/acme/api` or `oci:/tmp/layout`. */
  location: string;
  shaTag: string;
  tombstoneTag: string;
  /** What the sha tag points at; undefined when the commit has no artifact here. */
  artifact?: Descriptor;
  /** Every tag on the artifact's digest, the sha tag included, sorted. */
  tags: string[];
  /** Tags on the digest that match `protected-tags`. */
  protectedTags: string[];
  /** Child manifests of a multi-platform index that nothing else uses: deleted with it. */
  children: string[];
  /** Child manifests that another tag or index still uses: kept. */
  sharedChildren: string[];
  /** The tombstone already there, when the commit was yanked before. */
  existingTombstone?: Tombstone;
  /** `match` when the artifact names this commit as its revision, `absent` when it names none. */
  revision?: 'match' | 'absent';
}

export interface PlanOptions {
  sha: string;
  shaOptions: ShaTagOptions;
  isProtected: (tag: string) => boolean;
  /** Tags resolved at once while looking for every tag on the digest. Default: 8. */
  concurrency?: number;
}

const INDEX_TYPES = new Set<string>([MediaTypes.ociIndex, MediaTypes.dockerManifestList]);

/**
 * Finds the digest of the commit's sha tag, every tag on that digest (listing all tags and
 * resolving each, a bounded number at a time: registries have no "tags of a digest" query),
 * the children of an index and the tombstone, if any. Reads only.
 */
export async function planImageYank(store: ArtifactStore, options: PlanOptions): Promise<ImagePlan> {
  const tag = shaTag(options.sha, options.shaOptions);
  const tombstone = tombstoneTag(options.sha, options.shaOptions);
  const [artifact, existingTombstone] = await Promise.all([
    store.resolve(tag),
    readTombstone(store, options.sha, options.shaOptions),
  ]);
  const plan: ImagePlan = {
    location: store.location,
    shaTag: tag,
    tombstoneTag: tombstone,
    tags: [],
    protectedTags: [],
    children: [],
    sharedChildren: [],
    ...(artifact ? { artifact } : {}),
    ...(existingTombstone ? { existingTombstone } : {}),
  };
  if (!artifact) return plan;
  // A short-sha collision must never delete another commit's artifact: the revision decides.
  const manifest = await store.getManifest(artifact.digest);
  if (manifest) plan.revision = await verifyRevision(store, manifest, options.sha, tag);

  // A registry that deleted a manifest may still list its tags (distribution 2.x): resolving
  // each tag, not trusting the list, is what tells which ones really point at the digest.
  const others = (await store.listTags()).filter((name) => name !== tag && name !== tombstone);
  const resolved = await mapBounded(others, options.concurrency ?? 8, async (name) => ({
    name,
    descriptor: await store.resolve(name),
  }));
  plan.tags = [
    tag,
    ...resolved.filter((r) => r.descriptor?.digest === artifact.digest).map((r) => r.name),
  ].sort();
  plan.protectedTags = plan.tags.filter((name) => options.isProtected(name));

  if (INDEX_TYPES.has(artifact.mediaType)) {
    const children = manifest ? childrenOf(manifest.bytes) : [];
    const inUse = new Set<string>();
    // Several tags often share one other index (`latest`, `v1`, `prod`): each is read once.
    const otherIndexes = new Set<string>();
    for (const { descriptor } of resolved) {
      if (!descriptor || descriptor.digest === artifact.digest) continue;
      inUse.add(descriptor.digest);
      if (INDEX_TYPES.has(descriptor.mediaType)) otherIndexes.add(descriptor.digest);
    }
    for (const digest of otherIndexes) {
      for (const child of await readChildren(store, digest)) inUse.add(child);
    }
    plan.children = children.filter((child) => !inUse.has(child));
    plan.sharedChildren = children.filter((child) => inUse.has(child));
  }
  return plan;
}

async function readChildren(store: ArtifactStore, digest: string): Promise<string[]> {
  const manifest = await store.getManifest(digest);
  return manifest ? childrenOf(manifest.bytes) : [];
}

function childrenOf(bytes: Buffer): string[] {
  const document = JSON.parse(bytes.toString('utf8')) as { manifests?: { digest: string }[] };
  return [...new Set((document.manifests ?? []).map((child) => child.digest))];
}

/** Maps with at most `limit` calls in flight, keeping the order of `items`. */
export async function mapBounded<T, R>(
  items: readonly T[],
  limit: number,
  map: (item: T) => Promise<R>,
): Promise<R[]> {
  const results = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const index = next++;
      results[index] = await map(items[index] as T);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}
