import { describe, expect, it } from 'vitest';
import type { GitHubFake, JsonRecord } from '../github-fake';
import {
  APP_LOGIN,
  APP_TOKEN,
  expectClean,
  headOf,
  openGreenPull,
  pullRequestEvent,
  runStep,
  shownGate,
  startProxy,
  startWorld,
} from './world';

// Auto-merge through GitHub's own requirements: the gate is the branch's required check, low risk
// merges by itself, high risk never does. The merge token is a GitHub App's, so that the merge
// starts main's push workflow.
const POLICY = [
  'expression: ci && review',
  'ci:',
  '  checks: [build, test]',
  'review:',
  '  approvals: 1',
  'risk:',
  '  low: { auto-merge: true }',
  "  medium: { checks: ['smoke'], auto-merge: true }",
  '  high: { team: acme/release-managers }',
  'components:',
  "  payments: { paths: ['services/payments/**'], size: XL }",
  '',
].join('\n');

/** A repository that allows auto-merge and requires the gate, with a PR that is green by the policy. */
async function greenWorld(files?: { path: string; additions: number; deletions: number }[]) {
  const world = await startWorld(POLICY);
  world.state.repository.allow_auto_merge = true;
  world.state.requiredStatusChecks = ['Merge gate'];
  world.state.requiredApprovingReviews = 0;
  const pull = openGreenPull(world, files ? { files } : {});
  return { world, pull };
}

const mergeRequests = (world: GitHubFake) =>
  world.requests.filter((request) => request.operationId === 'pulls/merge');
const withApp = { 'merge-token': APP_TOKEN };

