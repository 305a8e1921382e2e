import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import {
  ConfigurationError,
  describeError,
  errorMessage,
  exec,
  type Logger,
  refuseUrlCredentials,
} from '@flow-actions/action-kit';
import {
  highestRelease,
  parseReleaseVersion,
  type Release,
  type ReleaseLine,
  type ReleaseVersion,
  readReleaseLine,
} from '@flow-actions/versions';
import { UsageError } from '../command';

// Where flow init reads a release of flow-actions: the organisation's own flow-actions repository,
// whose release line (DESIGN §6) `pnpm release` writes — `git ls-remote` for the versions, then one
// shallow fetch of the chosen release commit for its templates. The templates come from the same
// commit the pins name, so a workflow never pairs one release's templates with another's actions.

/** The organisation's flow-actions repository. */
export interface FlowActionsSource {
  /** `owner/name`, as `uses: owner/name/<path>@…` names it. */
  repository: string;
  /** What git reads: a URL or a path. */
  url: string;
}

/** What a release commit carries that flow init needs. */
export interface ReleaseContents {
  /** Template name (`main`) → its text, from `workflows-templates/<name>.yml`. */
  templates: Map<string, string>;
  /** The released `uses:` paths: the folders with an action.yml. */
  actions: Set<string>;
  /** Where the templates came from: the release commit, or flow's own when the commit carries none. */
  templatesFrom: 'release' | 'flow';
}

/**
 * The templates this flow was built with, beside its sources. Read only when a release commit
 * carries none (a release line made by hand): every release `pnpm release` makes carries its own.
 */
const OWN_TEMPLATES = resolve(import.meta.dirname, '..', '..', '..', '..', 'workflows-templates');

async function readOwnTemplates(): Promise<Map<string, string>> {
  const names = await readdir(OWN_TEMPLATES).catch(() => [] as string[]);
  const templates = new Map<string, string>();
  for (const file of names.filter((name) => name.endsWith('.yml')).sort())
    templates.set(file.slice(0, -'.yml'.length), await readFile(join(OWN_TEMPLATES, file), 'utf8'));
  return templates;
}

const OWNER_NAME = /^[A-Za-z0-9_][A-Za-z0-9_.-]*\/[A-Za-z0-9_.-]+$/;

/** A git remote split where its path starts, so that a sibling repository can be named on the same host. */
function splitRemote(remote: string): { base: string; path: string } | undefined {
  const scp = /^((?:[^@/:]+@)?[A-Za-z0-9.-]+):(?!\/\/)(.+)$/.exec(remote);
  if (scp && !remote.includes('://')) return { base: `${scp[1]}:`, path: scp[2] as string };
  if (remote.includes('://')) {
    let url: URL;
    try {
      url = new URL(remote);
    } catch {
      return undefined;
    }
    // A password or token in origin is never carried on; an SSH user name (git@) is no secret.
    const user = url.protocol.startsWith('http') || !url.username ? '' : `${url.username}@`;
    return { base: `${url.protocol}//${user}${url.host}`, path: url.pathname };
  }
  return { base: '', path: remote };
}

/** The `owner` and `name` of a remote's path (`…/acme/api.git` → acme, api), if it has both. */
function ownerAndName(path: string): { owner: string; name: string; dotGit: boolean } | undefined {
  const parts = path.replace(/\/+$/, '').split('/');
  const last = parts.pop() ?? '';
  const owner = parts.pop();
  const name = last.replace(/\.git$/, '');
  if (!owner || !name || !OWNER_NAME.test(`${owner}/${name}`)) return undefined;
  return { owner, name, dotGit: last.endsWith('.git') };
}

/** The repository `repository` (owner/name) on origin's host, reached the way origin is (SSH or HTTPS). */
function sibling(origin: string | undefined, repository: string): string {
  const split = origin ? splitRemote(origin) : undefined;
  const parts = split && ownerAndName(split.path);
  // A local origin (`/srv/git/acme/api.git`) has its sibling beside it; a relative one, none.
  if (!split || !parts || (!split.base && !split.path.startsWith('/')))
    return `https://github.com/${repository}.git`;
  const prefix = split.path.slice(0, split.path.replace(/\/+$/, '').lastIndexOf(`/${parts.owner}/`) + 1);
  return `${split.base}${prefix}${repository}${parts.dotGit ? '.git' : ''}`;
}

/**
 * Where flow-actions is read from: `--flow-actions` (owner/name on origin's host, or a URL or path
 * git reads, whose last two path segments are owner/name), else the repository the files written
 * before name, else `<origin's owner>/flow-actions`. Undefined when none of these says.
 */
export function locateFlowActions(
  flag: string | undefined,
  origin: string | undefined,
  written: string | undefined,
): FlowActionsSource | undefined {
  if (flag !== undefined) {
    const value = flag.trim();
    // git would read it as one of its options.
    if (value.startsWith('-'))
      throw new UsageError(`--flow-actions "${flag}" starts with "-": give owner/name, a URL or a path`);
    if (OWNER_NAME.test(value) && !value.startsWith('.'))
      return { repository: value, url: sibling(origin, value) };
    try {
      refuseUrlCredentials(value, {
        input: 'flow-actions',
        instead: 'let git find them (a credential helper, or SSH)',
      });
    } catch (error) {
      throw new UsageError(describeError(error));
    }
    const split = splitRemote(value);
    const parts = split && ownerAndName(split.path);
    if (!parts)
      throw new UsageError(
        `--flow-actions "${flag}" names no owner/name: give owner/name (e.g. acme/flow-actions) or a URL ending in it`,
      );
    return { repository: `${parts.owner}/${parts.name}`, url: value };
  }
  if (written) return { repository: written, url: sibling(origin, written) };
  const split = origin ? splitRemote(origin) : undefined;
  const parts = split && ownerAndName(split.path);
  if (!origin || !parts) return undefined;
  const repository = `${parts.owner}/flow-actions`;
  return { repository, url: sibling(origin, repository) };
}

