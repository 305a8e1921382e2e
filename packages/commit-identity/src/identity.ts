import { readFile } from 'node:fs/promises';
import { ConfigurationError } from '@flow-actions/action-kit';
import { isAbbreviatedSha, isFullSha } from './sha-tag';

/** The parts of the runner's environment an event is read from. */
export interface EventContext {
  /** `GITHUB_EVENT_NAME`. */
  eventName: string;
  /** The parsed `GITHUB_EVENT_PATH` payload. */
  payload: EventPayload;
  /** `GITHUB_SHA`. */
  sha: string;
  /** `GITHUB_REF`. */
  ref: string;
}

/** The fields of webhook payloads that identify a commit; everything else is ignored. */
export interface EventPayload {
  after?: string;
  ref?: string;
  head_commit?: { id?: string } | null;
  pull_request?: { number?: number; head?: { sha?: string; repo?: { full_name?: string } | null } };
  number?: number;
  workflow_run?: { head_sha?: string; event?: string; pull_requests?: { number?: number }[] };
  merge_group?: { head_sha?: string };
  inputs?: Record<string, unknown> | null;
  release?: { tag_name?: string };
  repository?: { full_name?: string; html_url?: string };
}

export type CommitSource =
  | 'input'
  | 'pull_request.head.sha'
  | 'workflow_run.head_sha'
  | 'merge_group.head_sha'
  | 'head_commit.id'
  | 'peeled tag'
  | 'GITHUB_SHA';

export interface CommitIdentity {
  /** The full 40-hex sha of the commit the event is about. */
  sha: string;
  /** Where the sha came from, for the job summary. */
  source: CommitSource;
  /** The pull request number, when the event is about one. */
  pullRequest?: number;
  /** The pushed or released tag name (without `refs/tags/`), when there is one. */
  tag?: string;
}

export interface ResolveCommitOptions {
  /** An explicit commit (an action input, or `workflow_dispatch`'s): full or abbreviated sha. */
  explicitSha?: string;
  /**
   * Turns an abbreviated sha or a tag object into its commit, e.g. `git rev-parse X^{commit}`.
   * Without it, only full shas and payload fields are trusted.
   */
  peel?: (revision: string) => Promise<string>;
}

const PULL_REQUEST_EVENTS = new Set([
  'pull_request',
  'pull_request_target',
  'pull_request_review',
  'pull_request_review_comment',
]);

/**
 * The commit an event is about (DESIGN §2): a pull request's head (never the merge commit), a
 * workflow_run's head, a merge group's head, a pushed tag's commit (peeled, never the tag
 * object), an explicit input, else `GITHUB_SHA`.
 */
export async function resolveCommit(
  context: EventContext,
  options: ResolveCommitOptions = {},
): Promise<CommitIdentity> {
  const pullRequest = pullRequestNumber(context);
  const tag = tagName(context);
  const withContext = (sha: string, source: CommitSource): CommitIdentity => ({
    sha,
    source,
    ...(pullRequest === undefined ? {} : { pullRequest }),
    ...(tag === undefined ? {} : { tag }),
  });

  const explicit = options.explicitSha?.trim() || dispatchInputSha(context);
  if (explicit) return withContext(await expandSha(explicit, options.peel), 'input');

  const { payload } = context;
  if (PULL_REQUEST_EVENTS.has(context.eventName)) {
    return withContext(
      requireSha(payload.pull_request?.head?.sha, 'pull_request.head.sha'),
      'pull_request.head.sha',
    );
  }
  if (context.eventName === 'workflow_run') {
    return withContext(
      requireSha(payload.workflow_run?.head_sha, 'workflow_run.head_sha'),
      'workflow_run.head_sha',
    );
  }
  if (context.eventName === 'merge_group') {
    return withContext(
      requireSha(payload.merge_group?.head_sha, 'merge_group.head_sha'),
      'merge_group.head_sha',
    );
  }
  if (context.eventName === 'push' && context.ref.startsWith('refs/tags/')) {
    // For an annotated tag, `after` is the tag object; head_commit is the commit it points at.
    const headCommit = payload.head_commit?.id;
    if (headCommit && isFullSha(headCommit)) return withContext(headCommit, 'head_commit.id');
    if (options.peel) return withContext(await options.peel(`${context.sha}^{commit}`), 'peeled tag');
  }
  return withContext(requireSha(context.sha, 'GITHUB_SHA'), 'GITHUB_SHA');
}

/** `workflow_dispatch` inputs named `sha` or `commit` choose the commit by hand. */
function dispatchInputSha(context: EventContext): string | undefined {
  if (context.eventName !== 'workflow_dispatch') return undefined;
  const inputs = context.payload.inputs ?? {};
  for (const key of ['sha', 'commit']) {
    const value = inputs[key];
    if (typeof value === 'string' && value.trim()) return value.trim();
  }
  return undefined;
}

async function expandSha(value: string, peel: ResolveCommitOptions['peel']): Promise<string> {
  const lower = value.toLowerCase();
  if (isFullSha(lower)) return lower;
  if (peel) return peel(`${value}^{commit}`);
  if (!isAbbreviatedSha(lower)) {
    throw new ConfigurationError(
      `"${value}" is not a commit sha: give 4 to 40 hex characters, or the full sha.`,
    );
  }
  throw new ConfigurationError(
    `"${value}" is an abbreviated sha and there is no git checkout to expand it: pass the full 40-character sha.`,
  );
}

function requireSha(value: string | undefined, field: string): string {
  if (value && isFullSha(value)) return value;
  throw new ConfigurationError(
    `The event has no commit sha in ${field} (got "${value ?? ''}"); check the workflow's trigger.`,
  );
}

function pullRequestNumber(context: EventContext): number | undefined {
  const { payload } = context;
  if (PULL_REQUEST_EVENTS.has(context.eventName)) return payload.pull_request?.number ?? payload.number;
  if (context.eventName === 'workflow_run') return payload.workflow_run?.pull_requests?.[0]?.number;
  return undefined;
}

function tagName(context: EventContext): string | undefined {
  if (context.eventName === 'release') return context.payload.release?.tag_name;
  if (context.ref.startsWith('refs/tags/')) return context.ref.slice('refs/tags/'.length);
  return undefined;
}

/** Reads the event the runner describes in its environment. */
export async function readEventContext(env: NodeJS.ProcessEnv = process.env): Promise<EventContext> {
  const eventPath = env.GITHUB_EVENT_PATH;
  let payload: EventPayload = {};
  if (eventPath) {
    try {
      payload = JSON.parse(await readFile(eventPath, 'utf8')) as EventPayload;
    } catch (error) {
      throw new Error(`Could not read the event payload at GITHUB_EVENT_PATH: ${(error as Error).message}`, {
        cause: error,
      });
    }
  }
  return {
    eventName: env.GITHUB_EVENT_NAME ?? '',
    payload,
    sha: env.GITHUB_SHA ?? '',
    ref: env.GITHUB_REF ?? '',
  };
}
