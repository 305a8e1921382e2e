import { ConfigurationError } from '@flow-actions/action-kit';
import { shortSha } from '@flow-actions/commit-identity';
import { type ArtifactStore, LineageAnnotations, type Manifest, MediaTypes } from '@flow-actions/oci-store';

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
      `Short-sha collision: ${store.location}:${tag} was built from commit ${revision}, not ${sha} (both start with ${shared}). Use a longer sha-length so the tags differ.`,
    );
  }
  throw new ConfigurationError(
    `Wrong commit: ${store.location}:${tag} was built from commit ${revision}, not ${sha}. Point the input at the artifact built from ${shortSha(sha)}.`,
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
