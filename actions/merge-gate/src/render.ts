import { inlineCode, SummaryBuilder } from '@flow-actions/action-kit';
import type { CheckRunState } from '@flow-actions/github-api';
import type { RequirementRow } from './checks';
import type { GateDecision, LegOutcome } from './decide';
import { fitMarkdown, link, plainText } from './markdown';
import type { RiskAssessment } from './risk';
import type { Verdict } from './verdict';

/** What a check run shows: its title, and its summary and text in Markdown, each within GitHub's limit. */
export interface CheckRunOutput {
  title: string;
  summary: string;
  text: string;
}

/**
 * The check run's state for a verdict: green is success, red failure, and pending a run still in
 * progress — branch protection then waits for it, as it should, instead of reading a conclusion.
 */
export function gateCheckRunState(verdict: Verdict): CheckRunState {
  if (verdict === 'pending') return { status: 'in_progress' };
  return { status: 'completed', conclusion: verdict === 'green' ? 'success' : 'failure' };
}

const MARK: Record<Verdict, string> = { green: '✅', pending: '⏳', red: '❌' };
const WORD: Record<Verdict, string> = { green: 'Green', pending: 'Pending', red: 'Red' };
const LEG_TITLE: Record<LegOutcome['leg'], string> = { ci: 'CI', cd: 'CD', review: 'Review' };

/**
 * The gate's check run output: the verdict and the expression; a table with a row per leg (and
 * the risk's requirement, and standing change requests) saying why; what is still missing; then,
 * in the text, each leg's checks, deployments and approvals with links. Every name that comes
 * from outside is plain text, so no check or login can inject Markdown into the table.
 */
export function renderGateCheck(decision: GateDecision, pullRequest: { number: number }): CheckRunOutput {
  const legs = decision.legs.filter((leg) => leg.read);
  const risk = decision.risk ? [`${decision.risk.level} risk ${decision.risk.verdict}`] : [];
  const title = shortTitle(
    `${WORD[decision.verdict]}: ${[...legs.map((leg) => `${leg.leg} ${leg.verdict}`), ...risk].join(' · ')}`,
  );

  const summary = new SummaryBuilder().paragraph(
    `**${WORD[decision.verdict]}** — ${inlineCode(decision.expression)} on ${inlineCode(decision.headSha.slice(0, 7))}, the head of #${pullRequest.number}`,
  );
  const rows = decision.legs.map((leg) => [
    MARK[leg.verdict],
    leg.read ? LEG_TITLE[leg.leg] : `${LEG_TITLE[leg.leg]} (not in the expression)`,
    leg.verdict,
    legSummary(leg),
  ]);
  if (decision.risk)
    rows.push([
      MARK[decision.risk.verdict],
      `Risk: ${decision.risk.level}`,
      decision.risk.verdict,
      decision.risk.rows.length === 0 ? 'nothing more to require' : countSummary(decision.risk.rows),
    ]);
  if (decision.blockers.length > 0)
    rows.push([
      MARK.red,
      'Change requests',
      'red',
      `${decision.blockers.map((row) => plainText(row.name)).join(', ')}: block whatever the expression says`,
    ]);
  summary.table(['', 'leg', 'verdict', 'because'], rows);
  if (decision.missing.length > 0) summary.heading('Still missing', 3).list(decision.missing.map(plainText));
  summary.paragraph(
    `Auto-merge: ${decision.autoMerge.eligible ? 'yes' : 'no'} — ${plainText(decision.autoMerge.reason)}.`,
  );

  const text = new SummaryBuilder();
  for (const leg of decision.legs) requirementTable(text, LEG_TITLE[leg.leg], leg.rows);
  if (decision.risk) requirementTable(text, `Risk: ${decision.risk.level}`, decision.risk.rows);
  return { title, summary: fitMarkdown(summary.toString()), text: fitMarkdown(text.toString()) };
}

