import { cp, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ExecResult, exec } from '@flow-actions/action-kit';
import { expect, inject } from 'vitest';
import { repositoryRoot } from '../../scripts/release/actions';
import { CLI_FOLDER } from '../../scripts/release/cli-package';
import { type Git, gitIn } from '../../scripts/release/git';

// A maintainer's checkout and the bare repository it pushes to, for running `pnpm release` and
// `pnpm release:notes` as real processes; what they push is read back with git.

const scratch: string[] = [];

/** A temporary folder, removed by `removeScratch` (call it in afterAll). */
export async function scratchDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

export function removeScratch(): Promise<unknown> {
  trees.clear();
  return Promise.all(scratch.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

const trees = new Map<string, Promise<string>>();

/**
 * The tree this test run assembled — real bundles, as the release workflow commits them — as
 * `pnpm release:assemble --version <version>` writes it: a copy whose CLI package has that version
 * (pnpm release refuses a tree assembled for another). One copy per version and test file.
 */
export function treeFor(version: string): Promise<string> {
  let tree = trees.get(version);
  if (!tree) {
    tree = (async () => {
      const copy = join(await scratchDir(`flow-tree-${version}-`), 'tree');
      await cp(inject('releaseTree'), copy, { recursive: true });
      const file = join(copy, CLI_FOLDER, 'package.json');
      const manifest = JSON.parse(await readFile(file, 'utf8'));
      await writeFile(file, `${JSON.stringify({ ...manifest, version }, null, 2)}\n`);
      return copy;
    })();
    trees.set(version, tree);
  }
  return tree;
}

export interface World {
  remote: string;
  /** The maintainer's checkout, `origin` = the bare remote. */
  source: Git;
  /** Commits on the checkout's main and pushes it; returns the commit's sha. */
  land(message: string): Promise<string>;
  release(args: string[], env?: NodeJS.ProcessEnv): Promise<ExecResult>;
  notes(args: string[], env?: NodeJS.ProcessEnv): Promise<ExecResult>;
  /** `pnpm release:npm …` in the checkout. */
  releaseNpm(args: string[], env?: NodeJS.ProcessEnv): Promise<ExecResult>;
  /** The remote's refs, as `git ls-remote` shows them: ref → sha. */
  refs(): Promise<Record<string, string>>;
}

export async function makeWorld(): Promise<World> {
  const dir = await scratchDir('flow-release-');
  const remote = join(dir, 'flow-actions.git');
  const checkout = join(dir, 'checkout');
  await exec('git', ['init', '--quiet', '--bare', '--initial-branch=main', remote]);
  await exec('git', ['init', '--quiet', '--initial-branch=main', checkout]);
  const source = gitIn(checkout);
  await source(['config', 'user.name', 'Maintainer']);
  await source(['config', 'user.email', 'maintainer@example.com']);
  await source(['remote', 'add', 'origin', remote]);
  let count = 0;
  const land = async (message: string) => {
    await writeFile(join(checkout, 'CHANGES'), `${++count} ${message}\n`, { flag: 'a' });
    await source(['add', 'CHANGES']);
    await source(['commit', '--quiet', '-m', message]);
    await source(['push', '--quiet', 'origin', 'HEAD:refs/heads/main']);
    return (await source(['rev-parse', 'HEAD'])).trim();
  };
  return {
    remote,
    source,
    land,
    release: (args, env = {}) => runScript('release', args, checkout, env),
    notes: (args, env = {}) => runScript('release-notes', args, checkout, env),
    releaseNpm: (args, env = {}) => runScript('release-npm', args, checkout, env),
    refs: async () => parseRefs(await source(['ls-remote', remote])),
  };
}

/** Runs a root script as pnpm runs it: tsx on the script, in the checkout, no GitHub settings but the given. */
function runScript(script: string, args: string[], cwd: string, env: NodeJS.ProcessEnv): Promise<ExecResult> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(([name]) => !/^(GITHUB_|NODE_EXTRA_CA_CERTS$)/.test(name)),
  );
  return exec(
    join(repositoryRoot, 'node_modules', '.bin', 'tsx'),
    [join(repositoryRoot, 'scripts', `${script}.ts`), ...args],
    {
      cwd,
      env: { ...base, ...env },
      allowFailure: true,
    },
  );
}

function parseRefs(lsRemote: string): Record<string, string> {
  return Object.fromEntries(
    lsRemote
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split('\t').reverse() as [string, string]),
  );
}

/** A run that succeeded quietly: exit 0, nothing on stderr; returns stdout. */
export function ok(result: ExecResult): string {
  expect(result.stderr, result.stdout).toBe('');
  expect(result.exitCode).toBe(0);
  return result.stdout;
}

/** What a refusal looks like: exit 1 and one line on stderr, returned. */
export function refused(result: ExecResult): string {
  expect(result.exitCode, result.stdout).toBe(1);
  expect(result.stderr.trim().split('\n')).toHaveLength(1);
  return result.stderr.trim();
}

export async function trailer(git: Git, commit: string, key: string): Promise<string> {
  return (await git(['log', '-1', `--format=%(trailers:key=${key},valueonly)`, commit])).trim();
}
