import { InputReader } from '@flow-actions/action-kit';
import { shortSha } from '@flow-actions/commit-identity';
import { copyArtifact } from '@flow-actions/oci-store';
import { describeSwap, type ImagePromotion, promote } from '@flow-actions/retag-promote/core';
import { openGitHistory } from '@flow-actions/retag-promote/git-history';
import { getInputs } from '@flow-actions/retag-promote/inputs';
import type { Command, CommandContext } from '../command';
import {
  createFlagInputSource,
  createStoreOpener,
  currentCommit,
  REGISTRY_OPTIONS,
  readInputs,
  SETTLE_OPTION,
  SHA_OPTIONS,
} from '../inputs';
import { digestCell, formatTable } from '../output';

export const promoteCommand: Command = {
  name: 'promote',
  summary: 'Add tags to an existing artifact through the registry API: exact digest, nothing rebuilt.',
  usage: '--image <repo> --to <tag> [--from <commit|tag|digest>] [options]',
  details: [
    'A rollback is a promote of the older version: flow promote --image ghcr.io/acme/api --from v1.4.2 --to prod',
    'Without --from, the commit checked out in the current directory (git rev-parse HEAD) is promoted.',
    'On a terminal, flow shows the plan and asks before it creates an immutable tag (v*, rc-*, sha tags);',
    '--yes answers for scripts. Without a terminal it does not ask.',
    'Waiting for required checks and recording a deployment call the GitHub API: they are left to the action.',
  ],
  options: {
    image: {
      type: 'string',
      multiple: true,
      description: 'Repository to promote in: registry/repo or oci:<dir>.',
    },
    from: {
      type: 'string',
      description: 'What to promote: a commit sha (full or short), a tag, or sha256:<digest>.',
      defaultText: 'git rev-parse HEAD',
    },
    to: { type: 'string', multiple: true, description: 'Tag to add (repeatable, or comma-separated).' },
    'to-image': {
      type: 'string',
      multiple: true,
      description:
        "Destination repository, one per --image, to promote across repositories; it gets the commit's sha tag too.",
    },
    'immutable-tags': {
      type: 'string',
      multiple: true,
      description: 'Patterns of tags that never move.',
      default: '<sha>, v*, rc-*',
    },
    fallback: {
      type: 'string',
      description: 'none, or nearest-ancestor: use the nearest first-parent ancestor that has an artifact.',
      default: 'none',
    },
    'ignore-paths': {
      type: 'string',
      multiple: true,
      description: 'With the fallback: paths whose changes need no new artifact.',
      default: '**/*.md, **/*.mdx, docs/**, LICENSE, LICENSE.*, .github/ISSUE_TEMPLATE/**',
    },
    'version-scheme': {
      type: 'string',
      description:
        'semver (vMAJOR.MINOR.PATCH[-PRERELEASE]), calver (vYYYY.MM.MICRO) or none: the form of new v* versions.',
      default: 'semver',
    },
    'allow-version-gap': {
      type: 'boolean',
      description: "Create a version that is not the next step of the repository's versions.",
    },
    'allow-yanked': { type: 'boolean', description: 'Promote a yanked commit anyway.' },
    'dry-run': { type: 'boolean', description: 'Plan and report; write nothing.' },
    yes: {
      type: 'boolean',
      description: 'Create immutable tags without asking (on a terminal flow shows the plan and asks first).',
    },
    ...SETTLE_OPTION,
    ...SHA_OPTIONS,
    ...REGISTRY_OPTIONS,
  },
  async run(args, context) {
    const inputs = readInputs(() =>
      getInputs(new InputReader(createFlagInputSource(args, promoteCommand.options)), context.masker),
    );
    const git = await openGitHistory(context.cwd, context.logger);
    const from = inputs.from ?? (await currentCommit(undefined, context, 'from'));
    const openStore = createStoreOpener(inputs.registry, context, context.masker);
    context.logger.info(
      `${inputs.dryRun ? 'Planning' : 'Promoting'} ${from} in ${inputs.images.join(', ')} to ${inputs.tags.join(', ')}…`,
    );
    const result = await promote(
      { ...inputs, from },
      {
        openStore: (reference) => openStore(reference),
        copyArtifact: (source, target, digest) =>
          copyArtifact(source, target, digest, { logger: context.logger }),
        ...(git ? { git } : {}),
        confirm: args.values.yes === true ? async () => true : (promotions) => confirmOn(context, promotions),
        logger: context.logger,
      },
    );
    const first = result.promotions[0];
    const lines = [
      `${result.dryRun ? 'Would promote' : 'Promoted'} ${result.sourceSha ? `commit ${shortSha(result.sourceSha)}` : from} (${digestCell(first?.digest)}) to ${inputs.tags.join(', ')}.`,
      ...result.promotions
        .filter((promotion) => promotion.source.fallbackFrom)
        .map(
          (promotion) =>
            `${promotion.image}: ${shortSha(promotion.source.fallbackFrom ?? '')} has no artifact; used its ancestor ${shortSha(promotion.source.sha ?? '')}.`,
        ),
      ...result.promotions.flatMap((promotion) =>
        promotion.swaps.map((swap) => `${promotion.destination} ${describeSwap(swap)}.`),
      ),
    ];
    return {
      json: {
        ok: true,
        dryRun: result.dryRun,
        sourceSha: result.sourceSha ?? null,
        images: result.promotions.map((promotion) => ({
          image: promotion.image,
          destination: promotion.destination,
          digest: promotion.digest,
          source: promotion.source.reference,
          fallbackFrom: promotion.source.fallbackFrom ?? null,
          tags: promotion.plan.tags.map((tag) => ({
            tag: tag.tag,
            previous: tag.previous,
            change: tag.change,
          })),
        })),
      },
      lines,
      table: {
        columns: ['image', 'tag', 'change', 'from', 'to'],
        rows: result.promotions.flatMap((promotion) =>
          promotion.plan.tags.map((tag) => [
            promotion.destination,
            tag.tag,
            result.dryRun && tag.change !== 'unchanged' ? `would ${tag.change}` : tag.change,
            digestCell(tag.previous),
            digestCell(promotion.digest),
          ]),
        ),
      },
    };
  },
};

