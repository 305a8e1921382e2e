import { inlineCode, SummaryBuilder, shortDigest, shortenDigests } from '@flow-actions/action-kit';
import { shortSha } from '@flow-actions/commit-identity';
import type { NpmYankResult } from './npm';
import type { ImagePlan } from './plan';
import type { ImageResult, YankResult } from './yank';

export interface SummaryContext {
  reason: string;
  /** Undefined when the runner did not say who. */
  actor?: string;
  runUrl?: string;
  /** Where the sha came from (input, event field). */
  shaSource?: string;
}

const OUTCOME_TEXT: Record<ImageResult['outcome'], string> = {
  yanked: 'yanked',
  tombstoned: 'tombstone written (no artifact deleted)',
  'already-yanked': 'already yanked, nothing changed',
  planned: 'dry run: nothing written',
  failed: 'tombstone written, deleting failed (see the error)',
};

/** A reference or digest in a cell: in code, its digest cut short (the full one is folded below). */
function shortCode(reference: string): string {
  return inlineCode(shortenDigests(reference));
}

/** How the artifact was found: the cheap ways first, the revision search with what it read. */
function describeFound(plan: ImagePlan): string {
  const search = plan.revisionSearch;
  const searched = search
    ? `searched ${search.read} of ${search.candidates} artifact(s) under ${search.tags} tag(s) for the commit's revision${search.complete ? '' : ' (stopped at the limit: the rest were not read)'}`
    : '';
  switch (plan.foundBy) {
    case 'sha-tag':
      return `sha tag ${inlineCode(plan.shaTag)}`;
    case 'tombstone':
      return 'the digest the earlier tombstone recorded';
    case 'revision':
      return `no sha tag ${inlineCode(plan.shaTag)}; ${searched}: a copy`;
    default:
      return search ? `not found: no sha tag ${inlineCode(plan.shaTag)}; ${searched}` : 'not found';
  }
}

/** The job summary: what was removed, from where, why and by which run. */
export function buildYankSummary(
  result: YankResult | undefined,
  npm: NpmYankResult | undefined,
  sha: string,
  context: SummaryContext,
): SummaryBuilder {
  const alreadyYanked =
    !npm &&
    (result?.images.length ?? 0) > 0 &&
    result?.images.every((image) => image.outcome === 'already-yanked');
  const failed = result?.images.some((image) => image.outcome === 'failed');
  const title =
    result?.dryRun || npm?.dryRun
      ? 'Yank plan (dry run)'
      : failed
        ? 'Yank incomplete'
        : alreadyYanked
          ? 'Already yanked'
          : 'Yanked';
  const summary = new SummaryBuilder().heading(`${title} ${inlineCode(shortSha(sha))}`);
  summary.table(
    ['', ''],
    [
      ['commit', `${inlineCode(sha)}${context.shaSource ? ` (from ${context.shaSource})` : ''}`],
      ['reason', context.reason],
      ['by', context.actor ?? 'not known (GITHUB_ACTOR is not set)'],
      ['run', context.runUrl ?? 'unknown'],
    ],
  );
  for (const image of result?.images ?? []) {
    const { plan } = image;
    const before = plan.existingTombstone;
    summary.heading(plan.location, 3);
    summary.table(
      ['', ''],
      [
        ['outcome', OUTCOME_TEXT[image.outcome]],
        ...(before
          ? [
              [
                'yanked before',
                `by ${before.actor || 'unknown'} at ${before.yankedAt || 'an unknown time'}: ${before.reason}`,
              ],
            ]
          : []),
        [
          'digest',
          plan.artifact
            ? inlineCode(shortDigest(plan.artifact.digest))
            : 'none (no artifact for this commit)',
        ],
        ['found by', describeFound(plan)],
        ['tags on the digest', plan.tags.map(inlineCode).join(', ') || 'none'],
        ['protected tags', plan.protectedTags.map(inlineCode).join(', ') || 'none'],
        ['platform manifests deleted', plan.children.map(shortCode).join(', ') || 'none'],
        ['platform manifests kept (shared)', plan.sharedChildren.map(shortCode).join(', ') || 'none'],
        ['deleted', image.deleted.map(shortCode).join('<br>') || 'nothing'],
        ...(image.outcome === 'failed'
          ? [['still in the registry', image.remaining.map(shortCode).join('<br>') || 'nothing']]
          : []),
        ['via', image.via],
        ['tombstone', `${inlineCode(image.tombstone)}${image.tombstoneWritten ? ' (written now)' : ''}`],
      ],
    );
    summary.fullDigests([
      ...(plan.artifact ? [['artifact', `${plan.location}@${plan.artifact.digest}`] as const] : []),
      ...[...plan.children, ...plan.sharedChildren].map(
        (child) => ['platform manifest', `${plan.location}@${child}`] as const,
      ),
    ]);
  }
  if (npm) {
    summary.heading(`npm ${npm.package}@${npm.version}`, 3);
    summary.table(
      ['', ''],
      [
        [
          'deprecated',
          npm.deprecated
            ? 'yes, now'
            : npm.previousDeprecation === context.reason
              ? 'already, same reason'
              : npm.dryRun
                ? 'would be'
                : 'no',
        ],
        [
          'dist-tags',
          npm.distTags
            .map((move) =>
              move.action === 'moved'
                ? `${inlineCode(move.tag)}: ${move.from} → ${move.to}`
                : move.action === 'removed'
                  ? `${inlineCode(move.tag)}: removed (no earlier version on the line)`
                  : `${inlineCode(move.tag)}: kept on ${move.from} (no earlier live version on the line; npm cannot remove latest)`,
            )
            .join('<br>') || 'none pointed at it',
        ],
      ],
    );
  }
  return summary;
}
