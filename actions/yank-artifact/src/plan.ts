import {
  createTagPatternMatcher,
  readRevision,
  readTombstone,
  SHA_TAGS,
  type Tombstone,
  verifyRevision,
} from '@flow-actions/artifact-protocol';
import { type ShaTagOptions, shaTag, tombstoneTag } from '@flow-actions/commit-identity';
import { type ArtifactStore, type Descriptor, type Manifest, MediaTypes } from '@flow-actions/oci-store';

/** How the commit's artifact was found in a repository. */
export type FoundBy =
  /** Its sha tag: one HEAD. */
  | 'sha-tag'
  /** The digest an earlier yank's tombstone recorded: one HEAD. */
  | 'tombstone'
  /** A search of the artifacts without a sha tag for the commit's revision (copies promoted in). */
  | 'revision';

/** What the revision search looked at, so its cost and its reach are said. */
export interface RevisionSearch {
  /** Tags in the repository, sha tags and tombstones included. */
  tags: number;
  /** Distinct artifacts under the other tags: the candidates. */
  candidates: number;
  /** Candidates whose manifest was read (at most `limit`). */
  read: number;
  /** False when candidates were left unread at the limit. */
  complete: boolean;
}

/** What yanking one commit from one repository would do, found before anything is written. */
export interface ImagePlan {
  /** The repository, e.g. `ghcr.io/acme/api` or `oci:/tmp/layout`. */
  location: string;
  shaTag: string;
  tombstoneTag: string;
  /** The commit's artifact, while the repository still serves it; undefined otherwise. */
  artifact?: Descriptor;
  /** How `artifact` was found. */
  foundBy?: FoundBy;
  /** Every tag on the artifact's digest (the sha tag included when it is there), sorted. */
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
  /** Set when the sha tag was missing and the repository was searched by revision. */
  revisionSearch?: RevisionSearch;
}

export interface PlanOptions {
  sha: string;
  shaOptions: ShaTagOptions;
  isProtected: (tag: string) => boolean;
  /** Tags resolved, and manifests read, at once. Default: 8. */
  concurrency?: number;
  /** Most artifacts without a sha tag read while searching by revision. Default: 500. */
  revisionSearchLimit?: number;
}

const INDEX_TYPES = new Set<string>([MediaTypes.ociIndex, MediaTypes.dockerManifestList]);
const DEFAULT_REVISION_SEARCH_LIMIT = 500;

interface ResolvedTag {
  name: string;
  descriptor: Descriptor | undefined;
}

/**
 * Finds the commit's artifact, cheapest way first: its sha tag (one HEAD); else the digest the
 * commit's tombstone recorded (one HEAD, a re-run); else, only when no earlier yank recorded one,
 * a search by revision among the artifacts under other tags (`promote` to another repository used
 * to copy without the sha tag). Then every tag on that digest (listing all tags and resolving
 * each, a bounded number at a time: registries have no "tags of a digest" query), the children of
 * an index, and the tombstone, if any. Reads only.
 */
