import { afterEach, describe, expect, it } from 'vitest';
import type { GitHubFake } from '../github-fake';
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
// it posts on the head, and its outputs.
let github: GitHubFake | undefined;
afterEach(async () => {
  await github?.stop();
  github = undefined;
});

describe('merge-gate: CI && (CD || Review), on the head commit', () => {
  it('CI green, no review, no CD: pending; CD green: green', async () => {
    github = await startWorld();
    const pull = openPull(github);
    ciChecks(github, headOf(pull));
    const first = await runStep('merge-gate', github, { payload: pullRequestEvent(pull) });
    expect(first.errors).toEqual([]);
    expect(first.exitCode).toBe(0);
    expect(first.outputs).toMatchObject({
      verdict: 'pending',
      ci: 'green',
      cd: 'pending',
      review: 'pending',
    });
    expect(shownGate(github, headOf(pull))).toMatchObject({ status: 'in_progress', conclusion: null });
    expectClean(first, github);

    deployed(github, pull);
    const second = await runStep('merge-gate', github, { payload: pullRequestEvent(pull) });
    expect(second.outputs).toMatchObject({ verdict: 'green', ci: 'green', cd: 'green' });
    expect(shownGate(github, headOf(pull))).toMatchObject({ status: 'completed', conclusion: 'success' });
    expectClean(second, github);
  });
});