describe('auto-merge', () => {
  it('low risk, gate green, nothing else required: GitHub says "clean status", so it merges at once with the head sha, as the App', async () => {
    const { world, pull } = await greenWorld();
    const run = await runStep('merge-gate', world, { payload: pullRequestEvent(pull), inputs: withApp });
    expect(run.errors).toEqual([]);
    expect(run.outputs).toMatchObject({ verdict: 'green', risk: 'low', 'auto-merge': 'merged' });
    expect(shownGate(world, headOf(pull))).toMatchObject({ conclusion: 'success' });
    expect(world.state.merges).toEqual([
      { number: pull.number, sha: expect.any(String), mergeMethod: 'merge', actor: APP_LOGIN },
    ]);
    const [merge] = mergeRequests(world);
    expect(JSON.parse(merge?.body ?? '{}')).toEqual({ sha: headOf(pull), merge_method: 'merge' });
    expect(merge?.headers.authorization).toBe(`token ${APP_TOKEN}`);
    // The check went with the job's token, the merge with the App's; the mutation tried first.
    const enable = world.requests.find(
      (request) => request.operationId === 'graphql EnablePullRequestAutoMerge',
    );
    expect(enable?.headers.authorization).toBe(`token ${APP_TOKEN}`);
    expect(run.stdout).toContain('GitHub answered that it is in clean status');
    expect(run.stdout).not.toContain('starts no push workflow');
    expect(run.masks).toContain(APP_TOKEN);
    expectClean(run, world);
  });

  it('low risk while the branch still needs more: auto-merge enabled, with the first merge method allowed', async () => {
    const { world, pull } = await greenWorld();
    world.state.requiredApprovingReviews = 2;
    world.state.repository.allow_merge_commit = false;
    const run = await runStep('merge-gate', world, { payload: pullRequestEvent(pull), inputs: withApp });
    expect(run.outputs['auto-merge']).toBe('enabled');
    expect(world.state.autoMergeRequests.get(Number(pull.number))).toMatchObject({ mergeMethod: 'SQUASH' });
    expect(world.state.merges).toEqual([]);
    expectClean(run, world);
    // Again: already on, nothing more to do.
    const again = await runStep('merge-gate', world, { payload: pullRequestEvent(pull), inputs: withApp });
    expect(again.outputs['auto-merge']).toBe('enabled');
    expect(
      world.requests.filter((request) => request.operationId === 'graphql EnablePullRequestAutoMerge'),
    ).toHaveLength(1);
    expectClean(again, world);
  });

  it('without merge-token nothing is merged or enabled: the output says ready, for a step that holds the App token', async () => {
    const { world, pull } = await greenWorld();
    const run = await runStep('merge-gate', world, { payload: pullRequestEvent(pull) });
    expect(run.outputs).toMatchObject({ verdict: 'green', risk: 'low', 'auto-merge': 'ready' });
    expect(shownGate(world, headOf(pull))).toMatchObject({ conclusion: 'success' });
    expect(world.state.merges).toEqual([]);
    expect(mergeRequests(world)).toEqual([]);
    expect(world.state.autoMergeRequests.has(Number(pull.number))).toBe(false);
    expect(
      world.requests.filter((request) => request.operationId === 'graphql EnablePullRequestAutoMerge'),
    ).toEqual([]);
    // A merge by GITHUB_TOKEN would start no push workflow: the log says who merges instead.
    expect(run.stdout).toContain('Green and eligible to merge by itself: a step with merge-token');
    expectClean(run, world);
  });

  it('a push between the decision and the merge: GitHub refuses the merge of the old head, nothing merged', async () => {
    const { world, pull } = await greenWorld();
    let pushed = () => {};
    const push = new Promise<void>((resolve) => {
      pushed = resolve;
    });
    const proxy = await startProxy(world);
    proxy.script({ method: 'PUT', path: /\/merge$/, holdUntil: push });
    const running = runStep('merge-gate', world, {
      apiUrl: proxy.url,
      payload: pullRequestEvent(pull),
      inputs: withApp,
    });
    while (!proxy.requests.some((request) => request.method === 'PUT'))
      await new Promise((resolve) => setTimeout(resolve, 20));
    world.seed.push(Number(pull.number), {
      message: 'feat: sneaked in',
      files: [{ path: 'src/app.ts', additions: 400, deletions: 0 }],
    });
    pushed();
    const run = await running;
    expect(run.exitCode).toBe(0);
    expect(run.outputs['auto-merge']).toBe('waiting');
    expect(run.stdout).toContain(
      'GitHub refused — Head branch was modified. Review and try the merge again.',
    );
    expect(world.state.merges).toEqual([]);
    expect((world.state.pullRequests[0] as JsonRecord).state).toBe('open');
    expectClean(run, world);
  });

  it('high risk never merges by itself, even green with its team’s approval; an enabled auto-merge is turned off', async () => {
    const { world, pull } = await greenWorld([
      { path: 'services/payments/ledger.ts', additions: 120, deletions: 30 },
    ]);
    world.seed.review({
      pullNumber: Number(pull.number),
      login: 'rita',
      state: 'APPROVED',
      commitId: headOf(pull),
      onBehalfOf: ['acme/release-managers'],
    });
    // Auto-merge was on from when the change was small.
    world.state.autoMergeRequests.set(Number(pull.number), {
      mergeMethod: 'MERGE',
      enabledAt: '2026-11-20T09:00:00Z',
    });
    const run = await runStep('merge-gate', world, { payload: pullRequestEvent(pull), inputs: withApp });
    expect(run.outputs).toMatchObject({ verdict: 'green', risk: 'high', 'auto-merge': 'off' });
    expect(run.stdout).toContain(
      'Auto-merge turned off: high risk never merges by itself: a person merges it',
    );
    expect(world.state.autoMergeRequests.has(Number(pull.number))).toBe(false);
    expect(world.state.merges).toEqual([]);
    expect(mergeRequests(world)).toEqual([]);
    expectClean(run, world);
  });

  it('high risk without its team’s approval stays pending, saying whose approval it waits for', async () => {
    const { world, pull } = await greenWorld([
      { path: 'services/payments/ledger.ts', additions: 120, deletions: 30 },
    ]);
    const run = await runStep('merge-gate', world, { payload: pullRequestEvent(pull), inputs: withApp });
    expect(run.outputs).toMatchObject({ verdict: 'pending', risk: 'high', 'auto-merge': 'off' });
    expect(JSON.parse(run.outputs.missing ?? '[]')).toContainEqual(
      expect.stringContaining('high risk: 1 more approval by a member of @acme/release-managers'),
    );
    expectClean(run, world);
  });
});
