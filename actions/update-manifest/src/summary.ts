import { inlineCode, SummaryBuilder } from '@flow-actions/action-kit';
import { describeArtifact, type Lineage } from './commit-message';
import type { ImageTarget } from './image-reference';
import type { RevertResult } from './revert';
import type { SourceCommit } from './source-commit';
import type { UpdateResult } from './update';

export interface SummaryOptions {
  repositoryLabel: string;
  paths: readonly string[];
  target: ImageTarget;
  lineage: Lineage;
  /** Where the source commit came from, and why it is missing or unverified. Default: not said. */
  source?: SourceCommit;
}

const SOURCE_COMMIT_FROM: Record<NonNullable<SourceCommit['from']>, string> = {
  artifact: "the artifact's revision",
  input: 'input "source-commit", not verified',
};

/** What moved where, the commit (or that there was nothing to change) and the pull request. */
export function buildSummary(result: UpdateResult, options: SummaryOptions): SummaryBuilder {
  const artifact = inlineCode(describeArtifact(options.target));
  const where = `${options.paths.map(inlineCode).join(', ')} in ${inlineCode(options.repositoryLabel)}`;
  const summary = new SummaryBuilder().heading('Update manifest');
  switch (result.status) {
    case 'unchanged':
      summary.paragraph(`Nothing to change: ${where} already point at ${artifact}. No commit was made.`);
      break;
    case 'dry-run':
      summary.paragraph(
        `Dry run: would point ${where} at ${artifact} on ${inlineCode(result.branch)}. Nothing was committed or pushed.`,
      );
      break;
    case 'pushed':
      summary.paragraph(
        `Pointed ${where} at ${artifact}: commit ${inlineCode(result.commit ?? '')} on ${inlineCode(result.branch)}${
          result.attempts > 1 ? ` (re-applied after ${result.attempts - 1} race(s) with other pushes)` : ''
        }.`,
      );
      break;
    case 'pull-request':
      summary.paragraph(
        `${result.pullRequest?.created ? 'Opened' : 'Updated'} pull request ${result.pullRequest?.url ?? ''} from ${inlineCode(
          result.pullRequestBranch ?? '',
        )} into ${inlineCode(result.branch)}: commit ${inlineCode(result.commit ?? '')} points ${where} at ${artifact}.`,
      );
      break;
  }
  if (result.changes.length > 0) {
    summary.table(
      ['file', 'field', 'from', 'to'],
      result.changes.map((change) => [
        inlineCode(change.file),
        inlineCode(change.field),
        change.from === undefined ? '(unset)' : inlineCode(change.from),
        change.to === undefined ? '(removed)' : inlineCode(change.to),
      ]),
    );
  }
  const lineage = [
    options.lineage.sourceCommit
      ? `source commit ${inlineCode(options.lineage.sourceCommit)}${
          options.source?.from ? ` (${SOURCE_COMMIT_FROM[options.source.from]})` : ''
        }`
      : '',
    options.lineage.runUrl ? `run ${options.lineage.runUrl}` : '',
    options.lineage.actor ? `by ${inlineCode(options.lineage.actor)}` : '',
  ].filter(Boolean);
  if (lineage.length > 0) summary.paragraph(`Lineage: ${lineage.join(', ')}.`);
  if (options.source?.warning) summary.paragraph(`**Warning:** ${options.source.warning}`);
  if (result.diff) summary.details('Diff', `\`\`\`diff\n${result.diff.trimEnd()}\n\`\`\``);
  return summary;
}

/** What a revert put back: the commit undone, the revert commit (or why there was none), the diff. */
export function buildRevertSummary(
  result: RevertResult,
  options: Pick<SummaryOptions, 'repositoryLabel' | 'paths'> & { deployOf?: string },
): SummaryBuilder {
  const where = `${options.paths.map(inlineCode).join(', ')} in ${inlineCode(options.repositoryLabel)}`;
  const summary = new SummaryBuilder().heading('Update manifest: revert');
  if (!result.reverted) {
    return summary.paragraph(
      `Nothing to revert: ${where} does not run a deploy of ${inlineCode(options.deployOf ?? '')} on ${inlineCode(result.branch)}.`,
    );
  }
  const undone = `${inlineCode(result.reverted.commit.slice(0, 12))} (${result.reverted.subject})`;
  switch (result.status) {
    case 'unchanged':
      summary.paragraph(`Nothing to revert: ${undone} is already undone on ${inlineCode(result.branch)}.`);
      break;
    case 'dry-run':
      summary.paragraph(
        `Dry run: would undo ${undone} in ${where} on ${inlineCode(result.branch)}. Nothing was committed or pushed.`,
      );
      break;
    case 'pushed':
      summary.paragraph(
        `Undid ${undone} in ${where}: commit ${inlineCode(result.commit ?? '')} on ${inlineCode(result.branch)}${
          result.attempts > 1 ? ` (re-applied after ${result.attempts - 1} race(s) with other pushes)` : ''
        }.`,
      );
      break;
  }
  if (result.changedFiles.length > 0) summary.list(result.changedFiles.map(inlineCode));
  if (result.diff) summary.details('Diff', `\`\`\`diff\n${result.diff.trimEnd()}\n\`\`\``);
  return summary;
}
