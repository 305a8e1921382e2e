import { ConfigurationError, exec, forAudience, type Logger, words } from '@flow-actions/action-kit';

/** What promote needs of the repository's history, for the ancestor fallback and short shas. */
export interface GitHistory {
  /** The full sha of an abbreviated one, or undefined when git does not know it. */
  expand(revision: string): Promise<string | undefined>;
  /** The first-parent ancestors of `sha`, nearest first, without `sha` itself. */
  firstParentAncestors(sha: string, count: number): Promise<string[]>;
  /** Files that differ between two commits. */
  changedFiles(from: string, to: string): Promise<string[]>;
}

/**
 * Reads history from the checkout at `dir` with the git CLI. Undefined when `dir` is not a git
 * checkout; a shallow checkout is refused with the fix, since it has no ancestors to offer.
 */
export async function openGitHistory(dir: string, logger: Logger): Promise<GitHistory | undefined> {
  const git = async (args: string[]) => (await exec('git', ['-C', dir, ...args], { logger })).stdout.trim();
  const probe = await exec('git', ['-C', dir, 'rev-parse', '--is-shallow-repository'], {
    logger,
    allowFailure: true,
  }).catch(() => undefined);
  if (probe?.exitCode !== 0) return undefined;
  const shallow = probe.stdout.trim() === 'true';
  return {
    async expand(revision) {
      const result = await exec(
        'git',
        ['-C', dir, 'rev-parse', '--verify', '--quiet', `${revision}^{commit}`],
        {
          logger,
          allowFailure: true,
        },
      );
      return result.exitCode === 0 ? result.stdout.trim() : undefined;
    },
    async firstParentAncestors(sha, count) {
      if (shallow) {
        throw new ConfigurationError(
          words`The checkout is shallow, so the ancestors of the commit are unknown: ${forAudience({ action: 'check out with actions/checkout and fetch-depth: 0', cli: 'fetch the whole history (git fetch --unshallow)' })}.`,
        );
      }
      const output = await git(['rev-list', '--first-parent', `--max-count=${count + 1}`, sha]);
      return output.split('\n').filter(Boolean).slice(1);
    },
    async changedFiles(from, to) {
      const output = await git(['diff', '--name-only', '--no-renames', from, to]);
      return output.split('\n').filter(Boolean);
    },
  };
}
