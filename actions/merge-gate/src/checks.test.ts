import { describe, expect, it } from 'vitest';
import { checkRun, commitStatus, deployment, EARLIER, pullRequest } from '../../../test/support/pull-request';
import { evaluateChecks, evaluateDeployments } from './checks';

describe('evaluateChecks: one row per expected name', () => {
  it.each([
    ['success', 'green', 'check run success'],
    ['failure', 'red', 'check run failure'],
    ['timed_out', 'red', 'check run timed_out'],
    ['cancelled', 'red', 'check run cancelled'],
    ['neutral', 'red', 'check run neutral'],
    ['stale', 'red', 'check run stale'],
    ['action_required', 'red', 'check run action_required'],
    ['skipped', 'pending', 'check run skipped'],
    ['in_progress', 'pending', 'check run in_progress'],
    ['queued', 'pending', 'check run queued'],
  ])('a check run %s is %s', (outcome, verdict, detail) => {
    const [row] = evaluateChecks(['test'], [], pullRequest({ checkRuns: [checkRun('test', outcome)] }));
    expect(row).toMatchObject({ name: 'test', verdict, detail });
    expect(row?.url).toMatch(/^https:\/\/github\.com\/acme\/shop\/actions\/runs\/7\/job\/\d+$/);
  });

  it('a row that is not green says what it means and what to do, in the release gate’s words', () => {
    const [row] = evaluateChecks(['test'], [], pullRequest({ checkRuns: [checkRun('test', 'cancelled')] }));
    expect(row?.fix).toBe(
      'it was cancelled before it finished (by hand, or replaced by a newer run in its concurrency group): re-run it on this commit, or use a commit where it passed',
    );
    const [skipped] = evaluateChecks(['test'], [], pullRequest({ checkRuns: [checkRun('test', 'skipped')] }));
    expect(skipped?.fix).toBe(
      'it never ran (a job skipped by its if:, or after a failed need), so it checked nothing: run it on this commit, or use a commit where it passed; or list it in allowed-to-skip',
    );
  });

  it('an expected check that has not reported is pending, never green', () => {
    const rows = evaluateChecks(
      ['build', 'test'],
      [],
      pullRequest({ checkRuns: [checkRun('build', 'success')] }),
    );
    expect(rows.map((row) => [row.name, row.verdict, row.detail])).toEqual([
      ['build', 'green', 'check run success'],
      ['test', 'pending', 'not reported yet'],
    ]);
    expect(rows[1]?.fix).toContain('check the name for a typo');
  });

  it('skipped is green only for a name allowed to skip', () => {
    const pr = pullRequest({ checkRuns: [checkRun('docs', 'skipped'), checkRun('test', 'skipped')] });
    const rows = evaluateChecks(['docs', 'test'], ['docs'], pr);
    expect(rows.map((row) => [row.name, row.verdict, row.detail])).toEqual([
      ['docs', 'green', 'check run skipped (allowed to skip)'],
      ['test', 'pending', 'check run skipped'],
    ]);
  });

  it('allowed to skip is not allowed to fail', () => {
    const [row] = evaluateChecks(
      ['docs'],
      ['docs'],
      pullRequest({ checkRuns: [checkRun('docs', 'failure')] }),
    );
    expect(row?.verdict).toBe('red');
  });

  it.each([
    ['a re-run that passed after a failure', ['failure', 'success'], 'green'],
    ['a re-run that failed after a pass', ['success', 'failure'], 'red'],
    ['a re-run still going after a pass', ['success', 'in_progress'], 'pending'],
  ])('several runs of one name: the newest counts — %s', (_, outcomes, verdict) => {
    const runs = outcomes.map((outcome, index) => checkRun('test', outcome, { minute: index * 10 }));
    const [row] = evaluateChecks(['test'], [], pullRequest({ checkRuns: runs.reverse() }));
    expect(row?.verdict).toBe(verdict);
    expect(row?.detail).toContain('(the newest of 2 reports)');
  });

  it('the newest is by start time, then id: an older run that finished late does not win', () => {
    const older = checkRun('test', 'failure', { minute: 0 });
    const newer = checkRun('test', 'success', { minute: 5 });
    const finishedLate = { ...older, completedAt: '2026-11-20T12:00:00.000Z' };
    expect(evaluateChecks(['test'], [], pullRequest({ checkRuns: [newer, finishedLate] }))[0]?.verdict).toBe(
      'green',
    );
  });

  it('a check run of another commit counts for nothing', () => {
    const pr = pullRequest({ checkRuns: [checkRun('test', 'success', { headSha: EARLIER })] });
    expect(evaluateChecks(['test'], [], pr)[0]).toMatchObject({
      verdict: 'pending',
      detail: 'not reported yet',
    });
  });

  it.each([
    ['success', 'green'],
    ['pending', 'pending'],
    ['failure', 'red'],
    ['error', 'red'],
  ])('a commit status %s is %s', (state, verdict) => {
    const [row] = evaluateChecks(
      ['ci/jenkins'],
      [],
      pullRequest({ statuses: [commitStatus('ci/jenkins', state)] }),
    );
    expect(row).toMatchObject({ verdict, detail: `status ${state}: ci/jenkins is ${state}` });
  });

  it('a check run and a status of one name: the newer wins', () => {
    const pr = pullRequest({
      checkRuns: [checkRun('deploy', 'success', { minute: 1 })],
      statuses: [commitStatus('deploy', 'failure', 9)],
    });
    expect(evaluateChecks(['deploy'], [], pr)[0]?.verdict).toBe('red');
  });

  it('upper-case states, as GraphQL sends them, read the same', () => {
    const run = { ...checkRun('test', 'success'), status: 'COMPLETED', conclusion: 'SUCCESS' };
    expect(evaluateChecks(['test'], [], pullRequest({ checkRuns: [run] }))[0]?.verdict).toBe('green');
  });

  it('a name is matched exactly: a check named like an Object property is just a name', () => {
    const pr = pullRequest({ checkRuns: [checkRun('constructor', 'success')] });
    expect(evaluateChecks(['constructor', 'toString'], [], pr).map((row) => row.verdict)).toEqual([
      'green',
      'pending',
    ]);
  });
});

