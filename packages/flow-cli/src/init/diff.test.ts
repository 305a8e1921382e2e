import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unifiedDiff } from './diff';

// git is the independent implementation the diff must agree with, hunk for hunk.
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flow-diff-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function gitDiff(before: string, after: string): Promise<string> {
  await writeFile(join(dir, 'a'), before);
  await writeFile(join(dir, 'b'), after);
  const { stdout } = await exec('git', ['diff', '--no-index', '--no-color', '--no-ext-diff', 'a', 'b'], {
    cwd: dir,
    allowFailure: true,
  });
  return stdout
    .split('\n')
    .filter((line) => /^[ +\-@]/.test(line) && !/^(---|\+\+\+) /.test(line))
    .map((line) => line.replace(/^(@@ [^@]+ @@).*$/, '$1'))
    .join('\n');
}

const lines = (count: number, prefix = 'line') =>
  Array.from({ length: count }, (_, i) => `${prefix} ${i + 1}\n`).join('');

describe('unifiedDiff', () => {
  it.each([
    ['one line changed in the middle', lines(20), lines(20).replace('line 10\n', 'line ten\n')],
    [
      'two changes far apart: two hunks',
      lines(30),
      lines(30).replace('line 3\n', 'x\n').replace('line 27\n', 'y\n'),
    ],
    [
      'two changes close together: one hunk',
      lines(30),
      lines(30).replace('line 10\n', 'x\n').replace('line 14\n', 'y\n'),
    ],
    ['lines added at the end', lines(5), `${lines(5)}more\nand more\n`],
    ['lines removed at the start', lines(8), lines(8).replace('line 1\nline 2\n', '')],
    ['a line inserted', lines(10), lines(10).replace('line 5\n', 'line 5\nnew\n')],
  ])('%s: the hunks git diff shows', async (_, before, after) => {
    const ours = unifiedDiff(before, after, 'f.yml').split('\n');
    expect(ours.slice(0, 2)).toEqual(['--- a/f.yml', '+++ b/f.yml']);
    expect(ours.slice(2).join('\n')).toBe(await gitDiff(before, after));
  });

  it('a new file is the whole text against /dev/null; equal texts give nothing', () => {
    expect(unifiedDiff(undefined, 'a\nb\n', 'new.yml')).toBe(
      '--- /dev/null\n+++ b/new.yml\n@@ -0,0 +1,2 @@\n+a\n+b',
    );
    expect(unifiedDiff('same\n', 'same\n', 'f.yml')).toBe('');
  });
});
