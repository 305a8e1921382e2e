import { describe, expect, it } from 'vitest';
import { BEFORE_MERGE, EARLIER, HEAD, pullRequest, review } from '../../../test/support/pull-request';
import type { ReviewPolicy } from './policy';
import { evaluateReviews, evaluateTeamApproval } from './reviews';
import type { PullRequestSnapshot } from './snapshot';

const policy = (extra: Partial<ReviewPolicy> = {}): ReviewPolicy => ({
  approvals: 1,
  allowedBots: [],
  codeowners: false,
  keepApprovalsOnBaseMerge: true,
  ...extra,
});

const outcome = (pr: Partial<PullRequestSnapshot>, extra: Partial<ReviewPolicy> = {}) =>
  evaluateReviews(pullRequest(pr), policy(extra));

describe('evaluateReviews', () => {
  it('no review yet: pending, asking for an approval from someone else', () => {
    const result = outcome({});
    expect(result.verdict).toBe('pending');
    expect(result.missing).toEqual([
      '1 more approval (of 1) from someone other than @author who can push to the repository, on the head commit',
    ]);
  });

  it('an approval by someone else on the head: green', () => {
    const result = outcome({ reviews: [review('bob', 'APPROVED')] });
    expect(result.verdict).toBe('green');
    expect(result.approvers).toEqual(['bob']);
    expect(result.rows[0]).toMatchObject({
      name: '@bob',
      verdict: 'green',
      detail: `approved ${'5f0c6a4'}, the head commit`,
    });
    expect(result.rows[0]?.url).toMatch(/#pullrequestreview-\d+$/);
  });

  it.each([
    [
      'the author',
      review('author', 'APPROVED'),
      {},
      'approved 5f0c6a4, but they are the author: not counted',
    ],
    [
      'the author in other case',
      review('AUTHOR', 'APPROVED'),
      {},
      'approved 5f0c6a4, but they are the author: not counted',
    ],
    [
      'the last pusher',
      review('mallory', 'APPROVED'),
      { lastPusher: 'mallory' },
      'approved 5f0c6a4, but they pushed the newest commits: not counted',
    ],
    [
      'a bot not allowed',
      review('renovate[bot]', 'APPROVED', { bot: true }),
      {},
      'approved 5f0c6a4, but a bot counts only when listed in allowed-bots: not counted',
    ],
    [
      'someone who cannot push',
      review('passer-by', 'APPROVED', { canPush: false, association: 'NONE' }),
      {},
      'approved 5f0c6a4, but they cannot push to the repository (none): not counted',
    ],
  ])('an approval by %s does not count', (_, approval, pr, detail) => {
    const result = outcome({ ...pr, reviews: [approval] });
    expect(result.verdict).toBe('pending');
    expect(result.approvers).toEqual([]);
    expect(result.rows[0]).toMatchObject({ verdict: 'pending', detail });
  });

  it('a bot listed in allowed-bots counts', () => {
    const result = outcome(
      { reviews: [review('Renovate[bot]', 'APPROVED', { bot: true })] },
      { allowedBots: ['renovate[bot]'] },
    );
    expect(result.verdict).toBe('green');
  });

  describe('fresh and stale approvals', () => {
    it('an approval of an earlier push is stale once newer changes were pushed', () => {
      const result = outcome({ reviews: [review('bob', 'APPROVED', { commit: EARLIER })] });
      expect(result.verdict).toBe('pending');
      expect(result.rows[0]).toMatchObject({
        verdict: 'pending',
        detail: 'approved 1a2b3c4; stale: newer changes were pushed since',
        fix: 'ask @bob to review the head commit again',
      });
    });

    it('an approval survives pushes that only merged the base branch in', () => {
      const result = outcome({
        reviews: [review('bob', 'APPROVED', { commit: BEFORE_MERGE })],
        onlyBaseMergedSince: [BEFORE_MERGE],
      });
      expect(result.verdict).toBe('green');
      expect(result.rows[0]?.detail).toBe('approved 9e8d7c6; since then only the base branch was merged in');
    });

    it('… unless keep-approvals-on-base-merge is off', () => {
      const result = outcome(
        {
          reviews: [review('bob', 'APPROVED', { commit: BEFORE_MERGE })],
          onlyBaseMergedSince: [BEFORE_MERGE],
        },
        { keepApprovalsOnBaseMerge: false },
      );
      expect(result.verdict).toBe('pending');
      expect(result.rows[0]?.detail).toBe(
        'approved 9e8d7c6; stale: only the base branch was merged in since, but keep-approvals-on-base-merge is off',
      );
    });

    it('in a merge queue the checks are the queue commit’s, the approvals the PR head’s', () => {
      const queued = outcome({
        headSha: 'f'.repeat(40),
        reviewHeadSha: HEAD,
        reviews: [review('bob', 'APPROVED')],
      });
      expect(queued.verdict).toBe('green');
      const stale = outcome({
        headSha: 'f'.repeat(40),
        reviewHeadSha: HEAD,
        reviews: [review('bob', 'APPROVED', { commit: EARLIER })],
      });
      expect(stale.verdict).toBe('pending');
    });

    it('a base merge after one approval does not refresh another, older one', () => {
      const result = outcome({
        reviews: [review('bob', 'APPROVED', { commit: EARLIER })],
        onlyBaseMergedSince: [BEFORE_MERGE],
      });
      expect(result.verdict).toBe('pending');
    });
  });

  describe('change requests', () => {
    it('block: the leg is red, and says who must act', () => {
      const result = outcome({
        reviews: [
          review('bob', 'APPROVED', { minute: 1 }),
          review('carol', 'CHANGES_REQUESTED', { minute: 2 }),
        ],
      });
      expect(result.verdict).toBe('red');
      expect(result.blockers.map((row) => row.name)).toEqual(['@carol']);
      expect(result.missing).toContain(
        '@carol requested changes: address the requested changes, then ask @carol to approve, or have the review dismissed',
      );
    });

    it('a change request on an earlier push still blocks', () => {
      expect(outcome({ reviews: [review('carol', 'CHANGES_REQUESTED', { commit: EARLIER })] }).verdict).toBe(
        'red',
      );
    });

    it('changes requested, then approved by the same reviewer: green', () => {
      const result = outcome({
        reviews: [
          review('carol', 'CHANGES_REQUESTED', { minute: 1 }),
          review('carol', 'APPROVED', { minute: 5 }),
        ],
      });
      expect(result.verdict).toBe('green');
      expect(result.rows).toHaveLength(1);
    });

    it('changes requested, then the review dismissed: no block, no approval', () => {
      const result = outcome({ reviews: [review('carol', 'DISMISSED', { minute: 1 })] });
      expect(result.verdict).toBe('pending');
      expect(result.blockers).toEqual([]);
      expect(result.rows[0]?.detail).toBe('review dismissed: counts for nothing');
    });

    it('approved, then changes requested: the newest review counts', () => {
      const result = outcome({
        reviews: [
          review('carol', 'APPROVED', { minute: 1 }),
          review('carol', 'CHANGES_REQUESTED', { minute: 5 }),
        ],
      });
      expect(result.verdict).toBe('red');
    });

    it('a comment after an approval changes nothing, as on GitHub', () => {
      const result = outcome({
        reviews: [review('bob', 'APPROVED', { minute: 1 }), review('bob', 'COMMENTED', { minute: 5 })],
      });
      expect(result.verdict).toBe('green');
    });

    it('a change request from someone who cannot push blocks nothing', () => {
      const result = outcome({
        reviews: [
          review('bob', 'APPROVED'),
          review('troll', 'CHANGES_REQUESTED', { canPush: false, association: 'NONE' }),
        ],
      });
      expect(result.verdict).toBe('green');
      expect(result.blockers).toEqual([]);
    });

    it('reviews in any order: newest by time, then id', () => {
      const older = review('carol', 'APPROVED', { minute: 1 });
      const newer = review('carol', 'CHANGES_REQUESTED', { minute: 9 });
      expect(outcome({ reviews: [newer, older] }).verdict).toBe('red');
    });
  });

  it('two approvals needed: one is pending, two are green, the same reviewer twice is one', () => {
    expect(outcome({ reviews: [review('bob', 'APPROVED')] }, { approvals: 2 }).missing[0]).toMatch(
      /^1 more approval \(of 2\)/,
    );
    expect(
      outcome(
        { reviews: [review('bob', 'APPROVED', { minute: 1 }), review('bob', 'APPROVED', { minute: 2 })] },
        { approvals: 2 },
      ).verdict,
    ).toBe('pending');
    expect(
      outcome({ reviews: [review('bob', 'APPROVED'), review('carol', 'APPROVED')] }, { approvals: 2 })
        .verdict,
    ).toBe('green');
  });

  describe('codeowners', () => {
    const CODEOWNERS = '* @acme/maintainers\n/payments/ @dora\ndocs/* @ed\n';
    const files = [
      { path: 'payments/charge.ts', additions: 5, deletions: 1 },
      { path: 'payments/refund.ts', additions: 5, deletions: 1 },
      { path: 'docs/guide.md', additions: 5, deletions: 1 },
    ];

    it('needs an owner’s approval for every owned file', () => {
      const result = outcome(
        { files, codeowners: CODEOWNERS, reviews: [review('dora', 'APPROVED')] },
        { codeowners: true },
      );
      expect(result.verdict).toBe('pending');
      expect(result.rows.map((row) => [row.name, row.verdict])).toEqual([
        ['@dora', 'green'],
        ['owners of payments/charge.ts and 1 more (@dora)', 'green'],
        ['owners of docs/guide.md (@ed)', 'pending'],
      ]);
      expect(result.missing).toEqual(['owners of docs/guide.md (@ed): an approval by one of @ed']);
    });

    it('a team owner approves through a member or a review on the team’s behalf', () => {
      const byMember = outcome(
        {
          files: [{ path: 'src/app.ts', additions: 1, deletions: 0 }],
          codeowners: CODEOWNERS,
          reviews: [review('frank', 'APPROVED')],
          teamMembers: { 'Acme/Maintainers': ['Frank'] },
        },
        { codeowners: true },
      );
      expect(byMember.verdict).toBe('green');
      const onBehalf = outcome(
        {
          files: [{ path: 'src/app.ts', additions: 1, deletions: 0 }],
          codeowners: CODEOWNERS,
          reviews: [review('gina', 'APPROVED', { onBehalfOf: ['acme/maintainers'] })],
        },
        { codeowners: true },
      );
      expect(onBehalf.verdict).toBe('green');
    });

    it('the author owning a file does not approve it', () => {
      const result = outcome(
        {
          files: [{ path: 'payments/charge.ts', additions: 1, deletions: 0 }],
          codeowners: '/payments/ @author @dora\n',
          reviews: [review('author', 'APPROVED'), review('bob', 'APPROVED')],
        },
        { codeowners: true },
      );
      expect(result.verdict).toBe('pending');
    });

    it('without a CODEOWNERS file on the base branch the requirement is red, saying so', () => {
      const result = outcome({ reviews: [review('bob', 'APPROVED')] }, { codeowners: true });
      expect(result.verdict).toBe('pending');
      expect(result.rows.at(-1)).toMatchObject({ name: 'CODEOWNERS', verdict: 'red' });
    });
  });
});

describe('evaluateTeamApproval (high risk)', () => {
  it('counts fresh approvals by team members only', () => {
    const pr = pullRequest({
      reviews: [
        review('bob', 'APPROVED'),
        review('lead', 'APPROVED', { commit: EARLIER }),
        review('other-lead', 'APPROVED'),
      ],
      teamMembers: { 'acme/release-managers': ['lead', 'other-lead'] },
    });
    const result = evaluateTeamApproval(pr, policy(), 'acme/release-managers', 1);
    expect(result.verdict).toBe('green');
    expect(result.rows.map((row) => row.name)).toEqual(['@other-lead']);
  });

  it('pending, naming the team, when members could not be read', () => {
    const result = evaluateTeamApproval(
      pullRequest({ reviews: [review('bob', 'APPROVED')] }),
      policy(),
      'acme/leads',
      1,
    );
    expect(result.verdict).toBe('pending');
    expect(result.missing).toEqual([
      '1 more approval by a member of @acme/leads (its members could not be read: a review requested from the team counts on its behalf)',
    ]);
  });

  it('the author’s approval never counts, even as a member', () => {
    const pr = pullRequest({
      reviews: [review('author', 'APPROVED')],
      teamMembers: { 'acme/leads': ['author'] },
    });
    expect(evaluateTeamApproval(pr, policy(), 'acme/leads', 1).missing).toEqual([
      '1 more approval by a member of @acme/leads',
    ]);
  });
});
