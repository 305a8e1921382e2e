import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec, type Logger, type SecretMasker } from '@flow-actions/action-kit';
import type { RegistryState } from './gates';

export interface PublishOptions {
  tag: string;
  /** Empty: npm's default (publishConfig, else restricted for a first scoped publish). */
  access?: 'public' | 'restricted';
  provenance: boolean;
  dryRun: boolean;
}

export interface PackResult {
  /** Absolute path of the tarball. */
  tarball: string;
  /** `sha512-…` as npm computes it, and as the registry stores it in `dist.integrity`. */
  integrity: string;
}

/** The npm operations the gate uses. */
export interface NpmClient {
  /** What the registry has for `name`; `integrityOf` is fetched only when `version` is published. */
  view(name: string, version: string): Promise<RegistryState>;
  /** `dist-tags` of a package, `{}` when it was never published. */
  distTags(name: string): Promise<Record<string, string>>;
  /** The files `npm pack` would put in the tarball of the package in `dir`, relative to it. */
  listPackFiles(dir: string): Promise<string[]>;
  /** Packs `dir` into `destination`. */
  pack(dir: string, destination: string): Promise<PackResult>;
  publish(tarball: string, options: PublishOptions): Promise<void>;
}

export interface NpmSessionOptions {
  /** Registry URL ending in `/`. */
  registry: string;
  /** Written only into the temporary npmrc. Default: anonymous. */
  token?: string;
  masker: SecretMasker;
  logger: Logger;
  /** Where the npmrc, npm's cache and the staging folders go. Default: `RUNNER_TEMP`, else the OS temp dir. */
  tempDir?: string;
  /** The npm executable. Default: `npm` on PATH. */
  npmBinary?: string;
}

export interface NpmSession {
  npm: NpmClient;
  /** A folder for staged copies and tarballs, removed with the session. */
  workDir: string;
}

/** npm settings a step's `env:` may still give: retries, timeouts and proxies. */
const NETWORK_SETTINGS =
  /^(fetch_retries|fetch_retry_factor|fetch_retry_mintimeout|fetch_retry_maxtimeout|fetch_timeout|proxy|https_proxy|noproxy|maxsockets)$/i;

export const NPM_INSTALL_HINT =
  'npm is not on PATH: install Node.js with npm before this step (actions/setup-node, or apt-get install -y npm)';

/**
 * Runs `body` with an npm client whose user config is a temporary npmrc outside the repository
 * (`registry=` and `//host/path/:_authToken=`, mode 600) and whose cache is temporary too; both
 * are removed afterwards whatever happens, so the token is never left on disk nor seen on a
 * command line. npm writes no debug log files (`logs-max=0`).
 */
