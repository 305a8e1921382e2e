import { describe, expect, it } from 'vitest';
import {
  checkRunCompleted,
  commitStatus,
  deploymentStatus,
  mergeGroup,
  pullRequest,
  pullRequestReview,
  workflowRunCompleted,
} from './simulation/events';
import { condition, interpolateString, type Scope } from './simulation/expressions';
import { githubContext } from './simulation/runner';
import { matchTrigger, type WorkflowEvent } from './simulation/triggers';
import type { Commit } from './simulation/world';
import { readTemplate, type WorkflowJob } from './templates';

// merge-gate.yml decides, from the event alone, whether an evaluation runs, which concurrency group
// it waits in, and whether it may merge: decided here with GitHub's expression engine over the
// template as written, for every event it listens to. The stories run it on the bundles
// (merge-gate-simulation.test.ts).

const { workflow } = await readTemplate('merge-gate');
const jobs = workflow.jobs as Record<'gate' | 'merge' | 'risk', WorkflowJob>;
const settings = {
  repository: 'acme/api',
  serverUrl: 'http://127.0.0.1:9',
  apiUrl: 'http://127.0.0.1:9',
  runId: 1,
  actor: 'dev',
  token: 'token',
};

const sha = (c: string) => c.repeat(40);
const H = { sha: sha('a'), subject: 'feat: cart', changedFiles: [] } satisfies Commit;
const H2 = { sha: sha('b'), subject: 'fix: other', changedFiles: [] } satisfies Commit;
const MAIN = sha('d');
const QUEUE = sha('e');
const pr7 = { number: 7, head: H, branch: 'cart', merge: sha('f'), base: MAIN, draft: false };
const ref7 = [{ number: 7, headSha: H.sha, branch: 'cart' }];

const EVENTS: Record<string, WorkflowEvent> = {
  'pull_request opened': pullRequest({ ...pr7, action: 'opened' }),
  'pull_request labeled': pullRequest({ ...pr7, action: 'labeled', label: 'toggle:cart', sender: 'eve' }),
  'a fork’s pull_request': pullRequest({ ...pr7, action: 'synchronize', headRepository: 'eve/api' }),
  'pull_request_review approved': pullRequestReview({
    ...pr7,
    action: 'submitted',
    reviewer: 'rev',
    state: 'approved',
  }),
  'check_run of another app': checkRunCompleted('lint', 'success', H.sha, MAIN, ref7),
  'check_run of the gate itself': checkRunCompleted('Merge gate', 'success', H.sha, MAIN, ref7),
  'check_suite completed': {
    name: 'check_suite',
    sha: MAIN,
    ref: 'refs/heads/main',
    payload: { action: 'completed', check_suite: { head_sha: H.sha }, repository: { full_name: 'acme/api' } },
  },
  status: commitStatus('ci/jenkins', 'success', H.sha, MAIN),
  'deployment_status of pr-7': deploymentStatus('pr-7', 'success', H, 'cart', 3),
  merge_group: mergeGroup(7, QUEUE, H.sha, MAIN),
  'workflow_run of Pull request for a pull request': workflowRunCompleted(
    'Pull request',
    'success',
    H,
    MAIN,
    {
      event: 'pull_request',
      headBranch: 'cart',
      pullRequests: ref7,
    },
  ),
  'workflow_run of Pull request for a fork’s pull request': workflowRunCompleted(
    'Pull request',
    'success',
    H,
    MAIN,
    { event: 'pull_request', headBranch: 'cart', headRepository: 'eve/api' },
  ),
  'workflow_run of Pull request for the merge queue': workflowRunCompleted(
    'Pull request',
    'success',
    { ...H, sha: QUEUE },
    MAIN,
    { event: 'merge_group', headBranch: `gh-readonly-queue/main/pr-7-${H.sha}` },
  ),
  'workflow_run of Main for a push': workflowRunCompleted('Main', 'success', H, MAIN),
  'workflow_run of Pull request for a push': workflowRunCompleted('Pull request', 'success', H, MAIN),
  'workflow_run of Merge gate for a pull_request': workflowRunCompleted('Merge gate', 'success', H, MAIN, {
    event: 'pull_request',
    headBranch: 'cart',
  }),
  'workflow_run of Merge gate for a review': workflowRunCompleted('Merge gate', 'success', H, MAIN, {
    event: 'pull_request_review',
    headBranch: 'cart',
  }),
  'workflow_run of Merge gate for a workflow_run': workflowRunCompleted('Merge gate', 'success', H, MAIN, {
    event: 'workflow_run',
  }),
  'workflow_run of Merge gate for the merge queue': workflowRunCompleted('Merge gate', 'success', H, MAIN, {
    event: 'merge_group',
  }),
};

