import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readCommentEvent } from './event';

async function payloadFile(payload: object): Promise<string> {
  const path = join(await mkdtemp(join(tmpdir(), 'deploy-command-event-')), 'event.json');
  await writeFile(path, JSON.stringify(payload));
  return path;
}

const COMMENT = {
  action: 'created',
  comment: { id: 7, user: { login: 'alice', type: 'User' } },
  issue: { number: 12, pull_request: {} },
  repository: { full_name: 'acme/api', default_branch: 'main', owner: { login: 'acme' } },
};

describe('readCommentEvent', () => {
  it('reads the comment from the payload; a comment without a body is an empty one', async () => {
    const event = await readCommentEvent({
      GITHUB_EVENT_NAME: 'issue_comment',
      GITHUB_EVENT_PATH: await payloadFile(COMMENT),
    });
    expect(event.comment).toEqual({ id: 7, body: '', user: { login: 'alice', type: 'User' } });
    expect(event.repository.default_branch).toBe('main');
  });

  it.each([
    [
      { GITHUB_EVENT_NAME: 'pull_request_target' },
      'this run is for the pull_request_target event: run it on: issue_comment (types: [created]).',
    ],
    [{}, 'this run is for no event (GITHUB_EVENT_NAME is empty)'],
    [{ GITHUB_EVENT_NAME: 'issue_comment' }, 'GITHUB_EVENT_PATH is empty'],
  ])('refuses %j', async (env, message) => {
    await expect(readCommentEvent(env)).rejects.toThrow(message);
  });

  it('refuses a payload that is no issue_comment', async () => {
    const path = await payloadFile({ action: 'created', issue: { number: 1 } });
    await expect(
      readCommentEvent({ GITHUB_EVENT_NAME: 'issue_comment', GITHUB_EVENT_PATH: path }),
    ).rejects.toThrow(
      `${path} is no issue_comment payload (no comment id, commenter, issue number or repository): run deploy-command on: issue_comment.`,
    );
  });
});
