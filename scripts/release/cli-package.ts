import { cp, mkdir, readFile, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigurationError } from '@flow-actions/action-kit';
import type { BundleJob } from './actions';
import { gitIn, uncommittedChanges } from './git';

// The flow CLI as an npm package: bundled by the same ncc pass as the actions into the release
// tree's cli/ folder — one entry file (and the chunks ncc splits off for what loads late), no
// dependencies, no workspace — and published from the release commit as it is, never rebuilt.

/** Where the package lives in the release tree. */
export const CLI_FOLDER = 'cli';
/** Its name on npm; its bin is `flow`. */
export const CLI_PACKAGE = '@flow-actions/cli';
/** The workspace package it is built from: its bin entry, description and README. */
export const CLI_SOURCE = 'packages/flow-cli';
/** The bin, relative to the package folder. */
export const CLI_BIN = 'dist/index.js';
/**
 * The version of a tree assembled for no release in particular (the test run's): a prerelease, so
 * that a publish of it never moves `latest`, and a version `pnpm release` refuses to release.
 */
export const DEVELOPMENT_VERSION = '0.0.0-development';
/**
 * The Node.js the bundle runs on: the user's own, whatever it is. The package's tests run it on
 * Node 20 (the oldest still found on machines, past its end of life in April 2026) and Node 24.
 */
const NODE_ENGINES = '>=20';

/** What the package says about itself beyond its files. */
export interface CliStamp {
  /** The release version, without `v`. */
  version: string;
  /** The commit the bundle is built from; none outside a git checkout. */
  sourceCommit?: string;
  /** True when the checkout had uncommitted or untracked changes, which the bundle holds. */
  sourceDirty?: boolean;
}

/** The ncc build of the CLI into the tree's `cli/dist`. */
export function cliBundle(root: string, treeDir: string): BundleJob {
  return { dir: join(root, CLI_SOURCE), entry: 'src/bin.ts', dist: join(treeDir, CLI_FOLDER, 'dist') };
}

/** The stamp of a build of `root`'s checkout as it is now, for `version`. */
export async function readSourceStamp(root: string, version: string): Promise<CliStamp> {
  const git = gitIn(root);
  const commit = await git(['rev-parse', '--verify', 'HEAD^{commit}']).then(
    (out) => out.trim(),
    () => undefined,
  );
  if (!commit) return { version };
  const dirty = (await uncommittedChanges(git)).length > 0;
  return { version, sourceCommit: commit, ...(dirty ? { sourceDirty: true } : {}) };
}

/**
 * Writes everything of the package but its bundle into `<treeDir>/cli`: package.json (name,
 * version, the `flow` bin, engines, no dependencies: the bundle carries them), the CLI's README
 * and the LICENSE.
 */
export async function writeCliPackageFiles(treeDir: string, root: string, stamp: CliStamp): Promise<void> {
  const dir = join(treeDir, CLI_FOLDER);
  await mkdir(dir, { recursive: true });
  const source = JSON.parse(await readFile(join(root, CLI_SOURCE, 'package.json'), 'utf8')) as {
    description?: string;
  };
  const manifest = {
    name: CLI_PACKAGE,
    version: stamp.version,
    description: source.description,
    license: 'MIT',
    type: 'module',
    bin: { flow: CLI_BIN },
    files: ['dist'],
    engines: { node: NODE_ENGINES },
    // A scoped package is private on npm unless it says otherwise.
    publishConfig: { access: 'public' },
    ...(stamp.sourceCommit
      ? {
          flowActions: {
            sourceCommit: stamp.sourceCommit,
            ...(stamp.sourceDirty ? { sourceDirty: true } : {}),
          },
        }
      : {}),
  };
  await writeFile(join(dir, 'package.json'), `${JSON.stringify(manifest, null, 2)}\n`);
  await cp(join(root, CLI_SOURCE, 'README.md'), join(dir, 'README.md'));
  await cp(join(root, 'LICENSE'), join(dir, 'LICENSE'));
}

/** The name and version of the CLI package in a release tree; undefined when it has none. */
export async function readTreeCliPackage(
  treeDir: string,
): Promise<{ name?: string; version?: string } | undefined> {
  try {
    return JSON.parse(await readFile(join(treeDir, CLI_FOLDER, 'package.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/**
 * Checks the tree `pnpm release --tree` was given against the version being released: a tree
 * assembled for another version (or for none) would publish the wrong version from the release.
 */
export async function checkTreeCliVersion(treeDir: string, version: string): Promise<void> {
  const folder = await stat(treeDir).then(
    (entry) => entry.isDirectory(),
    () => false,
  );
  if (!folder)
    throw new ConfigurationError(
      `--tree ${treeDir} is not a folder: pass the folder pnpm release:assemble wrote.`,
    );
  const manifest = await readTreeCliPackage(treeDir);
  if (!manifest)
    throw new ConfigurationError(
      `--tree ${treeDir} has no ${CLI_FOLDER}/package.json, so no flow CLI package: pass the folder pnpm release:assemble wrote.`,
    );
  if (manifest.name !== CLI_PACKAGE || manifest.version !== version)
    throw new ConfigurationError(
      `--tree ${treeDir} holds ${manifest.name}@${manifest.version}, not ${CLI_PACKAGE}@${version}: assemble the tree for this version (pnpm release:assemble <dir> --version ${version}), test it, and release that.`,
    );
}
