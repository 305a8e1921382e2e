import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec, type Logger, type SecretMasker } from '@flow-actions/action-kit';
import type { NpmRunner } from './npm';

export interface NpmSessionOptions {
  /** Registry URL ending in `/`. */
  registry: string;
  /** Written only into the temporary npmrc. Default: anonymous. */
  token?: string;
  masker: SecretMasker;
  logger: Logger;
  /** Where the temporary npmrc and npm cache go: outside the workspace. Default: `RUNNER_TEMP`, else the OS temp dir. */
  tempDir?: string;
  /** The npm executable. Default: `npm` on PATH. */
  npmBinary?: string;
}

/**
 * Runs `body` with an npm runner whose user config is a temporary npmrc outside the workspace
 * (`registry=` and `//host/path/:_authToken=`, mode 600), and removes it afterwards whatever
 * happens, so the token is never left on disk nor seen on a command line.
 */
export async function withNpm<T>(
  options: NpmSessionOptions,
  body: (npm: NpmRunner) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(join(options.tempDir ?? process.env.RUNNER_TEMP ?? tmpdir(), 'flow-yank-npm-'));
  try {
    const npmrc = join(dir, 'npmrc');
    const url = new URL(options.registry);
    const lines = [`registry=${options.registry}`];
    if (options.token) lines.push(`//${url.host}${url.pathname}:_authToken=${options.token}`);
    await writeFile(npmrc, `${lines.join('\n')}\n`, { mode: 0o600 });
    await chmod(npmrc, 0o600);
    // Only what npm needs from the job's environment: no npm_config_* from elsewhere overrides ours.
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      if (!/^npm_config_/i.test(key)) env[key] = value;
    }
    Object.assign(env, {
      npm_config_userconfig: npmrc,
      npm_config_cache: join(dir, 'cache'),
      npm_config_logs_max: '0',
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    });
    const runner: NpmRunner = (args) =>
      exec(options.npmBinary ?? 'npm', [...args, '--registry', options.registry], {
        env,
        cwd: dir,
        logger: options.logger,
        masker: options.masker,
        allowFailure: true,
      }).then((result) => ({
        exitCode: result.exitCode,
        stdout: options.masker.redact(result.stdout),
        stderr: options.masker.redact(result.stderr),
      }));
    return await body(runner);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
