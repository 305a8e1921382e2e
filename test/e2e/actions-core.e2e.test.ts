import { runAction } from '@flow-actions/runner-harness';
import { describe, expect, it } from 'vitest';
import { fixtureAction } from './release-tree';

// What @actions/core writes, bundled and run on Node 24 the way the runner runs a step, read back
// the way the runner reads it (masks, command files, workflow commands on stdout and stderr).
const echo = () => fixtureAction('echo-fixture');

const ODD = 'p@ss%w:rd,\n"x';
const KEY = '-----BEGIN-KEY-----\nline-two-abcdef\n-----END-KEY-----';

/** Everything a person or a later step can read of a run. */
function visible(run: Awaited<ReturnType<typeof runAction>>): string {
  return [run.log, run.stderr, run.summary, JSON.stringify(run.outputs), ...run.errors, ...run.warnings].join(
    '\n',
  );
}

describe('actions on @actions/core, through the runner harness', () => {
  it.each([
    ['odd characters', ODD, ['p@ss%w:rd,']],
    ['several lines', KEY, ['-----BEGIN-KEY-----', 'line-two-abcdef', '-----END-KEY-----']],
  ])('masks a secret with %s, each line too, and never shows it', async (_case, secret, lines) => {
    const run = await runAction({ actionDir: echo(), inputs: { token: secret, name: `Ada ${secret}` } });
    expect(run.exitCode).toBe(0);
    expect(run.masks).toEqual(expect.arrayContaining([secret, ...lines]));
    expect(run.outputs).toEqual({
      message: 'Hello, Ada ***!',
      lines: 'Hello,\nAda\n***!',
      'token-length': String(secret.length),
    });
    expect(run.log).toContain('greeting Ada *** (token ***)');
    for (const text of [secret, ...lines]) expect(visible(run)).not.toContain(text);
  });

  it('keeps a secret out of the error and the failure summary of a refused run', async () => {
    const run = await runAction({ actionDir: echo(), inputs: { token: KEY, name: KEY, shout: KEY } });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual(['Input "shout" must be true or false, got "***".']);
    expect(run.summary).toContain('echo-fixture refused');
    for (const text of [KEY, 'line-two-abcdef', 'BEGIN-KEY']) expect(visible(run)).not.toContain(text);
  });

  it('an output value cannot inject a second output with a newline and a forged delimiter', async () => {
    const name = [
      'x',
      'ghadelimiter_0f2b8a1c-3d4e-4f50-8a6b-7c8d9e0f1a2b',
      'injected=1',
      'EOF',
      'token-length=99',
    ].join('\n');
    const run = await runAction({ actionDir: echo(), inputs: { name } });
    expect(run.exitCode).toBe(0);
    expect(Object.keys(run.outputs).sort()).toEqual(['lines', 'message', 'token-length']);
    expect(run.outputs.message).toBe(`Hello, ${name}!`);
    expect(run.outputs['token-length']).toBe('0');
  });

  it('neutralises workflow commands in a subprocess’s output and in a logged input', async () => {
    const relay = [
      '::set-output name=message::forged',
      '::add-mask::Hello',
      '  ::stop-commands::resume-token',
      'progress 90%\r::error::forged error',
      'docker said ##[add-mask]World',
    ].join('\n');
    const run = await runAction({ actionDir: echo(), inputs: { name: 'Ada\n::add-mask::Ada', relay } });
    expect(run.exitCode).toBe(0);
    expect(run.commands.map((command) => command.command)).toEqual([]);
    expect(run.masks).toEqual([]);
    expect(run.errors).toEqual([]);
    expect(run.outputs.message).toBe('Hello, Ada\n::add-mask::Ada!');
    // Readable in the log, and inert.
    expect(run.log).toContain(': :set-output name=message::forged');
    expect(run.log).toContain('docker said ##[\\add-mask]World');
  });
});
