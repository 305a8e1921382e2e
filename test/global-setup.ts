import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { TestProject } from 'vitest/node';
import { discoverActions, readActionPackage, repositoryRoot } from '../scripts/release/actions';
import { assembleRelease, listTree, writeTreeFiles } from '../scripts/release/assemble';
import { CLI_FOLDER } from '../scripts/release/cli-package';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The assembled release tree: end-to-end tests run what ships. */
    releaseTree: string;
    /** The test-only actions, bundled the same way, in a tree of their own. */
    fixtureTree: string;
  }
}

/** Test-only actions: bundled for the test run, never part of a release tree. */
export const FIXTURE_ACTIONS = [join(import.meta.dirname, 'fixtures', 'actions', 'echo')];

/**
 * Builds every action once per test run and assembles the tree the end-to-end tests use; or, with
 * `FLOW_RELEASE_TREE=<dir>`, uses that tree as it is — the release workflow assembles a tree once,
 * tests it here, then releases the same files. Such a tree is only read: the run fails if any file
 * of it changed, since what ships must be what was tested.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const scratch = await mkdtemp(join(tmpdir(), 'flow-test-trees-'));
  const fixtures = await Promise.all(FIXTURE_ACTIONS.map(readActionPackage));
  const fixtureTree = join(scratch, 'fixtures');
  await assembleRelease({ outDir: fixtureTree, actions: fixtures, cli: false });
  project.provide('fixtureTree', fixtureTree);

  const given = process.env.FLOW_RELEASE_TREE;
  if (!given) {
    // Released uses: paths, and `cli` for the flow CLI's package (which bundles every action's core).
    const only = process.env.FLOW_ACTIONS?.split(',').map((uses) => uses.trim());
    const tree = join(scratch, 'release');
    await assembleRelease({
      outDir: tree,
      actions: await discoverActions(undefined, only),
      cli: !only || only.includes(CLI_FOLDER),
    });
    // A narrowed run bundles fewer actions but still carries every action's docs, as a release does.
    if (only) await writeTreeFiles(tree, repositoryRoot, await discoverActions());
    project.provide('releaseTree', tree);
    return () => rm(scratch, { recursive: true, force: true });
  }

  const tree = resolve(given);
  const before = await fingerprint(tree);
  project.provide('releaseTree', tree);
  return async () => {
    await rm(scratch, { recursive: true, force: true });
    const after = await fingerprint(tree);
    const changed = [...new Set([...before.keys(), ...after.keys()])].filter(
      (file) => before.get(file) !== after.get(file),
    );
    if (changed.length === 0) return;
    // vitest only logs an error thrown by a teardown; the exit code is what fails the release job.
    process.exitCode = 1;
    throw new Error(
      `The test run changed the release tree it was given (FLOW_RELEASE_TREE=${tree}): ${changed.slice(0, 5).join(', ')}. What ships must be what was tested: find the test that writes into releasedAction(...) and make it write elsewhere.`,
    );
  };
}

/** Every file of a tree and the sha-256 of its bytes; refuses a folder that is no release tree. */
async function fingerprint(tree: string): Promise<Map<string, string>> {
  const isTree = await stat(join(tree, 'README.md')).then(
    (entry) => entry.isFile(),
    () => false,
  );
  if (!isTree)
    throw new Error(
      `FLOW_RELEASE_TREE=${tree} is not a release tree (no README.md): pass the folder pnpm release:assemble wrote.`,
    );
  const files = new Map<string, string>();
  for (const file of await listTree(tree))
    files.set(
      file,
      createHash('sha256')
        .update(await readFile(join(tree, file)))
        .digest('hex'),
    );
  return files;
}