/**
 * The question before an immutable tag is created: the plan (each tag new, moved or unchanged,
 * immutable or not; the digest and the commit), then yes or no — only "y" or "yes" writes. Without
 * a terminal nobody can answer: a script or CI job goes on as it always has (it said what to write,
 * and the version and conflict checks have run); a line on stderr says --yes makes that explicit.
 */
async function confirmOn(context: CommandContext, promotions: readonly ImagePromotion[]): Promise<boolean> {
  const created = [
    ...new Set(
      promotions.flatMap(({ plan }) =>
        plan.tags.filter((tag) => tag.immutable && tag.change === 'create').map((tag) => tag.tag),
      ),
    ),
  ];
  const what = `${created.length > 1 ? 'the immutable tags' : 'the immutable tag'} ${created.join(', ')}`;
  if (!context.ask) {
    context.logger.info(`Not on a terminal, so not asking: writing ${what} (pass --yes to say so).`);
    return true;
  }
  const lines = promotions.flatMap((promotion) => [
    `Promote ${promotion.source.sha ? `commit ${shortSha(promotion.source.sha)}` : promotion.source.reference} (${promotion.digest}) in ${promotion.destination}:`,
    ...formatTable({
      columns: ['tag', 'change', 'kind'],
      rows: promotion.plan.tags.map((tag) => [
        tag.tag,
        tag.change === 'create'
          ? 'new'
          : tag.change === 'move'
            ? `moves ${digestCell(tag.previous)} → ${digestCell(promotion.digest)}`
            : 'unchanged',
        tag.immutable ? 'immutable' : 'moving',
      ]),
    }).map((line) => `  ${line}`),
  ]);
  const answer = await context.ask(
    `${lines.join('\n')}\nCreate ${what}? ${created.length > 1 ? 'They' : 'It'} can never be moved or taken back. [y/N] `,
  );
  return /^\s*y(?:es)?\s*$/i.test(answer);
}
