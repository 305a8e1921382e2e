import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { COMMANDS, parseCommandLine } from '@flow-actions/flow-cli';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');

/** Every `flow …` line of the sh blocks under a heading, split like a shell splits it (quotes, no expansion). */
async function flowLines(file: string, heading: string): Promise<string[][]> {
  const text = await readFile(join(ROOT, file), 'utf8');
  const section = text.slice(text.indexOf(heading));
  const blocks = [...section.matchAll(/```sh\n([\s\S]*?)```/g)].map((match) => match[1] ?? '');
  const joined = blocks.join('\n').replace(/\\\n\s*/g, ' ');
  return joined
    .split('\n')
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => /^(pnpm )?flow /.test(line))
    .map((line) =>
      [...line.replace(/^pnpm /, '').matchAll(/"((?:[^"\\]|\\.|\$\([^)]*\))*)"|(\S+)/g)].map(
        (match) => match[1] ?? match[2] ?? '',
      ),
    );
}

describe('the flow command lines the READMEs show', () => {
  it.each([
    ['README.md', '## flow on the command line'],
    ['packages/flow-cli/README.md', '## Adopting the protocol: flow init'],
    ['packages/flow-cli/README.md', '## Out-of-CI moments'],
  ])('%s: every line names a command and only flags it has', async (file, heading) => {
    const lines = await flowLines(file, heading);
    expect(lines.length).toBeGreaterThan(3);
    for (const [, name, ...args] of lines) {
      const command = COMMANDS.find((candidate) => candidate.name === name);
      expect(command?.name).toBe(name);
      if (command) expect(() => parseCommandLine(command, args)).not.toThrow();
    }
  });
});
