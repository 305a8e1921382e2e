import { describe, expect, it } from 'vitest';
import type { GitHubFake, JsonRecord } from '../github-fake';
import {
  ciChecks,
  deployed,
  expectClean,
  gateRuns,
  headOf,
  openPull,
  pullRequestEvent,
  runStep,
  shownGate,
  startWorld,
} from './world';

// The stories, each an evaluation of the bundled merge-gate against the fake: the check
// it posts on the head, and its outputs. The policy is the default expression, ci && (cd || review),
// with CI's build and test, CD's pr-<number> environment and one approval.
const gate = (github: GitHubFake, pull: JsonRecord) =>
  runStep('merge-gate', github, { payload: pullRequestEvent(pull) });

describe('merge-gate: CI && (CD || Review), on the head commit', () => {
  it('CI green, no review, no CD: pending; CD green: green — one check run, updated in place', async () => {
    const github = await startWorld();
    const pull = openPull(github);
    ciChecks(github, headOf(pull));
    // The permissions its README asks for are enough.
    github.permissions = {
      checks: 'write',
      'pull-requests': 'read',
      contents: 'read',
      statuses: 'read',
      deployments: 'read',
    };
    const first = await gate(github, pull);
    expect(first.errors).toEqual([]);
    expect(first.exitCode).toBe(0);
    expect(first.outputs).toMatchObject({
      verdict: 'pending',
      ci: 'green',
      cd: 'pending',
      review: 'pending',
    });
    expect(JSON.parse(first.outputs.missing ?? '')).toEqual([
      'needs cd || review',
      expect.stringMatching(/^cd: pr-1 \(this commit is not deployed yet\)/),
      expect.stringMatching(/^review: 1 more approval \(of 1\) from someone other than @alice/),
    ]);
    const pending = shownGate(github, headOf(pull));
    expect(pending).toMatchObject({ status: 'in_progress', conclusion: null });
    expect(pending?.output).toMatchObject({
      title: 'Pending: ci green · cd pending · review pending',
    });
    expect(first.summary).toContain('| ✅ | CI | green | 2 of 2 green |');
    expectClean(first, github);

    deployed(github, pull);
    const second = await gate(github, pull);
    expect(second.outputs).toMatchObject({ verdict: 'green', ci: 'green', cd: 'green', missing: '[]' });
    expect(shownGate(github, headOf(pull))).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(gateRuns(github, headOf(pull))).toHaveLength(1);
    expect(second.outputs['check-run-url']).toBe(String(shownGate(github, headOf(pull))?.html_url));
    expectClean(second, github);
  });

  it('a review by the author: still pending; a review by someone else: green', async () => {
    const github = await startWorld();
    const pull = openPull(github);
    ciChecks(github, headOf(pull));
    github.seed.review({
      pullNumber: Number(pull.number),
      login: 'alice',
      state: 'APPROVED',
      commitId: headOf(pull),
    });
    const own = await gate(github, pull);
    expect(own.outputs).toMatchObject({ verdict: 'pending', review: 'pending' });
    expect(own.summary).toContain('@alice: approved');
    expect(own.summary).toContain('but they are the author');
    expectClean(own, github);

    github.seed.review({
      pullNumber: Number(pull.number),
      login: 'bob',
      state: 'APPROVED',
      commitId: headOf(pull),
    });
    const other = await gate(github, pull);
    expect(other.outputs).toMatchObject({ verdict: 'green', review: 'green', cd: 'pending' });
    expect(shownGate(github, headOf(pull))).toMatchObject({ status: 'completed', conclusion: 'success' });
    expectClean(other, github);
  });

  it('an approval by someone who cannot push, or by a bot, does not count', async () => {
    const github = await startWorld();
    const pull = openPull(github);
    ciChecks(github, headOf(pull));
    const number = Number(pull.number);
    github.seed.review({
      pullNumber: number,
      login: 'drive-by',
      state: 'APPROVED',
      commitId: headOf(pull),
      authorAssociation: 'CONTRIBUTOR',
    });
    github.seed.review({
      pullNumber: number,
      login: 'helper[bot]',
      state: 'APPROVED',
      commitId: headOf(pull),
    });
    const run = await gate(github, pull);
    expect(run.outputs).toMatchObject({ verdict: 'pending', review: 'pending' });
    expect(run.summary).toContain('they cannot push to the repository (contributor)');
    expect(run.summary).toContain('a bot counts only when listed in allowed-bots');
    expectClean(run, github);
  });

  it('a push after the approval: the approval no longer counts; a push that only merges the base in keeps it', async () => {
    const github = await startWorld();
    const pull = openPull(github);
    const number = Number(pull.number);
    const approved = headOf(pull);
    ciChecks(github, approved);
    github.seed.review({ pullNumber: number, login: 'bob', state: 'APPROVED', commitId: approved });
    expect((await gate(github, pull)).outputs.verdict).toBe('green');

    // "Update branch": a merge of main that leaves the PR's own changes as they were.
    const merged = github.seed.push(number, {
      message: "Merge branch 'main' into feature",
      committer: 'web-flow',
    });
    ciChecks(github, merged);
    const kept = await gate(github, pull);
    expect(kept.outputs).toMatchObject({ verdict: 'green', review: 'green' });
    expect(kept.summary).toContain('since then only the base branch was merged in');
    expect(shownGate(github, merged)).toMatchObject({ conclusion: 'success' });
    expectClean(kept, github);

    // New code: the approval is stale, and the new head is neither deployed nor approved.
    const pushed = github.seed.push(number, {
      message: 'fix: one more thing',
      author: 'alice',
      files: [{ path: 'src/app.ts', additions: 14, deletions: 2 }],
    });
    ciChecks(github, pushed);
    const stale = await gate(github, pull);
    expect(stale.outputs).toMatchObject({ verdict: 'pending', review: 'pending' });
    expect(stale.summary).toContain(
      `approved ${approved.slice(0, 7)}; stale&#58; newer changes were pushed since`,
    );
    expect(shownGate(github, pushed)).toMatchObject({ status: 'in_progress' });
    // The earlier head keeps its own check; the new head has one of its own.
    expect(shownGate(github, merged)).toMatchObject({ conclusion: 'success' });
    expectClean(stale, github);
  });

  it('a skipped expected check is pending, never green; a failed one is red', async () => {
    const github = await startWorld();
    const pull = openPull(github);
    ciChecks(github, headOf(pull), { test: 'skipped' });
    deployed(github, pull);
    const skipped = await gate(github, pull);
    expect(skipped.outputs).toMatchObject({ verdict: 'pending', ci: 'pending', cd: 'green' });
    expect(skipped.summary).toContain('test: check run skipped');
    expect(shownGate(github, headOf(pull))).toMatchObject({ status: 'in_progress' });
    expectClean(skipped, github);

    github.seed.checkRun({ name: 'test', head_sha: headOf(pull), conclusion: 'failure' });
    const failed = await gate(github, pull);
    expect(failed.outputs).toMatchObject({ verdict: 'red', ci: 'red' });
    expect(shownGate(github, headOf(pull))).toMatchObject({ status: 'completed', conclusion: 'failure' });
    expectClean(failed, github);

    // Red → pending (a re-run started): GitHub keeps a completed run completed, so a new run shows it.
    github.seed.checkRun({ name: 'test', head_sha: headOf(pull), status: 'in_progress' });
    const rerun = await gate(github, pull);
    expect(rerun.outputs).toMatchObject({ verdict: 'pending', ci: 'pending' });
    expect(gateRuns(github, headOf(pull)).map((run) => run.status)).toEqual(['completed', 'in_progress']);
    expectClean(rerun, github);
  });

  it('a change request blocks even with CD green, until it is dismissed or the reviewer approves', async () => {
    const github = await startWorld();
    const pull = openPull(github);
    ciChecks(github, headOf(pull));
    deployed(github, pull);
    github.seed.review({
      pullNumber: Number(pull.number),
      login: 'carol',
      state: 'CHANGES_REQUESTED',
      commitId: headOf(pull),
    });
    const blocked = await gate(github, pull);
    expect(blocked.outputs).toMatchObject({ verdict: 'red', cd: 'green', review: 'red' });
    expectClean(blocked, github);
    github.seed.review({
      pullNumber: Number(pull.number),
      login: 'carol',
      state: 'APPROVED',
      commitId: headOf(pull),
    });
    expect((await gate(github, pull)).outputs.verdict).toBe('green');
  });

  it('a broken policy fails the step in one line naming the file and key, and writes no check', async () => {
    const github = await startWorld('reviews:\n  approvals: 1\n');
    const pull = openPull(github);
    const run = await gate(github, pull);
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      expect.stringMatching(
        /^\.github\/flow-merge-gate\.yml: unknown key "reviews" at the top level: did you mean "review"\?/,
      ),
    ]);
    expect(gateRuns(github, headOf(pull))).toEqual([]);
    expect(run.summary).toContain('merge-gate refused');
    expectClean(run, github);
  });
});
