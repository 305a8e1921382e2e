import { describe, expect, it } from 'vitest';
import type { GitHubFake } from '../github-fake';
import {
  ciChecks,
  expectClean,
  gateRuns,
  headOf,
  openPull,
  pullRequestEvent,
  runStep,
  shownGate,
  startProxy,
  startWorld,
} from './world';

// Two evaluations of one head at once — a review and a check completing together — must end with
// the check showing the newer state, whichever writes last. The older evaluation reaches the fake
// through a proxy that holds its write until the newer one's write has landed: the worst order.
async function until(condition: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

const CHECK_RUN_WRITE = /\/check-runs(\/\d+)?$/;
const isWrite = (method: string) => method === 'POST' || method === 'PATCH';

/**
 * Starts the older evaluation, lets it read the state (CI pending), turns CI green, starts the
 * newer one, and holds the older one's write until the newer one's has reached GitHub.
 */
async function raceOlderWritingLast(world: GitHubFake, headSha: string, payload: object) {
  const held = world.requests.length;
  const newerWrote = until(
    () =>
      world.requests
        .slice(held)
        .some((request) => isWrite(request.method) && CHECK_RUN_WRITE.test(request.url.split('?')[0] ?? '')),
    'the newer evaluation’s write',
  );
  const proxy = await startProxy(world);
  proxy.script({ path: CHECK_RUN_WRITE, holdUntil: newerWrote, times: 1 });
  const older = runStep('merge-gate', world, { apiUrl: proxy.url, payload });
  await until(
    () =>
      world.requests
        .slice(held)
        .some((request) => request.operationId === 'graphql MergeGateState' && request.status === 200),
    'the older evaluation’s read',
  );
  // The state changes after the older evaluation read it: the newer one sees CI green.
  world.seed.checkRun({ name: 'test', head_sha: headSha, conclusion: 'success' });
  const newer = runStep('merge-gate', world, { payload, inputs: { 'settle-seconds': '2' } });
  return { older: await older, newer: await newer };
}

describe('two evaluations at once: the newest state wins', () => {
  it('both create the check (none existed): the run GitHub shows ends with the newer state', async () => {
    const github = await startWorld('ci:\n  checks: [build, test]\nexpression: ci\n');
    const pull = openPull(github);
    github.seed.checkRun({ name: 'build', head_sha: headOf(pull) });
    github.seed.checkRun({ name: 'test', head_sha: headOf(pull), status: 'in_progress' });
    const { older, newer } = await raceOlderWritingLast(github, headOf(pull), pullRequestEvent(pull));
    expect(older.outputs.verdict).toBe('pending');
    expect(newer.outputs.verdict).toBe('green');
    const shown = shownGate(github, headOf(pull));
    expect(shown).toMatchObject({ status: 'completed', conclusion: 'success' });
    // The newer evaluation found the older one's late run shown and wrote its state over it.
    expect(newer.stdout).toContain('Another evaluation wrote Merge gate on');
    expect(gateRuns(github, headOf(pull)).length).toBeLessThanOrEqual(2);
    expect(String(shown?.external_id)).toBe(
      String(gateRuns(github, headOf(pull)).find((run) => run.conclusion === 'success')?.external_id),
    );
    expectClean(older, github);
    expectClean(newer, github);
  });

  it('both update the one check run: the newer state is what stays', async () => {
    const github = await startWorld('ci:\n  checks: [build, test]\nexpression: ci\n');
    const pull = openPull(github);
    github.seed.checkRun({ name: 'build', head_sha: headOf(pull) });
    github.seed.checkRun({ name: 'test', head_sha: headOf(pull), status: 'in_progress' });
    // An earlier evaluation posted the check: both of the racing ones update it in place.
    const earlier = await runStep('merge-gate', github, { payload: pullRequestEvent(pull) });
    expect(earlier.outputs.verdict).toBe('pending');
    const { older, newer } = await raceOlderWritingLast(github, headOf(pull), pullRequestEvent(pull));
    expect([older.outputs.verdict, newer.outputs.verdict]).toEqual(['pending', 'green']);
    expect(gateRuns(github, headOf(pull))).toHaveLength(1);
    expect(shownGate(github, headOf(pull))).toMatchObject({ status: 'completed', conclusion: 'success' });
    expect(newer.stdout).toContain('Another evaluation wrote Merge gate on');
    expectClean(older, github);
    expectClean(newer, github);
  });

  it('an older evaluation that finds a newer one shown writes nothing over it', async () => {
    const github = await startWorld('ci:\n  checks: [build, test]\nexpression: ci\n');
    const pull = openPull(github);
    ciChecks(github, headOf(pull));
    const newest = await runStep('merge-gate', github, { payload: pullRequestEvent(pull) });
    expect(newest.outputs.verdict).toBe('green');
    const shown = shownGate(github, headOf(pull));
    // A run of the gate whose id says it read later than anything that runs now: a newer evaluation.
    const future = `merge-gate/${headOf(pull)}/2999-01-01T00:00:00.000Z`;
    if (shown) shown.external_id = future;
    const older = await runStep('merge-gate', github, { payload: pullRequestEvent(pull) });
    expect(older.stdout).toContain(
      `A newer evaluation already posted Merge gate on ${headOf(pull).slice(0, 7)} (${future})`,
    );
    const writes = github.requests.filter(
      (request) => isWrite(request.method) && CHECK_RUN_WRITE.test(request.url.split('?')[0] ?? ''),
    );
    expect(writes).toHaveLength(1);
    expect(shownGate(github, headOf(pull))?.external_id).toBe(future);
    expectClean(older, github);
  });
});
