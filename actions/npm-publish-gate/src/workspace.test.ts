import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import {
  discoverPackages,
  orderForPublish,
  parsePnpmWorkspacePackages,
  rewriteWorkspaceRanges,
} from './workspace';

const dirs: string[] = [];
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tree(files: Record<string, object | string>): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'flow-npm-gate-unit-'));
  dirs.push(root);
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), typeof content === 'string' ? content : JSON.stringify(content));
  }
  return root;
}

const pkg = (name: string, version = '1.0.0', extra: object = {}) => ({ name, version, ...extra });

describe('discoverPackages', () => {
  it('takes the public packages of package.json workspaces', async () => {
    const root = await tree({
      'package.json': { name: 'root', private: true, workspaces: ['packages/*'] },
      'packages/a/package.json': pkg('a'),
      'packages/b/package.json': pkg('b', '2.0.0'),
      'packages/internal/package.json': pkg('internal', '0.0.1', { private: true }),
      'packages/node_modules/x/package.json': pkg('x'),
    });
    const found = await discoverPackages({ root, patterns: [] });
    expect(found.selected.map((p) => [p.name, p.path])).toEqual([
      ['a', 'packages/a'],
      ['b', 'packages/b'],
    ]);
    expect([...found.byName.keys()].sort()).toEqual(['a', 'b', 'internal']);
  });

  it('reads pnpm-workspace.yaml, with exclusions', async () => {
    const root = await tree({
      'package.json': { name: 'root', private: true },
      'pnpm-workspace.yaml':
        'packages:\n  - \'libs/**\'\n  - "!libs/legacy"  # gone\nonlyBuiltDependencies:\n  - esbuild\n',
      'libs/a/package.json': pkg('a'),
      'libs/nested/b/package.json': pkg('b'),
      'libs/legacy/package.json': pkg('legacy'),
    });
    const found = await discoverPackages({ root, patterns: [] });
    expect(found.selected.map((p) => p.name)).toEqual(['a', 'b']);
  });

  it('takes the folders and globs of "packages"', async () => {
    const root = await tree({
      'package.json': { name: 'root', private: true, workspaces: ['packages/*'] },
      'packages/a/package.json': pkg('a'),
      'packages/b/package.json': pkg('b'),
    });
    const found = await discoverPackages({ root, patterns: ['./packages/b/'] });
    expect(found.selected.map((p) => p.name)).toEqual(['b']);
    expect(found.byName.has('a')).toBe(true);
  });

  it('falls back to the root package', async () => {
    const root = await tree({ 'package.json': pkg('solo', '3.1.0') });
    const found = await discoverPackages({ root, patterns: [] });
    expect(found.selected.map((p) => [p.name, p.path])).toEqual([['solo', '.']]);
  });

  it.each<{ files: Record<string, object>; patterns: string[]; message: RegExp }>([
    {
      files: { 'package.json': pkg('root', '1.0.0', { private: true }) },
      patterns: [],
      message: /^No public package to publish in .*: give "packages" the package folders/,
    },
    {
      files: { 'package.json': pkg('root') },
      patterns: ['nowhere/*'],
      message: /^Input "packages" matched no folder with a package.json: nowhere\/\*/,
    },
    {
      files: { 'package.json': pkg('root') },
      patterns: ['../elsewhere'],
      message:
        /^Input "packages": pattern "..\/elsewhere" leaves the repository: give folders or globs relative to the repository root, e.g. packages\/client or packages\/\*\./,
    },
    {
      files: { 'p/package.json': pkg('p', '1.0.0', { private: true }) },
      patterns: ['p'],
      message: /^Input "packages" names p \(p\), which is "private": true/,
    },
    {
      files: { 'p/package.json': { name: 'p' } },
      patterns: ['p'],
      message: /^p\/package.json \(from "packages"\) has no name or no version/,
    },
    {
      files: { 'p/package.json': pkg('--registry=https://evil.example/') },
      patterns: ['p'],
      message:
        /^p\/package.json \(from "packages"\): its name "--registry=https:\/\/evil.example\/" is not an npm package name/,
    },
  ])('refuses: $message', async ({ files, patterns, message }) => {
    const root = await tree(files);
    await expect(discoverPackages({ root, patterns })).rejects.toThrow(message);
  });
});

