import { describe, expect, it } from 'vitest';
import {
  checkRun,
  DEFAULT_EXPRESSION_TABLE,
  deployment,
  EARLIER,
  legVerdicts,
  pullRequest,
  review,
} from '../../../test/support/pull-request';
import { decideMergeGate } from './decide';
import { type PolicyInputs, parsePolicy } from './policy';
import { classifyRisk } from './risk';
import type { PullRequestSnapshot } from './snapshot';
import type { Verdict } from './verdict';

const PATH = '.github/flow-merge-gate.yml';
const gatePolicy = (text = '', inputs: Partial<PolicyInputs> = {}) =>
  parsePolicy({
    file: { path: PATH, text: `ci: { checks: [build] }\ncd: { environments: ['pr-{number}'] }\n${text}` },
    inputs: { checkName: 'Merge gate', ...inputs },
  });

const decide = (pr: PullRequestSnapshot, policy = gatePolicy()) =>
  decideMergeGate(pr, policy, classifyRisk(pr, policy));

/** Snapshot parts that put a leg in a state: red review is a change request. */
const LEG_STATE = {
  ci: {
    green: { checkRuns: [checkRun('build', 'success')] },
    pending: { checkRuns: [checkRun('build', 'in_progress')] },
    red: { checkRuns: [checkRun('build', 'failure')] },
  },
  cd: {
    green: { deployments: [deployment('pr-12', ['success'])] },
    pending: { deployments: [] },
    red: { deployments: [deployment('pr-12', ['failure'])] },
  },
  review: {
    green: { reviews: [review('bob', 'APPROVED')] },
    pending: { reviews: [] },
    red: { reviews: [review('carol', 'CHANGES_REQUESTED')] },
  },
} satisfies Record<string, Record<Verdict, Partial<PullRequestSnapshot>>>;

function withLegs(state: string): PullRequestSnapshot {
  const { ci, cd, review: rv } = legVerdicts(state);
  return pullRequest({ ...LEG_STATE.ci[ci], ...LEG_STATE.cd[cd], ...LEG_STATE.review[rv] });
}

describe('decideMergeGate: every combination of legs through ci && (cd || review)', () => {
  // A red review is a change request, which also blocks the gate whatever the expression says.
  it.each(DEFAULT_EXPRESSION_TABLE)('ci cd review = %s: expression %s', (state, expression) => {
    const decision = decide(withLegs(state));
    expect(decision.legs.map((leg) => leg.verdict)).toEqual(Object.values(legVerdicts(state)));
    expect(decision.expressionVerdict).toBe(expression);
    expect(decision.verdict).toBe(state.endsWith('r') ? 'red' : expression);
  });

  it.each([
    ['ci && cd && review', 'g g p', 'pending'],
    ['ci && cd && review', 'g g g', 'green'],
    ['ci || cd', 'r g p', 'green'],
    ['ci || cd', 'r r p', 'red'],
    ['ci && review', 'g r g', 'green'],
  ])('%s with %s → %s', (expression, state, verdict) => {
    expect(decide(withLegs(state), gatePolicy('', { expression })).verdict).toBe(verdict);
  });
});

