import { lstat, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { ConfigurationError, refuseUrlCredentials } from '@flow-actions/action-kit';
import { checkRequiredChecks, GitHubClient } from '@flow-actions/github-api';
import { parseReleaseVersion } from '@flow-actions/versions';
import { assembleRelease } from './assemble';
import { CLI_PACKAGE, checkTreeCliVersion } from './cli-package';
import { fetchRef, type Git, gitIn, readRemoteLine, refIn, SOURCE_TRAILER, uncommittedChanges } from './git';
import { planRelease, type ReleasePlan } from './line';
import {
  type CliPublication,
  checkNpmTarget,
  describePublication,
  type NpmTarget,
  publishTreeCli,
} from './publish-cli';

export interface ReleaseOptions {
  /** The version argument: `1.4.0` or `v1.4.0`. */
  version: string;
  /** Any directory of the source checkout; its HEAD is released. */
  cwd: string;
  /** A configured remote's name or a repository URL. Default: `origin`. */
  remote?: string;
  /** The branch whose first-parent line a released commit must be on. Default: `main`. */
  main?: string;
  /**
   * A release tree `pnpm release:assemble` wrote from this checkout, committed exactly as it is:
   * the release workflow assembles once, tests that tree, then releases it. Default: assemble one.
   */
  tree?: string;
  /** Check runs (or statuses) that must be green on the source commit, read from GitHub. Default: none. */
  requireChecks?: readonly string[];
  /** GitHub for `requireChecks`: the token, `owner/name` and API URL. */
  github?: { token?: string; repository?: string; apiUrl?: string };
  /** Release a checkout with uncommitted or untracked changes (recorded in a trailer). Default: false. */
  allowDirty?: boolean;
  /** Release a commit that is not on main's first-parent line, e.g. a hotfix branch. Default: false. */
  allowOffMain?: boolean;
  /** Check everything and print the plan; write nothing. Default: false. */
  dryRun?: boolean;
  /**
   * Also publish the tree's flow CLI package to this npm registry through the npm-publish gate,
   * once the release is pushed — when the release is its major's newest (see `newestOfMajor`);
   * the gate is run as a dry run on the tree before the push. Default: no publish (the release
   * workflow's publish-cli job does it).
   */
  npm?: NpmTarget;
  /** Where progress lines go. Default: nowhere. */
  log?: (line: string) => void;
}

export interface ReleaseResult {
  plan: ReleasePlan;
  /**
   * True when no version of its major is above the release (it moves `vN`, or is a prerelease,
   * which must be above them all): then its CLI goes to npm. A patch of an older minor (v1.4.1
   * after v1.5.0) does not — npm-publish-gate publishes only above the highest version of the
   * line, and for the CLI the line is the major.
   */
  newestOfMajor: boolean;
  source: { commit: string; dirty: boolean; onMain: boolean };
  /** The release commit and its tree; none in a dry run. */
  commit?: string;
  tree?: string;
  /** What became of the CLI package on `npm`; none without `npm` or in a dry run. */
  npm?: CliPublication;
}

/** The release is pushed, but its CLI package did not reach npm: `pnpm release:npm` finishes it. */
export class CliNotPublishedError extends Error {
  override name = 'CliNotPublishedError';
}

/** The push was refused as a whole: another writer got there first. Nothing was written. */
export class ReleaseRaceError extends Error {
  override name = 'ReleaseRaceError';
}

/**
 * Releases the checkout's HEAD as `version` on `remote` (DESIGN §6): checks everything first —
 * the version against the line, a clean source on main, the required checks — then commits the
 * release tree on `releases/vN`, tags it `vX.Y.Z`, moves `vN` when it is the major's newest
 * release, and pushes the three refs in one atomic push, each leased to what the plan saw.
 * Locally it writes objects and FETCH_HEAD only (and, after a push that landed, git's
 * remote-tracking refs of a named remote); no branch or tag of the checkout moves.
 */
export async function publishRelease(options: ReleaseOptions): Promise<ReleaseResult> {
  const log = options.log ?? (() => {});
  const remote = options.remote ?? 'origin';
  const main = options.main ?? 'main';
  const release = parseReleaseVersion(options.version);
  refuseUrlCredentials(remote, {
    input: '--remote',
    instead: 'let git find them (a credential helper, or a configured remote)',
  });
  if (options.tree) await checkTreeCliVersion(options.tree, release.version);
  const npm = options.npm;
  if (npm) checkNpmTarget(npm);
  const git = gitIn(await toplevel(options.cwd));
  const commit = (await git(['rev-parse', '--verify', 'HEAD^{commit}'])).trim();
  const dirty = await uncommittedChanges(git);
  if (dirty.length > 0 && !options.allowDirty)
    throw new ConfigurationError(
      `The checkout has uncommitted or untracked changes (${summarize(dirty)}), which would go into the release tree but are in no commit: commit or stash them, or pass --allow-dirty to release them anyway (the release commit says so).`,
    );
  if (!options.dryRun) await requireIdentity(git);

  const { line, refs } = await readRemoteLine(git, remote);
  const mainRef = `refs/heads/${main}`;
  if (!refIn(refs, mainRef))
    throw new ConfigurationError(
      `--remote ${remote} has no branch ${main}: pass --main with the branch releases are made from.`,
    );
  if ((await git(['rev-parse', '--is-shallow-repository'])).trim() === 'true')
    throw new ConfigurationError(
      'The checkout is shallow, so git cannot tell whether HEAD is on main: fetch the whole history (git fetch --unshallow; in a workflow, actions/checkout with fetch-depth: 0).',
    );
  const mainTip = await fetchRef(git, remote, mainRef);
  const onMain = (await git(['rev-list', '--first-parent', mainTip])).split('\n').includes(commit);
  if (!onMain && !options.allowOffMain)
    throw new ConfigurationError(
      `HEAD ${commit.slice(0, 12)} is not on the first-parent line of ${main} on ${remote} (now ${mainTip.slice(0, 12)}): release a commit main holds (push it first), or pass --allow-off-main for a hotfix of an older line.`,
    );
  const plan = planRelease(release, line);
  if (options.requireChecks && options.requireChecks.length > 0)
    await requireGreenChecks(commit, options.requireChecks, options.github ?? {});

  log(describePlan(plan, { commit, dirty: dirty.length > 0, onMain, remote, main }));
  const newestOfMajor = plan.movesMajor || plan.release.prerelease;
  const result: ReleaseResult = { plan, newestOfMajor, source: { commit, dirty: dirty.length > 0, onMain } };
  const publishing = npm && newestOfMajor ? npm : undefined;
  if (npm && !publishing)
    log(
      `${CLI_PACKAGE}@${plan.release.version} is not published: ${plan.majorStays}, and the CLI goes to npm only for the newest release of its major.`,
    );
  /** The npm-publish gate as a dry run on a tree's CLI package, when the release publishes it. */
  const checkGate = async (tree: string) => {
    if (!publishing) return;
    const check = await publishTreeCli(tree, publishing, commit, { dryRun: true }).catch((error: Error) => {
      throw new ConfigurationError(
        `${withoutFullStop(error.message)}; nothing was released: fix that, or release without --npm-registry to leave this version's CLI off npm.`,
      );
    });
    log(describePublication(check, publishing.registry));
  };
  if (options.dryRun) {
    if (options.tree) await checkGate(options.tree);
    log('Dry run: nothing written.');
    return result;
  }

  const scratch = await mkdtemp(join(tmpdir(), 'flow-release-'));
  try {
    if (plan.parent) {
      const fetched = await fetchRef(git, remote, `refs/heads/${plan.branch}`);
      if (fetched !== plan.parent)
        throw new ReleaseRaceError(
          `${plan.branch} moved on ${remote} while this release was being planned (${plan.parent.slice(0, 12)} → ${fetched.slice(0, 12)}): another release is running; nothing was written — run pnpm release again once it is done.`,
        );
    }
    const treeDir =
      options.tree ??
      (await assembleRelease({ outDir: join(scratch, 'tree'), root: git.cwd, version: release.version })).dir;
    // Whatever the gate would refuse (a version npm has with other bytes, one below the line's),
    // refused before anything is pushed.
    await checkGate(treeDir);
    const tree = await writeTree(git, treeDir, join(scratch, 'index'));
    const releaseCommit = (
      await git(['commit-tree', tree, ...(plan.parent ? ['-p', plan.parent] : []), '-F', '-'], {
        input: commitMessage(plan, commit, dirty.length > 0),
      })
    ).trim();
    await pushAtomically(git, remote, plan, releaseCommit);
    log(describeDone(plan, releaseCommit, tree, remote));
    const released = { ...result, commit: releaseCommit, tree };
    if (!publishing) return released;
    // The files just committed, byte for byte (hash-object wrote them without filters).
    const publication = await publishTreeCli(treeDir, publishing, commit).catch((error: Error) => {
      throw new CliNotPublishedError(
        `${plan.release.tag} is released on ${remote}, but ${CLI_PACKAGE} was not published (${withoutFullStop(error.message)}): publish it from the release with pnpm release:npm ${plan.release.version} --remote ${remote} --npm-registry ${publishing.registry} once that is fixed.`,
      );
    });
    log(describePublication(publication, publishing.registry));
    return { ...released, npm: publication };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

async function toplevel(cwd: string): Promise<string> {
  try {
    return (await gitIn(cwd)(['rev-parse', '--show-toplevel'])).trim();
  } catch {
    throw new ConfigurationError(
      `${cwd} is not inside a git checkout: run pnpm release in the checkout to release.`,
    );
  }
}

function summarize(paths: readonly string[]): string {
  const shown = paths.slice(0, 3).join(', ');
  return paths.length > 3 ? `${shown} and ${paths.length - 3} more` : shown;
}

async function requireIdentity(git: Git): Promise<void> {
  for (const variable of ['GIT_AUTHOR_IDENT', 'GIT_COMMITTER_IDENT']) {
    try {
      await git(['var', variable]);
    } catch {
      throw new ConfigurationError(
        'git has no identity to write the release commit with: set user.name and user.email (git config), or GIT_AUTHOR_NAME/EMAIL and GIT_COMMITTER_NAME/EMAIL.',
      );
    }
  }
}

async function requireGreenChecks(
  commit: string,
  names: readonly string[],
  github: NonNullable<ReleaseOptions['github']>,
): Promise<void> {
  if (!github.token || !github.repository)
    throw new ConfigurationError(
      '--require-checks reads the checks from GitHub: set GITHUB_TOKEN (checks: read, statuses: read) and GITHUB_REPOSITORY (owner/name).',
    );
  const client = new GitHubClient({
    token: github.token,
    repository: github.repository,
    apiUrl: github.apiUrl,
  });
  const checks = await checkRequiredChecks(client, commit, names);
  if (!checks.ok)
    throw new ConfigurationError(
      `${commit.slice(0, 12)} is not released: ${checks.message}. A release is made only of a commit whose CI passed.`,
    );
}

/**
 * Writes the tree's files, byte for byte, into the object store and returns the git tree: no
 * ignore rules, attributes or line-ending filters apply, so the commit holds exactly the files
 * that were tested. A link or anything but a plain file is refused.
 */
async function writeTree(git: Git, dir: string, indexFile: string): Promise<string> {
  const files: { path: string; mode: string }[] = [];
  const walk = async (folder: string): Promise<void> => {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const path = join(folder, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.isFile()) {
        const executable = ((await lstat(path)).mode & 0o111) !== 0;
        files.push({ path, mode: executable ? '100755' : '100644' });
      } else
        throw new ConfigurationError(
          `The release tree ${dir} holds ${relative(dir, path)}, which is not a plain file: a release tree holds files and folders only.`,
        );
    }
  };
  await walk(dir).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'ENOENT' || error.code === 'ENOTDIR')
      throw new ConfigurationError(
        `--tree ${dir} is not a folder: pass the folder pnpm release:assemble wrote.`,
      );
    throw error;
  });
  if (files.length === 0)
    throw new ConfigurationError(`--tree ${dir} is empty: pass the folder pnpm release:assemble wrote.`);
  const blobs = (
    await git(['hash-object', '-w', '--no-filters', '--stdin-paths'], {
      input: `${files.map((file) => file.path).join('\n')}\n`,
    })
  )
    .trim()
    .split('\n');
  const env = { ...process.env, GIT_INDEX_FILE: indexFile };
  const entries = files.map((file, index) => `${file.mode} ${blobs[index]}\t${relative(dir, file.path)}\0`);
  await git(['update-index', '--add', '-z', '--index-info'], { input: entries.join(''), env });
  return (await git(['write-tree'], { env })).trim();
}

