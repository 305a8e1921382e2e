import { ConfigurationError, forAudience, input, inputName, setInput, words } from '@flow-actions/action-kit';
import {
  describeUncommitted,
  judgeRevision,
  readRevision,
  readTombstone,
  verifyRevision,
  yankedError,
} from '@flow-actions/artifact-protocol';
import { isFullSha, type ShaTagOptions, shaTag, shortSha } from '@flow-actions/commit-identity';
import { type ArtifactStore, isDigest, type Manifest } from '@flow-actions/oci-store';
import type { GitHistory } from './git-history';

/** What `from` names. */
export type SourceSpec =
  | { kind: 'commit'; revision: string }
  | { kind: 'tag'; tag: string }
  | { kind: 'digest'; digest: string };

const HEX = /^[0-9a-f]{4,40}$/;

/**
 * Reads `from`: hex of 4 to 40 characters is a commit (a tag that looks like hex is read as a
 * commit too — sha tags are exactly that), `sha256:…` a digest, anything else a tag.
 */
export function parseSourceSpec(from: string): SourceSpec {
  if (isDigest(from)) return { kind: 'digest', digest: from };
  if (HEX.test(from)) return { kind: 'commit', revision: from };
  return { kind: 'tag', tag: from };
}

export interface SourceOptions {
  sha: Required<ShaTagOptions>;
  fallback: 'none' | 'nearest-ancestor';
  /** Whether a changed path needs no new artifact. */
  isIgnoredPath: (path: string) => boolean;
  allowYanked: boolean;
  git?: GitHistory;
  /** How far back to look for an ancestor with an artifact. Default: 25. */
  ancestorLimit?: number;
}

export interface ResolvedSource {
  manifest: Manifest;
  /** The full sha the artifact was built from, when known. */
  sha?: string;
  /** The tag or digest the artifact was found under. */
  reference: string;
  /** The commit that was asked for, when the fallback used an ancestor's artifact instead. */
  fallbackFrom?: string;
  /** Files changed between the ancestor and the commit, when the fallback was used. */
  fallbackChanges?: string[];
  /** True when a yanked source was promoted because allow-yanked was set. */
  yankedOverride?: boolean;
}

/** Finds the artifact `from` names in `store`, refusing yanked sources and short-sha collisions. */
export async function resolveSource(
  store: ArtifactStore,
  spec: SourceSpec,
  options: SourceOptions,
): Promise<ResolvedSource> {
  if (spec.kind !== 'commit') {
    const reference = spec.kind === 'tag' ? spec.tag : spec.digest;
    const manifest = await store.getManifest(reference);
    if (!manifest) {
      throw new ConfigurationError(
        words`${store.location} has no ${spec.kind} ${reference}: check ${input('from')}, or promote by commit sha.`,
      );
    }
    const sha = await readCommittedRevision(store, manifest, reference);
    const yanked = sha ? await checkYanked(store, sha, options) : false;
    return { manifest, reference, ...(sha ? { sha } : {}), ...(yanked ? { yankedOverride: true } : {}) };
  }

  const sha = await expandRevision(spec.revision, options);
  const tag = sha
    ? shaTag(sha, options.sha)
    : `${options.sha.tagPrefix}${spec.revision.slice(0, options.sha.shaLength)}`;
  // The tombstone and the artifact are looked up together: one round trip, not two.
  const [yanked, manifest] = await Promise.all([
    sha ? checkYanked(store, sha, options) : false,
    store.getManifest(tag),
  ]);
  if (manifest) {
    // Without a checkout an abbreviated sha is known only through the artifact's own revision.
    const revision = (await readCommittedRevision(store, manifest, tag)) ?? sha;
    if (sha) await verifyRevision(store, manifest, sha, tag);
    const yankedByRevision = !sha && revision ? await checkYanked(store, revision, options) : false;
    return {
      manifest,
      reference: tag,
      ...(revision ? { sha: revision } : {}),
      ...(yanked || yankedByRevision ? { yankedOverride: true } : {}),
    };
  }
  if (!sha || !options.git) {
    throw new ConfigurationError(
      words`${store.location} has no artifact for commit ${spec.revision} (tag ${tag}), and without the git history its ancestors are unknown: was it built? ${forAudience({ action: 'Check out with fetch-depth: 0', cli: 'Run it in a clone with the whole history' })} to get the nearest ancestor that has one.`,
    );
  }
  return resolveFromAncestor(store, sha, tag, options);
}