/** git without a terminal prompt: a missing credential fails at once instead of waiting for an answer. */
function git(args: readonly string[], env: NodeJS.ProcessEnv, logger: Logger, cwd?: string) {
  return exec('git', args, { env: { ...env, GIT_TERMINAL_PROMPT: '0' }, logger, ...(cwd ? { cwd } : {}) });
}

/** The release line of the flow-actions repository, from `git ls-remote --tags`. */
export async function readReleases(
  source: FlowActionsSource,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Promise<ReleaseLine> {
  try {
    return readReleaseLine((await git(['ls-remote', '--tags', '--', source.url], env, logger)).stdout);
  } catch (error) {
    throw new ConfigurationError(
      `--flow-actions ${source.url} cannot be read (${lastLine(error)}): name your flow-actions repository as owner/name or a URL git can read (credentials through a helper or SSH).`,
    );
  }
}

function lastLine(error: unknown): string {
  const stderr = (error as { stderr?: string }).stderr?.trim();
  return (stderr ? stderr.split('\n').at(-1) : errorMessage(error))?.replace(/^fatal: /, '') ?? '';
}

/** `--version`: a major (`v1`, `1`) or a version (`v1.4.0`, `1.4.0`, `v2.0.0-rc.1`); anything else is a usage error. */
export function parseVersionFlag(requested: string): { major: number } | ReleaseVersion {
  const major = /^v?(\d+)$/.exec(requested.trim());
  if (major) return { major: Number(major[1]) };
  try {
    return parseReleaseVersion(requested, '--version');
  } catch (error) {
    throw new UsageError(`${errorMessage(error).replace(/\.$/, '')}, or vN for the newest of a major`);
  }
}

/**
 * The release to pin: `--version` as vX.Y.Z (that release), vN (the newest of major N), else the
 * newest release of the newest major. Prereleases only when named.
 */
export function chooseRelease(
  line: ReleaseLine,
  requested: string | undefined,
  source: FlowActionsSource,
): Release {
  const releases = [...line.versions.values()];
  const stable = releases.filter((entry) => !entry.version.prerelease);
  const newest = highestRelease(stable);
  const listing = newest ? `the newest is ${newest.version.tag}` : 'it has no release yet';
  if (requested === undefined) {
    if (!newest)
      throw new ConfigurationError(
        `${source.repository} (${source.url}) has no release (no v<MAJOR>.<MINOR>.<PATCH> tag): release flow-actions first (pnpm release), or point --flow-actions at the repository that has them.`,
      );
    return newest;
  }
  const version = parseVersionFlag(requested);
  if ('major' in version) {
    const found = highestRelease(stable.filter((entry) => entry.version.semver.major === version.major));
    if (!found)
      throw new ConfigurationError(`${source.repository} has no v${version.major} release: ${listing}.`);
    return found;
  }
  const found = line.versions.get(version.tag);
  if (!found) throw new ConfigurationError(`${source.repository} has no release ${version.tag}: ${listing}.`);
  return found;
}

/**
 * Fetches the release commit alone (shallow, into a temporary repository that is removed after)
 * and reads its templates and action folders. The commit must be the one `git ls-remote` showed.
 */
export async function readRelease(
  source: FlowActionsSource,
  release: Release,
  env: NodeJS.ProcessEnv,
  logger: Logger,
): Promise<ReleaseContents> {
  const scratch = await mkdtemp(join(tmpdir(), 'flow-init-'));
  try {
    const run = (args: readonly string[]) => git(args, env, logger, scratch);
    await run(['init', '--quiet', '--bare']);
    try {
      await run([
        'fetch',
        '--quiet',
        '--depth=1',
        '--no-tags',
        '--',
        source.url,
        `refs/tags/${release.version.tag}`,
      ]);
    } catch (error) {
      throw new ConfigurationError(
        `${release.version.tag} of ${source.repository} cannot be fetched (${lastLine(error)}): check that git can read ${source.url}.`,
      );
    }
    const commit = (await run(['rev-parse', 'FETCH_HEAD^{commit}'])).stdout.trim();
    if (commit !== release.commit)
      throw new ConfigurationError(
        `${release.version.tag} of ${source.repository} moved while it was read (${release.commit.slice(0, 12)} → ${commit.slice(0, 12)}): a version tag never moves; ask who moved it, then run flow init again.`,
      );
    const files = (await run(['ls-tree', '-r', '--name-only', commit])).stdout.split('\n');
    const actions = new Set(files.flatMap((file) => /^([^/]+)\/action\.ya?ml$/.exec(file)?.[1] ?? []));
    const templates = new Map<string, string>();
    for (const file of files) {
      const name = /^workflows-templates\/([^/]+)\.yml$/.exec(file)?.[1];
      if (name) templates.set(name, (await run(['cat-file', 'blob', `${commit}:${file}`])).stdout);
    }
    if (templates.size > 0) return { templates, actions, templatesFrom: 'release' };
    const own = await readOwnTemplates();
    if (own.size === 0)
      throw new ConfigurationError(
        `${release.version.tag} of ${source.repository} (commit ${commit.slice(0, 12)}) carries no workflows-templates/, and this flow has none of its own: pick a release pnpm release made (--version), or the right --flow-actions.`,
      );
    return { templates: own, actions, templatesFrom: 'flow' };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
