import { describe, expect, test } from 'vitest';
import {
  checkRequiredChecks,
  conclusionMeaning,
  evaluateRequiredChecks,
  type RequiredCheckState,
} from './required-checks';
import type { CheckRun, CommitStatus } from './types';

const SHA = '3f786850e387550fdab836ed7e6dc881de23001b';
let nextId = 1;

function run(
  name: string,
  status: string,
  conclusion: string | null,
  startedAt = '2026-11-20T10:00:00Z',
): CheckRun {
  const id = nextId++;
  return {
    id,
    name,
    head_sha: SHA,
    status,
    conclusion,
    started_at: startedAt,
    completed_at: status === 'completed' ? startedAt : null,
    html_url: `https://github.com/acme/api/runs/${id}`,
    details_url: `https://github.com/acme/api/actions/runs/9/job/${id}`,
    external_id: null,
  };
}

function status(context: string, state: string, createdAt = '2026-11-20T10:00:00Z'): CommitStatus {
  const id = nextId++;
  return {
    id,
    context,
    state,
    description: `${context} says ${state}`,
    target_url: `https://ci.example.com/build/${id}`,
    created_at: createdAt,
    updated_at: createdAt,
  };
}

interface Case {
  title: string;
  required: string[];
  runs: CheckRun[];
  statuses: CommitStatus[];
  ok: boolean;
  states: RequiredCheckState[];
  /** Fragments the message must contain. */
  message: string[];
}

const cases: Case[] = [
  {
    title: 'all green check runs',
    required: ['lint', 'test'],
    runs: [run('lint', 'completed', 'success'), run('test', 'completed', 'success')],
    statuses: [],
    ok: true,
    states: ['success', 'success'],
    message: ['all 2 required check(s) are green', '`lint`', '`test`'],
  },
  // Unlike branch protection, a release gate asks whether the commit was checked: only success passed.
  ...(
    [
      [
        'skipped',
        'it never ran (a job skipped by its if:, or after a failed need), so it checked nothing: run it on this commit, or use a commit where it passed',
      ],
      ['neutral', 'it reported no verdict (neutral): make it conclude success, or stop requiring it'],
      [
        'cancelled',
        'it was cancelled before it finished (by hand, or replaced by a newer run in its concurrency group): re-run it on this commit, or use a commit where it passed',
      ],
      ['stale', 'GitHub marked it stale (incomplete for 14 days): re-run it'],
      ['action_required', 'it waits for someone to act (see its details link): do that, then re-run it'],
      ['timed_out', 'it timed out: re-run it'],
      ['startup_failure', 'its workflow failed to start: fix the workflow and re-run it'],
      ['failure', 'it failed: fix the cause and re-run it'],
      ['some_future_value', 'a conclusion not known here: only success passes; re-run it'],
    ] as const
  ).map(
    ([conclusion, fix]): Case => ({
      title: `conclusion ${conclusion} did not pass: the message names the check, the conclusion and what to do`,
      required: ['Stage checks'],
      runs: [run('Stage checks', 'completed', conclusion)],
      statuses: [],
      ok: false,
      states: ['failure'],
      message: [
        '1 of 1 required check(s) not green: did not pass: `Stage checks` (check run ',
        `check run ${conclusion} — https://github.com/acme/api/actions/runs/9/job/`,
        `): ${fix}`,
      ],
    }),
  ),
  {
    title: 'a failing check run blocks and links to it',
    required: ['lint', 'test'],
    runs: [run('lint', 'completed', 'success'), run('test', 'completed', 'failure')],
    statuses: [],
    ok: false,
    states: ['success', 'failure'],
    message: [
      '1 of 2 required check(s) not green',
      'did not pass: `test` (check run failure — https://github.com/',
    ],
  },
  {
    title: 'a skipped re-run after a success: the newest report wins, and it did not pass',
    required: ['Stage checks'],
    runs: [
      run('Stage checks', 'completed', 'success', '2026-11-20T10:00:00Z'),
      run('Stage checks', 'completed', 'skipped', '2026-11-20T10:05:00Z'),
    ],
    statuses: [],
    ok: false,
    states: ['failure'],
    message: ['`Stage checks` (check run skipped'],
  },
  ...['queued', 'in_progress', 'waiting', 'requested', 'pending'].map(
    (runStatus): Case => ({
      title: `a check run ${runStatus} is pending`,
      required: ['test'],
      runs: [run('test', runStatus, null)],
      statuses: [],
      ok: false,
      states: ['pending'],
      message: [`wait for \`test\` (check run ${runStatus}`],
    }),
  ),
  {
    title: 'a required name never reported is missing',
    required: ['lint', 'tset'],
    runs: [run('lint', 'completed', 'success'), run('test', 'completed', 'success')],
    statuses: [],
    ok: false,
    states: ['success', 'missing'],
    message: ['never reported on this commit: `tset`', 'typo'],
  },
  {
    title: 'a success after an earlier failure: the newest wins',
    required: ['test'],
    runs: [
      run('test', 'completed', 'failure', '2026-11-20T10:00:00Z'),
      run('test', 'completed', 'success', '2026-11-20T10:05:00Z'),
    ],
    statuses: [],
    ok: true,
    states: ['success'],
    message: ['all 1 required check(s) are green'],
  },
  {
    title: 'a failure after an earlier success: the newest wins, whatever the order given',
    required: ['test'],
    runs: [
      run('test', 'completed', 'failure', '2026-11-20T10:05:00Z'),
      run('test', 'completed', 'success', '2026-11-20T10:00:00Z'),
    ],
    statuses: [],
    ok: false,
    states: ['failure'],
    message: ['did not pass: `test`'],
  },
  {
    title: 'a re-run in progress after a failure is pending',
    required: ['test'],
    runs: [
      run('test', 'completed', 'failure', '2026-11-20T10:00:00Z'),
      run('test', 'in_progress', null, '2026-11-20T10:05:00Z'),
    ],
    statuses: [],
    ok: false,
    states: ['pending'],
    message: ['wait for `test`'],
  },
  {
    title: 'statuses and check runs mixed',
    required: ['ci/jenkins', 'lint', 'security/snyk'],
    runs: [run('lint', 'completed', 'success')],
    statuses: [status('ci/jenkins', 'success'), status('security/snyk', 'pending')],
    ok: false,
    states: ['success', 'success', 'pending'],
    message: [
      '1 of 3 required check(s) not green',
      'wait for `security/snyk` (status pending (security/snyk says pending)',
    ],
  },
  {
    title: 'the newest status per context wins',
    required: ['ci/jenkins'],
    statuses: [
      status('ci/jenkins', 'success', '2026-11-20T10:09:00Z'),
      status('ci/jenkins', 'failure', '2026-11-20T10:01:00Z'),
    ],
    runs: [],
    ok: true,
    states: ['success'],
    message: ['all 1 required check(s) are green'],
  },
  {
    title: 'status error is a failure',
    required: ['ci/jenkins'],
    statuses: [status('ci/jenkins', 'error')],
    runs: [],
    ok: false,
    states: ['failure'],
    message: [
      'did not pass: `ci/jenkins` (status error',
      'fix the cause and have its service report it again',
    ],
  },
  {
    title: 'a name reported both as a status and a check run: the newest wins',
    required: ['deploy-preview'],
    runs: [run('deploy-preview', 'completed', 'failure', '2026-11-20T10:00:00Z')],
    statuses: [status('deploy-preview', 'success', '2026-11-20T10:30:00Z')],
    ok: true,
    states: ['success'],
    message: ['green'],
  },
  {
    title: 'failure, pending and missing together are all named',
    required: ['a', 'b', 'c'],
    runs: [run('a', 'completed', 'failure'), run('b', 'queued', null)],
    statuses: [],
    ok: false,
    states: ['failure', 'pending', 'missing'],
    message: ['3 of 3', 'did not pass: `a`', 'never reported on this commit: `c`', 'wait for `b`'],
  },
  {
    title: 'no required checks',
    required: [],
    runs: [run('a', 'completed', 'failure')],
    statuses: [],
    ok: true,
    states: [],
    message: ['no required checks configured'],
  },
  {
    title: 'names are trimmed and de-duplicated',
    required: [' lint ', 'lint', ''],
    runs: [run('lint', 'completed', 'success')],
    statuses: [],
    ok: true,
    states: ['success'],
    message: ['all 1 required'],
  },
];

