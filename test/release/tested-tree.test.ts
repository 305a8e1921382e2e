import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { repositoryRoot } from '../../scripts/release/actions';

// The release workflow assembles the tree once, runs the tests on it (FLOW_RELEASE_TREE), then
// releases the same files. A nested test run shows both halves: it uses the given tree as it is,
// and it fails when a test changed a file of it.

const probe = join(repositoryRoot, 'test', 'release', `tree-probe-${process.pid}.test.ts`);
const scratch: string[] = [];
afterAll(() => Promise.all([probe, ...scratch].map((path) => rm(path, { recursive: true, force: true }))));

async function testRun(tree: string, write: boolean) {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([name]) => !/^(VITEST|FLOW_ACTIONS$|NODE_EXTRA_CA_CERTS$)/.test(name),
    ),
  );
  return exec(join(repositoryRoot, 'node_modules', '.bin', 'vitest'), ['run', probe], {
    cwd: repositoryRoot,
    env: { ...base, FLOW_RELEASE_TREE: tree, PROBE_WRITE: write ? '1' : '' },
    allowFailure: true,
  });
}

describe('FLOW_RELEASE_TREE', () => {
  it('the test run uses the given tree as it is, and fails if a test changed it', async () => {
    const tree = join(await mkdtemp(join(tmpdir(), 'flow-given-tree-')), 'tree');
    scratch.push(tree);
    await cp(inject('releaseTree'), tree, { recursive: true });
    await writeFile(
      probe,
      [
        "import { writeFileSync } from 'node:fs';",
        "import { join } from 'node:path';",
        "import { expect, inject, it } from 'vitest';",
        "it('runs on the given tree', () => {",
        '  expect(inject("releaseTree")).toBe(process.env.FLOW_RELEASE_TREE);',
        "  if (process.env.PROBE_WRITE) writeFileSync(join(inject('releaseTree'), 'README.md'), 'patched');",
        '});',
      ].join('\n'),
    );
    const clean = await testRun(tree, false);
    expect(clean.exitCode, clean.stdout + clean.stderr).toBe(0);

    const written = await testRun(tree, true);
    expect(written.exitCode).not.toBe(0);
    expect(written.stdout + written.stderr).toContain(
      `The test run changed the release tree it was given (FLOW_RELEASE_TREE=${tree}): README.md. What ships must be what was tested`,
    );
  });
});
