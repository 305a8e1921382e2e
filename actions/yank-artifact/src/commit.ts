import { ConfigurationError } from '@flow-actions/action-kit';
import { readRevision } from '@flow-actions/artifact-protocol';
import { isFullSha, type ShaTagOptions } from '@flow-actions/commit-identity';
import type { ArtifactStore } from '@flow-actions/oci-store';

/**
 * Expands an abbreviated sha (as typed into a manual yank) to the full sha through the artifacts
 * themselves: the sha tag `<prefix><first sha-length characters>` names the artifact, whose
 * revision annotation names the commit. Reads only. Without an artifact there is nothing to expand
 * from, and the full sha is needed for the tombstone.
 */
export async function expandShortSha(
  stores: readonly ArtifactStore[],
  short: string,
  shaOptions: Required<ShaTagOptions>,
): Promise<string> {
  if (isFullSha(short)) return short;
  const tag = `${shaOptions.tagPrefix}${short.slice(0, shaOptions.shaLength)}`;
  const found = new Map<string, string>();
  for (const store of stores) {
    const manifest = await store.getManifest(tag);
    const revision = manifest ? await readRevision(store, manifest) : undefined;
    if (revision && isFullSha(revision) && revision.startsWith(short)) found.set(revision, store.location);
  }
  if (found.size === 1) return [...found.keys()][0] as string;
  if (found.size > 1) {
    throw new ConfigurationError(
      `Input "sha" value "${short}" is ambiguous: ${[...found].map(([sha, where]) => `${where}:${tag} is ${sha}`).join(', ')}. Give the full 40-character sha.`,
    );
  }
  throw new ConfigurationError(
    `Input "sha" value "${short}" cannot be expanded: no artifact tagged ${tag} names its commit. Give the full 40-character sha (a commit with no artifact still gets its tombstone).`,
  );
}