function commitMessage(plan: ReleasePlan, source: string, dirty: boolean): string {
  const { tag } = plan.release;
  return [
    `flow-actions ${tag}`,
    '',
    `The release tree of flow-actions ${tag}, assembled once from ${source.slice(0, 12)}: one folder per action`,
    '(action.yml, README.md, the bundled dist/), the workflow templates and the users’ README.',
    '',
    `${SOURCE_TRAILER}: ${source}`,
    `Flow-Release-Version: ${plan.release.version}`,
    ...(dirty ? ['Flow-Source-Dirty: true'] : []),
    '',
  ].join('\n');
}

/**
 * One atomic push of the branch, the version tag and (when it moves) the major tag, each leased to
 * the value the plan read: if any of them changed since, none is written.
 */
async function pushAtomically(git: Git, remote: string, plan: ReleasePlan, commit: string): Promise<void> {
  const refs: [string, string | undefined][] = [
    [`refs/heads/${plan.branch}`, plan.parent],
    [`refs/tags/${plan.release.tag}`, undefined],
  ];
  if (plan.movesMajor) refs.push([`refs/tags/${plan.majorTag}`, plan.majorFrom]);
  const args = ['push', '--atomic', '--porcelain'];
  for (const [ref, expected] of refs) args.push(`--force-with-lease=${ref}:${expected ?? ''}`);
  args.push(remote, ...refs.map(([ref]) => `${commit}:${ref}`));
  const pushed = await git(args, { allowFailure: true }).catch((error: Error) => {
    throw new ReleaseRaceError(
      `git push to ${remote} could not run (${error.message}); nothing was written.`,
    );
  });
  const rejected = pushed
    .split('\n')
    .filter((line) => line.startsWith('!\t'))
    .map((line) => {
      const [, spec, summary] = line.split('\t');
      return `${spec?.split(':')[1]} ${summary}`;
    });
  const done = pushed.split('\n').filter((line) => /^[ *+=]\t/.test(line)).length;
  if (rejected.length > 0 || done !== refs.length)
    throw new ReleaseRaceError(
      `The push to ${remote} was refused as a whole, so nothing was written (${rejected.join('; ') || 'no answer for some refs'}): another release or push changed the line since it was read — run pnpm release again; it plans on top of what is there now.`,
    );
}

