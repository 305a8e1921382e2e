import { mkdtemp, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError } from '@flow-actions/action-kit';
import { describe, expect, it } from 'vitest';
import { type EventContext, type EventPayload, readEventContext, resolveCommit } from './identity';

// Real payloads recorded by GitHub and published by Octokit; variants are derived from them
// field by field where the collection has no example (a fork, an annotated tag).
interface Example {
  name: string;
  examples: (EventPayload & { action?: string })[];
}
const examples = createRequire(import.meta.url)('@octokit/webhooks-examples') as Example[];

function payloadOf(
  event: string,
  match: (payload: EventPayload & { action?: string }) => boolean,
): EventPayload {
  const payload = examples.find((e) => e.name === event)?.examples.find(match);
  if (!payload) throw new Error(`no ${event} example matches`);
  return structuredClone(payload);
}

const MERGE_SHA = 'c4295bd74fb0f4fda03689c3df3f2803b658fd85';
const TAG_OBJECT = '0c6a3fc1a4ee0fd2c6c5c2c1bd4a83fe6b1b7a42';
const COMMIT = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
const PR_HEAD = 'ec26c3e57ca3a959ca5aad62de7213c562f8c821';

const pushBranch = payloadOf('push', (p) => p.ref === 'refs/heads/master' && !!p.head_commit);
const pushLightweightTag = payloadOf('push', (p) => p.ref === 'refs/tags/simple-tag' && !!p.head_commit);
const pushAnnotatedTag = { ...structuredClone(pushLightweightTag), after: TAG_OBJECT };
const prOpened = payloadOf('pull_request', (p) => p.action === 'opened');
const prSynchronize = payloadOf('pull_request', (p) => p.action === 'synchronize');
const prFromFork = structuredClone(prOpened);
if (prFromFork.pull_request?.head)
  prFromFork.pull_request.head.repo = { full_name: 'contributor/Hello-World' };
const workflowRun = payloadOf('workflow_run', (p) => (p.workflow_run?.pull_requests?.length ?? 0) > 0);
const dispatch = payloadOf('workflow_dispatch', () => true);
const release = payloadOf('release', (p) => p.action === 'published');
const mergeGroup = payloadOf('merge_group', () => true);

interface Case {
  title: string;
  context: EventContext;
  sha: string;
  source: string;
  pullRequest?: number;
  tag?: string;
}

const cases: Case[] = [
  {
    title: 'push to a branch: GITHUB_SHA',
    context: { eventName: 'push', payload: pushBranch, sha: COMMIT, ref: 'refs/heads/master' },
    sha: COMMIT,
    source: 'GITHUB_SHA',
  },
  {
    title: 'push of a lightweight tag: the commit it names',
    context: { eventName: 'push', payload: pushLightweightTag, sha: COMMIT, ref: 'refs/tags/simple-tag' },
    sha: COMMIT,
    source: 'head_commit.id',
    tag: 'simple-tag',
  },
  {
    title: 'push of an annotated tag: the commit, never the tag object in "after"',
    context: { eventName: 'push', payload: pushAnnotatedTag, sha: TAG_OBJECT, ref: 'refs/tags/simple-tag' },
    sha: COMMIT,
    source: 'head_commit.id',
    tag: 'simple-tag',
  },
  {
    title: 'pull_request opened: the head sha, never the merge commit',
    context: { eventName: 'pull_request', payload: prOpened, sha: MERGE_SHA, ref: 'refs/pull/2/merge' },
    sha: PR_HEAD,
    source: 'pull_request.head.sha',
    pullRequest: 2,
  },
  {
    title: 'pull_request synchronize: the new head',
    context: { eventName: 'pull_request', payload: prSynchronize, sha: MERGE_SHA, ref: 'refs/pull/2/merge' },
    sha: PR_HEAD,
    source: 'pull_request.head.sha',
    pullRequest: 2,
  },
  {
    title: 'pull_request from a fork: the head sha of the fork',
    context: { eventName: 'pull_request', payload: prFromFork, sha: MERGE_SHA, ref: 'refs/pull/2/merge' },
    sha: PR_HEAD,
    source: 'pull_request.head.sha',
    pullRequest: 2,
  },
  {
    title: 'workflow_run: the head sha of the run, and its pull request',
    context: {
      eventName: 'workflow_run',
      payload: workflowRun,
      sha: '1111111111111111111111111111111111111111',
      ref: 'refs/heads/main',
    },
    sha: workflowRun.workflow_run?.head_sha ?? '',
    source: 'workflow_run.head_sha',
    pullRequest: 2,
  },
  {
    title: 'workflow_dispatch without a sha input: GITHUB_SHA',
    context: { eventName: 'workflow_dispatch', payload: dispatch, sha: COMMIT, ref: 'refs/heads/master' },
    sha: COMMIT,
    source: 'GITHUB_SHA',
  },
  {
    title: 'workflow_dispatch with a sha input: that commit',
    context: {
      eventName: 'workflow_dispatch',
      payload: { ...dispatch, inputs: { sha: PR_HEAD.toUpperCase() } },
      sha: COMMIT,
      ref: 'refs/heads/master',
    },
    sha: PR_HEAD,
    source: 'input',
  },
  {
    title: 'release: GITHUB_SHA (the tagged commit) and the tag name',
    context: { eventName: 'release', payload: release, sha: COMMIT, ref: 'refs/tags/0.0.1' },
    sha: COMMIT,
    source: 'GITHUB_SHA',
    tag: '0.0.1',
  },
  {
    title: 'merge_group: the head of the merge group',
    context: {
      eventName: 'merge_group',
      payload: mergeGroup,
      sha: COMMIT,
      ref: 'refs/heads/gh-readonly-queue/main/pr-104',
    },
    sha: mergeGroup.merge_group?.head_sha ?? '',
    source: 'merge_group.head_sha',
  },
];

