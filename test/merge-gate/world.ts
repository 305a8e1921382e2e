import { type ActionRun, runAction } from '@flow-actions/runner-harness';
import { expect, onTestFinished } from 'vitest';
import { releasedAction } from '../e2e/release-tree';
import { type RunningFaultProxy, startFaultProxy } from '../fault-proxy';
import { type GitHubFake, type JsonRecord, startGitHubFake } from '../github-fake';
import type { ChangedFileSeed } from '../github-fake/factories';

/** The job's GITHUB_TOKEN, with odd characters: nothing may show it, encoded or not. */
export const TOKEN = 'ghs_gate+Tok/en=%2F"quote\'0123';
/** A GitHub App's token, for merges that start main's push workflow. */
export const APP_TOKEN = 'ghs_appMergeToken9876543210';
export const APP_LOGIN = 'flow-merger[bot]';
export const REPOSITORY = 'acme/api';

export const POLICY = [
  'ci:',
  '  checks: [build, test]',
  'cd:',
  "  environments: ['pr-{number}']",
  'review:',
  '  approvals: 1',
  '',
].join('\n');

/** The fake GitHub with main and the policy on it, stopped when the test that started it finishes. */
export async function startWorld(policy: string | undefined = POLICY): Promise<GitHubFake> {
  const github = await startGitHubFake({
    token: TOKEN,
    repository: REPOSITORY,
    otherTokens: { [APP_TOKEN]: APP_LOGIN },
  });
  onTestFinished(() => github.stop());
  github.seed.ref('main');
  if (policy !== undefined) github.seed.file('main', '.github/flow-merge-gate.yml', policy);
  return github;
}

export interface PullSeed {
  author?: string;
  files?: ChangedFileSeed[];
  commits?: { message: string; author?: string }[];
  forkOwner?: string;
  head?: string;
}

let branches = 0;
/** Opens a pull request by `author` (default alice) with a feature commit and one changed file. */
export function openPull(github: GitHubFake, seed: PullSeed = {}): JsonRecord {
  branches++;
  return github.seed.pullRequest({
    title: 'feat: a change',
    body: null,
    head: seed.head ?? `feature-${branches}`,
    base: 'main',
    author: seed.author ?? 'alice',
    files: seed.files ?? [{ path: 'src/app.ts', additions: 10, deletions: 2 }],
    commits: seed.commits ?? [{ message: 'fix: a change', author: seed.author ?? 'alice' }],
    ...(seed.forkOwner ? { forkOwner: seed.forkOwner } : {}),
  });
}

export const headOf = (pull: JsonRecord) => String((pull.head as JsonRecord).sha);

/** A pull request with CI green and an approval by bob on its head: green by ci && review. */
export function openGreenPull(github: GitHubFake, seed: PullSeed = {}): JsonRecord {
  const pull = openPull(github, seed);
  ciChecks(github, headOf(pull));
  github.seed.review({
    pullNumber: Number(pull.number),
    login: 'bob',
    state: 'APPROVED',
    commitId: headOf(pull),
  });
  return pull;
}

/** A fault proxy in front of the fake, for runs that need a request held; stopped with the test. */
export async function startProxy(github: GitHubFake): Promise<RunningFaultProxy> {
  const proxy = await startFaultProxy({ target: github.url });
  onTestFinished(() => proxy.stop());
  return proxy;
}

/** CI's checks on the head: build and test, green unless told otherwise. */
export function ciChecks(
  github: GitHubFake,
  sha: string,
  conclusions: { build?: string; test?: string } = {},
): void {
  github.seed.checkRun({ name: 'build', head_sha: sha, conclusion: conclusions.build ?? 'success' });
  github.seed.checkRun({ name: 'test', head_sha: sha, conclusion: conclusions.test ?? 'success' });
}

/** CD deployed the head to pr-<number>, with that state. */
export function deployed(github: GitHubFake, pull: JsonRecord, state = 'success'): void {
  const deployment = github.seed.deployment({
    ref: headOf(pull),
    sha: headOf(pull),
    environment: `pr-${pull.number}`,
  });
  github.seed.deploymentStatus(Number(deployment.id), {
    state,
    environment_url: `https://pr-${pull.number}.preview.example`,
  });
}

export function pullRequestEvent(pull: JsonRecord, action = 'synchronize', sender = 'alice'): object {
  return {
    action,
    number: pull.number,
    pull_request: {
      number: pull.number,
      head: { sha: headOf(pull), ref: (pull.head as JsonRecord).ref },
      base: { ref: 'main', repo: { url: `https://api.github.com/repos/${REPOSITORY}` } },
    },
    repository: { full_name: REPOSITORY },
    sender: { login: sender },
  };
}

export interface GateRunOptions {
  eventName?: string;
  payload?: object;
  inputs?: Record<string, string>;
  /** What `${{ github.token }}` is. Default: TOKEN. */
  token?: string;
  /** `GITHUB_SHA`: for workflow_run, the default branch's head. */
  sha?: string;
  /** Where the step reaches GitHub. Default: the fake itself; a proxy's url to hold or fail requests. */
  apiUrl?: string;
}

/** Runs a bundled action (merge-gate or risk) as the runner runs it, against the fake. */
export function runStep(
  uses: 'merge-gate' | 'risk',
  github: GitHubFake,
  options: GateRunOptions,
): Promise<ActionRun> {
  return runAction({
    actionDir: releasedAction(uses),
    repository: REPOSITORY,
    apiUrl: options.apiUrl ?? github.url,
    githubToken: options.token ?? TOKEN,
    eventName: options.eventName ?? 'pull_request',
    payload: options.payload ?? {},
    inputs: { ...(uses === 'merge-gate' ? { 'settle-seconds': '0' } : {}), ...options.inputs },
    ...(options.sha ? { sha: options.sha } : {}),
  });
}

/** The gate's check runs on a commit, newest last. */
export function gateRuns(github: GitHubFake, sha: string, name = 'Merge gate'): JsonRecord[] {
  return github.state.checkRuns
    .filter((run) => run.head_sha === sha && run.name === name)
    .sort((a, b) => Number(a.id) - Number(b.id));
}

/** The run GitHub shows for the gate on a commit: the newest of its name. */
export function shownGate(github: GitHubFake, sha: string, name = 'Merge gate'): JsonRecord | undefined {
  return gateRuns(github, sha, name).at(-1);
}

/** No secret anywhere a user or a later step could read it; the fake saw no schema violation. */
export function expectClean(run: ActionRun, github: GitHubFake): void {
  for (const secret of [TOKEN, APP_TOKEN, encodeURIComponent(TOKEN), Buffer.from(TOKEN).toString('base64')]) {
    expect(run.log).not.toContain(secret);
    expect(run.stderr).not.toContain(secret);
    expect(run.summary).not.toContain(secret);
    expect(JSON.stringify(run.outputs)).not.toContain(secret);
  }
  expect(github.schemaViolations).toEqual([]);
}
