import { inlineCode, SummaryBuilder, shortDigest, shortenDigests } from '@flow-actions/action-kit';
import { describeArtifact, type Lineage } from './commit-message';
import { type ImageTarget, parseImageReference } from './image-reference';
import { type FieldChange, helmKeyRole } from './manifest-edit';
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
    case 'behind':
      summary.paragraph(
        `Not deployed (forward-only): ${where} on ${inlineCode(result.branch)} run ${inlineCode(
          result.forward?.kind === 'behind' ? result.forward.runs : '',
        )}, a newer commit than ${artifact}'s. No commit was made.`,
      );
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
    const moves = describeMoves(result.changes, options.target);
    summary
      .paragraph(
        `${result.status === 'dry-run' ? 'Would move' : 'Moved'} ${inlineCode(options.target.name)}:`,
      )
      .list(moves.map((move) => move.line))
      .table(
        ['file', 'field', 'from', 'to'],
        result.changes.map((change) => [
          inlineCode(change.file),
          inlineCode(change.field),
          change.from === undefined ? '(unset)' : inlineCode(shortenDigests(change.from)),
          change.to === undefined ? '(removed)' : inlineCode(shortenDigests(change.to)),
        ]),
      )
      .fullDigests([
        ...(options.target.digest ? [['now', options.target.digest] as const] : []),
        ...moves.flatMap((move) =>
          move.before.digest ? [[`before, in ${move.files}`, move.before.digest] as const] : [],
        ),
      ]);
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
  if (result.forward) summary.paragraph(String(result.forward.reason));
  if (result.diff) summary.details('Diff', `\`\`\`diff\n${result.diff.trimEnd()}\n\`\`\``);
  return summary;
}

/** What an image field pointed at: a tag, a digest, or both. */
interface Pointer {
  tag?: string;
  digest?: string;
}

/** One line per distinct "before" of the environment's files: `a.yaml`: `v1.1.0` (`sha256:28c3…`) → `v1.0.0` (`sha256:5391…`). */
interface Move {
  before: Pointer;
  /** The files that pointed at `before`, in code, comma-separated. */
  files: string;
  line: string;
}

/**
 * From which tag and digest to which each file moved. A field not among the changes already held
 * the target's value, so a file's "before" is the target with each changed field's old value.
 */
function describeMoves(changes: readonly FieldChange[], target: ImageTarget): Move[] {
  const after: Pointer = {
    ...(target.tag ? { tag: target.tag } : {}),
    ...(target.digest ? { digest: target.digest } : {}),
  };
  const befores = new Map<string, Pointer>();
  for (const change of changes) {
    const before = befores.get(change.file) ?? { ...after };
    befores.set(change.file, { ...before, ...oldValue(change) });
  }
  const byBefore = new Map<string, { before: Pointer; files: string[] }>();
  for (const [file, before] of befores) {
    const key = `${before.tag ?? ''}@${before.digest ?? ''}`;
    const entry = byBefore.get(key) ?? { before, files: [] };
    entry.files.push(file);
    byBefore.set(key, entry);
  }
  return [...byBefore.values()].map(({ before, files }) => {
    const where = files.map(inlineCode).join(', ');
    return { before, files: where, line: `${where}: ${describePointer(before)} → ${describePointer(after)}` };
  });
}

/** What a changed field said before, as tag and digest (either may be absent: unset before). */
function oldValue(change: FieldChange): Pointer {
  const field = change.field.slice(change.field.lastIndexOf('.') + 1);
  const value = change.from ?? '';
  // Kubernetes fields read `Deployment/api containers[api].image`; kustomize's end in newTag or
  // digest; anything else is a Helm key the inputs checked.
  const role = change.field.includes(' ')
    ? 'reference'
    : field === 'newTag'
      ? 'tag'
      : field === 'digest'
        ? 'digest'
        : helmKeyRole(change.field);
  if (role === 'repository') return {};
  if (role === 'digest') return { digest: value || undefined };
  if (role === 'tag') {
    // A Helm tag key without a digest key holds `tag@digest`.
    const [tag, digest] = value.split('@');
    return { tag: tag || undefined, digest: digest || undefined };
  }
  const reference = parseImageReference(value);
  return { tag: reference.tag, digest: reference.digest };
}

function describePointer(pointer: Pointer): string {
  const digest = pointer.digest ? inlineCode(shortDigest(pointer.digest)) : '';
  if (pointer.tag) return `${inlineCode(pointer.tag)}${digest ? ` (${digest})` : ''}`;
  return digest || '(unset)';
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
