import { ConfigurationError, exec, type Logger, oneLine, type SecretMasker } from '@flow-actions/action-kit';
import type { AppHistory } from './forward-only';

/**
 * The history of the app repository checked out in `dir`, for forward-only. A shallow checkout
 * (actions/checkout's default, fetch-depth 1) cannot tell an older commit from an unrelated one, so
 * the rest of its history is fetched from origin first; when that fails (no credentials kept, no
 * network), the error says to check out with fetch-depth: 0. Refused when `dir` is no git checkout.
 * Everything happens before the manifest repository is cloned.
 */
export async function openAppHistory(
  dir: string,
  context: { logger: Logger; masker: SecretMasker },
): Promise<AppHistory> {
  // `flow` rewords the input into its flag.
  const input = 'Input "forward-only"';
  const env = { ...process.env, GIT_TERMINAL_PROMPT: '0' };
  const git = (args: string[]) =>
    exec('git', ['-C', dir, ...args], {
      env,
      logger: context.logger,
      masker: context.masker,
      allowFailure: true,
    });
  const probe = await git(['rev-parse', '--is-shallow-repository']).catch((error: Error) => {
    throw new ConfigurationError(`${input} compares commits with git, which cannot run: ${error.message}`);
  });
  if (probe.exitCode !== 0) {
    throw new ConfigurationError(
      `${input} compares commits in the app repository's history, but ${dir} is not a git checkout (${oneLine(probe.stderr.trim())}): check the repository out with its history first (in a workflow: actions/checkout with fetch-depth: 0, before this step).`,
    );
  }
  if (probe.stdout.trim() === 'true') {
    context.logger.info(
      `${dir} is a shallow clone: fetching the rest of its history from origin for forward-only.`,
    );
    const fetched = await git(['fetch', '--quiet', '--no-tags', '--unshallow', 'origin']);
    if (fetched.exitCode !== 0) {
      throw new ConfigurationError(
        `${input} needs the app repository's history, and ${dir} is a shallow clone whose history could not be fetched (${oneLine(context.masker.redact(fetched.stderr.trim()))}): fetch it first (in a workflow: actions/checkout with fetch-depth: 0, before this step; on a terminal: git fetch --unshallow).`,
      );
    }
  }
  return {
    dir,
    async contains(commit) {
      return (await git(['rev-parse', '--verify', '--quiet', `${commit}^{commit}`])).exitCode === 0;
    },
    async isAncestor(ancestor, descendant) {
      const result = await git(['merge-base', '--is-ancestor', ancestor, descendant]);
      if (result.exitCode === 0 || result.exitCode === 1) return result.exitCode === 0;
      throw new Error(`git merge-base in ${dir} failed: ${oneLine(result.stderr.trim())}`);
    },
  };
}
