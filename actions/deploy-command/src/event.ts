import { readFile } from 'node:fs/promises';
import { ConfigurationError } from '@flow-actions/action-kit';

/** The fields of an issue_comment event this action reads (GitHub's webhook payload). */
export interface CommentEvent {
  /** created, edited or deleted: only created runs a command. */
  action: string;
  comment: { id: number; body: string; html_url?: string; user: { login: string; type: string } };
  /** A pull request's comments are issue comments too; `pull_request` says it is one. */
  issue: { number: number; pull_request?: unknown };
  repository: { full_name: string; default_branch: string; owner: { login: string } };
}

/**
 * Reads the comment from the event payload the runner wrote (GITHUB_EVENT_PATH). The comment is
 * never an input: an input is an expression, and a comment body in an expression is how a
 * workflow gets injected.
 */
export async function readCommentEvent(env: Record<string, string | undefined>): Promise<CommentEvent> {
  const name = env.GITHUB_EVENT_NAME;
  if (name !== 'issue_comment')
    throw new ConfigurationError(
      `deploy-command reads a comment, but this run is for ${name ? `the ${name} event` : 'no event (GITHUB_EVENT_NAME is empty)'}: run it on: issue_comment (types: [created]).`,
    );
  const path = env.GITHUB_EVENT_PATH;
  if (!path)
    throw new ConfigurationError(
      'GITHUB_EVENT_PATH is empty: deploy-command runs in a workflow job, on issue_comment.',
    );
  const event = JSON.parse(await readFile(path, 'utf8')) as Partial<CommentEvent>;
  const valid =
    typeof event.action === 'string' &&
    typeof event.comment?.id === 'number' &&
    typeof event.comment.user?.login === 'string' &&
    typeof event.issue?.number === 'number' &&
    typeof event.repository?.full_name === 'string' &&
    typeof event.repository.default_branch === 'string';
  if (!valid)
    throw new ConfigurationError(
      `${path} is no issue_comment payload (no comment id, commenter, issue number or repository): run deploy-command on: issue_comment.`,
    );
  const complete = event as CommentEvent;
  return { ...complete, comment: { ...complete.comment, body: complete.comment.body ?? '' } };
}
