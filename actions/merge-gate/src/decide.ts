import { evaluateChecks, evaluateDeployments, type RequirementRow } from './checks';
import {
  evaluateExpression,
  formatExpression,
  LEG_NAMES,
  type LegName,
  legsOf,
  remainingExpression,
} from './expression';
import type { Policy, RiskLevel } from './policy';
import { evaluateReviews, evaluateTeamApproval } from './reviews';
import type { RiskAssessment } from './risk';
import type { PullRequestSnapshot } from './snapshot';
import { expandCheckNames } from './toggles';
import { allOf, type Verdict } from './verdict';

export interface LegOutcome {
  leg: LegName;
  /** Whether the expression reads this leg; a leg it does not read is shown, not decided on. */
  read: boolean;
  verdict: Verdict;
  rows: RequirementRow[];
  /** What would turn it green, one line each. */
  missing: string[];
}

export interface RiskOutcome {
  level: RiskLevel;
  /** What the level asks beyond the expression: green for low. */
  verdict: Verdict;
  rows: RequirementRow[];
  missing: string[];
}

export interface GateDecision {
  headSha: string;
  /** The gate: the expression, the risk's requirement and no standing change request, all by three-valued AND. */
  verdict: Verdict;
  expression: string;
  expressionVerdict: Verdict;
  /** ci, cd and review, each when the expression reads it or the policy configures it. */
  legs: LegOutcome[];
  /** Present when the policy maps risk to requirements. */
  risk?: RiskOutcome;
  /** Change requests that block whatever the expression says: CD passing does not answer a reviewer's "no". */
  blockers: RequirementRow[];
  /** What still has to turn green, one line each; empty when green. */
  missing: string[];
  /** Whether the policy lets this PR merge by itself once the gate is green. */
  autoMerge: { eligible: boolean; reason: string };
}

/**
 * The merge gate's decision for one state of a pull request. Each leg is evaluated from the
 * snapshot; the expression combines the legs in three-valued logic (verdict.ts); the risk level's
 * requirement (smoke checks for medium, a team's approval for high) and any standing change
 * request are ANDed on. Pure: the same snapshot and policy always give the same decision, so two
 * evaluations at once agree on what they saw, and the newer snapshot's decision is the one to keep.
 */
export function decideMergeGate(pr: PullRequestSnapshot, policy: Policy, risk: RiskAssessment): GateDecision {
  const read = new Set(legsOf(policy.expression));
  const expand = (names: readonly string[]) => expandCheckNames(names, risk.matrix, pr.number);
  const reviews = evaluateReviews(pr, policy.review);

  const evaluated: Record<LegName, { rows: RequirementRow[]; verdict?: Verdict; missing?: string[] }> = {
    ci: { rows: evaluateChecks(expand(policy.ci.checks), expand(policy.ci.allowedToSkip), pr) },
    cd: {
      rows: [
        ...evaluateChecks(expand(policy.cd.checks), expand(policy.cd.allowedToSkip), pr),
        ...evaluateDeployments(expand(policy.cd.environments), pr),
      ],
    },
    review: reviews,
  };
  const legs: LegOutcome[] = LEG_NAMES.map((leg) => {
    const { rows, verdict, missing } = evaluated[leg];
    return {
      leg,
      read: read.has(leg),
      verdict: verdict ?? allOf(rows.map((row) => row.verdict)),
      rows,
      missing: missing ?? rows.filter((row) => row.verdict !== 'green').map(describeMissing),
    };
  });
  const verdictOf = Object.fromEntries(legs.map((leg) => [leg.leg, leg.verdict])) as Record<LegName, Verdict>;
  const expressionVerdict = evaluateExpression(policy.expression, verdictOf);
  const riskOutcome = evaluateRiskRequirement(pr, policy, risk, expand);
  const verdict = allOf([
    expressionVerdict,
    riskOutcome?.verdict ?? 'green',
    reviews.blockers.length > 0 ? 'red' : 'green',
  ]);

  return {
    headSha: pr.headSha,
    verdict,
    expression: formatExpression(policy.expression),
    expressionVerdict,
    legs: legs.filter((leg) => leg.read || leg.rows.length > 0),
    ...(riskOutcome ? { risk: riskOutcome } : {}),
    blockers: reviews.blockers,
    missing: verdict === 'green' ? [] : missingLines(policy, legs, verdictOf, riskOutcome, reviews.blockers),
    autoMerge: autoMergeEligibility(policy, risk.level),
  };
}

function evaluateRiskRequirement(
  pr: PullRequestSnapshot,
  policy: Policy,
  risk: RiskAssessment,
  expand: (names: readonly string[]) => string[],
): RiskOutcome | undefined {
  const requirements = policy.risk.requirements;
  if (!requirements) return undefined;
  if (risk.level === 'low') return { level: 'low', verdict: 'green', rows: [], missing: [] };
  if (risk.level === 'medium') {
    const rows = evaluateChecks(expand(requirements.medium.checks), [], pr);
    return {
      level: 'medium',
      verdict: allOf(rows.map((row) => row.verdict)),
      rows,
      missing: rows.filter((row) => row.verdict !== 'green').map(describeMissing),
    };
  }
  const { team, approvals } = requirements.high;
  return { level: 'high', ...evaluateTeamApproval(pr, policy.review, team, approvals) };
}

function missingLines(
  policy: Policy,
  legs: readonly LegOutcome[],
  verdicts: Record<LegName, Verdict>,
  risk: RiskOutcome | undefined,
  blockers: readonly RequirementRow[],
): string[] {
  const lines: string[] = [];
  const remaining = remainingExpression(policy.expression, verdicts);
  const open = typeof remaining === 'boolean' ? [] : legsOf(remaining);
  if (remaining === false)
    lines.push(
      `${formatExpression(policy.expression)} cannot hold with the legs as they are: see the legs below`,
    );
  if (typeof remaining !== 'boolean' && remaining.kind !== 'leg')
    lines.push(`needs ${formatExpression(remaining)}`);
  for (const leg of legs)
    if (open.includes(leg.leg)) lines.push(...leg.missing.map((item) => `${leg.leg}: ${item}`));
  if (risk) lines.push(...risk.missing.map((item) => `${risk.level} risk: ${item}`));
  // A blocker is listed by the review leg when the expression still needs that leg; else here.
  if (!open.includes('review'))
    lines.push(...blockers.map((row) => `review: ${row.name} requested changes: ${row.fix}`));
  return lines;
}

function describeMissing(row: RequirementRow): string {
  return `${row.name} (${row.detail})${row.fix ? `: ${row.fix}` : ''}`;
}

function autoMergeEligibility(policy: Policy, level: RiskLevel): GateDecision['autoMerge'] {
  const requirements = policy.risk.requirements;
  if (!requirements)
    return {
      eligible: false,
      reason: 'the policy maps no risk to requirements, so nothing merges by itself',
    };
  if (level === 'high')
    return { eligible: false, reason: 'high risk never merges by itself: a person merges it' };
  if (!requirements[level].autoMerge) return { eligible: false, reason: `risk.${level}.auto-merge is false` };
  return { eligible: true, reason: `${level} risk merges by itself once the gate is green` };
}