async function resolveFromAncestor(
  store: ArtifactStore,
  sha: string,
  tag: string,
  options: SourceOptions,
): Promise<ResolvedSource> {
  const git = options.git as GitHistory;
  const ancestors = await git.firstParentAncestors(sha, options.ancestorLimit ?? 25);
  const withArtifact = await findAncestorsWithArtifact(store, ancestors, options.sha, 3);
  const names = withArtifact.map(({ ancestor, distance }) => `${shortSha(ancestor)} (${distance} back)`);
  const nearest = withArtifact[0];
  if (!nearest) {
    throw new ConfigurationError(
      words`${store.location} has no artifact for commit ${shortSha(sha)} (tag ${tag}), nor for any of its ${ancestors.length} nearest first-parent ancestors: build it first with ${forAudience({ action: 'build-by-sha', cli: 'flow build' })}.`,
    );
  }
  if (options.fallback === 'none') {
    throw new ConfigurationError(
      words`${store.location} has no artifact for commit ${shortSha(sha)} (tag ${tag}). Nearest first-parent ancestors with one: ${names.join(', ')}. Promote one of them with ${inputName('from')}, or ${setInput('fallback', 'nearest-ancestor')} if the commits since changed only ignored paths.`,
    );
  }
  const changes = await git.changedFiles(nearest.ancestor, sha);
  const relevant = changes.filter((path) => !options.isIgnoredPath(path));
  if (relevant.length > 0) {
    const listed =
      relevant.slice(0, 5).join(', ') + (relevant.length > 5 ? `, and ${relevant.length - 5} more` : '');
    throw new ConfigurationError(
      words`Refusing the nearest-ancestor fallback: commit ${shortSha(sha)} has no artifact, and since ${shortSha(nearest.ancestor)} (the nearest ancestor with one) it changed ${listed}, which ${inputName('ignore-paths')} does not cover. Build ${shortSha(sha)} with ${forAudience({ action: 'build-by-sha', cli: 'flow build' })} first.`,
    );
  }
  const reference = shaTag(nearest.ancestor, options.sha);
  const yanked = await checkYanked(store, nearest.ancestor, options);
  await readCommittedRevision(store, nearest.manifest, reference);
  await verifyRevision(store, nearest.manifest, nearest.ancestor, reference);
  return {
    manifest: nearest.manifest,
    sha: nearest.ancestor,
    reference,
    fallbackFrom: sha,
    fallbackChanges: changes,
    ...(yanked ? { yankedOverride: true } : {}),
  };
}

/** The nearest ancestors whose sha tag exists, looked up a few at a time, nearest first. */
async function findAncestorsWithArtifact(
  store: ArtifactStore,
  ancestors: readonly string[],
  sha: Required<ShaTagOptions>,
  wanted: number,
): Promise<{ ancestor: string; distance: number; manifest: Manifest }[]> {
  const found: { ancestor: string; distance: number; manifest: Manifest }[] = [];
  const batch = 5;
  for (let start = 0; start < ancestors.length && found.length < wanted; start += batch) {
    const slice = ancestors.slice(start, start + batch);
    const manifests = await Promise.all(slice.map((ancestor) => store.getManifest(shaTag(ancestor, sha))));
    slice.forEach((ancestor, offset) => {
      const manifest = manifests[offset];
      if (manifest && found.length < wanted) found.push({ ancestor, distance: start + offset + 1, manifest });
    });
  }
  return found;
}

async function expandRevision(revision: string, options: SourceOptions): Promise<string | undefined> {
  if (isFullSha(revision)) return revision;
  const expanded = await options.git?.expand(revision);
  if (expanded) return expanded;
  if (revision.length < options.sha.shaLength) {
    throw new ConfigurationError(
      words`${input('from')} ${revision} is shorter than ${inputName('sha-length')} ${options.sha.shaLength} and the checkout cannot expand it: give the full sha.`,
    );
  }
  return undefined;
}

/** Refuses a yanked commit; with allow-yanked, says that one was let through. */
async function checkYanked(store: ArtifactStore, sha: string, options: SourceOptions): Promise<boolean> {
  const tombstone = await readTombstone(store, sha, options.sha);
  if (!tombstone) return false;
  if (!options.allowYanked) throw yankedError(tombstone);
  return true;
}

/**
 * The full commit sha the artifact names, undefined when it names none; an artifact whose revision
 * names no commit — a dirty build (`<sha>-dirty`, from uncommitted changes) or anything else that is
 * not a full sha — is refused (DESIGN §8 rule 7): no commit vouches for it, and no tombstone, found
 * by commit, could ever stop it. No input lets it through: a dirty build is for trying out, never
 * for release; its fix is a commit.
 */
async function readCommittedRevision(
  store: ArtifactStore,
  manifest: Manifest,
  reference: string,
): Promise<string | undefined> {
  const revision = await readRevision(store, manifest);
  if (revision === undefined) return undefined;
  const lineage = judgeRevision(revision);
  if (lineage.kind === 'commit') return lineage.sha;
  const build = forAudience({ action: 'build-by-sha', cli: 'flow build' });
  const fix =
    lineage.kind === 'dirty'
      ? words`a dirty build is never promoted. Commit the changes, build that commit (${build}), and promote it`
      : words`its lineage cannot be checked (yanks are found by commit), so it is not promoted. Build the commit with ${build}, and promote that`;
  throw new ConfigurationError(
    words`${input('from')} ${reference} is ${store.location}@${manifest.digest}, which ${describeUncommitted(lineage)}: ${fix}.`,
  );
}
