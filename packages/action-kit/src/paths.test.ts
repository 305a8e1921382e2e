import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInside } from './paths';

let outside: string;
let root: string;
beforeAll(async () => {
  outside = await mkdtemp(join(tmpdir(), 'paths-'));
  root = join(outside, 'workspace');
  await mkdir(join(root, 'dist'), { recursive: true });
  await writeFile(join(root, 'dist', 'app.zip'), 'zip');
  await writeFile(join(outside, 'secret'), 'secret');
  await symlink(join(outside, 'secret'), join(root, 'leak.zip'));
  await symlink(outside, join(root, 'up'));
  await symlink(join(root, 'dist', 'app.zip'), join(root, 'alias.zip'));
  await symlink(join(root, 'dist'), join(root, 'inner-link'));
  await symlink(join(outside, 'secret'), join(root, 'dist', 'linked.json'));
});
afterAll(() => rm(outside, { recursive: true, force: true }));

describe('resolveInside', () => {
  it.each([
    ['dist/app.zip', 'dist/app.zip'],
    ['./dist/../dist/app.zip', 'dist/app.zip'],
    ['.', ''],
    ['..name', '..name'],
    ['alias.zip', 'alias.zip'],
    ['inner-link/app.zip', 'inner-link/app.zip'],
    ['missing/file.zip', 'missing/file.zip'],
  ])('%s stays inside', (path, expected) => {
    expect(resolveInside(root, path)).toBe(join(root, expected));
  });

  it('takes an absolute path inside the root', () => {
    expect(resolveInside(root, join(root, 'dist', 'app.zip'))).toBe(join(root, 'dist', 'app.zip'));
  });

  it.each([
    '../secret',
    'dist/../../secret',
    '/etc/passwd',
    'leak.zip',
    'up/secret',
    'up',
    'dist/linked.json',
  ])('%s leads outside', (path) => {
    expect(resolveInside(root, path)).toBeUndefined();
  });
});