export async function withNpm<T>(
  options: NpmSessionOptions,
  body: (session: NpmSession) => Promise<T>,
): Promise<T> {
  const dir = await mkdtemp(
    join(options.tempDir ?? process.env.RUNNER_TEMP ?? tmpdir(), 'flow-npm-publish-'),
  );
  try {
    const npmrc = join(dir, 'npmrc');
    const url = new URL(options.registry);
    const lines = [`registry=${options.registry}`];
    if (options.token) lines.push(`//${url.host}${url.pathname}:_authToken=${options.token}`);
    await writeFile(npmrc, `${lines.join('\n')}\n`, { mode: 0o600 });
    await chmod(npmrc, 0o600);
    // Of the job's npm settings only network ones pass (retries, timeouts, proxies): another
    // userconfig, registry or token would override ours.
    const env: NodeJS.ProcessEnv = {};
    for (const [key, value] of Object.entries(process.env)) {
      const npmSetting = /^npm_config_(.*)$/i.exec(key)?.[1];
      if (npmSetting !== undefined && !NETWORK_SETTINGS.test(npmSetting)) continue;
      if (key !== 'NODE_AUTH_TOKEN') env[key] = value;
    }
    Object.assign(env, {
      NPM_CONFIG_USERCONFIG: npmrc,
      npm_config_cache: join(dir, 'cache'),
      npm_config_logs_max: '0',
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    });
    const run = async (args: readonly string[], cwd: string) => {
      try {
        const result = await exec(options.npmBinary ?? 'npm', [...args, '--registry', options.registry], {
          env,
          cwd,
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
          throw new Error(NPM_INSTALL_HINT, { cause: error });
        throw error;
      }
    };
    const work = join(dir, 'work');
    return await body({ npm: createNpmClient(run, dir), workDir: work });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

type Run = (
  args: readonly string[],
  cwd: string,
) => Promise<{ exitCode: number; stdout: string; stderr: string }>;

function createNpmClient(run: Run, sessionDir: string): NpmClient {
  const fail = (what: string, result: { exitCode: number; stdout: string; stderr: string }) =>
    new Error(`${what} failed (npm exit ${result.exitCode}): ${tail(result.stderr || result.stdout)}`);

  const viewJson = async (spec: string, fields: string[]): Promise<unknown> => {
    const result = await run(['view', spec, ...fields, '--json'], sessionDir);
    if (result.exitCode !== 0) {
      if (/E404|404 Not Found|is not in this registry/.test(result.stdout + result.stderr)) return undefined;
      throw fail(`npm view ${spec}`, result);
    }
    return result.stdout.trim() ? JSON.parse(result.stdout) : undefined;
  };

  const distTags = async (name: string) =>
    ((await viewJson(name, ['dist-tags'])) as Record<string, string> | undefined) ?? {};

  return {
    async view(name, version) {
      const doc = (await viewJson(name, ['versions', 'dist-tags'])) as
        | { versions?: string | string[]; 'dist-tags'?: Record<string, string> }
        | undefined;
      if (!doc) return { versions: [], distTags: {} };
      // npm prints a single version as a string rather than a one-element list.
      const versions = typeof doc.versions === 'string' ? [doc.versions] : (doc.versions ?? []);
      const state = { versions, distTags: doc['dist-tags'] ?? {} };
      if (!versions.includes(version)) return state;
      const integrity = await viewJson(`${name}@${version}`, ['dist.integrity']);
      return typeof integrity === 'string' ? { ...state, integrity } : state;
    },
    distTags,
    async listPackFiles(dir) {
      const result = await run(['pack', '--dry-run', '--json', '--ignore-scripts'], dir);
      if (result.exitCode !== 0) throw fail(`npm pack --dry-run in ${dir}`, result);
      const [entry] = parsePackJson(result.stdout);
      return (entry?.files ?? []).map((file) => file.path);
    },
    async pack(dir, destination) {
      const result = await run(
        ['pack', '--json', '--ignore-scripts', '--pack-destination', destination],
        dir,
      );
      if (result.exitCode !== 0) throw fail(`npm pack in ${dir}`, result);
      const [entry] = parsePackJson(result.stdout);
      if (!entry?.filename || !entry.integrity)
        throw new Error(`npm pack in ${dir} printed no tarball: ${tail(result.stdout)}`);
      return { tarball: join(destination, entry.filename), integrity: entry.integrity };
    },
    async publish(tarball, options) {
      // Scripts never run here: the tarball is already built, and a registry token is in reach.
      const args = ['publish', tarball, '--tag', options.tag, '--ignore-scripts'];
      if (options.access) args.push('--access', options.access);
      if (options.provenance) args.push('--provenance');
      if (options.dryRun) args.push('--dry-run');
      const result = await run(args, sessionDir);
      if (result.exitCode !== 0) throw fail(`npm publish`, result);
    },
  };
}

interface PackEntry {
  filename?: string;
  integrity?: string;
  files?: { path: string }[];
}

function parsePackJson(stdout: string): PackEntry[] {
  // Lifecycle output cannot come first (--ignore-scripts), but npm notices may: start at the JSON.
  const start = stdout.indexOf('[');
  const parsed: unknown = JSON.parse(start >= 0 ? stdout.slice(start) : stdout);
  return Array.isArray(parsed) ? (parsed as PackEntry[]) : [];
}

function tail(text: string): string {
  const lines = text
    .trim()
    .split(/\r?\n/)
    .filter(
      (line) => !/^npm (notice|verb|timing|http)|Log files were not written/.test(line) && line.trim() !== '',
    );
  return lines.slice(-4).join(' | ') || 'no output';
}