function scope(event: WorkflowEvent, autoMerge = ''): Scope {
  return {
    contexts: {
      github: githubContext(workflow, event, settings),
      needs: { gate: { result: 'success', outputs: { 'auto-merge': autoMerge } } },
      vars: {},
      inputs: {},
    },
    status: { success: true, failure: false },
  };
}

function event(name: string): WorkflowEvent {
  const found = EVENTS[name];
  if (!found) throw new Error(`no event ${name}`);
  return found;
}

/** The run's concurrency group, as GitHub evaluates it. */
function group(name: string): string {
  const written = workflow.concurrency;
  if (typeof written !== 'object') throw new Error('merge-gate.yml has no concurrency mapping');
  return interpolateString(written.group, scope(event(name)));
}

describe('merge-gate.yml, decided from the event', () => {
  it.each([
    ['pull_request opened', true],
    ['pull_request labeled', true],
    ['a fork’s pull_request', true],
    ['pull_request_review approved', true],
    ['check_run of another app', true],
    // Written with an App token, the gate's own check would start the gate again, and again.
    ['check_run of the gate itself', false],
    ['check_suite completed', true],
    ['status', true],
    ['deployment_status of pr-7', true],
    ['merge_group', true],
    ['workflow_run of Pull request for a pull request', true],
    ['workflow_run of Pull request for a fork’s pull request', true],
    ['workflow_run of Pull request for the merge queue', true],
    ['workflow_run of Pull request for a push', false],
    // The run that follows each of the gate's own runs for a pull request event, as main has the file.
    ['workflow_run of Merge gate for a pull_request', true],
    ['workflow_run of Merge gate for a review', true],
    // …and not the one after that, nor one after a run the default branch's copy made already.
    ['workflow_run of Merge gate for a workflow_run', false],
    ['workflow_run of Merge gate for the merge queue', false],
  ])('%s: the gate is evaluated: %s', (name, runs) => {
    const started = matchTrigger(workflow.on, event(name));
    expect(started.runs && condition(jobs.gate.if, scope(event(name)))).toBe(runs);
  });

  it('a workflow_run of a workflow it does not name starts nothing', () => {
    expect(matchTrigger(workflow.on, event('workflow_run of Main for a push'))).toEqual({
      runs: false,
      reason: 'workflow "Main" is not in Pull request, Merge gate',
    });
  });

  it('every event about one head commit waits in one group; another pull request’s in another', () => {
    const aboutH = [
      'pull_request opened',
      'pull_request_review approved',
      'check_run of another app',
      'check_suite completed',
      'status',
      'deployment_status of pr-7',
      'workflow_run of Pull request for a pull request',
      'workflow_run of Merge gate for a review',
    ];
    expect(new Set(aboutH.map(group))).toEqual(new Set([`merge-gate-${H.sha}`]));
    expect(group('merge_group')).toBe(`merge-gate-${QUEUE}`);
    const other = pullRequest({ ...pr7, number: 8, head: H2, action: 'opened' });
    expect(interpolateString((workflow.concurrency as { group: string }).group, scope(other))).toBe(
      `merge-gate-${H2.sha}`,
    );
    expect((workflow.concurrency as { 'cancel-in-progress': boolean })['cancel-in-progress']).toBe(false);
  });

  it.each([
    ['workflow_run of Pull request for a pull request', 'ready', true],
    ['workflow_run of Merge gate for a pull_request', 'ready', true],
    ['check_run of another app', 'ready', true],
    ['status', 'ready', true],
    ['workflow_run of Pull request for a pull request', 'waiting', false],
    ['workflow_run of Pull request for a pull request', 'off', false],
    // The pull request's own copy of the file runs for these: it never reaches the App's key.
    ['pull_request opened', 'ready', false],
    ['pull_request_review approved', 'ready', false],
    ['deployment_status of pr-7', 'ready', false],
    // The queue merges what it holds.
    ['merge_group', 'ready', false],
  ])('%s, auto-merge %s: the Auto-merge job runs: %s', (name, autoMerge, runs) => {
    expect(condition(jobs.merge.if, scope(event(name), autoMerge))).toBe(runs);
  });

  it.each([
    ['pull_request labeled', true],
    ['pull_request opened', false],
    ['pull_request_review approved', false],
    ['workflow_run of Pull request for a pull request', false],
  ])('%s: the risk labels are set again: %s', (name, runs) => {
    expect(condition(jobs.risk.if, scope(event(name)))).toBe(runs);
  });
});
