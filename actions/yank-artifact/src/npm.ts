import { ConfigurationError } from '@flow-actions/action-kit';
import type { NpmRunner } from '@flow-actions/npm-runner';
import { compareSemver, parseSemver, type Semver } from '@flow-actions/versions';

export type { NpmRunner } from '@flow-actions/npm-runner';

export interface NpmYankOptions {
  packageName: string;
  version: string;
  reason: string;
  /** Plan only. Default: false. */
  dryRun?: boolean;
}

export interface DistTagMove {
  tag: string;
  from: string;
  /** The version it moved back to; undefined when the tag was removed, or left because nothing could take it. */
  to?: string;
  action: 'moved' | 'removed' | 'kept';
}

export interface NpmYankResult {
  package: string;
  version: string;
  /** True when this run deprecated it (false when it already carried the same message, or dry run). */
  deprecated: boolean;
  /** The deprecation message before this run, if any. */
  previousDeprecation?: string;
  distTags: DistTagMove[];
  dryRun: boolean;
}

/**
 * Deprecates `package@version` with the reason and moves every dist-tag that points at it back to
 * the highest remaining version on the same major line that is lower, not deprecated and, for a
 * release, not a prerelease. `latest` cannot be removed from npm, so with no such version it is
 * kept (and reported); another tag is removed. Running it twice changes nothing the second time.
 */
export async function yankNpmVersion(npm: NpmRunner, options: NpmYankOptions): Promise<NpmYankResult> {
  const plan = await planNpmYank(npm, options);
  return options.dryRun ? plan : applyNpmYank(npm, plan, options.reason);
}

/** Reads only: checks the package and version exist and decides what deprecating it would change. */
export async function planNpmYank(npm: NpmRunner, options: NpmYankOptions): Promise<NpmYankResult> {
  const { packageName, version } = options;
  const spec = `${packageName}@${version}`;
  const info = await viewJson<{ 'dist-tags'?: Record<string, string>; versions?: string[] | string }>(
    npm,
    [packageName, 'dist-tags', 'versions'],
    packageName,
  );
  const versions = typeof info.versions === 'string' ? [info.versions] : (info.versions ?? []);
  if (!versions.includes(version)) {
    throw new ConfigurationError(
      `npm has no ${spec} (published: ${versions.slice(-5).join(', ') || 'none'}): check "npm-version".`,
    );
  }
  const yanked = parseSemver(version) as Semver;
  const deprecation = await readDeprecation(npm, spec);
  const result: NpmYankResult = {
    package: packageName,
    version,
    deprecated: false,
    ...(deprecation ? { previousDeprecation: deprecation } : {}),
    distTags: [],
    dryRun: options.dryRun ?? false,
  };
  const pointing = Object.entries(info['dist-tags'] ?? {}).filter(([, target]) => target === version);
  if (pointing.length > 0) {
    const target = await findReplacement(npm, packageName, versions, yanked);
    for (const [tag] of pointing) {
      if (target) result.distTags.push({ tag, from: version, to: target, action: 'moved' });
      else if (tag === 'latest') result.distTags.push({ tag, from: version, action: 'kept' });
      else result.distTags.push({ tag, from: version, action: 'removed' });
    }
  }
  return result;
}

/** Carries out a plan: deprecates (unless already with this reason), then moves or removes the tags. */
export async function applyNpmYank(
  npm: NpmRunner,
  plan: NpmYankResult,
  reason: string,
): Promise<NpmYankResult> {
  const result = { ...plan, distTags: [...plan.distTags], dryRun: false };
  if (plan.previousDeprecation !== reason) {
    await run(npm, ['deprecate', `${plan.package}@${plan.version}`, reason]);
    result.deprecated = true;
  }
  for (const move of result.distTags) {
    if (move.action === 'moved') await run(npm, ['dist-tag', 'add', `${plan.package}@${move.to}`, move.tag]);
    if (move.action === 'removed') await run(npm, ['dist-tag', 'rm', plan.package, move.tag]);
  }
  return result;
}

/** Highest version on the yanked one's major line, below it, not deprecated; releases only for a release. */
async function findReplacement(
  npm: NpmRunner,
  packageName: string,
  versions: readonly string[],
  yanked: Semver,
): Promise<string | undefined> {
  const candidates = versions
    .map((text) => ({ text, semver: parseSemver(text) }))
    .filter(
      (entry): entry is { text: string; semver: Semver } =>
        entry.semver !== undefined &&
        entry.semver.major === yanked.major &&
        compareSemver(entry.semver, yanked) < 0 &&
        (yanked.prerelease.length > 0 || entry.semver.prerelease.length === 0),
    )
    .sort((a, b) => compareSemver(b.semver, a.semver));
  // Deprecation is per version; most lines find a live one within a step or two from the top.
  for (const candidate of candidates) {
    if (!(await readDeprecation(npm, `${packageName}@${candidate.text}`))) return candidate.text;
  }
  return undefined;
}

async function readDeprecation(npm: NpmRunner, spec: string): Promise<string | undefined> {
  const result = await run(npm, ['view', spec, 'deprecated', '--json']);
  const text = result.stdout.trim();
  if (!text) return undefined;
  const value: unknown = JSON.parse(text);
  return typeof value === 'string' && value !== '' ? value : undefined;
}

async function viewJson<T>(npm: NpmRunner, args: readonly string[], packageName: string): Promise<T> {
  const result = await npm(['view', ...args, '--json']);
  if (result.exitCode !== 0) {
    if (/E404/.test(result.stdout + result.stderr)) {
      throw new ConfigurationError(
        `npm package ${packageName} was not found on the registry: check "npm-package" and "npm-registry" (and that "npm-token" may read it).`,
      );
    }
    throw new Error(`npm view ${packageName} failed: ${lastLine(result.stderr || result.stdout)}`);
  }
  return JSON.parse(result.stdout || '{}') as T;
}

async function run(npm: NpmRunner, args: readonly string[]) {
  const result = await npm(args);
  if (result.exitCode !== 0) {
    const hint = /E401|E403|ENEEDAUTH/.test(result.stderr)
      ? ' Check "npm-token": it must be allowed to publish the package.'
      : '';
    throw new Error(
      `npm ${args.slice(0, 2).join(' ')} failed: ${lastLine(result.stderr || result.stdout)}.${hint}`,
    );
  }
  return result;
}

function lastLine(text: string): string {
  const lines = text
    .trim()
    .split(/\r?\n/)
    .filter((line) => !/complete log of this run/.test(line));
  return lines.slice(0, 2).join(' | ');
}
