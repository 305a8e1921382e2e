import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConfigurationError,
  ExecError,
  exec,
  input,
  inputName,
  type Logger,
  nullLogger,
  type SecretMasker,
  words,
} from '@flow-actions/action-kit';
import { TRAILERS } from './commit-message';
import type { Author } from './inputs';

export const GIT_INSTALL = 'apt-get install -y git';
/** How a shallow clone looks for an older commit: this many commits at a time, then all. */
const HISTORY_STEP = 50;
const HISTORY_ROUNDS = 4;

/** What the core needs from git; the integration tests use the real one. */
export interface ManifestGit {
  /** The clone's folder. */
  readonly dir: string;
  /** Clones `branch` (or the default branch) and returns the branch name. */
  clone(branch: string | undefined): Promise<string>;
  head(): Promise<string>;
  /** `git diff` of the working tree, for the job summary and dry runs. */
  diff(files: readonly string[]): Promise<string>;
  /** Commits the files; returns the new commit's sha. */
  commit(files: readonly string[], message: string): Promise<string>;
  /** Pushes HEAD to `branch`. A race (the branch moved) is `rejected`, not an error. */
  push(branch: string, options?: { force?: boolean }): Promise<PushResult>;
  /** Fetches `branch` and resets the work tree to it, dropping a local commit that lost a race. */
  resetToRemote(branch: string): Promise<string>;
  /** The tree and parents of a commit (`HEAD`, or a remote branch fetched first); undefined if the branch does not exist. */
  describeCommit(revision: { branch: string } | 'HEAD'): Promise<CommitShape | undefined>;
  /**
   * Whether `commit` is in the history of HEAD, fetching more of a shallow clone's history until
   * it is found or the history ends.
   */
  reaches(commit: string): Promise<boolean>;
  /**
   * The newest commit that changed any of `paths` and carries a deploy's trailers
   * (`Flow-Image`, `Flow-Source-Commit`, or `Flow-Reverts` for a revert); undefined when none did.
   */
  lastDeploy(paths: readonly string[]): Promise<Deploy | undefined>;
  /**
   * The deploy `paths` run now: the newest deploy commit that no later revert undid (a revert
   * puts back what ran before the deploy it names); undefined when none is left.
   */
  currentDeploy(paths: readonly string[]): Promise<Deploy | undefined>;
  /** The files a commit changed against its first parent, and its subject. */
  describeChange(commit: string): Promise<{ files: string[]; subject: string; parents: number }>;
  /** A file's content at a revision; undefined when it does not exist there. */
  fileAt(revision: string, path: string): Promise<string | undefined>;
}

export interface Deploy {
  commit: string;
  /** Its `Flow-Source-Commit` trailer: the app commit it deployed; absent when its artifact named none. */
  sourceCommit?: string;
  /** Its `Flow-Reverts` trailer: the deploy it undid. */
  reverts?: string;
}

export interface CommitShape {
  commit: string;
  tree: string;
  parents: string[];
}

export type PushResult = { ok: true } | { ok: false; rejected: true; reason: string };

export interface GitClientOptions {
  /** Where to clone; must not exist or be empty. */
  dir: string;
  /** The repository: an http(s) URL without credentials, or a local path. */
  url: string;
  /** Sent as Basic auth to `url`'s origin only, through environment configuration. Default: none. */
  token?: string;
  author: Author;
  masker: SecretMasker;
  /** Default: nowhere. */
  logger?: Logger;
  /** The environment git runs in, before ours is added. Default: this process's. */
  env?: NodeJS.ProcessEnv;
  /** Default: `git` on PATH. */
  gitBinary?: string;
}

/**
 * Real git over argument arrays. The token reaches git only as `http.<origin>/.extraHeader`
 * through `GIT_CONFIG_*` variables: never in the remote URL, `.git/config`, a credential store or
 * a command line, so nothing on disk or in a log holds it.
 */
