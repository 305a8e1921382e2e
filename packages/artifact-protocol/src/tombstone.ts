import { ConfigurationError, setInput, words } from '@flow-actions/action-kit';
import { type ShaTagOptions, shortSha, tombstoneTag } from '@flow-actions/commit-identity';
import {
  type ArtifactStore,
  EMPTY_CONFIG,
  EMPTY_CONFIG_DESCRIPTOR,
  LineageAnnotations,
  MediaTypes,
} from '@flow-actions/oci-store';

/** The artifact type of a tombstone manifest (DESIGN §2). */
export const TOMBSTONE_ARTIFACT_TYPE = 'application/vnd.flow-actions.tombstone.v1';

/**
 * Annotation keys of a tombstone: who, when (`created`), why, and which artifact the yank was
 * about. The tombstone is written once, before anything is deleted, and never moves (registries
 * may enforce tag immutability): it names what the yank set out to remove, not what a registry
 * then did. What is still there is asked of the registry (`findYankRemains`), so the answer is
 * true after a refused delete, a finished re-run or a deletion by hand alike.
 */
export const TombstoneAnnotations = {
  reason: 'dev.flow-actions.yank.reason',
  actor: 'dev.flow-actions.yank.actor',
  /** The yanked artifact's digest (absent when the commit had no artifact here). */
  digest: 'dev.flow-actions.yank.digest',
  /** The tags on that digest when it was yanked, comma-separated. */
  tags: 'dev.flow-actions.yank.tags',
  /** The platform manifests of an index that went with it (nothing else used them). */
  platformManifests: 'dev.flow-actions.yank.platform-manifests',
  /** `delete`, or `tombstone-only` when the artifact was blocked but kept on purpose. */
  mode: 'dev.flow-actions.yank.mode',
} as const;

/** The keys of tombstones written before the record named intent: they said "removed". */
const LEGACY_ANNOTATIONS = {
  digest: 'dev.flow-actions.yank.removed-digest',
  tags: 'dev.flow-actions.yank.removed-tags',
} as const;

export type YankMode = 'delete' | 'tombstone-only';

export interface TombstoneInput {
  /** Full sha of the yanked commit. */
  sha: string;
  reason: string;
  /** Who yanked it, e.g. the workflow actor. Default: none, and the annotation is left out rather than guessed. */
  actor?: string;
  /** When. Default: now. */
  yankedAt?: Date;
  /** The digest of the commit's artifact, when there was one. */
  artifactDigest?: string;
  /** Every tag that pointed at that digest. */
  artifactTags?: readonly string[];
  /** The platform manifests of an index deleted with it. */
  platformManifests?: readonly string[];
  /** Default: `delete`. */
  mode?: YankMode;
  /** The repository URL, for lineage. */
  source?: string;
  /** The run that yanked it. */
  runUrl?: string;
}

export interface Tombstone {
  sha: string;
  reason: string;
  actor: string;
  yankedAt: string;
  /** The yanked artifact's digest; absent when the commit had no artifact here. */
  artifactDigest?: string;
  artifactTags: string[];
  platformManifests: string[];
  mode: YankMode;
  runUrl?: string;
  /** Where it lives, e.g. `ghcr.io/acme/api:yanked-abc1234`. */
  reference: string;
  /** The tombstone manifest's own digest. */
  digest: string;
}

/** The exact manifest bytes of a tombstone: an OCI artifact with no content but its annotations. */
export function buildTombstoneManifest(input: TombstoneInput): { bytes: Buffer; mediaType: string } {
  const annotations: Record<string, string> = {
    [LineageAnnotations.revision]: input.sha,
    [LineageAnnotations.created]: (input.yankedAt ?? new Date()).toISOString(),
    [TombstoneAnnotations.reason]: input.reason,
    ...(input.actor ? { [TombstoneAnnotations.actor]: input.actor } : {}),
    [TombstoneAnnotations.mode]: input.mode ?? 'delete',
    [TombstoneAnnotations.tags]: (input.artifactTags ?? []).join(','),
  };
  if (input.artifactDigest) annotations[TombstoneAnnotations.digest] = input.artifactDigest;
  if (input.platformManifests?.length) {
    annotations[TombstoneAnnotations.platformManifests] = input.platformManifests.join(',');
  }
  if (input.source) annotations[LineageAnnotations.source] = input.source;
  if (input.runUrl) annotations[LineageAnnotations.runUrl] = input.runUrl;
  const manifest = {
    schemaVersion: 2,
    mediaType: MediaTypes.ociManifest,
    artifactType: TOMBSTONE_ARTIFACT_TYPE,
    // The empty descriptor is both config and only layer of a blob-less artifact.
    config: EMPTY_CONFIG_DESCRIPTOR,
    layers: [EMPTY_CONFIG_DESCRIPTOR],
    annotations,
  };
  return { bytes: Buffer.from(JSON.stringify(manifest)), mediaType: MediaTypes.ociManifest };
}