describe('discoverPackages and symbolic links', () => {
  async function withOutside(): Promise<{ root: string; outside: string }> {
    const root = await tree({ 'package.json': pkg('root', '1.0.0', { private: true }) });
    const outside = await tree({ 'package.json': pkg('stolen'), 'secret.txt': 'not yours' });
    return { root, outside };
  }

  it('refuses a package folder that is a link out of the workspace', async () => {
    const { root, outside } = await withOutside();
    await mkdir(join(root, 'packages'));
    await symlink(outside, join(root, 'packages', 'evil'));
    await expect(discoverPackages({ root, patterns: ['packages/evil'] })).rejects.toThrow(
      'packages/evil/package.json (from "packages") leads outside the workspace through a symbolic link: publish only packages inside the repository checkout, and drop the link or the folder from "packages".',
    );
  });

  it('refuses a package.json that is a link out of the workspace, also when found through workspaces', async () => {
    const { root, outside } = await withOutside();
    await writeFile(
      join(root, 'package.json'),
      JSON.stringify(pkg('root', '1.0.0', { private: true, workspaces: ['packages/*'] })),
    );
    await mkdir(join(root, 'packages', 'a'), { recursive: true });
    await symlink(join(outside, 'package.json'), join(root, 'packages', 'a', 'package.json'));
    await expect(discoverPackages({ root, patterns: [] })).rejects.toThrow(
      /^packages\/a\/package.json \(from "workspaces"\) leads outside the workspace/,
    );
  });

  it('follows a link that stays inside the workspace', async () => {
    const root = await tree({ 'libs/real/package.json': pkg('real') });
    await symlink(join(root, 'libs', 'real'), join(root, 'alias'));
    const found = await discoverPackages({ root, patterns: ['alias'] });
    expect(found.selected.map((p) => p.name)).toEqual(['real']);
  });
});

describe('parsePnpmWorkspacePackages', () => {
  it('reads block items only under packages:', () => {
    expect(
      parsePnpmWorkspacePackages("packages:\n  - apps/*\n  - 'packages/**'\ncatalog:\n  - nope\n"),
    ).toEqual(['apps/*', 'packages/**']);
  });
});

describe('rewriteWorkspaceRanges', () => {
  const byName = new Map([
    ['@acme/core', { version: '1.2.3' }],
    ['@acme/util', { version: '0.4.0' }],
  ]);
  it.each([
    ['workspace:*', '1.2.3'],
    ['workspace:', '1.2.3'],
    ['workspace:^', '^1.2.3'],
    ['workspace:~', '~1.2.3'],
    ['workspace:^1.0.0', '^1.0.0'],
    ['^1.0.0', '^1.0.0'],
  ])('%s → %s', (declared, published) => {
    const result = rewriteWorkspaceRanges(
      { name: 'a', version: '1.0.0', dependencies: { '@acme/core': declared } },
      byName,
    );
    expect(result.manifest.dependencies).toEqual({ '@acme/core': published });
    expect(result.changed).toBe(declared !== published);
    expect(result.internal).toEqual([
      { name: '@acme/core', field: 'dependencies', declared, published, version: '1.2.3' },
    ]);
  });

  it('rewrites every dependency field, aliases too, and reports unknown workspace packages', () => {
    const result = rewriteWorkspaceRanges(
      {
        name: 'a',
        version: '1.0.0',
        peerDependencies: { '@acme/util': 'workspace:^' },
        devDependencies: { core: 'workspace:@acme/core@*', gone: 'workspace:*', left: '^1.0.0' },
      },
      byName,
    );
    expect(result.manifest.peerDependencies).toEqual({ '@acme/util': '^0.4.0' });
    expect(result.manifest.devDependencies).toEqual({ core: '1.2.3', gone: 'workspace:*', left: '^1.0.0' });
    expect(result.unresolved).toEqual([{ name: 'gone', declared: 'workspace:*' }]);
  });
});

describe('orderForPublish', () => {
  const deps: Record<string, string[]> = {
    app: ['cli', 'core'],
    cli: ['core'],
    core: [],
    loop: ['loop2'],
    loop2: ['loop'],
  };
  it('puts each package after what it depends on', () => {
    const order = orderForPublish(
      ['app', 'cli', 'core'].map((name) => ({ name })),
      (p) => deps[p.name] ?? [],
    );
    expect(order.map((p) => p.name)).toEqual(['core', 'cli', 'app']);
  });
  it('names a cycle', () => {
    expect(() => orderForPublish([{ name: 'loop' }, { name: 'loop2' }], (p) => deps[p.name] ?? [])).toThrow(
      'Internal dependency cycle: loop → loop2 → loop: no publish order exists; break the cycle (a devDependency does not count).',
    );
  });
});
