import { ConfigurationError, inputName, words } from '@flow-actions/action-kit';
import { isFullSha, shortSha } from '@flow-actions/commit-identity';
import {
  type ArtifactStore,
  DIRTY_REVISION_SUFFIX,
  LineageAnnotations,
  type Manifest,
  MediaTypes,
} from '@flow-actions/oci-store';

interface ManifestDocument {
  mediaType?: string;
  annotations?: Record<string, string>;
  config?: { digest: string; mediaType: string };
  manifests?: { digest: string; mediaType: string }[];
}

/**
 * The full commit sha an artifact says it was built from: the manifest's revision annotation,
 * else (an image built by a tool that sets labels, not annotations) the image config's label,
 * else for an index its first child's. Undefined when the artifact carries no lineage at all.
 */
export async function readRevision(store: ArtifactStore, manifest: Manifest): Promise<string | undefined> {
  const document = JSON.parse(manifest.bytes.toString('utf8')) as ManifestDocument;
  const annotated = document.annotations?.[LineageAnnotations.revision];
  if (annotated) return annotated;
  const child = document.manifests?.[0];
  if (child) {
    const childManifest = await store.getManifest(child.digest);
    return childManifest ? readRevision(store, childManifest) : undefined;
  }
  const config = document.config;
  if (
    !config ||
    (config.mediaType !== MediaTypes.ociConfig && config.mediaType !== MediaTypes.dockerConfig)
  ) {
    return undefined;
  }
  const blob = await store.getBlob(config.digest);
  if (!blob) return undefined;
  const chunks: Buffer[] = [];
  for await (const chunk of blob.stream) chunks.push(chunk as Buffer);
  const image = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
    config?: { Labels?: Record<string, string> };
  };
  return image.config?.Labels?.[LineageAnnotations.revision];
}

export type RevisionCheck = 'match' | 'absent';

/**
 * Checks that the artifact under a sha tag was built from `sha` (DESIGN §2): a different revision
 * is a short-sha collision and an error, never a silent reuse. No revision at all is reported, so
 * the caller can say the artifact carries no lineage.
 */
export async function verifyRevision(
  store: ArtifactStore,
  manifest: Manifest,
  sha: string,
  tag: string,
): Promise<RevisionCheck> {
  const revision = await readRevision(store, manifest);
  if (revision === undefined) return 'absent';
  if (revision === sha) return 'match';
  const shared = sharedShortSha(tag, sha, revision);
  if (shared) {
    throw new ConfigurationError(
      words`Short-sha collision: ${store.location}:${tag} was built from commit ${revision}, not ${sha} (both start with ${shared}). Use a longer ${inputName('sha-length')} so the tags differ.`,
    );
  }
  throw new ConfigurationError(
    `Wrong commit: ${store.location}:${tag} was built from commit ${revision}, not ${sha}. Name the artifact built from ${shortSha(sha)} instead.`,
  );
}

/**
 * The short sha both commits share when the tag ends with it (a sha tag, with or without a
 * tag prefix): then two commits met under one tag. Undefined for any other tag.
 */
function sharedShortSha(tag: string, sha: string, revision: string): string | undefined {
  for (let length = Math.min(tag.length, sha.length); length >= 4; length--) {
    const prefix = sha.slice(0, length);
    if (tag.endsWith(prefix)) return revision.startsWith(prefix) ? prefix : undefined;
  }
  return undefined;
}

/** What an artifact's revision says it was built from (DESIGN §8 rule 7). */
export type RevisionLineage =
  | { kind: 'commit'; sha: string }
  /** Built with allow-dirty: uncommitted changes on top of commit `of`, which does not vouch for them. */
  | { kind: 'dirty'; of: string; revision: string }
  /** Not a full commit sha (a short sha, a ref, a version): nothing to check it against. */
  | { kind: 'malformed'; revision: string };

/** Reads a revision: a full commit sha, `<full sha>-dirty`, or anything else. */
export function judgeRevision(revision: string): RevisionLineage {
  if (isFullSha(revision)) return { kind: 'commit', sha: revision };
  const of = revision.endsWith(DIRTY_REVISION_SUFFIX) ? revision.slice(0, -DIRTY_REVISION_SUFFIX.length) : '';
  if (isFullSha(of)) return { kind: 'dirty', of, revision };
  return { kind: 'malformed', revision };
}

/**
 * Why an artifact with this revision stands for no commit, as the end of a sentence that starts
 * with where it is (`ghcr.io/acme/api@sha256:… was built from …`); undefined for a commit's.
 */
export function describeUncommitted(lineage: Exclude<RevisionLineage, { kind: 'commit' }>): string;
export function describeUncommitted(lineage: RevisionLineage): string | undefined;
export function describeUncommitted(lineage: RevisionLineage): string | undefined {
  switch (lineage.kind) {
    case 'commit':
      return undefined;
    case 'dirty':
      return `was built from uncommitted changes on top of commit ${shortSha(lineage.of)} (revision ${lineage.revision})`;
    case 'malformed':
      return `names "${lineage.revision}" as its revision, not a full commit sha`;
  }
}
