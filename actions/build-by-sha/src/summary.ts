import { inlineCode, SummaryBuilder, shortDigest } from '@flow-actions/action-kit';
import type { CommitIdentity } from '@flow-actions/commit-identity';
import type { BuildByShaResult } from './build-by-sha';
import { describeChanges } from './source-check';

/**
 * The job summary: the commit, then a row per image — reference, short digest, built or reused and
 * why, tags set — and the full digests folded below.
 */
export function buildSummary(result: BuildByShaResult, commit: CommitIdentity): SummaryBuilder {
  const built = result.images.filter((image) => image.built).length;
  const summary = new SummaryBuilder()
    .heading(`build-by-sha: ${inlineCode(result.tag)}`)
    .paragraph(
      `Commit ${inlineCode(result.sha)} (from ${commit.source}${commit.pullRequest === undefined ? '' : `, pull request #${commit.pullRequest}`}): ${built} built, ${result.images.length - built} reused.`,
    );
  if (result.dirty) {
    summary.paragraph(
      `**Built from uncommitted changes (allow-dirty)**: ${describeChanges(result.dirty.changes)}. Tagged ${inlineCode(result.tag)} only, labelled revision ${inlineCode(`${result.sha}-dirty`)}: no lookup by commit finds it, so it is never promoted or deployed as this commit.`,
    );
  }
  summary.table(
    ['image', 'digest', 'what happened', 'tags'],
    result.images.map((image) => [
      inlineCode(image.image),
      inlineCode(shortDigest(image.digest)),
      `${image.built ? `built with ${image.via ?? 'the builder'}` : 'reused'}: ${image.reason}`,
      image.tags
        .map((tag) => {
          if (tag.change === 'unchanged') return `${inlineCode(tag.tag)} (already there)`;
          if (tag.change === 'move')
            return `${inlineCode(tag.tag)} (moved from ${inlineCode(shortDigest(tag.previous ?? ''))})`;
          return `${inlineCode(tag.tag)} (new)`;
        })
        .join(', '),
    ]),
  );
  return summary.fullDigests(
    result.images.flatMap((image) => [
      [inlineCode(image.image), `${image.image}@${image.digest}`] as const,
      ...image.tags.flatMap((tag) =>
        tag.change === 'move' && tag.previous
          ? [[`${inlineCode(tag.tag)} before`, `${image.image}@${tag.previous}`] as const]
          : [],
      ),
    ]),
  );
}
