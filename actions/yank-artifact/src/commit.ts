import { ConfigurationError, input, words } from '@flow-actions/action-kit';
import { readRevision, readTombstone } from '@flow-actions/artifact-protocol';
import { isFullSha, type ShaTagOptions, tombstoneTag } from '@flow-actions/commit-identity';
import type { ArtifactStore } from '@flow-actions/oci-store';

/**
 * Expands an abbreviated sha (as typed into a manual yank) to the full sha through what the
 * stores hold: the artifact under the sha tag `<prefix><first sha-length characters>` (its
 * revision annotation), and the commit's tombstone (`yanked-<…>`, which records the full sha, so
 * a second yank of the same short sha finds it after the artifact is gone). Reads only. When
 * neither knows the commit, `expandLocally` (the command line's git history) may; otherwise the
 * full sha is needed, for the tombstone.
 */
export async function expandShortSha(
  stores: readonly ArtifactStore[],
  short: string,
  shaOptions: Required<ShaTagOptions>,
  expandLocally?: (short: string) => Promise<string | undefined>,
): Promise<string> {
  if (isFullSha(short)) return short;
  const tag = `${shaOptions.tagPrefix}${short.slice(0, shaOptions.shaLength)}`;
  const found = new Map<string, string>();
  const names = (sha: string | undefined, where: string) => {
    if (sha && isFullSha(sha) && sha.startsWith(short)) found.set(sha, where);
  };
  for (const store of stores) {
    const [manifest, tombstone] = await Promise.all([
      store.getManifest(tag),
      readTombstone(store, short, shaOptions),
    ]);
    names(manifest ? await readRevision(store, manifest) : undefined, `${store.location}:${tag}`);
    names(tombstone?.sha, tombstone?.reference ?? '');
  }
  if (found.size === 0 && expandLocally) names(await expandLocally(short), 'the local git history');
  if (found.size === 1) return [...found.keys()][0] as string;
  if (found.size > 1) {
    throw new ConfigurationError(
      words`${input('sha')} value "${short}" is ambiguous: ${[...found].map(([sha, where]) => `${where} is ${sha}`).join(', ')}. Give the full 40-character sha.`,
    );
  }
  throw new ConfigurationError(
    words`${input('sha')} value "${short}" cannot be expanded: no artifact tagged ${tag} and no tombstone ${tombstoneTag(short, shaOptions)} names its commit. Give the full 40-character sha (a commit with no artifact still gets its tombstone).`,
  );
}