function legSummary(leg: LegOutcome): string {
  if (leg.rows.length === 0) return leg.leg === 'review' ? 'no review yet' : 'nothing to check';
  const blocking =
    leg.rows.find((row) => row.verdict === 'red') ?? leg.rows.find((row) => row.verdict === 'pending');
  const first =
    leg.verdict === 'green' || !blocking
      ? ''
      : `; ${plainText(blocking.name)}: ${plainText(blocking.detail)}`;
  const count =
    leg.leg === 'review'
      ? `${leg.rows.filter((row) => row.verdict === 'green').length} counted`
      : countSummary(leg.rows);
  return `${count}${first}`;
}

function countSummary(rows: readonly RequirementRow[]): string {
  return `${rows.filter((row) => row.verdict === 'green').length} of ${rows.length} green`;
}

/** A title is one line of plain text (a commit subject may reach it): cut long ones. */
function shortTitle(text: string): string {
  const flat = [...text.replace(/\s+/g, ' ')];
  return flat.length > 200 ? `${flat.slice(0, 199).join('')}…` : flat.join('');
}

function requirementTable(builder: SummaryBuilder, heading: string, rows: readonly RequirementRow[]): void {
  builder.heading(heading, 3);
  if (rows.length === 0) {
    builder.paragraph('Nothing to check.');
    return;
  }
  builder.table(
    ['', 'required', 'found', 'to do'],
    rows.map((row) => [
      MARK[row.verdict],
      link(plainText(row.name), row.url),
      plainText(row.detail),
      row.fix ? plainText(row.fix) : '',
    ]),
  );
}

/**
 * The risk check run output: the level and how it was reached, a table of the inputs, the labels
 * to carry, and (in the text) the commits and the toggle matrix. Its conclusion is neutral: it
 * informs, the merge gate decides.
 */
export function renderRiskCheck(risk: RiskAssessment): CheckRunOutput {
  const title = shortTitle(`Risk ${risk.level}: ${risk.reasons.at(-1) ?? ''}`);
  const summary = new SummaryBuilder()
    .paragraph(`**Risk: ${risk.level}**`)
    .list(risk.reasons.map(plainText))
    .table(
      ['input', 'value'],
      [
        ['lines changed', `${risk.lines} (+${risk.additions} −${risk.deletions}) in ${risk.files} files`],
        ['change size', risk.changeSize],
        [
          'components touched',
          risk.components
            .map((c) => `${plainText(c.name)} (${c.size}, ${c.files} file${c.files === 1 ? '' : 's'})`)
            .join(', ') || 'none by a functional file',
        ],
        [
          'functional',
          risk.functional
            ? `yes: ${risk.functionalFiles} of ${risk.files} files outside the non-functional paths`
            : 'no: only non-functional paths, and no commit declares a feature, fix or break',
        ],
        ['semver impact', `${risk.semver.impact}: ${plainText(risk.semver.from)}`],
        [
          'feature toggles',
          risk.toggles
            .map((toggle) => `${plainText(toggle.name)} (${plainText(toggle.source)})`)
            .join(', ') || 'none',
        ],
        [
          'toggle coverage',
          risk.coverage ? `${risk.coverage.percent}% (${plainText(risk.coverage.source)})` : 'not reported',
        ],
        ['labels', risk.labels.labels.map(inlineCode).join(', ')],
      ],
    );
  if (risk.ignoredLabels.length > 0)
    summary
      .heading('Labels not counted', 3)
      .list(risk.ignoredLabels.map(({ label, reason }) => `${plainText(label)}: ${plainText(reason)}`));

  const text = new SummaryBuilder()
    .heading('Commits', 3)
    .table(
      ['commit', 'impact', 'subject'],
      risk.commits.map((commit) => [
        inlineCode(commit.sha.slice(0, 7)),
        commit.impact,
        plainText(commit.subject),
      ]),
    )
    .heading('Toggle matrix', 3)
    .code(JSON.stringify(risk.matrix), 'json');
  return { title, summary: fitMarkdown(summary.toString()), text: fitMarkdown(text.toString()) };
}
