import { createHash } from 'node:crypto';
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  buildAction,
  discoverActions,
  readActionPackage,
  repositoryRoot,
} from '../../scripts/release/actions';
import { assembleRelease, listTree } from '../../scripts/release/assemble';
import { FIXTURE_ACTIONS } from '../global-setup';

const fixtureDir = FIXTURE_ACTIONS[0] as string;
const copies: string[] = [];
afterAll(() => Promise.all(copies.map((dir) => rm(dir, { recursive: true, force: true }))));

async function sha256(path: string): Promise<string> {
  return createHash('sha256')
    .update(await readFile(path))
    .digest('hex');
}

/** A copy of the fixture action inside the workspace, so that it resolves the same dependencies. */
async function copyFixture(name: string, uses: string): Promise<string> {
  const dir = await mkdtemp(join(repositoryRoot, 'test', 'fixtures', 'actions', `.tmp-${name}-`));
  copies.push(dir);
  await cp(fixtureDir, dir, { recursive: true, filter: (source) => !source.includes('/dist') });
  const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8'));
  manifest.flowAction = { uses };
  await writeFile(join(dir, 'package.json'), JSON.stringify(manifest));
  return dir;
}

describe('release tree', () => {
  it('has one folder per released path with action.yml and dist/, plus templates and README', async () => {
    const out = await mkdtemp(join(tmpdir(), 'tree-'));
    const fixture = await readActionPackage(fixtureDir);
    const tree = await assembleRelease({ outDir: out, actions: [fixture], cli: false });
    expect(tree.actions).toEqual({ 'echo-fixture': join(out, 'echo-fixture') });
    const files = await listTree(out);
    expect(files).toEqual(
      expect.arrayContaining([
        'README.md',
        'LICENSE',
        'echo-fixture/action.yml',
        'echo-fixture/dist/index.js',
      ]),
    );
    expect(files.filter((file) => file.includes('/src/'))).toEqual([]);
    expect(await readFile(join(out, 'echo-fixture', 'action.yml'), 'utf8')).toBe(
      await readFile(join(fixtureDir, 'action.yml'), 'utf8'),
    );
  });

  it('writes the flow CLI’s npm package into cli/: its name, the release version, the flow bin, no dependencies, the commit it is built from', async () => {
    const out = await mkdtemp(join(tmpdir(), 'tree-'));
    copies.push(out);
    await assembleRelease({ outDir: out, actions: [], cli: false, version: '1.4.0' });
    const manifest = JSON.parse(await readFile(join(out, 'cli', 'package.json'), 'utf8'));
    const head = (await exec('git', ['rev-parse', 'HEAD'], { cwd: repositoryRoot })).stdout.trim();
    expect(manifest).toMatchObject({
      name: '@flow-actions/cli',
      version: '1.4.0',
      type: 'module',
      bin: { flow: 'dist/index.js' },
      files: ['dist'],
      engines: { node: '>=20' },
      license: 'MIT',
      publishConfig: { access: 'public' },
      flowActions: { sourceCommit: head },
    });
    for (const field of ['dependencies', 'optionalDependencies', 'peerDependencies', 'scripts', 'private'])
      expect(manifest, field).not.toHaveProperty(field);
    expect(await readFile(join(out, 'cli', 'README.md'), 'utf8')).toBe(
      await readFile(join(repositoryRoot, 'packages', 'flow-cli', 'README.md'), 'utf8'),
    );
    // Assembled for no release, it says so, and pnpm release refuses to release it.
    await assembleRelease({ outDir: out, actions: [], cli: false });
    expect(JSON.parse(await readFile(join(out, 'cli', 'package.json'), 'utf8')).version).toBe(
      '0.0.0-development',
    );
  });

  it('pnpm release:assemble refuses a malformed --version, and a missing folder, before building anything', async () => {
    const out = join(await mkdtemp(join(tmpdir(), 'tree-')), 'never-written');
    copies.push(dirname(out));
    const assemble = (args: string[]) =>
      exec(
        join(repositoryRoot, 'node_modules', '.bin', 'tsx'),
        [join(repositoryRoot, 'scripts', 'release-assemble.ts'), ...args],
        { cwd: repositoryRoot, allowFailure: true },
      );
    expect(await assemble([out, '--version', '1.0'])).toMatchObject({
      exitCode: 1,
      stderr:
        'pnpm release:assemble refused: --version "1.0" is not a release version: write MAJOR.MINOR.PATCH, e.g. 1.4.0 (or v1.4.0; a prerelease as 2.0.0-rc.1).\n',
    });
    const usage = await assemble([]);
    expect(usage.exitCode).toBe(2);
    expect(usage.stderr).toMatch(
      /^pnpm release:assemble: the folder is missing, e\.g\. \/tmp\/release-tree\n\nusage: /,
    );
    await expect(readFile(join(out, 'README.md'))).rejects.toThrow(/ENOENT/);
  });

  it('builds byte-identical bundles twice in a row', async () => {
    const fixture = await readActionPackage(fixtureDir);
    const out = await mkdtemp(join(tmpdir(), 'bundles-'));
    copies.push(out);
    await buildAction(fixture, repositoryRoot, join(out, 'first'));
    await buildAction(fixture, repositoryRoot, join(out, 'second'));
    const first = await sha256(join(out, 'first', 'index.js'));
    expect(await sha256(join(out, 'second', 'index.js'))).toBe(first);
  });

  it("leaves the checkout's dist/ folders alone when it builds the tree", async () => {
    const fixture = await readActionPackage(await copyFixture('untouched', 'untouched'));
    const out = await mkdtemp(join(tmpdir(), 'tree-'));
    copies.push(out);
    await assembleRelease({ outDir: out, actions: [fixture], cli: false });
    expect(await listTree(join(out, 'untouched'))).toEqual([
      'action.yml',
      'dist/index.js',
      'dist/package.json',
    ]);
    await expect(readFile(join(fixture.dir, 'dist', 'index.js'))).rejects.toThrow(/ENOENT/);
  });

  it('ships every action under actions/, each under the path it declares once', async () => {
    const actions = await discoverActions();
    for (const action of actions) {
      expect(action.dir.startsWith(join(repositoryRoot, 'actions'))).toBe(true);
      expect(action.uses).toMatch(/^[a-z0-9-]+$/);
    }
    expect(new Set(actions.map((a) => a.uses)).size).toBe(actions.length);
    expect(actions.map((a) => a.uses)).not.toContain('echo-fixture');
  });

  it('skips a folder under actions/ with no entry yet (a core not wired), never one with an entry', async () => {
    const root = await mkdtemp(join(tmpdir(), 'discover-'));
    copies.push(root);
    const wired = join(root, 'actions', 'wired');
    await cp(fixtureDir, wired, { recursive: true, filter: (source) => !source.includes('/dist') });
    const core = join(root, 'actions', 'core-only');
    await mkdir(join(core, 'src'), { recursive: true });
    await writeFile(join(core, 'package.json'), JSON.stringify({ name: 'core-only' }));
    await writeFile(join(core, 'src', 'version.ts'), 'export const x = 1;\n');
    expect((await discoverActions(root)).map((action) => action.uses)).toEqual(['echo-fixture']);
    await writeFile(join(core, 'src', 'index.ts'), 'export {};\n');
    await expect(discoverActions(root)).rejects.toThrow(/core-only\/package.json must declare "flowAction"/);
  });

  it('refuses two actions released under one path', async () => {
    const fixture = await readActionPackage(fixtureDir);
    const twin = await readActionPackage(await copyFixture('twin', 'echo-fixture'));
    await expect(
      assembleRelease({
        outDir: await mkdtemp(join(tmpdir(), 'tree-')),
        actions: [fixture, twin],
        prebuilt: true,
      }),
    ).rejects.toThrow(/are both released as "echo-fixture"/);
  });

  it('refuses an action that does not declare its path or does not run on node24', async () => {
    const undeclared = await copyFixture('undeclared', 'Not Valid');
    await expect(readActionPackage(undeclared)).rejects.toThrow(/must declare "flowAction": \{ "uses"/);
    const node20 = await copyFixture('node20', 'node20');
    const yml = await readFile(join(node20, 'action.yml'), 'utf8');
    await writeFile(join(node20, 'action.yml'), yml.replace('using: node24', 'using: node20'));
    await expect(readActionPackage(node20)).rejects.toThrow(/must have runs.using: node24/);
  });
});