describe('evaluateRequiredChecks', () => {
  test.each(cases)('$title', ({ required, runs, statuses, ok, states, message }) => {
    const result = evaluateRequiredChecks(required, runs, statuses);
    expect(result.ok).toBe(ok);
    expect(result.rows.map((row) => row.state)).toEqual(states);
    for (const fragment of message) expect(result.message).toContain(fragment);
    expect(result.message).not.toMatch(/\n/);
  });

  test('rows keep the order and names given', () => {
    const result = evaluateRequiredChecks(['z', 'a'], [run('a', 'completed', 'success')], []);
    expect(result.rows).toEqual([
      { name: 'z', state: 'missing', detail: 'never reported on this commit' },
      { name: 'a', state: 'success', detail: expect.stringContaining('check run success') },
    ]);
  });
});

describe('conclusionMeaning', () => {
  test.each([
    ['success', true],
    ['skipped', false],
    ['neutral', false],
    ['failure', false],
  ])('%s: green %s', (conclusion, green) => {
    expect(conclusionMeaning(conclusion).green).toBe(green);
  });

  test.each([null, 'constructor', '__proto__', 'toString', 'brand_new'])(
    '%s is not known to be green, and says so',
    (conclusion) => {
      expect(conclusionMeaning(conclusion)).toEqual({
        green: false,
        meaning: 'a conclusion not known here: only success passes; re-run it',
      });
    },
  );
});

describe('checkRequiredChecks', () => {
  test('fetches both kinds for the ref and names the commit', async () => {
    const asked: string[] = [];
    const client = {
      listCheckRunsForRef: async (ref: string) => {
        asked.push(`runs ${ref}`);
        return [run('lint', 'completed', 'success')];
      },
      listCommitStatuses: async (ref: string) => {
        asked.push(`statuses ${ref}`);
        return [status('ci/jenkins', 'failure')];
      },
    };
    const result = await checkRequiredChecks(client, SHA, ['lint', 'ci/jenkins']);
    expect(asked.sort()).toEqual([`runs ${SHA}`, `statuses ${SHA}`]);
    expect(result.ok).toBe(false);
    expect(result.message).toContain(`(commit ${SHA})`);
  });
});
