import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigurationError,
  exec,
  forAudience,
  type Logger,
  type SecretMasker,
  words,
} from '@flow-actions/action-kit';

export interface NpmResult {
  exitCode: number;
  /** Redacted through the session's masker. */
  stdout: string;
  /** Redacted through the session's masker. */
  stderr: string;
}

export interface NpmRunOptions {
  /** Working directory. Default: the session folder, where no project npmrc can be read. */
  cwd?: string;
}

/**
 * Runs the npm CLI with an argument array against the session's registry; never a shell. A
 * non-zero exit is returned, not thrown, so the caller can tell a 404 from a failure.
 */
export type NpmRunner = (args: readonly string[], options?: NpmRunOptions) => Promise<NpmResult>;

export interface NpmSessionOptions {
  /** Registry URL ending in `/`. */
  registry: string;
  /** Written only into the temporary npmrc. Default: anonymous. */
  token?: string;
  masker: SecretMasker;
  logger: Logger;
  /** Where the session folder (npmrc, npm's cache) goes, outside the workspace. Default: `RUNNER_TEMP`, else the OS temp dir. */
  tempDir?: string;
  /** The npm executable. Default: `npm` on PATH. */
  npmBinary?: string;
  /** Start of the session folder's name, so a leftover names its owner. Default: `flow-npm-`. */
  tempPrefix?: string;
}

export interface NpmSession {
  run: NpmRunner;
  /** The session folder, removed with the session: room for staged copies and tarballs. */
  dir: string;
}

export const NPM_INSTALL_HINT = words`npm is not on PATH: install Node.js with npm ${forAudience({
  action: 'before this step (actions/setup-node, or apt-get install -y npm)',
  cli: '(apt-get install -y npm)',
})}`;

/** npm settings a step's `env:` may still give: retries, timeouts and proxies. */
const NETWORK_SETTINGS =
  /^(fetch_retries|fetch_retry_factor|fetch_retry_mintimeout|fetch_retry_maxtimeout|fetch_timeout|proxy|https_proxy|noproxy|maxsockets)$/i;

/** The npmrc of a session: the registry, and the token scoped to that registry's host and path. */
export function npmrcText(registry: string, token?: string): string {
  const url = new URL(registry);
  const lines = [`registry=${registry}`];
  if (token) lines.push(`//${url.host}${url.pathname}:_authToken=${token}`);
  return `${lines.join('\n')}\n`;
}

/**
 * npm's environment for a session in `sessionDir`: the job's environment without any
 * `npm_config_*` but the network ones (pnpm exports `npm_config_registry`, which would beat the
 * npmrc; another userconfig or token would override ours) and without `NODE_AUTH_TOKEN`.
 */
export function npmEnvironment(parent: NodeJS.ProcessEnv, sessionDir: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(parent)) {
    const npmSetting = /^npm_config_(.*)$/i.exec(key)?.[1];
    if (npmSetting !== undefined && !NETWORK_SETTINGS.test(npmSetting)) continue;
    if (key !== 'NODE_AUTH_TOKEN') env[key] = value;
  }
  return Object.assign(env, {
    NPM_CONFIG_USERCONFIG: join(sessionDir, 'npmrc'),
    npm_config_cache: join(sessionDir, 'cache'),
    npm_config_logs_max: '0',
    npm_config_update_notifier: 'false',
    npm_config_fund: 'false',
    npm_config_audit: 'false',
  });
}

/**
 * Runs `body` with an npm runner whose user config is a temporary npmrc outside the workspace
 * (`registry=` and `//host/path/:_authToken=`, mode 600) and whose cache is temporary too; both
 * are removed afterwards whatever happens, so the token is never left on disk nor seen on a
 * command line. Every command also gets `--registry`, and npm writes no debug log files.
 */
export async function withNpmSession<T>(
  options: NpmSessionOptions,
  body: (session: NpmSession) => Promise<T>,
): Promise<T> {
  options.masker.add(options.token);
  const dir = await mkdtemp(
    join(options.tempDir ?? process.env.RUNNER_TEMP ?? tmpdir(), options.tempPrefix ?? 'flow-npm-'),
  );
  try {
    const npmrc = join(dir, 'npmrc');
    await writeFile(npmrc, npmrcText(options.registry, options.token), { mode: 0o600 });
    await chmod(npmrc, 0o600);
    const env = npmEnvironment(process.env, dir);
    const run: NpmRunner = async (args, runOptions = {}) => {
      try {
        const result = await exec(options.npmBinary ?? 'npm', [...args, '--registry', options.registry], {
          env,
          cwd: runOptions.cwd ?? dir,
          logger: options.logger,
          masker: options.masker,
          allowFailure: true,
        });
        return {
          exitCode: result.exitCode,
          stdout: options.masker.redact(result.stdout),
          stderr: options.masker.redact(result.stderr),
        };
      } catch (error) {
        if (error instanceof Error && /is not installed or not on PATH/.test(error.message))
          throw new ConfigurationError(NPM_INSTALL_HINT, { cause: error });
        throw error;
      }
    };
    return await body({ run, dir });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
