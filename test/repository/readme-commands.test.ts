import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '../../scripts/release/actions';

/** The commands of the README's first sh block, without comments. */
async function readmeCommands(): Promise<string[]> {
  const readme = await readFile(join(repositoryRoot, 'README.md'), 'utf8');
  const block = /## Two commands on a fresh machine\s+```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
  return block.split('\n').filter((line) => line.trim() && !line.startsWith('#'));
}

describe('README set-up commands', () => {
  it('are exactly two: install-and-demo, and the tests', async () => {
    expect(await readmeCommands()).toEqual([
      'bash scripts/install.sh && npx -y pnpm@10.34.9 demo',
      'npx -y pnpm@10.34.9 test',
    ]);
  });

  it('are what CI runs, verbatim, each on a line of its own', async () => {
    const ci = (await readFile(join(repositoryRoot, '.ci', 'run'), 'utf8')).split('\n');
    for (const command of await readmeCommands()) {
      expect(ci.some((line) => line === command || line.startsWith(`${command} `))).toBe(true);
    }
  });

  it('pin the same pnpm as packageManager', async () => {
    const manifest = JSON.parse(await readFile(join(repositoryRoot, 'package.json'), 'utf8'));
    for (const command of await readmeCommands())
      expect(command).toContain(manifest.packageManager.replace('pnpm@', 'pnpm@'));
  });
});
