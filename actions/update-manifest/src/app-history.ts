import {
  ConfigurationError,
  exec,
  forAudience,
  input,
  type Logger,
  oneLine,
  type SecretMasker,
  words,
} from '@flow-actions/action-kit';
import { type AppHistory, FORWARD_ONLY } from './forward-only';

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
  const setting = input('forward-only');
  const env = { ...process.env, GIT_TERMINAL_PROMPT: '0' };
  const git = (args: string[]) =>
    exec('git', ['-C', dir, ...args], {
      env,
      logger: context.logger,
      masker: context.masker,
      allowFailure: true,
    });
  const probe = await git(['rev-parse', '--is-shallow-repository']).catch((error: Error) => {
    throw new ConfigurationError(
      words`${setting} compares commits with git, which cannot run: ${error.message}`,
    );
  });
  if (probe.exitCode !== 0) {
    throw new ConfigurationError(
      words`${setting} compares commits in the app repository's history, but ${dir} is not a git checkout (${oneLine(probe.stderr.trim())}): ${forAudience({ action: 'check the repository out with its history first (in a workflow: actions/checkout with fetch-depth: 0, before this step)', cli: 'run it in a clone of the app repository, with its history' })}.`,
    );
  }
  if (probe.stdout.trim() === 'true') {
    context.logger.info(
      words`${dir} is a shallow clone: fetching the rest of its history from origin for ${FORWARD_ONLY}.`,
    );
    const fetched = await git(['fetch', '--quiet', '--no-tags', '--unshallow', 'origin']);
    if (fetched.exitCode !== 0) {
      throw new ConfigurationError(
        words`${setting} needs the app repository's history, and ${dir} is a shallow clone whose history could not be fetched (${oneLine(context.masker.redact(fetched.stderr.trim()))}): fetch it first (${forAudience({ action: 'in a workflow: actions/checkout with fetch-depth: 0, before this step; on a terminal: git fetch --unshallow', cli: 'git fetch --unshallow, with access to origin' })}).`,
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
