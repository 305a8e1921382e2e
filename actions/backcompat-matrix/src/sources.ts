import {
  ConfigurationError,
  ExecError,
  exec,
  forAudience,
  input,
  inputName,
  inputValue,
  type Logger,
  type SecretMasker,
  setInput,
  type WordingPart,
  words,
} from '@flow-actions/action-kit';
import type { RegistryInputs } from '@flow-actions/artifact-protocol';
import { openStore } from '@flow-actions/oci-store';
import { type Commit, GIT_LOG_FORMAT, parseGitLog } from './breaking';

export const GIT_INSTALL = 'apt-get install git';
export const NPM_INSTALL = forAudience({
  action: 'apt-get install npm (or actions/setup-node)',
  cli: 'apt-get install npm',
});

/** What the action reads of the checkout: tags for versions, commits for the breaking check. */
export interface GitRepository {
  dir: string;
  /** Every tag name. */
  listTags(): Promise<string[]>;
  /** The commits in `from..HEAD`, newest first. */
  readCommits(from: string): Promise<Commit[]>;
}

/**
 * The checkout at `dir` through the git CLI, or a one-line error that says why it cannot be read
 * and how to fix it — `purpose` says what needs it.
 */
export async function openGitRepository(
  dir: string,
  purpose: WordingPart,
  logger: Logger,
): Promise<GitRepository> {
  const probe = await exec('git', ['-C', dir, 'rev-parse', '--is-shallow-repository'], {
    logger,
    allowFailure: true,
  }).catch((error: unknown) => {
    throw new ConfigurationError(
      words`${purpose} needs git, which could not start (${(error as Error).message}): run "${GIT_INSTALL}".`,
    );
  });
  if (probe.exitCode !== 0) {
    throw new ConfigurationError(
      words`${purpose} reads the git checkout, but ${dir} is not one: ${forAudience({ action: 'run actions/checkout with fetch-depth: 0 first', cli: 'run it in a clone of the repository' })}.`,
    );
  }
  const shallow = probe.stdout.trim() === 'true';
  const git = async (args: string[]) => (await exec('git', ['-C', dir, ...args], { logger })).stdout;
  return {
    dir,
    async listTags() {
      return (await git(['tag', '--list'])).split('\n').filter(Boolean);
    },
    async readCommits(from) {
      const known = await exec('git', ['-C', dir, 'rev-parse', '--verify', '--quiet', `${from}^{commit}`], {
        logger,
        allowFailure: true,
      });
      if (known.exitCode !== 0) {
        throw new ConfigurationError(
          words`The breaking check reads ${from}..HEAD, but the checkout does not have ${from}: ${forAudience({ action: 'check out with actions/checkout and fetch-depth: 0 (fetch-tags)', cli: 'fetch it (git fetch --tags)' })}, or ${setInput('breaking-check', 'false')}.`,
        );
      }
      try {
        return parseGitLog(await git(['log', `--format=${GIT_LOG_FORMAT}`, `${from}..HEAD`]));
      } catch (error) {
        if (shallow && error instanceof ExecError) {
          throw new ConfigurationError(
            words`The breaking check reads ${from}..HEAD, but the checkout is shallow: ${forAudience({ action: 'check out with actions/checkout and fetch-depth: 0', cli: 'fetch the whole history (git fetch --unshallow)' })}.`,
          );
        }
        throw error;
      }
    },
  };
}

export interface ListNpmVersionsOptions {
  /** Registry URL passed as `--registry`. Default: what npm's config and environment give. */
  registry?: string;
  /** Environment for npm (NPM_CONFIG_USERCONFIG, tokens). Default: this process's. */
  env?: NodeJS.ProcessEnv;
  logger: Logger;
  masker: SecretMasker;
}

/** Every published version of a package: `npm view <pkg> versions --json` with the real npm CLI. */
export async function listNpmVersions(name: string, options: ListNpmVersionsOptions): Promise<string[]> {
  const args = ['view', name, 'versions', '--json'];
  if (options.registry) args.push('--registry', options.registry);
  let stdout: string;
  try {
    ({ stdout } = await exec('npm', args, {
      logger: options.logger,
      masker: options.masker,
      ...(options.env ? { env: options.env } : {}),
    }));
  } catch (error) {
    if (error instanceof ExecError && error.exitCode === -1) {
      throw new ConfigurationError(
        words`${inputValue('versions-from', 'npm')} needs the npm CLI: ${error.message} Run "${NPM_INSTALL}".`,
      );
    }
    if (error instanceof ExecError && /E404|404 Not Found/.test(error.message)) {
      throw new ConfigurationError(
        words`${input('npm-package')}: ${name} is not published${options.registry ? ` at ${options.registry}` : ''}; check the name and ${inputName('npm-registry')}.`,
      );
    }
    throw error;
  }
  // npm prints a bare string instead of an array when a package has exactly one version.
  const parsed: unknown = stdout.trim() ? JSON.parse(stdout) : [];
  if (typeof parsed === 'string') return [parsed];
  if (Array.isArray(parsed) && parsed.every((item) => typeof item === 'string')) return parsed;
  throw new Error(`npm view ${name} versions --json printed something that is not a list of versions.`);
}

export interface ListRegistryVersionsOptions {
  registry: RegistryInputs;
  logger: Logger;
  masker: SecretMasker;
}

/** Every tag of the test-runner repository (registry or `oci:` layout). */
export async function listRegistryVersions(
  repository: string,
  options: ListRegistryVersionsOptions,
): Promise<string[]> {
  const store = await openStore(repository, {
    ...options.registry,
    masker: options.masker,
    logger: options.logger,
    inputName: 'runner-image',
  });
  return store.listTags();
}
