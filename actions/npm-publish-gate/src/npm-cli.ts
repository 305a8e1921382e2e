import { join } from 'node:path';
import {
  type NpmResult,
  type NpmRunner,
  type NpmSessionOptions,
  withNpmSession,
} from '@flow-actions/npm-runner';
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

export type { NpmSessionOptions } from '@flow-actions/npm-runner';
export { NPM_INSTALL_HINT } from '@flow-actions/npm-runner';

export interface NpmSession {
  npm: NpmClient;
  /** A folder for staged copies and tarballs, removed with the session. */
  workDir: string;
}

/**
 * Runs `body` with the gate's npm client over a shared npm session: the token only in a
 * temporary npmrc (mode 600) in `RUNNER_TEMP`, the registry given explicitly, no inherited
 * `npm_config_*` but network ones; everything removed afterwards whatever happens.
 */
export function withNpm<T>(
  options: NpmSessionOptions,
  body: (session: NpmSession) => Promise<T>,
): Promise<T> {
  return withNpmSession({ tempPrefix: 'flow-npm-publish-', ...options }, ({ run, dir }) =>
    body({ npm: createNpmClient(run), workDir: join(dir, 'work') }),
  );
}

function createNpmClient(run: NpmRunner): NpmClient {
  const fail = (what: string, result: NpmResult) =>
    new Error(`${what} failed (npm exit ${result.exitCode}): ${tail(result.stderr || result.stdout)}`);

  const viewJson = async (spec: string, fields: string[]): Promise<unknown> => {
    const result = await run(['view', spec, ...fields, '--json']);
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
      const result = await run(['pack', '--dry-run', '--json', '--ignore-scripts'], { cwd: dir });
      if (result.exitCode !== 0) throw fail(`npm pack --dry-run in ${dir}`, result);
      const [entry] = parsePackJson(result.stdout);
      return (entry?.files ?? []).map((file) => file.path);
    },
    async pack(dir, destination) {
      const result = await run(['pack', '--json', '--ignore-scripts', '--pack-destination', destination], {
        cwd: dir,
      });
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
      const result = await run(args);
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
