import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { discoverActions, readActionPackage } from '../scripts/release/actions';
import { assembleRelease } from '../scripts/release/assemble';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The assembled release tree: end-to-end tests run what ships. */
    releaseTree: string;
  }
}

/** Test-only actions that go into the test run's tree but never into a release. */
export const FIXTURE_ACTIONS = [join(import.meta.dirname, 'fixtures', 'actions', 'echo')];

/** Builds every action once per test run and assembles the tree the end-to-end tests use. */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const dir = await mkdtemp(join(tmpdir(), 'flow-release-tree-'));
  const fixtures = await Promise.all(FIXTURE_ACTIONS.map(readActionPackage));
  const only = process.env.FLOW_ACTIONS?.split(',').map((uses) => uses.trim());
  await assembleRelease({ outDir: dir, actions: [...(await discoverActions(undefined, only)), ...fixtures] });
  project.provide('releaseTree', dir);
  return () => rm(dir, { recursive: true, force: true });
}
