import { ConfigurationError } from '@flow-actions/action-kit';
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

/** Annotation keys of a tombstone: who, when (`created`), why, and what was removed. */
export const TombstoneAnnotations = {
  reason: 'dev.flow-actions.yank.reason',
  actor: 'dev.flow-actions.yank.actor',
  removedDigest: 'dev.flow-actions.yank.removed-digest',
  removedTags: 'dev.flow-actions.yank.removed-tags',
} as const;

export interface TombstoneInput {
  /** Full sha of the yanked commit. */
  sha: string;
  reason: string;
  /** Who yanked it, e.g. the workflow actor. */
  actor: string;
  /** When. Default: now. */
  yankedAt?: Date;
  /** The digest the sha tag pointed at, when there was an artifact. */
  removedDigest?: string;
  /** Every tag that pointed at that digest. */
  removedTags?: readonly string[];
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
  removedDigest?: string;
  removedTags: string[];
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
    [TombstoneAnnotations.actor]: input.actor,
    [TombstoneAnnotations.removedTags]: (input.removedTags ?? []).join(','),
  };
  if (input.removedDigest) annotations[TombstoneAnnotations.removedDigest] = input.removedDigest;
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

/** The commit's tombstone in this store, if it was yanked. */
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
  const removedTags = annotations[TombstoneAnnotations.removedTags];
  const tombstone: Tombstone = {
    sha: annotations[LineageAnnotations.revision] ?? sha,
    reason: annotations[TombstoneAnnotations.reason] ?? '',
    actor: annotations[TombstoneAnnotations.actor] ?? '',
    yankedAt: annotations[LineageAnnotations.created] ?? '',
    removedTags: removedTags ? removedTags.split(',') : [],
    reference: `${store.location}:${tag}`,
    digest: manifest.digest,
  };
  const removedDigest = annotations[TombstoneAnnotations.removedDigest];
  if (removedDigest) tombstone.removedDigest = removedDigest;
  const runUrl = annotations[LineageAnnotations.runUrl];
  if (runUrl) tombstone.runUrl = runUrl;
  return tombstone;
}

/** The refusal every action gives for a yanked commit, with the tombstone's reason and the way out. */
export function yankedError(tombstone: Tombstone, overrideInput = 'allow-yanked'): ConfigurationError {
  return new ConfigurationError(
    `Commit ${shortSha(tombstone.sha)} was yanked by ${tombstone.actor || 'unknown'} at ${tombstone.yankedAt || 'an unknown time'}: "${tombstone.reason}" (tombstone ${tombstone.reference}). Fix forward with a new commit, or set ${overrideInput}: true to override.`,
  );
}
