import { nullLogger } from '@flow-actions/action-kit';
import type { CheckRun, CheckRunWrite, GitHubClient } from '@flow-actions/github-api';
import { describe, expect, it } from 'vitest';
import { type ExistingRun, postCheckRun } from './check-run';
import { evaluationId } from './evaluation';

const HEAD = 'e'.repeat(40);
const readAt = new Date('2026-11-20T10:00:05.000Z');
const older = evaluationId(HEAD, new Date('2026-11-20T10:00:01.000Z'));
const newer = evaluationId(HEAD, new Date('2026-11-20T10:00:09.000Z'));
const green = { status: 'completed', conclusion: 'success' } as const;

/** GitHub's check runs of one commit, in memory; `meanwhile` runs after each write (another evaluation's). */
function github(runs: CheckRun[], meanwhile: () => void = () => {}) {
  const calls: string[] = [];
  const apply = (run: CheckRun, write: CheckRunWrite) => {
    if (run.status !== 'completed') {
      run.status = write.state.status;
      run.conclusion = write.state.status === 'completed' ? write.state.conclusion : null;
    }
    run.external_id = write.externalId ?? null;
  };
  const client = {
    createCheckRun: async (name: string, headSha: string, write: CheckRunWrite) => {
      calls.push('create');
      const run = {
        id: Math.max(0, ...runs.map((entry) => entry.id)) + 1,
        name,
        head_sha: headSha,
        status: 'queued',
        conclusion: null,
        started_at: null,
        completed_at: null,
        html_url: null,
        details_url: null,
        external_id: null,
      };
      apply(run, write);
      runs.push(run);
      meanwhile();
      return run;
    },
    updateCheckRun: async (id: number, write: CheckRunWrite) => {
      calls.push(`update ${id}`);
      const run = runs.find((entry) => entry.id === id) as CheckRun;
      apply(run, write);
      meanwhile();
      return run;
    },
    listCheckRunsForRef: async () => {
      calls.push('list');
      return runs.map((run) => ({ ...run }));
    },
  };
  return { client: client as unknown as GitHubClient, calls };
}

const existing = (runs: CheckRun[]): ExistingRun[] =>
  runs.map((run) => ({
    id: run.id,
    status: run.status,
    conclusion: run.conclusion,
    externalId: run.external_id,
  }));
const run = (id: number, status: string, conclusion: string | null, externalId: string | null): CheckRun => ({
  id,
  name: 'Merge gate',
  head_sha: HEAD,
  status,
  conclusion,
  started_at: null,
  completed_at: null,
  html_url: null,
  details_url: null,
  external_id: externalId,
});
const post = (client: GitHubClient, runs: CheckRun[], state: CheckRunWrite['state'] = green) =>
  postCheckRun(client, {
    name: 'Merge gate',
    headSha: HEAD,
    readAt,
    state,
    output: { title: 't', summary: 's' },
    existing: existing(runs),
    settleMs: 0,
    sleep: async () => {},
    logger: nullLogger,
  });

describe('postCheckRun: the newest evaluation wins', () => {
  it('no run yet: creates one and reads it back', async () => {
    const runs: CheckRun[] = [];
    const { client, calls } = github(runs);
    expect(await post(client, runs)).toMatchObject({ outcome: 'written', writes: 1, reads: 1 });
    expect(calls).toEqual(['create', 'list']);
    expect(runs[0]).toMatchObject({ conclusion: 'success', external_id: evaluationId(HEAD, readAt) });
  });

  it('an older evaluation’s run in progress: updated in place', async () => {
    const runs = [run(1, 'in_progress', null, older)];
    const { client, calls } = github(runs);
    await post(client, runs);
    expect(calls).toEqual(['update 1', 'list']);
  });

  it('a completed run with another conclusion, or pending after completed: a new run', async () => {
    for (const state of [
      { status: 'completed', conclusion: 'failure' } as const,
      { status: 'in_progress' } as const,
    ]) {
      const runs = [run(1, 'completed', 'success', older)];
      const { client, calls } = github(runs);
      await post(client, runs, state);
      expect(calls).toEqual(['create', 'list']);
    }
  });

  it('a run of another app or without our id: never updated, a run of our own is created', async () => {
    const runs = [run(1, 'in_progress', null, 'ci-1234')];
    const { client, calls } = github(runs);
    await post(client, runs);
    expect(calls).toEqual(['create', 'list']);
  });

  it('a newer evaluation shown: nothing written', async () => {
    const runs = [run(1, 'in_progress', null, newer)];
    const { client, calls } = github(runs);
    expect(await post(client, runs)).toEqual({ outcome: 'superseded', by: newer, writes: 0, reads: 0 });
    expect(calls).toEqual([]);
  });

  it('an older evaluation wrote after us: read back, ours written over it', async () => {
    const runs = [run(1, 'in_progress', null, older)];
    let raced = false;
    const { client, calls } = github(runs, () => {
      if (raced) return;
      raced = true;
      runs.push(run(2, 'in_progress', null, older));
    });
    expect(await post(client, runs)).toMatchObject({ outcome: 'written', writes: 2, reads: 2 });
    expect(calls).toEqual(['update 1', 'list', 'update 2', 'list']);
  });

  it('a newer evaluation wrote after us: read back, ours superseded', async () => {
    const runs: CheckRun[] = [];
    const { client } = github(runs, () => {
      if (runs.length === 1) runs.push(run(2, 'completed', 'success', newer));
    });
    expect(await post(client, runs)).toMatchObject({ outcome: 'superseded', by: newer, writes: 1, reads: 1 });
  });
});