export function createGit(options: GitClientOptions): ManifestGit {
  const git = options.gitBinary ?? 'git';
  const env = gitEnvironment(options);
  const { dir, masker } = options;
  const logger = options.logger ?? nullLogger;
  const run = (args: string[], extra: { input?: string; allowFailure?: boolean; cwd?: string } = {}) =>
    exec(git, args, { cwd: extra.cwd ?? dir, env, logger, masker, ...extra }).catch((error: unknown) => {
      if (error instanceof ExecError && error.exitCode === -1) {
        throw new ConfigurationError(`git is not installed or not on PATH: install it (${GIT_INSTALL}).`);
      }
      throw error;
    });

  /**
   * A commit's tree, parents and subject, from its raw object: it names the parents even in a
   * shallow clone, where rev-parse ^ could not. The subject is the first paragraph, as git's %s.
   */
  const readCommit = async (revision: string) => {
    const commit = (await run(['rev-parse', revision])).stdout.trim();
    const raw = (await run(['cat-file', 'commit', commit])).stdout;
    const split = raw.indexOf('\n\n');
    const header = raw.slice(0, split);
    return {
      commit,
      tree: /^tree ([0-9a-f]+)$/m.exec(header)?.[1] ?? '',
      parents: [...header.matchAll(/^parent ([0-9a-f]+)$/gm)].map((match) => match[1] ?? ''),
      subject: (raw.slice(split + 2).split('\n\n')[0] ?? '').replace(/\s*\n\s*/g, ' ').trim(),
    };
  };
  const shallowBoundary = async () =>
    (await readFile(join(dir, '.git', 'shallow'), 'utf8').catch(() => '')).split('\n').filter(Boolean);
  /**
   * Fetches more of a shallow clone's history until `found` holds or the history ends: a little
   * at a time (what a revert looks for is recent), then the rest.
   */
  const deepenUntil = async (found: () => Promise<boolean>): Promise<boolean> => {
    for (let round = 0; round < HISTORY_ROUNDS; round++) {
      if (await found()) return true;
      if ((await shallowBoundary()).length === 0) return false;
      const deepen = round < HISTORY_ROUNDS - 1 ? ['--deepen', String(HISTORY_STEP)] : ['--unshallow'];
      await run(['fetch', '--quiet', '--no-tags', ...deepen, 'origin']);
    }
    return found();
  };

  /**
   * The deploy `pick` chooses among the commits that changed any of `paths` and carry a deploy's
   * trailers (newest first; edits by hand are passed over), deepening a shallow clone until it
   * chooses one or the history ends.
   */
  const findDeploy = async (
    paths: readonly string[],
    pick: (deploys: readonly Deploy[]) => Deploy | undefined,
  ): Promise<Deploy | undefined> => {
    const format = `%H%x00%(trailers:key=${TRAILERS.sourceCommit},valueonly)%x00%(trailers:key=${TRAILERS.reverts},valueonly)%x00%(trailers:key=${TRAILERS.image},valueonly)%x1e`;
    let found: Deploy | undefined;
    await deepenUntil(async () => {
      const { stdout } = await run(['log', `--format=${format}`, 'HEAD', '--', ...paths]);
      const boundary = await shallowBoundary();
      const deploys: Deploy[] = [];
      for (const record of stdout.split('\x1e')) {
        const [commit = '', sourceCommit = '', reverts = '', image = ''] = record.trim().split('\0');
        // The shallow boundary has no parents here, so it seems to have added every file.
        if (!commit || boundary.includes(commit)) break;
        // A deploy whose artifact named no commit is still the environment's deploy.
        if (!sourceCommit.trim() && !reverts.trim() && !image.trim()) continue;
        deploys.push({
          commit,
          ...(sourceCommit.trim() ? { sourceCommit: sourceCommit.trim() } : {}),
          ...(reverts.trim() ? { reverts: reverts.trim() } : {}),
        });
      }
      found = pick(deploys);
      return found !== undefined;
    });
    return found;
  };

  return {
    dir,
    async clone(branch) {
      const args = ['clone', '--quiet', '--no-tags', '--single-branch'];
      if (branch) args.push('--branch', branch);
      if (/^https?:\/\//.test(options.url)) args.push('--depth', '1');
      const result = await run([...args, '--', options.url, dir], { cwd: '/', allowFailure: true });
      if (result.exitCode !== 0) throw cloneError(options.url, branch, masker.redact(result.stderr));
      const current = await run(['symbolic-ref', '--quiet', '--short', 'HEAD'], { allowFailure: true });
      const name = current.stdout.trim();
      if (current.exitCode !== 0 || !name) {
        throw new ConfigurationError(`${options.url} has no commits yet: push a first commit to it.`);
      }
      const hasCommit = await run(['rev-parse', '--verify', '--quiet', 'HEAD'], { allowFailure: true });
      if (hasCommit.exitCode !== 0) {
        throw new ConfigurationError(`${options.url} has no commits yet: push a first commit to it.`);
      }
      return name;
    },
    async head() {
      return (await run(['rev-parse', 'HEAD'])).stdout.trim();
    },
    async diff(files) {
      return (await run(['diff', '--no-color', '--no-ext-diff', '--', ...files])).stdout;
    },
    async commit(files, message) {
      await run(['add', '--', ...files]);
      await run(['commit', '--quiet', '--no-verify', '--cleanup=verbatim', '-F', '-'], { input: message });
      return (await run(['rev-parse', 'HEAD'])).stdout.trim();
    },
    async push(branch, pushOptions = {}) {
      const args = ['push', '--porcelain', '--no-verify', 'origin', `HEAD:refs/heads/${branch}`];
      if (pushOptions.force) args.splice(1, 0, '--force');
      const result = await run(args, { allowFailure: true });
      if (result.exitCode === 0) return { ok: true };
      const output = masker.redact(`${result.stdout}\n${result.stderr}`);
      if (isRace(output)) return { ok: false, rejected: true, reason: summarizeRejection(output) };
      throw new Error(`git push to ${options.url} (${branch}) failed: ${summarizeRejection(output)}`);
    },
    async resetToRemote(branch) {
      const depth = /^https?:\/\//.test(options.url) ? ['--depth', '1'] : [];
      await run([
        'fetch',
        '--quiet',
        '--no-tags',
        ...depth,
        'origin',
        `+refs/heads/${branch}:refs/remotes/origin/${branch}`,
      ]);
      await run(['reset', '--quiet', '--hard', `refs/remotes/origin/${branch}`]);
      return (await run(['rev-parse', 'HEAD'])).stdout.trim();
    },
    async reaches(commit) {
      return deepenUntil(async () => {
        const ancestor = await run(['merge-base', '--is-ancestor', commit, 'HEAD'], { allowFailure: true });
        return ancestor.exitCode === 0 && !(await shallowBoundary()).includes(commit);
      });
    },
    async lastDeploy(paths) {
      return findDeploy(paths, (deploys) => deploys[0]);
    },
    async currentDeploy(paths) {
      return findDeploy(paths, runningDeploy);
    },
    async describeChange(commit) {
      const { parents, subject } = await readCommit(commit);
      const changed = await run(['diff-tree', '--no-commit-id', '--name-only', '-r', '-z', '--root', commit]);
      return { files: changed.stdout.split('\0').filter(Boolean), subject, parents: parents.length };
    },
    async fileAt(revision, path) {
      const result = await run(['show', `${revision}:${path}`], { allowFailure: true });
      return result.exitCode === 0 ? result.stdout : undefined;
    },
    async describeCommit(revision) {
      let ref = 'HEAD';
      if (revision !== 'HEAD') {
        const depth = /^https?:\/\//.test(options.url) ? ['--depth', '1'] : [];
        ref = `refs/remotes/origin/${revision.branch}`;
        const fetched = await run(
          ['fetch', '--quiet', '--no-tags', ...depth, 'origin', `+refs/heads/${revision.branch}:${ref}`],
          {
            allowFailure: true,
          },
        );
        if (fetched.exitCode !== 0) {
          if (/couldn't find remote ref/i.test(fetched.stderr)) return undefined;
          throw new Error(
            `git fetch of ${revision.branch} from ${options.url} failed: ${masker.redact(fetched.stderr.trim())}`,
          );
        }
      }
      const { commit, tree, parents } = await readCommit(ref);
      return { commit, tree, parents };
    },
  };
}

/**
 * Of the deploys of an environment, newest first, the one it runs: a revert is newer than the
 * deploy it undid, so every revert that could undo a deploy is seen before it. Reading only the
 * newest part of the history (a shallow clone) is enough once this finds one.
 */
export function runningDeploy(deploys: readonly Deploy[]): Deploy | undefined {
  const reverted = new Set<string>();
  for (const deploy of deploys) {
    if (deploy.reverts) reverted.add(deploy.reverts);
    else if (!reverted.has(deploy.commit)) return deploy;
  }
  return undefined;
}

/** git's own words for "someone else pushed first": the only push failures worth re-applying for. */
export function isRace(output: string): boolean {
  return (
    /\[rejected\].*\((fetch first|non-fast-forward)\)/.test(output) ||
    /\[remote rejected\].*\((cannot lock ref|failed to update ref|incorrect old value)/.test(output) ||
    /^!\t.*\t\[rejected\] \((fetch first|non-fast-forward)\)/m.test(output)
  );
}

function summarizeRejection(output: string): string {
  const lines = output
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line && line !== 'Done' && !line.startsWith('To '));
  return lines.slice(-3).join(' | ') || 'no output';
}

function cloneError(url: string, branch: string | undefined, stderr: string): Error {
  if (branch && /Remote branch .* not found/.test(stderr)) {
    return new ConfigurationError(
      words`Branch "${branch}" does not exist in ${url}: check ${input('branch')}.`,
    );
  }
  if (/Authentication failed|could not read Username|terminal prompts disabled|HTTP 40[13]/i.test(stderr)) {
    return new ConfigurationError(
      words`Could not authenticate to ${url}: give a ${inputName('token')} that may read and push the manifest repository.`,
    );
  }
  if (/not found|does not appear to be a git repository|does not exist/i.test(stderr)) {
    return new ConfigurationError(
      words`${url} is not a git repository or is not visible with this token: check ${input('repository')}.`,
    );
  }
  return new Error(`git clone of ${url} failed: ${stderr.trim().split(/\r?\n/).slice(-3).join(' | ')}`);
}

/**
 * The environment for every git command: no prompts, no hooks or signing from the user's config,
 * the author, and the token as an HTTP header scoped to the repository's origin.
 */
export function gitEnvironment(
  options: Pick<GitClientOptions, 'url' | 'token' | 'author' | 'env'>,
): NodeJS.ProcessEnv {
  const base = { ...(options.env ?? process.env) };
  const config: [string, string][] = [
    ['commit.gpgSign', 'false'],
    ['core.hooksPath', '/dev/null'],
    // An empty helper list: no credential helper may store or offer a token.
    ['credential.helper', ''],
  ];
  if (options.token && /^https?:\/\//.test(options.url)) {
    const origin = new URL(options.url).origin;
    const basic = Buffer.from(`x-access-token:${options.token}`, 'utf8').toString('base64');
    config.push([`http.${origin}/.extraHeader`, `Authorization: Basic ${basic}`]);
  }
  const offset = Number.parseInt(base.GIT_CONFIG_COUNT ?? '0', 10) || 0;
  const env: NodeJS.ProcessEnv = {
    ...base,
    GIT_TERMINAL_PROMPT: '0',
    // The "path" input reaches git as pathspecs: literal, so ":(top)" or ":!x" is a file name, not magic.
    GIT_LITERAL_PATHSPECS: '1',
    GIT_ASKPASS: '',
    SSH_ASKPASS: '',
    GIT_AUTHOR_NAME: options.author.name,
    GIT_AUTHOR_EMAIL: options.author.email,
    GIT_COMMITTER_NAME: options.author.name,
    GIT_COMMITTER_EMAIL: options.author.email,
    GIT_CONFIG_COUNT: String(offset + config.length),
  };
  config.forEach(([key, value], index) => {
    env[`GIT_CONFIG_KEY_${offset + index}`] = key;
    env[`GIT_CONFIG_VALUE_${offset + index}`] = value;
  });
  return env;
}
