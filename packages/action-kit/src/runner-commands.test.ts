import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandFile, parseWorkflowCommands } from '@flow-actions/runner-harness';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { InputReader } from './inputs';
import { createConsoleLogger, neutraliseCommands } from './logger';
import {
  createActionsLogger,
  runnerInputSource,
  setOutput,
  writeLine,
  writeSummary,
} from './runner-commands';
import { SummaryBuilder } from './summary';

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
  vi.unstubAllEnvs();
});

async function outputFile(): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'output-')), 'output');
  await writeFile(file, '');
  vi.stubEnv('GITHUB_OUTPUT', file);
  return file;
}

describe('writeLine', () => {
  it('prints a line the runner reads no command in, whatever its text', () => {
    const attempts = [
      '::add-mask::x',
      '::set-output name=a::b',
      '  \t::stop-commands::token',
      '\u0085::error::forged',
      '::ADD-MASK::upper case',
      'registry said: ##[add-mask]y',
      'progress 50%\r::set-env name=A::b',
      'a\r\n::warning::forged',
    ];
    for (const attempt of attempts) writeLine(attempt);
    expect(parseWorkflowCommands(written.join(''))).toEqual([]);
  });

  it('keeps the text readable: a space between the colons, the runner’s own ##[\\ marker', () => {
    writeLine('ok\n  ::add-mask::x\nsee ##[group]y');
    expect(written.join('')).toBe('ok\n  : :add-mask::x\nsee ##[\\group]y\n');
    expect(neutraliseCommands('no command: a::b, c :: d')).toBe('no command: a::b, c :: d');
  });
});

describe('loggers', () => {
  it('the actions logger annotates through core and neutralises plain lines', async () => {
    const logger = createActionsLogger();
    await logger.group('Build', async () => {
      logger.info('::add-mask::not-a-mask');
      logger.warning('careful: 50%\nsecond line');
      logger.error('refused');
      logger.debug('details');
    });
    expect(parseWorkflowCommands(written.join(''))).toEqual([
      { command: 'group', properties: {}, message: 'Build' },
      { command: 'warning', properties: {}, message: 'careful: 50%\nsecond line' },
      { command: 'error', properties: {}, message: 'refused' },
      { command: 'debug', properties: {}, message: 'details' },
      { command: 'endgroup', properties: {}, message: '' },
    ]);
    expect(written).toContain(': :add-mask::not-a-mask\n');
  });

  it('the console logger (flow) writes neutralised lines to stderr and nothing to stdout', () => {
    const stderr: string[] = [];
    vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
      stderr.push(String(chunk));
      return true;
    });
    const logger = createConsoleLogger();
    logger.info('::add-mask::x');
    logger.warning('##[set-output name=a;]b');
    expect(stderr.join('')).toBe(': :add-mask::x\nwarning: ##[\\set-output name=a;]b\n');
    expect(parseWorkflowCommands(stderr.join(''))).toEqual([]);
    expect(written).toEqual([]);
  });
});

describe('setOutput', () => {
  it('writes through core to GITHUB_OUTPUT, multi-line values intact', async () => {
    const file = await outputFile();
    expect(setOutput('tags', 'a\nb')).toBe(true);
    expect(setOutput('digest', 'sha256:abc')).toBe(true);
    expect(parseCommandFile(await readFile(file, 'utf8'))).toEqual({ tags: 'a\nb', digest: 'sha256:abc' });
    expect(written).toEqual([]);
  });

  it('a value cannot end its block early and inject another output', async () => {
    const file = await outputFile();
    const forged = [
      'x',
      'ghadelimiter_00000000-0000-4000-8000-000000000000',
      'injected=1',
      'EOF',
      'other<<EOF',
      'y',
      'EOF',
    ].join('\n');
    setOutput('evil', forged);
    setOutput('after', 'kept');
    const content = await readFile(file, 'utf8');
    expect(parseCommandFile(content)).toEqual({ evil: forged, after: 'kept' });
    // Each value sits in a block of its own random delimiter.
    const delimiters = [...content.matchAll(/^(?:evil|after)<<(ghadelimiter_[0-9a-f-]{36})$/gm)].map(
      (m) => m[1],
    );
    expect(new Set(delimiters).size).toBe(2);
  });

  it('outside a runner writes nothing at all: no file, no ::set-output:: on stdout', () => {
    vi.stubEnv('GITHUB_OUTPUT', '');
    expect(setOutput('x', 'y')).toBe(false);
    expect(written).toEqual([]);
  });
});

describe('writeSummary', () => {
  // core.summary remembers the file it first wrote to, as a step has one: one file for all tests.
  let file: string;
  beforeAll(async () => {
    file = join(await mkdtemp(join(tmpdir(), 'summary-')), 'summary.md');
  });
  beforeEach(async () => {
    await writeFile(file, 'before\n');
    vi.stubEnv('GITHUB_STEP_SUMMARY', file);
  });

  it('appends to GITHUB_STEP_SUMMARY through core', async () => {
    expect(await writeSummary(new SummaryBuilder().paragraph('after'))).toBe(true);
    expect(await readFile(file, 'utf8')).toBe('before\nafter\n');
  });

  it('writes two summaries at once one after the other, each once', async () => {
    await Promise.all([writeSummary('one\n'), writeSummary('two\n')]);
    expect(await readFile(file, 'utf8')).toBe('before\none\ntwo\n');
  });

  it('does nothing outside Actions, where there is no summary file', async () => {
    vi.stubEnv('GITHUB_STEP_SUMMARY', '');
    expect(await writeSummary('x')).toBe(false);
    expect(await readFile(file, 'utf8')).toBe('before\n');
  });
});

describe('runnerInputSource', () => {
  it.each([
    ['image', 'INPUT_IMAGE'],
    ['sha-length', 'INPUT_SHA-LENGTH'],
    ['my input', 'INPUT_MY_INPUT'],
  ])('reads %s from %s (upper-cased, spaces to _, hyphens kept)', (name, variable) => {
    vi.stubEnv(variable, ' 9 ');
    expect(new InputReader(runnerInputSource).optional(name)).toBe('9');
  });

  it('keeps the lines of a multi-line input and treats an unset one as unset', () => {
    vi.stubEnv('INPUT_TAGS', '  a\n  b  \n');
    const inputs = new InputReader(runnerInputSource);
    expect(inputs.multiline('tags')).toEqual(['a', 'b']);
    expect(inputs.optional('never-set')).toBeUndefined();
    expect(() => inputs.required('never-set')).toThrow('Input "never-set" is required');
  });
});