describe('decideMergeGate: the template simulation’s story', () => {
  const ciGreen = { checkRuns: [checkRun('build', 'success')] };

  it('CI green, no review, no CD: pending, saying what would do', () => {
    const decision = decide(pullRequest(ciGreen));
    expect(decision.verdict).toBe('pending');
    expect(decision.missing).toEqual([
      'needs cd || review',
      'cd: pr-12 (this commit is not deployed yet): wait for CD to deploy it; if it never does, check that CD deploys pull requests to pr-12',
      'review: 1 more approval (of 1) from someone other than @author who can push to the repository, on the head commit',
    ]);
  });

  it('CD green: green', () => {
    const decision = decide(pullRequest({ ...ciGreen, deployments: [deployment('pr-12', ['success'])] }));
    expect(decision.verdict).toBe('green');
    expect(decision.missing).toEqual([]);
  });

  it('a review by the author: still pending', () => {
    expect(decide(pullRequest({ ...ciGreen, reviews: [review('author', 'APPROVED')] })).verdict).toBe(
      'pending',
    );
  });

  it('a review by someone else: green', () => {
    expect(decide(pullRequest({ ...ciGreen, reviews: [review('bob', 'APPROVED')] })).verdict).toBe('green');
  });

  it('a push after the approval: the approval no longer counts', () => {
    const decision = decide(
      pullRequest({ ...ciGreen, reviews: [review('bob', 'APPROVED', { commit: EARLIER })] }),
    );
    expect(decision.verdict).toBe('pending');
    expect(decision.legs.find((leg) => leg.leg === 'review')?.rows[0]?.detail).toBe(
      'approved 1a2b3c4; stale: newer changes were pushed since',
    );
  });

  it('a skipped expected check: pending', () => {
    const decision = decide(
      pullRequest({ checkRuns: [checkRun('build', 'skipped')], reviews: [review('bob', 'APPROVED')] }),
    );
    expect(decision.verdict).toBe('pending');
    expect(decision.missing[0]).toMatch(/^ci: build \(check run skipped\): it never ran/);
  });

  it('a change request blocks even with CD green: CD passing does not answer a reviewer’s no', () => {
    const decision = decide(
      pullRequest({
        ...ciGreen,
        deployments: [deployment('pr-12', ['success'])],
        reviews: [review('carol', 'CHANGES_REQUESTED')],
      }),
    );
    expect(decision.expressionVerdict).toBe('green');
    expect(decision.verdict).toBe('red');
    expect(decision.missing).toEqual([
      'review: @carol requested changes: address the requested changes, then ask @carol to approve, or have the review dismissed',
    ]);
  });

  it('the gate’s own check run is never read: a green "Merge gate" proves nothing', () => {
    const pr = pullRequest({ checkRuns: [checkRun('Merge gate', 'success')] });
    expect(decide(pr).verdict).toBe('pending');
  });
});

