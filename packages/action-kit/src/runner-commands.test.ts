import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandFile, parseWorkflowCommands } from '@flow-actions/runner-harness';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { appendCommandFile, issueCommand, setFailed, writeLine } from './runner-commands';

let written: string[];
beforeEach(() => {
  written = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    written.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  process.exitCode = undefined;
});

describe('runner commands', () => {
  it('escapes data and properties so the runner reads back exactly what was meant', () => {
    issueCommand('error', { title: 'a: b, c' }, 'line 1\nline 2 100%');
    expect(written.join('')).toBe('::error title=a%3A b%2C c::line 1%0Aline 2 100%25\n');
    expect(parseWorkflowCommands(written.join(''))).toEqual([
      { command: 'error', properties: { title: 'a: b, c' }, message: 'line 1\nline 2 100%' },
    ]);
  });

  it('a log line cannot smuggle in a workflow command', () => {
    writeLine('registry said: \n::add-mask::x\n::set-env name=A::b');
    expect(parseWorkflowCommands(written.join(''))).toEqual([]);
  });

  it('setFailed is an error annotation and exit code 1', () => {
    setFailed('Input "image" is required.');
    expect(written.join('')).toBe('::error::Input "image" is required.\n');
    expect(process.exitCode).toBe(1);
  });

  it('writes outputs in the heredoc form, so a value cannot inject another output', async () => {
    const file = join(await mkdtemp(join(tmpdir(), 'output-')), 'output');
    await writeFile(file, '');
    vi.stubEnv('GITHUB_OUTPUT', file);
    appendCommandFile('GITHUB_OUTPUT', 'tags', 'a\nb');
    appendCommandFile('GITHUB_OUTPUT', 'evil', 'x\nEOF\ninjected=1');
    vi.unstubAllEnvs();
    expect(parseCommandFile(await readFile(file, 'utf8'))).toEqual({
      tags: 'a\nb',
      evil: 'x\nEOF\ninjected=1',
    });
  });

  it('outside a runner there is no command file, and nothing is written', () => {
    vi.stubEnv('GITHUB_OUTPUT', '');
    expect(appendCommandFile('GITHUB_OUTPUT', 'x', 'y')).toBe(false);
    vi.unstubAllEnvs();
  });
});
