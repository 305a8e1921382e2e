import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseCommandFile, parseWorkflowCommands } from '@flow-actions/runner-harness';
import { afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigurationError } from './errors';
import { runAction } from './run';
import { SummaryBuilder } from './summary';

// runAction in this process against real command files, stdout captured: what core writes, read
// back with the harness's runner parsers.
const SECRET = 'p@ss%w:rd,\n"x';
const report = { step: 'unit', request: ['name'], unchanged: 'Nothing was written.' };

let dir: string;
let stdout: string[];
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'run-action-'));
});
beforeEach(async () => {
  await Promise.all([writeFile(join(dir, 'output'), ''), writeFile(join(dir, 'summary.md'), '')]);
  vi.stubEnv('GITHUB_OUTPUT', join(dir, 'output'));
  vi.stubEnv('GITHUB_STEP_SUMMARY', join(dir, 'summary.md'));
  vi.stubEnv('INPUT_NAME', 'Ada');
  stdout = [];
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk) => {
    stdout.push(String(chunk));
    return true;
  });
});
afterEach(() => {
  vi.restoreAllMocks();
  vi.unstubAllEnvs();
  process.exitCode = undefined;
});

const outputs = async () => parseCommandFile(await readFile(join(dir, 'output'), 'utf8'));
const summary = () => readFile(join(dir, 'summary.md'), 'utf8');
const commands = () => parseWorkflowCommands(stdout.join(''));

describe('runAction through @actions/core', () => {
  it('masks a secret before use and redacts it from log, outputs, summary and notices', async () => {
    await runAction(report, async (context) => {
      context.masker.add(SECRET);
      context.logger.info(`using ${SECRET}`);
      context.logger.warning(`warned about ${SECRET}`);
      context.notice(`noticed ${SECRET}`, { title: 'forward-only' });
      context.setOutput('echo', `${context.inputs.required('name')} ${SECRET}`);
      context.setOutput('object', { secret: SECRET });
      await context.writeSummary(new SummaryBuilder().paragraph(`summary ${SECRET}`));
    });
    expect(process.exitCode).toBeUndefined();
    const masks = commands()
      .filter((c) => c.command === 'add-mask')
      .map((c) => c.message);
    expect(masks).toEqual(expect.arrayContaining([SECRET, 'p@ss%w:rd,']));
    const notice = commands().find((c) => c.command === 'notice');
    expect(notice).toEqual({
      command: 'notice',
      properties: { title: 'forward-only' },
      message: 'noticed ***',
    });
    expect(await outputs()).toEqual({ echo: 'Ada ***', object: '{"secret":"***"}' });
    expect(await summary()).toBe('summary ***\n');
    const log = stdout.filter((line) => !line.startsWith('::add-mask::')).join('');
    expect(log).toContain('using ***');
    for (const text of [log, await summary(), JSON.stringify(await outputs())]) {
      expect(text).not.toContain('p@ss%w:rd,');
      expect(text).not.toContain('p@ss%25w');
    }
  });

  it('fails with one redacted error annotation, exit code 1 and a failure summary', async () => {
    await runAction(report, async (context) => {
      context.masker.add(SECRET);
      throw new ConfigurationError(`The registry refused\n${SECRET}: check the password.`);
    });
    expect(process.exitCode).toBe(1);
    const errors = commands().filter((c) => c.command === 'error');
    expect(errors).toEqual([
      { command: 'error', properties: {}, message: 'The registry refused ***: check the password.' },
    ]);
    expect(await summary()).toContain('Ada');
    expect(await summary()).toContain('The registry refused ***');
    expect(await summary()).not.toMatch(/p@ss|"x/);
    expect(await outputs()).toEqual({});
  });

  it('redacts an asked value before the failure summary cuts it short', async () => {
    const token = 'tok-ABCDEFGHIJKLMNOP';
    vi.stubEnv('INPUT_NAME', `${'n'.repeat(92)}${token}`);
    await runAction(report, async (context) => {
      context.masker.add(token);
      throw new Error('failed');
    });
    expect(await summary()).toContain(`\`${'n'.repeat(92)}***\``);
    expect(await summary()).not.toContain('tok-');
  });

  it('puts a fault’s stack in the debug log, redacted', async () => {
    await runAction(report, async (context) => {
      context.masker.add('stack-secret-1234');
      throw new Error('socket hang up near stack-secret-1234');
    });
    const debug = commands().filter((c) => c.command === 'debug');
    expect(debug[0]?.message).toMatch(/^Error: socket hang up near \*\*\*\n {4}at /);
    expect(stdout.filter((line) => !line.startsWith('::add-mask::')).join('')).not.toContain('stack-secret');
  });
});