describe('decideMergeGate: risk requirements and auto-merge', () => {
  const RISK = `
risk:
  low: { auto-merge: true }
  medium: { checks: ['smoke ({toggle})'] }
  high: { team: acme/release-managers }
trusted-label-actors: [lead]
components:
  payments: { paths: ['payments/**'], size: XL }
  site: { paths: ['site/**'], size: S }
`;
  const green = {
    checkRuns: [checkRun('build', 'success')],
    reviews: [review('bob', 'APPROVED')],
  };

  it('low risk: green and eligible to merge by itself', () => {
    const decision = decide(
      pullRequest({ ...green, files: [{ path: 'site/a.ts', additions: 3, deletions: 0 }] }),
      gatePolicy(RISK),
    );
    expect(decision.risk).toEqual({ level: 'low', verdict: 'green', rows: [], missing: [] });
    expect(decision.verdict).toBe('green');
    expect(decision.autoMerge).toEqual({
      eligible: true,
      reason: 'low risk merges by itself once the gate is green',
    });
  });

  it('medium risk: also its smoke checks, on and off for a toggled change', () => {
    const pr = pullRequest({
      ...green,
      files: [{ path: 'payments/a.ts', additions: 3, deletions: 0 }],
      labels: [{ name: 'toggle:new-cart', addedBy: 'lead' }],
      checkRuns: [...green.checkRuns, checkRun('smoke (new-cart-on)', 'success')],
    });
    const decision = decide(pr, gatePolicy(RISK));
    expect(decision.risk?.level).toBe('medium');
    expect(decision.risk?.rows.map((row) => [row.name, row.verdict])).toEqual([
      ['smoke (new-cart-on)', 'green'],
      ['smoke (new-cart-off)', 'pending'],
    ]);
    expect(decision.verdict).toBe('pending');
    expect(decision.missing).toEqual([
      'medium risk: smoke (new-cart-off) (not reported yet): wait for it; if it never comes, check the name for a typo and that its workflow runs on pull requests',
    ]);
    expect(decision.autoMerge.eligible).toBe(true);
  });

  it('the ci leg requires both legs of a toggled change', () => {
    const toggled = parsePolicy({
      file: { path: PATH, text: "ci: { checks: ['test ({toggle})'] }\ntrusted-label-actors: [lead]\n" },
      inputs: { checkName: 'Merge gate', expression: 'ci' },
    });
    const pr = pullRequest({
      labels: [{ name: 'toggle:new-cart', addedBy: 'lead' }],
      checkRuns: [checkRun('test (new-cart-on)', 'success'), checkRun('test (default)', 'success')],
    });
    const decision = decide(pr, toggled);
    expect(decision.legs[0]?.rows.map((row) => [row.name, row.verdict])).toEqual([
      ['test (new-cart-on)', 'green'],
      ['test (new-cart-off)', 'pending'],
    ]);
    expect(decision.verdict).toBe('pending');
  });

  it('high risk: waits for the team, never auto-merges', () => {
    const pr = pullRequest({ ...green, commits: [{ sha: 'c'.repeat(40), message: 'feat!: new API' }] });
    const decision = decide(pr, gatePolicy(RISK));
    expect(decision.expressionVerdict).toBe('green');
    expect(decision.verdict).toBe('pending');
    expect(decision.risk?.missing[0]).toMatch(/^1 more approval by a member of @acme\/release-managers/);
    expect(decision.autoMerge).toEqual({
      eligible: false,
      reason: 'high risk never merges by itself: a person merges it',
    });

    const approved = pullRequest({
      ...pr,
      reviews: [review('bob', 'APPROVED'), review('rm', 'APPROVED')],
      teamMembers: { 'acme/release-managers': ['rm'] },
    });
    expect(decide(approved, gatePolicy(RISK)).verdict).toBe('green');
  });

  it('a label added by an untrusted user changes nothing', () => {
    const pr = pullRequest({
      ...green,
      files: [{ path: 'payments/a.ts', additions: 3, deletions: 0 }],
      checkRuns: [...green.checkRuns, checkRun('smoke (default)', 'success')],
    });
    const withLabels = pullRequest({
      ...pr,
      labels: [
        { name: 'toggle:new-cart', addedBy: 'mallory' },
        { name: 'ft-coverage:100', addedBy: 'mallory' },
        { name: 'risk:low', addedBy: 'mallory' },
      ],
    });
    const [plain, labelled] = [decide(pr, gatePolicy(RISK)), decide(withLabels, gatePolicy(RISK))];
    expect(labelled.verdict).toBe(plain.verdict);
    expect(labelled.risk).toEqual(plain.risk);
    expect(labelled.legs).toEqual(plain.legs);
  });

  it('without a risk section nothing merges by itself', () => {
    expect(decide(pullRequest(green)).autoMerge).toEqual({
      eligible: false,
      reason: 'the policy maps no risk to requirements, so nothing merges by itself',
    });
  });

  it('risk.low.auto-merge: false keeps a low-risk PR for a person', () => {
    const policy = gatePolicy(RISK.replace('low: { auto-merge: true }', 'low: { auto-merge: false }'));
    expect(decide(pullRequest(green), policy).autoMerge).toEqual({
      eligible: false,
      reason: 'risk.low.auto-merge is false',
    });
  });
});

describe('decideMergeGate: what it shows', () => {
  it('a leg the expression does not read and nothing configures is left out', () => {
    const policy = parsePolicy({
      inputs: { checkName: 'Merge gate', expression: 'ci && review', ciChecks: ['build'] },
    });
    expect(decide(pullRequest(), policy).legs.map((leg) => [leg.leg, leg.read])).toEqual([
      ['ci', true],
      ['review', true],
    ]);
  });

  it('a configured leg the expression does not read is shown, not decided on', () => {
    const decision = decide(withLegs('g r g'), gatePolicy('', { expression: 'ci && review' }));
    expect(decision.legs.map((leg) => [leg.leg, leg.read, leg.verdict])).toEqual([
      ['ci', true, 'green'],
      ['cd', false, 'red'],
      ['review', true, 'green'],
    ]);
    expect(decision.verdict).toBe('green');
  });

  it('an expression that cannot hold says so', () => {
    const decision = decide(withLegs('g g g'), gatePolicy('', { expression: 'ci && !cd' }));
    expect(decision.verdict).toBe('red');
    expect(decision.missing).toEqual(['ci && !cd cannot hold with the legs as they are: see the legs below']);
  });

  it('the same snapshot gives the same decision', () => {
    expect(decide(withLegs('g p g'))).toEqual(decide(withLegs('g p g')));
  });
});
