import { ConfigurationError, InputReader } from '@flow-actions/action-kit';
import {
  getRegistryInputs,
  getShaTagInputs,
  readRevision,
  readTombstone,
  type Tombstone,
} from '@flow-actions/artifact-protocol';
import { isAbbreviatedSha, shortSha } from '@flow-actions/commit-identity';
import {
  type ArtifactStore,
  hasVersion,
  type Manifest,
  parseReference,
  readLineage,
} from '@flow-actions/oci-store';
import { type Command, UsageError } from '../command';
import {
  createFlagInputSource,
  createStoreOpener,
  REGISTRY_OPTIONS,
  readInputs,
  SHA_OPTIONS,
} from '../inputs';
import { shortDigest } from '../output';

/** Tags resolved at once while looking for every tag on a digest: registries have no reverse query. */
const TAG_CONCURRENCY = 8;

export const inspectCommand: Command = {
  name: 'inspect',
  summary: 'Show what a commit or tag resolves to: digest, every tag on it, lineage, tombstone.',
  usage: '<image> <commit|tag|sha256:digest> [options]',
  details: [
    'A hex argument (4 to 40 characters) is a commit, looked up under its sha tag; anything else is a tag.',
    'A yanked commit shows its tombstone (who, when, why) and exits 0; nothing at all exits 1.',
  ],
  positionals: ['image', 'commit|tag|digest'],
  options: { ...SHA_OPTIONS, ...REGISTRY_OPTIONS },
  async run(args, context) {
    const [image = '', wanted = ''] = args.positionals;
    const reader = new InputReader(createFlagInputSource(args, inspectCommand.options));
    const { registry, sha } = readInputs(() => ({
      registry: getRegistryInputs(reader, context.masker),
      sha: getShaTagInputs(reader),
    }));
    const reference = readInputs(() => parseReference(image, { inputName: 'image' }));
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
    const manifest = await store.getManifest(lookup);
    const revision = manifest ? await readRevision(store, manifest) : undefined;
    if (isCommit && revision && !revision.startsWith(wanted)) {
      throw new ConfigurationError(
        `Short-sha collision: ${store.location}:${lookup} was built from commit ${revision}, not ${wanted}.`,
      );
    }
    // The tombstone tag depends only on the first sha-length characters, so an abbreviation of at
    // least that length finds it as well as the full sha does.
    const commit = revision ?? (isCommit ? wanted.padEnd(40, '0') : undefined);
    const tombstone = commit ? await readTombstone(store, commit, sha) : undefined;
    if (!manifest && !tombstone) {
      throw new ConfigurationError(
        `${store.location} has no artifact under ${lookup}${isCommit ? ' and no tombstone for that commit' : ''}: check the name, or build the commit first (flow build).`,
      );
    }

    context.logger.info(manifest ? `Listing the tags on ${shortDigest(manifest.digest)}…` : 'No artifact.');
    const tags = manifest ? await listTagsOn(store, manifest.digest) : [];
    const lineage = manifest ? readLineage(readAnnotations(manifest)) : {};
    if (revision) lineage.revision = revision;

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
    if (tombstone) lines.push(describeTombstone(tombstone));

    return {
      json: {
        ok: true,
        image: store.location,
        reference: lookup,
        digest: manifest?.digest ?? null,
        mediaType: manifest?.mediaType ?? null,
        tags,
        lineage,
        tombstone: tombstone ?? null,
      },
      lines,
      table: {
        columns: ['tag', 'digest'],
        rows: tombstone
          ? [
              ...tags.map((tag) => [tag, shortDigest(manifest?.digest)]),
              [tombstoneTagOf(tombstone), 'tombstone'],
            ]
          : tags.map((tag) => [tag, shortDigest(manifest?.digest)]),
      },
    };
  },
};

function describeTombstone(tombstone: Tombstone): string {
  return `  YANKED commit ${shortSha(tombstone.sha)} by ${tombstone.actor || 'unknown'} at ${tombstone.yankedAt || 'an unknown time'}: "${tombstone.reason}"${tombstone.removedDigest ? ` (removed ${shortDigest(tombstone.removedDigest)})` : ''}`;
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