describe('resolveCommit', () => {
  it.each(cases)('$title', async ({ context, sha, source, pullRequest, tag }) => {
    const identity = await resolveCommit(context);
    expect(identity.sha).toBe(sha);
    expect(identity.source).toBe(source);
    expect(identity.pullRequest).toBe(pullRequest);
    expect(identity.tag).toBe(tag);
  });

  it('the recorded payloads really differ where it matters', () => {
    expect(prOpened.pull_request?.head?.sha).not.toBe(MERGE_SHA);
    expect(workflowRun.workflow_run?.head_sha).toMatch(/^[0-9a-f]{40}$/);
    expect(mergeGroup.merge_group?.head_sha).not.toBe(COMMIT);
  });

  it('peels an annotated tag through git when the payload has no head commit', async () => {
    const payload = { ...pushAnnotatedTag, head_commit: null };
    const peeled: string[] = [];
    const identity = await resolveCommit(
      { eventName: 'push', payload, sha: TAG_OBJECT, ref: 'refs/tags/v1.0.0' },
      {
        peel: async (revision) => {
          peeled.push(revision);
          return COMMIT;
        },
      },
    );
    expect(peeled).toEqual([`${TAG_OBJECT}^{commit}`]);
    expect(identity).toEqual({ sha: COMMIT, source: 'peeled tag', tag: 'v1.0.0' });
  });

  it('an explicit sha wins over the event', async () => {
    const identity = await resolveCommit(cases[3]?.context as EventContext, { explicitSha: COMMIT });
    expect(identity.sha).toBe(COMMIT);
    expect(identity.source).toBe('input');
  });

  it('expands an abbreviated explicit sha through git', async () => {
    const identity = await resolveCommit(cases[0]?.context as EventContext, {
      explicitSha: '6113728',
      peel: async () => COMMIT,
    });
    expect(identity.sha).toBe(COMMIT);
  });

  it.each([
    [
      '6113728',
      'is an abbreviated sha and there is no git checkout to expand it: pass the full 40-character sha.',
    ],
    ['not-a-sha', 'is not a commit sha: give 4 to 40 hex characters, or the full sha.'],
  ])('refuses the explicit sha %s without git', async (explicitSha, message) => {
    await expect(resolveCommit(cases[0]?.context as EventContext, { explicitSha })).rejects.toThrow(
      new ConfigurationError(`"${explicitSha}" ${message}`),
    );
  });

  it('a pull_request event without a head sha is a clear error', async () => {
    await expect(
      resolveCommit({ eventName: 'pull_request', payload: {}, sha: COMMIT, ref: 'refs/pull/1/merge' }),
    ).rejects.toThrow(
      'The event has no commit sha in pull_request.head.sha (got ""); check the workflow\'s trigger.',
    );
  });
});

describe('readEventContext', () => {
  it('reads the runner environment and the payload file', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'event-'));
    const path = join(dir, 'event.json');
    await writeFile(path, JSON.stringify(prOpened));
    const context = await readEventContext({
      GITHUB_EVENT_NAME: 'pull_request',
      GITHUB_EVENT_PATH: path,
      GITHUB_SHA: MERGE_SHA,
      GITHUB_REF: 'refs/pull/2/merge',
    });
    expect((await resolveCommit(context)).sha).toBe(PR_HEAD);
  });

  it('names the payload file it could not read', async () => {
    await expect(readEventContext({ GITHUB_EVENT_PATH: '/nonexistent/event.json' })).rejects.toThrow(
      /Could not read the event payload at GITHUB_EVENT_PATH/,
    );
  });
});
