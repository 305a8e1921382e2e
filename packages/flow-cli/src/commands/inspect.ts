import { ConfigurationError, InputReader } from '@flow-actions/action-kit';
import {
  findYankRemains,
  getRegistryInputs,
  getShaTagInputs,
  readRevision,
  readTombstone,
  TOMBSTONE_ARTIFACT_TYPE,
  type Tombstone,
  type YankRemains,
} from '@flow-actions/artifact-protocol';
import { isAbbreviatedSha, isFullSha, shortSha } from '@flow-actions/commit-identity';
import {
  type ArtifactStore,
  hasVersion,
  LineageAnnotations,
  type Manifest,
  parseReference,
  readLineage,
} from '@flow-actions/oci-store';
import { type Command, type CommandContext, UsageError } from '../command';
import {
  createFlagInputSource,
  createStoreOpener,
  REGISTRY_OPTIONS,
  readInputs,
  SHA_OPTIONS,
} from '../inputs';
import { digestCell } from '../output';

/** Tags resolved at once while looking for every tag on a digest: registries have no reverse query. */
const TAG_CONCURRENCY = 8;

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'Show what a commit or tag resolves to: digest, every tag on it, lineage, tombstone.',
  usage: '<image> <commit|tag|sha256:digest> [options]',
  details: [
    'A hex argument (4 to 40 characters) is a commit, looked up under its sha tag; anything else is a tag.',
    'A yanked commit, a tag a yank removed, or a yanked-<sha> tag shows the tombstone (who, when, why), the artifact it yanked and what of it is still there, and exits 0; nothing at all exits 1.',
  ],
  positionals: ['image', 'commit|tag|digest'],
  options: { ...SHA_OPTIONS, ...REGISTRY_OPTIONS },
  async run(args, context) {
    const [image = '', wanted = ''] = args.positionals;
    const reader = new InputReader(createFlagInputSource(args, inspectCommand.options));
    const reference = readInputs(() => parseReference(image, { inputName: 'image' }));
    const { registry, sha } = readInputs(() => ({
      registry: getRegistryInputs(reader, context.masker, [image]),
      sha: getShaTagInputs(reader),
    }));
    if (hasVersion(reference)) {
      throw new UsageError(
        `<image> names a repository, not a version: drop the tag or digest from "${image}"`,
      );
    }
    // A digest (sha256:…) is never hex alone, so it is never taken for a commit.
    const isCommit = isAbbreviatedSha(wanted);
    if (isCommit && wanted.length < sha.shaLength) {
      throw new UsageError(
        `commit "${wanted}" is shorter than --sha-length (${sha.shaLength}): give at least ${sha.shaLength} characters`,
      );
    }
    const lookup = isCommit ? `${sha.tagPrefix}${wanted.slice(0, sha.shaLength)}` : wanted;

    const store = await createStoreOpener(registry, context, context.masker)(image, { inputName: 'image' });
    context.logger.info(`Resolving ${store.location}:${lookup}…`);
    const found = await store.getManifest(lookup);
    // A tombstone asked for by its own tag (yanked-<sha>) is shown as the yank it records.
    const manifest = found && isTombstoneManifest(found) ? undefined : found;
    const revision = manifest
      ? await readRevision(store, manifest)
      : found && readAnnotations(found)?.[LineageAnnotations.revision];
    if (isCommit && revision && !revision.startsWith(wanted)) {
      throw new ConfigurationError(
        `Short-sha collision: ${store.location}:${lookup} was built from commit ${revision}, not ${wanted}.`,
      );
    }
    // An abbreviation of at least sha-length characters finds the tombstone as the full sha does;
    // a tag or digest that a yank removed is found in the tombstone that names it.
    const commit = revision && isFullSha(revision) ? revision : isCommit ? wanted : undefined;
    const tombstone = commit
      ? await readTombstone(store, commit, sha)
      : manifest
        ? undefined
        : await findTombstoneNaming(store, lookup, context);
    if (!manifest && !tombstone) {
      throw new ConfigurationError(
        `${store.location} has no artifact under ${lookup} and no tombstone ${isCommit ? 'for that commit' : 'names it'}: check the name, or build the commit first (flow build).`,
      );
    }
    const remains = tombstone ? await findYankRemains(store, tombstone) : undefined;

    context.logger.info(manifest ? `Listing the tags on ${manifest.digest}…` : 'No artifact.');
    const tags = manifest ? await listTagsOn(store, manifest.digest) : [];
    const lineage = manifest ? readLineage(readAnnotations(manifest)) : {};
    if (revision && manifest) lineage.revision = revision;

    const lines = [
      manifest
        ? `${store.location}:${lookup} → ${manifest.digest}`
        : `${store.location}:${lookup} → no artifact (yanked)`,
    ];
    if (manifest) lines.push(`  media type  ${manifest.mediaType}`);
    if (lineage.revision) lines.push(`  commit      ${lineage.revision}`);
    if (lineage.source) lines.push(`  source      ${lineage.source}`);
    if (lineage.created) lines.push(`  created     ${lineage.created}`);
    if (lineage.runUrl) lines.push(`  run         ${lineage.runUrl}`);
    if (manifest && !lineage.revision) lines.push('  no lineage: the artifact names no commit');
    if (tombstone && remains) lines.push(...describeTombstone(tombstone, remains));

    return {
      json: {
        ok: true,
        image: store.location,
        reference: lookup,
        digest: manifest?.digest ?? null,
        mediaType: manifest?.mediaType ?? null,
        tags,
        lineage,
        tombstone: tombstone ? { ...tombstone, ...remains } : null,
      },
      lines,
      table: {
        columns: ['tag', 'digest'],
        rows: tombstone
          ? [
              ...tags.map((tag) => [tag, digestCell(manifest?.digest)]),
              [tombstoneTagOf(tombstone), 'tombstone'],
            ]
          : tags.map((tag) => [tag, digestCell(manifest?.digest)]),
      },
    };
  },
};

