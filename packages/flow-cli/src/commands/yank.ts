import { InputReader } from '@flow-actions/action-kit';
import { shortSha } from '@flow-actions/commit-identity';
import { openGitHistory } from '@flow-actions/retag-promote/git-history';
import { expandShortSha } from '@flow-actions/yank-artifact/commit';
import { type YankResult, yankCommit, yankOptions } from '@flow-actions/yank-artifact/core';
import { createOciDeleter } from '@flow-actions/yank-artifact/deleters';
import { getInputs } from '@flow-actions/yank-artifact/inputs';
import { type Command, UsageError } from '../command';
import {
  createFlagInputSource,
  createStoreOpener,
  currentCommit,
  REGISTRY_OPTIONS,
  readInputs,
  repositoryUrl,
  SHA_OPTIONS,
} from '../inputs';
import { digestCell } from '../output';

export const yankCommand: Command = {
  name: 'yank',
  summary: "Delete a commit's artifacts and leave a tombstone, so it is never rebuilt or promoted.",
  usage: '--image <repo> --reason <text> [--sha <commit>] [options]',
  details: [
    'The tombstone (yanked-<short sha>) is written first, then the artifact is deleted; a re-run finishes a partial yank.',
    'Without --sha, the commit checked out in the current directory (git rev-parse HEAD) is yanked.',
    'The tombstone names the actor from $FLOW_ACTOR, else $USER.',
    'npm yanks and GHCR deletes (GitHub Packages API) are left to the action; --mode tombstone-only works everywhere.',
  ],
  options: {
    image: {
      type: 'string',
      multiple: true,
      description: 'Repository to yank from: registry/repo or oci:<dir>.',
    },
    sha: {
      type: 'string',
      description: 'The commit: full sha, or an abbreviation of at least --sha-length characters.',
      defaultText: 'git rev-parse HEAD',
    },
    reason: { type: 'string', description: 'Why; kept in the tombstone. Required.' },
    'protected-tags': {
      type: 'string',
      multiple: true,
      description: 'Tags that refuse the yank unless --force.',
      default: 'v*\nprod\n',
    },
    force: { type: 'boolean', description: 'Yank even when a protected tag points at the artifact.' },
    mode: {
      type: 'string',
      description: 'delete, or tombstone-only (write the tombstone, delete nothing).',
      default: 'delete',
    },
    'dry-run': { type: 'boolean', description: 'Plan and report; write nothing.' },
    ...SHA_OPTIONS,
    ...REGISTRY_OPTIONS,
  },
  async run(args, context) {
    // The action also yanks npm versions without images; the command line yanks images only.
    if (!args.values.image) throw new UsageError('--image is required: name the repository to yank from');
    const inputs = readInputs(() =>
      getInputs(
        new InputReader(
          createFlagInputSource({ ...args, values: { ...args.values, backend: 'oci' } }, yankCommand.options),
        ),
        context.masker,
      ),
    );
    if (inputs.images.length === 0)
      throw new UsageError('--image is required: name the repository to yank from');
    const openStore = createStoreOpener(inputs.registry, context, context.masker);
    const targets = [];
    for (const image of inputs.images) {
      const store = await openStore(image.image, { inputName: 'image' });
      targets.push({ image: image.image, store, deleter: createOciDeleter(store) });
    }
    // An abbreviation: the artifacts, the tombstones (a second yank), else the checkout's history.
    const sha = inputs.sha
      ? await expandShortSha(
          targets.map((target) => target.store),
          inputs.sha,
          inputs.shaOptions,
          async (short) => (await openGitHistory(context.cwd, context.logger))?.expand(short),
        )
      : await currentCommit(undefined, context);
    const source = await repositoryUrl(context);
    const actor = context.env.FLOW_ACTOR || context.env.USER;
    if (!actor) context.logger.warning('Neither $FLOW_ACTOR nor $USER is set: the tombstone names no actor.');
    context.logger.info(`${inputs.dryRun ? 'Planning the yank of' : 'Yanking'} commit ${shortSha(sha)}…`);
    const result = await yankCommit(
      targets,
      yankOptions(inputs, {
        sha,
        ...(actor ? { actor } : {}),
        ...(source ? { source } : {}),
        logger: context.logger,
      }),
    );
    return {
      json: {
        ok: true,
        dryRun: result.dryRun,
        sha: result.sha,
        images: result.images.map((image) => ({
          image: image.image,
          outcome: image.outcome,
          digest: image.plan.artifact?.digest ?? null,
          tags: image.plan.tags,
          foundBy: image.plan.foundBy ?? null,
          deleted: image.deleted,
          tombstone: image.tombstone,
          yankedBefore: image.plan.existingTombstone
            ? {
                actor: image.plan.existingTombstone.actor,
                yankedAt: image.plan.existingTombstone.yankedAt,
                reason: image.plan.existingTombstone.reason,
              }
            : null,
        })),
      },
      lines: describeYank(result, inputs.reason),
      table: {
        columns: ['image', 'outcome', 'digest', 'tags', 'tombstone'],
        rows: result.images.map((image) => [
          image.image,
          image.outcome,
          digestCell(image.plan.artifact?.digest),
          image.plan.tags.join(', ') || '-',
          image.tombstone.slice(image.tombstone.lastIndexOf(':') + 1),
        ]),
      },
    };
  },
};

/** One line: yanked now, or when every repository was yanked before, by whom, when and why. */
function describeYank(result: YankResult, reason: string): string[] {
  const first = result.images[0]?.plan.existingTombstone;
  if (!result.dryRun && first && result.images.every((image) => image.outcome === 'already-yanked')) {
    return [
      `Commit ${shortSha(result.sha)} was already yanked by ${first.actor || 'unknown'} at ${first.yankedAt || 'an unknown time'}: "${first.reason}"; nothing changed.`,
    ];
  }
  return [`${result.dryRun ? 'Would yank' : 'Yanked'} commit ${shortSha(result.sha)}: "${reason}".`];
}
