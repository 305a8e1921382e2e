import { describe, expect, it } from 'vitest';
import type { GitHubFake, JsonRecord } from '../github-fake';
import {
  ciChecks,
  deployed,
  expectClean,
  gateRuns,
  headOf,
  openGreenPull,
  pullRequestEvent,
  REPOSITORY,
  runStep,
  shownGate,
  startWorld,
} from './world';

// Every event the gate runs on finds the pull request and posts on the right commit: the PR's
// head (never the default branch a workflow_run runs on), or the merge queue's commit.
const BASE_REPO = { url: `https://api.github.com/repos/${REPOSITORY}`, name: 'api' };
const listed = (pull: JsonRecord) => [
  { number: pull.number, head: { sha: headOf(pull) }, base: { ref: 'main', repo: BASE_REPO } },
];

/** A PR with CI green and an approval by bob on its head: green by ci && review. */
async function greenPull(
  seed: { forkOwner?: string } = {},
): Promise<{ world: GitHubFake; pull: JsonRecord }> {
  const world = await startWorld();
  return { world, pull: openGreenPull(world, seed) };
}

describe('merge-gate finds the pull request of every event', () => {
  it('workflow_run: posts on the pull request’s head, not on the default branch the run is on', async () => {
    const { world, pull } = await greenPull();
    const main = world.state.refs.get('main') ?? '';
    const run = await runStep('merge-gate', world, {
      eventName: 'workflow_run',
      sha: main,
      payload: {
        action: 'completed',
        workflow_run: { head_sha: headOf(pull), event: 'pull_request', pull_requests: listed(pull) },
      },
    });
    expect(run.errors).toEqual([]);
    expect(run.outputs.verdict).toBe('green');
    expect(shownGate(world, headOf(pull))).toMatchObject({ conclusion: 'success' });
    expect(gateRuns(world, main)).toEqual([]);
    expectClean(run, world);
  });

  it('workflow_run of a fork’s pull request: GitHub lists none, the head sha finds it', async () => {
    const { world, pull } = await greenPull({ forkOwner: 'mallory' });
    const run = await runStep('merge-gate', world, {
      eventName: 'workflow_run',
      sha: world.state.refs.get('main') ?? '',
      payload: {
        action: 'completed',
        workflow_run: { head_sha: headOf(pull), event: 'pull_request', pull_requests: [] },
      },
    });
    expect(run.outputs.verdict).toBe('green');
    expect(shownGate(world, headOf(pull))).toMatchObject({ conclusion: 'success' });
    expect(world.requests.map((request) => request.operationId)).toContain(
      'repos/list-pull-requests-associated-with-commit',
    );
    expectClean(run, world);
  });

  it.each([
    [
      'check_run',
      (pull: JsonRecord) => ({
        action: 'completed',
        check_run: { head_sha: headOf(pull), pull_requests: listed(pull) },
      }),
    ],
    [
      'check_suite',
      (pull: JsonRecord) => ({
        action: 'completed',
        check_suite: { head_sha: headOf(pull), pull_requests: [] },
      }),
    ],
    ['status', (pull: JsonRecord) => ({ sha: headOf(pull), state: 'success', context: 'ci/legacy' })],
    [
      'deployment_status',
      (pull: JsonRecord) => ({ deployment: { sha: headOf(pull), environment: `pr-${pull.number}` } }),
    ],
    [
      'pull_request_review',
      (pull: JsonRecord) => ({ action: 'submitted', pull_request: { number: pull.number } }),
    ],
  ])('%s', async (eventName, payload) => {
    const { world, pull } = await greenPull();
    const run = await runStep('merge-gate', world, { eventName, payload: payload(pull) });
    expect(run.errors).toEqual([]);
    expect(run.outputs.verdict).toBe('green');
    expect(shownGate(world, headOf(pull))).toMatchObject({ conclusion: 'success' });
    expectClean(run, world);
  });

  it('a check of a commit that is no pull request’s head: nothing to decide, nothing written', async () => {
    const { world, pull } = await greenPull();
    const elsewhere = world.seed.commit({
      message: 'chore: on a branch without a pull request',
      branch: 'spike',
    });
    const run = await runStep('merge-gate', world, {
      eventName: 'check_run',
      payload: { action: 'completed', check_run: { head_sha: elsewhere, pull_requests: [] } },
    });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain(
      `No open pull request has ${elsewhere.slice(0, 7)} (from check_run.head_sha) as its head`,
    );
    expect(world.state.checkRuns.filter((entry) => entry.name === 'Merge gate')).toEqual([]);
    expect(shownGate(world, headOf(pull))).toBeUndefined();
    expectClean(run, world);
  });

  it('merge_group: checks of the queue’s commit, approvals of the PR’s head, the check on the queue’s commit', async () => {
    const { world, pull } = await greenPull();
    const base = world.state.refs.get('main') ?? '';
    const queue = world.seed.commit({
      message: `Merge pull request #${pull.number}`,
      parents: [base, headOf(pull)],
    });
    const payload = {
      action: 'checks_requested',
      merge_group: {
        head_sha: queue,
        head_ref: `refs/heads/gh-readonly-queue/main/pr-${pull.number}-${base}`,
        base_sha: base,
        base_ref: 'refs/heads/main',
      },
    };
    // The queue's commit has not been built yet: pending, though the PR's head is green.
    const waiting = await runStep('merge-gate', world, { eventName: 'merge_group', payload });
    expect(waiting.outputs).toMatchObject({
      verdict: 'pending',
      ci: 'pending',
      review: 'green',
      'auto-merge': 'off',
    });
    expect(shownGate(world, queue)).toMatchObject({ status: 'in_progress' });
    expectClean(waiting, world);

    ciChecks(world, queue);
    const green = await runStep('merge-gate', world, { eventName: 'merge_group', payload });
    expect(green.outputs).toMatchObject({ verdict: 'green', ci: 'green', review: 'green' });
    expect(shownGate(world, queue)).toMatchObject({ conclusion: 'success' });
    expect(gateRuns(world, headOf(pull))).toEqual([]);
    expectClean(green, world);
  });

  it('a fork’s pull request with a read-only token: decides, says why it cannot post, no crash', async () => {
    const { world, pull } = await greenPull({ forkOwner: 'mallory' });
    deployed(world, pull);
    world.permissions = {
      checks: 'read',
      contents: 'read',
      deployments: 'read',
      'pull-requests': 'read',
      statuses: 'read',
    };
    const run = await runStep('merge-gate', world, {
      payload: pullRequestEvent(pull, 'synchronize', 'mallory'),
    });
    expect(run.exitCode).toBe(0);
    expect(run.errors).toEqual([]);
    expect(run.outputs).toMatchObject({
      verdict: 'green',
      ci: 'green',
      cd: 'green',
      review: 'green',
      'check-run-url': '',
    });
    expect(run.warnings).toEqual([
      expect.stringContaining(
        'The Merge gate check run could not be written on ' +
          `${headOf(pull).slice(0, 7)}: this pull request comes from a fork, and GitHub gives a fork’s events a read-only GITHUB_TOKEN.`,
      ),
    ]);
    expect(run.summary).toContain('⚠️ Not posted: this pull request comes from a fork');
    expect(run.summary).toContain('| ✅ | CI | green | 2 of 2 green |');
    expect(gateRuns(world, headOf(pull))).toEqual([]);
    expect(
      world.requests.filter((request) => request.status === 403).map((request) => request.operationId),
    ).toEqual(['checks/create']);
    expectClean(run, world);
  });

  it('a wrong token with odd characters: one line saying so, the token nowhere, encoded or not', async () => {
    const { world, pull } = await greenPull();
    const wrong = 'ghp_wr0ng"\'+/=%2F token';
    const run = await runStep('merge-gate', world, {
      payload: pullRequestEvent(pull),
      token: wrong,
      inputs: { 'merge-token': `${wrong}-app` },
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      "GitHub GraphQL query MergeGateState answered 401: Bad credentials — the token is missing, invalid or expired: pass a valid token in the step's `github-token` input (default: github.token) (https://docs.github.com/rest)",
    ]);
    for (const secret of [
      wrong,
      `${wrong}-app`,
      encodeURIComponent(wrong),
      Buffer.from(wrong).toString('base64'),
    ]) {
      expect(run.log).not.toContain(secret);
      expect(run.stderr).not.toContain(secret);
      expect(run.summary).not.toContain(secret);
    }
    expect(run.masks).toEqual(expect.arrayContaining([wrong, `${wrong}-app`]));
    expect(gateRuns(world, headOf(pull))).toEqual([]);
  });

  it('an event the gate cannot read a pull request from is refused in one line', async () => {
    const github = await startWorld();
    const run = await runStep('merge-gate', github, {
      eventName: 'push',
      payload: { after: 'a'.repeat(40) },
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      'The push event does not say which pull request to decide: run the gate on pull_request, pull_request_target, pull_request_review, check_run, check_suite, status, deployment_status, merge_group, workflow_run.',
    ]);
    expect(github.requests).toEqual([]);
  });
});
