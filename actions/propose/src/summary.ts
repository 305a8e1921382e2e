import { inlineCode, SummaryBuilder } from '@flow-actions/action-kit';
import { plainText } from '@flow-actions/merge-gate/markdown';
import type { ProposeResult } from './propose';

export interface SummaryOptions {
  component: string;
  version: string;
  /** `owner/name` of the product. */
  product: string;
}

/** What was proposed where, how it was judged, and which older proposals were closed. */
export function buildSummary(result: ProposeResult, options: SummaryOptions): SummaryBuilder {
  const what = `${inlineCode(options.component)} ${inlineCode(options.version)}`;
  const where = `${inlineCode(options.product)} on ${inlineCode(result.base)}`;
  const summary = new SummaryBuilder().heading('Propose');
  switch (result.status) {
    case 'opened':
    case 'updated':
      summary.paragraph(
        `${result.status === 'opened' ? 'Opened' : 'Updated'} ${result.pullRequest?.url ?? ''}: ${what} for ${where}, from ${inlineCode(result.branch)} (commit ${inlineCode(result.update.commit ?? '')}).`,
      );
      break;
    case 'current':
      summary.paragraph(`Nothing to propose: ${where} already pins ${what}.`);
      break;
    case 'behind':
      summary.paragraph(
        result.newer
          ? `Nothing to propose: ${result.newer.url} proposes ${inlineCode(result.newer.version)}, newer than ${what}; it is left as it is.`
          : `Nothing to propose: ${where} pins ${inlineCode(result.previous?.tag ?? '')}, newer than ${what}.`,
      );
      break;
  }
  const { assessment } = result;
  if (assessment) {
    summary.table(
      ['', ''],
      [
        ['product pin before', result.previous ? inlineCode(result.previous.written) : 'none'],
        ['semver impact', `${assessment.impact} (${plainText(assessment.impactFrom)})`],
        [
          'size',
          assessment.size
            ? `${assessment.size.size}: ${assessment.size.lines} lines in ${assessment.size.files} files`
            : 'unknown',
        ],
        [
          'functional',
          assessment.functional === undefined ? 'unknown' : assessment.functional ? 'yes' : 'no',
        ],
        ['labels', result.labels.map(inlineCode).join(' ') || 'none'],
      ],
    );
  }
  if (result.closed.length > 0) {
    summary.paragraph('Closed:');
    summary.list(result.closed.map((pull) => `${pull.url}: ${plainText(pull.reason)}`));
  }
  return summary;
}