function withoutFullStop(sentence: string): string {
  return sentence.replace(/\.$/, '');
}

function short(sha: string | undefined): string {
  return sha ? sha.slice(0, 12) : 'none';
}

function describePlan(
  plan: ReleasePlan,
  source: { commit: string; dirty: boolean; onMain: boolean; remote: string; main: string },
): string {
  const state = [
    source.onMain ? `on ${source.main}` : `NOT on ${source.main}`,
    source.dirty ? 'DIRTY' : 'clean',
  ];
  const major = plan.movesMajor
    ? `${plan.majorTag} ${plan.majorFrom ? `moves from ${short(plan.majorFrom)}` : 'is created'} to it`
    : `${plan.majorTag} stays at ${short(plan.majorFrom)} (${plan.majorStays})`;
  const previous = plan.previous ? `; notes since ${plan.previous.version.tag}` : '; the first release';
  return [
    `Releasing ${plan.release.tag} of ${source.commit.slice(0, 12)} (${state.join(', ')}) to ${source.remote}:`,
    `  one commit on ${plan.branch} (parent ${plan.parent ? short(plan.parent) : 'none: a new line'}), tagged ${plan.release.tag}; ${major}${previous}.`,
  ].join('\n');
}

function describeDone(plan: ReleasePlan, commit: string, tree: string, remote: string): string {
  const refs = [`${plan.branch}`, plan.release.tag, ...(plan.movesMajor ? [plan.majorTag] : [])];
  return `Released ${plan.release.tag}: commit ${commit} (tree ${tree}); ${refs.join(', ')} → ${commit.slice(0, 12)}, pushed atomically to ${remote}.`;
}
