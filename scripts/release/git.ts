import { ConfigurationError, type ExecOptions, exec } from '@flow-actions/action-kit';
import { type ReleaseLine, readReleaseLine } from '@flow-actions/versions';

/** git in one repository; every call takes an argument array, never a shell string. */
export interface Git {
  (args: readonly string[], options?: Omit<ExecOptions, 'cwd'>): Promise<string>;
  cwd: string;
}

export function gitIn(cwd: string): Git {
  const git = async (args: readonly string[], options: Omit<ExecOptions, 'cwd'> = {}) =>
    (await exec('git', args, { ...options, cwd })).stdout;
  return Object.assign(git, { cwd });
}

/** The trailer a release commit names its source commit with (the same key update-manifest writes). */
export const SOURCE_TRAILER = 'Flow-Source-Commit';

/** Reads the release line of `remote` (a remote's name or a URL) without writing anything. */
export async function readRemoteLine(git: Git, remote: string): Promise<{ line: ReleaseLine; refs: string }> {
  let refs: string;
  try {
    refs = await git(['ls-remote', remote]);
  } catch (error) {
    throw new ConfigurationError(
      `--remote ${remote} cannot be read (${(error as Error).message.split(': ').slice(-1)[0]}): name a configured remote (git remote -v) or a repository URL git can reach.`,
    );
  }
  return { line: readReleaseLine(refs), refs };
}

/** The sha a remote's ref points at, from `git ls-remote` output; undefined when it has no such ref. */
export function refIn(lsRemote: string, ref: string): string | undefined {
  for (const line of lsRemote.split('\n')) {
    const [sha, name] = line.trim().split('\t');
    if (name === ref) return sha;
  }
  return undefined;
}

/**
 * Brings one ref's commits of `remote` into the object store and returns the sha fetched. Only
 * FETCH_HEAD is written: the checkout's branches, tags and remote-tracking refs stay as they were
 * (an empty --refmap keeps git from updating `origin/*` on the side).
 */
export async function fetchRef(git: Git, remote: string, ref: string): Promise<string> {
  await git(['fetch', '--quiet', '--no-tags', '--refmap=', remote, ref]);
  return (await git(['rev-parse', 'FETCH_HEAD^{commit}'])).trim();
}

/** The source commit a release commit names in its trailer. */
export async function readSourceCommit(git: Git, releaseCommit: string): Promise<string | undefined> {
  const value = await git([
    'log',
    '-1',
    `--format=%(trailers:key=${SOURCE_TRAILER},valueonly)`,
    releaseCommit,
  ]);
  return value.trim().split('\n')[0] || undefined;
}

/** Paths with uncommitted or untracked changes (ignored files are never part of a release). */
export async function uncommittedChanges(git: Git): Promise<string[]> {
  const status = await git(['status', '--porcelain=v1', '--untracked-files=all', '-z']);
  return status
    .split('\0')
    .filter(Boolean)
    .map((entry) => entry.slice(3));
}