export async function planImageYank(store: ArtifactStore, options: PlanOptions): Promise<ImagePlan> {
  const tag = shaTag(options.sha, options.shaOptions);
  const tombstone = tombstoneTag(options.sha, options.shaOptions);
  const concurrency = options.concurrency ?? 8;
  const [bySha, existingTombstone] = await Promise.all([
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
    ...(existingTombstone ? { existingTombstone } : {}),
  };
  // Listed once, when needed: the search, the tags on the digest and the children in use share it.
  // A registry that deleted a manifest may still list its tags (distribution 2.x): resolving each
  // tag, not trusting the list, is what tells which ones really point where.
  let listing: Promise<ResolvedTag[]> | undefined;
  const resolvedTags = () => {
    listing ??= store.listTags().then((names) =>
      mapBounded(
        names.filter((name) => name !== tombstone),
        concurrency,
        async (name) => ({ name, descriptor: await store.resolve(name) }),
      ),
    );
    return listing;
  };

  const recorded = existingTombstone?.artifactDigest;
  let manifest: Manifest | undefined;
  if (bySha) {
    plan.artifact = bySha;
    plan.foundBy = 'sha-tag';
    // A short-sha collision must never delete another commit's artifact: the revision decides.
    manifest = await store.getManifest(bySha.digest);
    if (manifest) plan.revision = await verifyRevision(store, manifest, options.sha, tag);
  } else if (recorded) {
    const artifact = await store.resolve(recorded);
    if (artifact) {
      plan.artifact = artifact;
      plan.foundBy = 'tombstone';
    }
  } else {
    const found = await searchByRevision(store, await resolvedTags(), options);
    plan.revisionSearch = found.search;
    if (found.artifact) {
      plan.artifact = found.artifact;
      plan.foundBy = 'revision';
      plan.revision = 'match';
    }
  }

  const artifact = plan.artifact;
  // Platform manifests the tombstone named that a failed or partial delete left behind.
  const leftChildren = artifact ? [] : await stillServed(store, existingTombstone?.platformManifests ?? []);
  if (!artifact && leftChildren.length === 0) return plan;

  const resolved = await resolvedTags();
  if (artifact) {
    const onDigest = resolved.filter((r) => r.descriptor?.digest === artifact.digest).map((r) => r.name);
    // The sha tag resolved a moment ago, whatever a lagging tag list says.
    plan.tags = [...new Set([...(bySha ? [tag] : []), ...onDigest])].sort();
    plan.protectedTags = plan.tags.filter((name) => options.isProtected(name));
  }
  const children = !artifact
    ? leftChildren
    : INDEX_TYPES.has(artifact.mediaType)
      ? childrenOf(manifest ?? (await store.getManifest(artifact.digest)))
      : [];
  if (children.length > 0) {
    const inUse = await digestsInUse(store, resolved, artifact?.digest);
    plan.children = children.filter((child) => !inUse.has(child));
    plan.sharedChildren = children.filter((child) => inUse.has(child));
  }
  return plan;
}

/**
 * The artifact built from the commit among the artifacts under tags that are not sha tags (a sha
 * tag names its own commit) nor tombstones: each distinct digest's manifest is read, a bounded
 * number at a time, until its revision is the commit. Costs one GET per distinct artifact read
 * (plus the config blob of an image that keeps its revision in a label), on top of the HEAD per
 * tag that finding every tag on the digest needs anyway; at most `revisionSearchLimit` are read.
 */
async function searchByRevision(
  store: ArtifactStore,
  resolved: readonly ResolvedTag[],
  options: PlanOptions,
): Promise<{ artifact?: Descriptor; search: RevisionSearch }> {
  const isShaTag = createTagPatternMatcher([SHA_TAGS], options.shaOptions, 'sha-length');
  const candidates = new Map<string, Descriptor>();
  for (const { name, descriptor } of resolved) {
    if (descriptor && !isShaTag(name) && !name.startsWith('yanked-')) {
      if (!candidates.has(descriptor.digest)) candidates.set(descriptor.digest, descriptor);
    }
  }
  const limit = options.revisionSearchLimit ?? DEFAULT_REVISION_SEARCH_LIMIT;
  const batch = options.concurrency ?? 8;
  const queue = [...candidates.values()].slice(0, limit);
  const search: RevisionSearch = {
    tags: resolved.length,
    candidates: candidates.size,
    read: 0,
    complete: candidates.size <= limit,
  };
  for (let start = 0; start < queue.length; start += batch) {
    const slice = queue.slice(start, start + batch);
    const revisions = await Promise.all(
      slice.map(async (descriptor) => {
        const manifest = await store.getManifest(descriptor.digest);
        return manifest ? readRevision(store, manifest) : undefined;
      }),
    );
    search.read += slice.length;
    const index = revisions.indexOf(options.sha);
    if (index >= 0) return { artifact: slice[index] as Descriptor, search: { ...search, complete: true } };
  }
  return { search };
}

/** Every digest a tag other than the artifact's points at, and the children of those indexes. */
async function digestsInUse(
  store: ArtifactStore,
  resolved: readonly ResolvedTag[],
  artifactDigest: string | undefined,
): Promise<Set<string>> {
  const inUse = new Set<string>();
  // Several tags often share one other index (`latest`, `v1`, `prod`): each is read once.
  const otherIndexes = new Set<string>();
  for (const { descriptor } of resolved) {
    if (!descriptor || descriptor.digest === artifactDigest) continue;
    inUse.add(descriptor.digest);
    if (INDEX_TYPES.has(descriptor.mediaType)) otherIndexes.add(descriptor.digest);
  }
  for (const digest of otherIndexes) {
    for (const child of await readChildren(store, digest)) inUse.add(child);
  }
  return inUse;
}

async function stillServed(store: ArtifactStore, digests: readonly string[]): Promise<string[]> {
  const found = await Promise.all(digests.map((digest) => store.resolve(digest)));
  return digests.filter((_, index) => found[index] !== undefined);
}

async function readChildren(store: ArtifactStore, digest: string): Promise<string[]> {
  return childrenOf(await store.getManifest(digest));
}

function childrenOf(manifest: Manifest | undefined): string[] {
  if (!manifest) return [];
  const document = JSON.parse(manifest.bytes.toString('utf8')) as { manifests?: { digest: string }[] };
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