/** Writes the tombstone of a commit under `yanked-<short sha>`. Writing it again is harmless. */
export async function writeTombstone(
  store: ArtifactStore,
  input: TombstoneInput,
  shaOptions: ShaTagOptions = {},
): Promise<{ tag: string; digest: string; reference: string }> {
  const tag = tombstoneTag(input.sha, shaOptions);
  await store.putBlob(EMPTY_CONFIG_DESCRIPTOR.digest, EMPTY_CONFIG_DESCRIPTOR.size, EMPTY_CONFIG);
  const digest = await store.putManifest(tag, buildTombstoneManifest(input));
  return { tag, digest, reference: `${store.location}:${tag}` };
}

/**
 * The commit's tombstone in this store, if it was yanked. `sha` may be abbreviated to sha-length
 * characters or more: the tombstone tag keeps only those.
 */
export async function readTombstone(
  store: ArtifactStore,
  sha: string,
  shaOptions: ShaTagOptions = {},
): Promise<Tombstone | undefined> {
  const tag = tombstoneTag(sha, shaOptions);
  const manifest = await store.getManifest(tag);
  if (!manifest) return undefined;
  const parsed = JSON.parse(manifest.bytes.toString('utf8')) as {
    artifactType?: string;
    annotations?: Record<string, string>;
  };
  const annotations = parsed.annotations ?? {};
  if (parsed.artifactType !== TOMBSTONE_ARTIFACT_TYPE) {
    throw new Error(
      `${store.location}:${tag} exists but is not a flow-actions tombstone (artifactType ${parsed.artifactType ?? 'none'}); remove or rename that tag.`,
    );
  }
  const list = (key: string, legacy?: string) =>
    (annotations[key] ?? (legacy ? annotations[legacy] : undefined) ?? '').split(',').filter(Boolean);
  const tombstone: Tombstone = {
    sha: annotations[LineageAnnotations.revision] ?? sha,
    reason: annotations[TombstoneAnnotations.reason] ?? '',
    actor: annotations[TombstoneAnnotations.actor] ?? '',
    yankedAt: annotations[LineageAnnotations.created] ?? '',
    artifactTags: list(TombstoneAnnotations.tags, LEGACY_ANNOTATIONS.tags),
    platformManifests: list(TombstoneAnnotations.platformManifests),
    mode: annotations[TombstoneAnnotations.mode] === 'tombstone-only' ? 'tombstone-only' : 'delete',
    reference: `${store.location}:${tag}`,
    digest: manifest.digest,
  };
  const artifactDigest = annotations[TombstoneAnnotations.digest] ?? annotations[LEGACY_ANNOTATIONS.digest];
  if (artifactDigest) tombstone.artifactDigest = artifactDigest;
  const runUrl = annotations[LineageAnnotations.runUrl];
  if (runUrl) tombstone.runUrl = runUrl;
  return tombstone;
}

/** What of a yanked artifact a registry still serves, and what is gone. */
export interface YankRemains {
  /** Still served: the artifact's digest, its tags (still on that digest), platform manifests. */
  remaining: string[];
  /** No longer served. */
  removed: string[];
}

/**
 * Asks the store, reference by reference, which parts of the artifact a tombstone names are still
 * there: one HEAD each. A tag counts as remaining only while it still points at the yanked digest.
 */
export async function findYankRemains(store: ArtifactStore, tombstone: Tombstone): Promise<YankRemains> {
  const digest = tombstone.artifactDigest;
  if (!digest) return { remaining: [], removed: [] };
  const references = [digest, ...tombstone.artifactTags, ...tombstone.platformManifests];
  const resolved = await Promise.all(references.map((reference) => store.resolve(reference)));
  const remains: YankRemains = { remaining: [], removed: [] };
  references.forEach((reference, index) => {
    const found = resolved[index];
    const isTag = index > 0 && index <= tombstone.artifactTags.length;
    const there = isTag ? found?.digest === digest : found !== undefined;
    (there ? remains.remaining : remains.removed).push(reference);
  });
  return remains;
}

/** The refusal every action gives for a yanked commit, with the tombstone's reason and the way out. */
export function yankedError(tombstone: Tombstone, overrideInput = 'allow-yanked'): ConfigurationError {
  return new ConfigurationError(
    words`Commit ${shortSha(tombstone.sha)} was yanked by ${tombstone.actor || 'unknown'} at ${tombstone.yankedAt || 'an unknown time'}: "${tombstone.reason}" (tombstone ${tombstone.reference}). Fix forward with a new commit, or ${setInput(overrideInput, true)} to override.`,
  );
}
