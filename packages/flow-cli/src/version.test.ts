import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { describeVersion, readCliVersion } from './version';

const dirs: string[] = [];
afterAll(() => Promise.all(dirs.map((dir) => rm(dir, { recursive: true, force: true }))));

describe('flow --version', () => {
  it.each([
    [
      { name: '@flow-actions/cli', version: '1.4.0', flowActions: { sourceCommit: 'a1'.repeat(20) } },
      '1.4.0 (built from a1a1a1a1a1a1)',
    ],
    [
      {
        name: '@flow-actions/cli',
        version: '1.4.0',
        flowActions: { sourceCommit: 'a1'.repeat(20), sourceDirty: true },
      },
      '1.4.0 (built from a1a1a1a1a1a1 with uncommitted changes)',
    ],
    [{ name: '@flow-actions/flow-cli', version: '0.1.0', private: true }, '0.1.0 (workspace sources)'],
    [{ name: '@flow-actions/cli', version: '2.0.0' }, '2.0.0'],
  ])('%j reads as %s', (manifest, text) => {
    expect(describeVersion(manifest)).toBe(text);
  });

  it('reads the package the program belongs to: past the nameless package.json ncc writes into dist/', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flow-version-'));
    dirs.push(dir);
    await mkdir(join(dir, 'dist'));
    await writeFile(join(dir, 'dist', 'package.json'), '{"type":"module"}');
    await writeFile(
      join(dir, 'package.json'),
      JSON.stringify({ name: '@flow-actions/cli', version: '3.1.4' }),
    );
    expect(await readCliVersion(join(dir, 'dist', 'index.js'))).toBe('3.1.4');
  });

  it('from the sources, says it is the workspace', async () => {
    expect(await readCliVersion()).toMatch(/^\d+\.\d+\.\d+ \(workspace sources\)$/);
  });
});
