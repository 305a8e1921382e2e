import { describe, expect, it } from 'vitest';
import { eventTarget, type GateEventPayload } from './event';

const REPO = 'acme/api';
const HEAD = 'a'.repeat(40);
const BASE = 'b'.repeat(40);
const ours = { url: 'https://api.github.com/repos/acme/api' };
const upstream = { url: 'https://api.github.com/repos/someone-else/api' };

describe('eventTarget: which pull request an event is about', () => {
  it.each<[string, string, GateEventPayload, ReturnType<typeof eventTarget>]>([
    [
      'a pull request',
      'pull_request',
      { pull_request: { number: 7 } },
      { pullRequests: [7], source: 'pull_request.number' },
    ],
    [
      'a review',
      'pull_request_review',
      { pull_request: { number: 7 } },
      { pullRequests: [7], source: 'pull_request.number' },
    ],
    [
      'a check run that lists its pull requests (only those into this repository)',
      'check_run',
      {
        check_run: {
          head_sha: HEAD,
          pull_requests: [
            { number: 7, base: { repo: ours } },
            { number: 3, base: { repo: upstream } },
          ],
        },
      },
      { pullRequests: [7], source: 'check_run.pull_requests' },
    ],
    [
      'a fork’s check suite: an empty list, so the head sha',
      'check_suite',
      { check_suite: { head_sha: HEAD.toUpperCase(), pull_requests: [] } },
      { pullRequests: [], commit: HEAD, source: 'check_suite.head_sha' },
    ],
    [
      'a workflow run of a fork’s pull request: the head sha, never GITHUB_SHA',
      'workflow_run',
      { workflow_run: { head_sha: HEAD, pull_requests: [] } },
      { pullRequests: [], commit: HEAD, source: 'workflow_run.head_sha' },
    ],
    ['a status', 'status', { sha: HEAD }, { pullRequests: [], commit: HEAD, source: 'sha' }],
    [
      'a deployment status',
      'deployment_status',
      { deployment: { sha: HEAD } },
      { pullRequests: [], commit: HEAD, source: 'deployment.sha' },
    ],
    [
      'a merge group: the queue branch names the pull request; its commit is the queue’s',
      'merge_group',
      { merge_group: { head_sha: HEAD, head_ref: `refs/heads/gh-readonly-queue/main/pr-12-${BASE}` } },
      { pullRequests: [12], mergeGroupSha: HEAD, source: 'merge_group.head_ref' },
    ],
  ])('%s', (_, name, payload, expected) => {
    expect(eventTarget(name, payload, REPO)).toEqual(expected);
  });

  it.each<[string, string, GateEventPayload, string]>([
    [
      'a push',
      'push',
      {},
      'The push event does not say which pull request to decide: run the gate on pull_request,',
    ],
    ['a status without a sha', 'status', { sha: 'main' }, 'The status event has no commit sha in sha'],
    [
      'a merge group on another branch',
      'merge_group',
      { merge_group: { head_sha: HEAD, head_ref: 'refs/heads/main' } },
      'The merge_group event\'s head_ref "refs/heads/main" does not name a pull request',
    ],
    [
      'a pull request event without a number',
      'pull_request',
      {},
      'The pull_request event has no pull_request.number',
    ],
  ])('refuses %s in one line', (_, name, payload, message) => {
    expect(() => eventTarget(name, payload, REPO)).toThrow(message);
  });
});