describe('evaluateDeployments: the head commit’s newest deployment to each environment', () => {
  it.each([
    [['queued', 'in_progress', 'success'], 'green', 'deployment success'],
    [['queued', 'in_progress'], 'pending', 'deployment in_progress'],
    [['in_progress', 'failure'], 'red', 'deployment failure'],
    [['error'], 'red', 'deployment error'],
    [['success', 'inactive'], 'red', 'deployment inactive'],
    [[], 'pending', 'deployment created, no status yet'],
  ])('statuses %j: %s', (states, verdict, detail) => {
    const [row] = evaluateDeployments(['pr-12'], pullRequest({ deployments: [deployment('pr-12', states)] }));
    expect(row).toMatchObject({ name: 'pr-12', verdict, detail });
  });

  it('links to the environment once deployed', () => {
    const [row] = evaluateDeployments(
      ['pr-12'],
      pullRequest({ deployments: [deployment('pr-12', ['success'])] }),
    );
    expect(row?.url).toBe('https://pr-12.preview.example.com');
  });

  it('a deployment of another commit does not count, and the row says what runs there', () => {
    const pr = pullRequest({ deployments: [deployment('pr-12', ['success'], { sha: EARLIER })] });
    expect(evaluateDeployments(['pr-12'], pr)[0]).toMatchObject({
      verdict: 'pending',
      detail: `this commit is not deployed yet (it runs ${EARLIER.slice(0, 7)})`,
    });
  });

  it('a redeploy of the head wins over its failed first deployment', () => {
    const pr = pullRequest({
      deployments: [
        deployment('pr-12', ['failure'], { minute: 0 }),
        deployment('pr-12', ['success'], { minute: 10 }),
      ],
    });
    expect(evaluateDeployments(['pr-12'], pr)[0]?.verdict).toBe('green');
  });

  it('another environment does not count', () => {
    const pr = pullRequest({ deployments: [deployment('staging', ['success'])] });
    expect(evaluateDeployments(['pr-12'], pr)[0]?.verdict).toBe('pending');
  });
});
