import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { nullLogger, SecretMasker } from '@flow-actions/action-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { withNpm } from '../../actions/npm-publish-gate/src/npm-cli';
import {
  findWorkspaceRanges,
  readPackedManifest,
  stageAndPack,
} from '../../actions/npm-publish-gate/src/stage';
import { discoverPackages, rewriteWorkspaceRanges } from '../../actions/npm-publish-gate/src/workspace';
import { makeTempDir, makeWorkspace, removeTempDirs } from './support';

// Integration: staging and packing with the real npm CLI (no registry is contacted by npm pack).
afterAll(removeTempDirs);

async function packCli(workspace: string) {
  const discovery = await discoverPackages({ root: workspace, patterns: [] });
  const cli = discovery.selected.find((pkg) => pkg.name === '@stage/cli');
  if (!cli) throw new Error('fixture has no @stage/cli');
  const rewrite = rewriteWorkspaceRanges(cli.manifest, discovery.byName);
  const tempDir = await makeTempDir('stage-runner-temp');
  return withNpm(
    { registry: 'http://127.0.0.1:9/', masker: new SecretMasker(), logger: nullLogger, tempDir },
    async ({ npm, workDir }) => {
      const staged = await stageAndPack(npm, cli, rewrite, workDir);
      const tarball = await readFile(staged.tarball);
      const copied = (await readdir(join(workDir, 'package'))).sort();
      return { staged, manifest: readPackedManifest(tarball), copied };
    },
  );
}

describe('stageAndPack (real npm pack)', () => {
  it('packs a staged copy with workspace: ranges replaced and the repository untouched', async () => {
    const workspace = await makeWorkspace('stage');
    // Not in "files": npm pack leaves it out, so the staged copy must too.
    await writeFile(join(workspace, 'packages', 'cli', 'secret-notes.txt'), 'not for publishing\n');
    const before = await readFile(join(workspace, 'packages', 'cli', 'package.json'), 'utf8');

    const { staged, manifest, copied } = await packCli(workspace);
    expect(copied).toEqual(['index.js', 'package.json']);
    expect(manifest.dependencies).toEqual({ '@stage/core': '^1.0.0' });
    expect(manifest.scripts).toEqual({
      prepublishOnly: `node -e "require('fs').writeFileSync('SCRIPT-RAN', 'yes')"`,
    });
    expect(staged.workspaceLeft).toEqual([]);
    expect(staged.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
    expect(await readFile(join(workspace, 'packages', 'cli', 'package.json'), 'utf8')).toBe(before);

    // Deterministic: the same files give the same integrity, which is what gate 2 relies on.
    const again = await packCli(workspace);
    expect(again.staged.integrity).toBe(staged.integrity);
  });

  it('a change of content changes the integrity', async () => {
    const workspace = await makeWorkspace('stage');
    const first = await packCli(workspace);
    await writeFile(join(workspace, 'packages', 'cli', 'index.js'), 'console.log("changed");\n');
    const second = await packCli(workspace);
    expect(second.staged.integrity).not.toBe(first.staged.integrity);
  });
});

describe('findWorkspaceRanges', () => {
  it('names every range still saying workspace:', () => {
    expect(
      findWorkspaceRanges({
        name: 'a',
        dependencies: { b: 'workspace:*', c: '^1.0.0' },
        peerDependencies: { d: 'workspace:^' },
      }),
    ).toEqual(['dependencies.b: workspace:*', 'peerDependencies.d: workspace:^']);
  });
});
