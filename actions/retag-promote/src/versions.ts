import { describeError, forAudience, type Logger, words } from '@flow-actions/action-kit';
import type { ArtifactStore } from '@flow-actions/oci-store';
import { type VersionScheme, versionsNewestFirst } from './version-scheme';

/** Most version tags read (one manifest HEAD each) to name the digests a promotion swaps. */
export const VERSION_LOOKUPS = 20;

export interface VersionLookup {
  /** The digests to name: the promoted one and those its moving tags leave. */
  digests: readonly string[];
  /** Versions known without a request: the `v*` tags the promotion names for its own digest. */
  known: Readonly<Record<string, string>>;
  /** Whether a tag is a release version (immutable, `v…`). */
  isRelease: (tag: string) => boolean;
  scheme: VersionScheme;
  logger: Logger;
}

/**
 * Which version each digest is, so that a summary can say "prod: v1.1.0 → v1.0.0" rather than
 * two digests. Costs one tag listing and at most VERSION_LOOKUPS manifest HEADs — newest versions
 * first, stopping once every digest is named: a rollback goes back a few versions, not a hundred.
 * A digest no version tag names among those read is left out. Only for the summary, so a registry
 * that cannot list or read them costs a warning, never the promotion.
 */
export async function findVersions(
  store: ArtifactStore,
  lookup: VersionLookup,
): Promise<Record<string, string>> {
  const found: Record<string, string> = { ...lookup.known };
  const missing = () => lookup.digests.filter((digest) => !found[digest]);
  if (missing().length === 0) return found;
  try {
    const tags = await store.listTags();
    const candidates = versionsNewestFirst(tags.filter(lookup.isRelease), lookup.scheme);
    for (const tag of candidates.slice(0, VERSION_LOOKUPS)) {
      const digest = (await store.resolve(tag))?.digest;
      if (digest && missing().includes(digest)) found[digest] = tag;
      if (missing().length === 0) break;
    }
  } catch (error) {
    lookup.logger.warning(
      words`${store.location}: cannot read the version tags that name the artifacts this promotion swaps (${describeError(error)}); ${forAudience({ action: 'the summary shows', cli: 'the output shows' })} their digests only.`,
    );
  }
  return found;
}