/** Who yanked the commit, when and why; what the yank was about, and what of it is still there. */
function describeTombstone(tombstone: Tombstone, remains: YankRemains): string[] {
  const lines = [
    `  YANKED commit ${shortSha(tombstone.sha)} by ${tombstone.actor || 'unknown'} at ${tombstone.yankedAt || 'an unknown time'}: "${tombstone.reason}"`,
  ];
  if (tombstone.runUrl) lines.push(`  yanked in   ${tombstone.runUrl}`);
  if (!tombstone.artifactDigest) {
    lines.push('  artifact    none recorded: the commit had no artifact here when it was yanked');
    return lines;
  }
  const platforms = tombstone.platformManifests.length;
  lines.push(
    `  artifact    ${tombstone.artifactDigest}${tombstone.artifactTags.length > 0 ? ` (tags ${tombstone.artifactTags.join(', ')})` : ''}${platforms > 0 ? ` and ${platforms} platform manifest(s)` : ''}`,
  );
  if (remains.remaining.length === 0) {
    lines.push('  removed     all of it; only the tombstone is left');
  } else if (tombstone.mode === 'tombstone-only') {
    lines.push(`  kept        ${remains.remaining.join(', ')} (tombstone-only: blocked, not deleted)`);
  } else {
    if (remains.removed.length > 0) lines.push(`  removed     ${remains.removed.join(', ')}`);
    lines.push(
      `  STILL THERE ${remains.remaining.join(', ')}: the delete failed or was refused; run flow yank again once the registry allows it`,
    );
  }
  return lines;
}

/**
 * The tombstone whose yank removed `reference` (a tag or a digest): every `yanked-*` tag is read,
 * one GET each, only when the reference itself is gone.
 */
async function findTombstoneNaming(
  store: ArtifactStore,
  reference: string,
  context: CommandContext,
): Promise<Tombstone | undefined> {
  context.logger.info(`No ${reference}; looking for a tombstone that names it…`);
  const tombstoneTags = (await store.listTags()).filter((tag) => /^yanked-[0-9a-f]{4,40}$/.test(tag));
  for (const tag of tombstoneTags) {
    const tombstone = await readTombstone(store, tag.slice('yanked-'.length), {
      shaLength: tag.length - 'yanked-'.length,
    });
    const names = [
      ...(tombstone?.artifactDigest ? [tombstone.artifactDigest] : []),
      ...(tombstone?.artifactTags ?? []),
      ...(tombstone?.platformManifests ?? []),
    ];
    if (tombstone && names.includes(reference)) return tombstone;
  }
  return undefined;
}

function isTombstoneManifest(manifest: Manifest): boolean {
  return (
    (JSON.parse(manifest.bytes.toString('utf8')) as { artifactType?: string }).artifactType ===
    TOMBSTONE_ARTIFACT_TYPE
  );
}

function tombstoneTagOf(tombstone: Tombstone): string {
  return tombstone.reference.slice(tombstone.reference.lastIndexOf(':') + 1);
}

function readAnnotations(manifest: Manifest): Record<string, string> | undefined {
  return (JSON.parse(manifest.bytes.toString('utf8')) as { annotations?: Record<string, string> })
    .annotations;
}

/** Every tag whose manifest is `digest`: list, then resolve each, a bounded number at a time. */
async function listTagsOn(store: ArtifactStore, digest: string): Promise<string[]> {
  const all = await store.listTags();
  const matches: string[] = [];
  let next = 0;
  const worker = async () => {
    while (next < all.length) {
      const tag = all[next++] as string;
      if ((await store.resolve(tag))?.digest === digest) matches.push(tag);
    }
  };
  await Promise.all(Array.from({ length: Math.min(TAG_CONCURRENCY, all.length) }, worker));
  return matches.sort();
}
