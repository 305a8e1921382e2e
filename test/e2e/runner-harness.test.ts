import { inputEnv, readActionMetadata, runAction } from '@flow-actions/runner-harness';
import { describe, expect, it } from 'vitest';
import { fixtureAction } from './release-tree';

// The harness proves itself on a test-only fixture action, bundled and assembled like a
// released one, run on Node 24 exactly as the runner runs it.
const echo = () => fixtureAction('echo-fixture');

describe('runner harness on the fixture action', () => {
  it('runs the bundle on Node 24 and reads outputs (heredoc form), summary and exit code', async () => {
    const run = await runAction({ actionDir: echo(), inputs: { name: 'World', shout: 'true' } });
    expect(run.exitCode).toBe(0);
    expect(run.errors).toEqual([]);
    expect(run.outputs).toEqual({ message: 'HELLO, WORLD!', lines: 'HELLO,\nWORLD!', 'token-length': '0' });
    expect(run.summary).toContain('| World | `HELLO, WORLD!` |');
  });

  it('applies action.yml defaults and passes inputs with hyphens and spaces as the runner names them', async () => {
    const metadata = await readActionMetadata(echo());
    expect(metadata.runs.using).toBe('node24');
    expect(inputEnv(metadata, { name: 'x', 'sha-length': '9', 'my input': 'y' })).toEqual({
      INPUT_GREETING: 'Hello',
      INPUT_SHOUT: 'false',
      INPUT_NAME: 'x',
      'INPUT_SHA-LENGTH': '9',
      INPUT_MY_INPUT: 'y',
    });
    const run = await runAction({ actionDir: echo(), inputs: { name: 'Ada' } });
    expect(run.outputs.message).toBe('Hello, Ada!');
  });

  it('shows an ::error:: annotation and exit 1 for a missing required input', async () => {
    const run = await runAction({ actionDir: echo(), inputs: {} });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual(['Input "name" is required: set it under "with:" in the workflow step.']);
    expect(run.outputs).toEqual({});
  });

  it('masks a secret and its base64 form before use, and never prints it', async () => {
    const token = 'ghp_fixtureSecret123';
    const run = await runAction({ actionDir: echo(), inputs: { name: 'x', token } });
    expect(run.exitCode).toBe(0);
    expect(run.masks).toEqual(expect.arrayContaining([token, Buffer.from(token).toString('base64')]));
    expect(run.log).toContain('token ***');
    expect(run.log).not.toContain(token);
    expect(run.stderr).not.toContain(token);
    expect(JSON.stringify(run.outputs) + run.summary).not.toContain(token);
    expect(run.outputs['token-length']).toBe(String(token.length));
  });

  it('gives the action the runner environment: event file, sha, ref and command files', async () => {
    const run = await runAction({
      actionDir: echo(),
      inputs: { name: 'x' },
      eventName: 'pull_request',
      payload: { pull_request: { number: 7 } },
      sha: 'a'.repeat(40),
      env: { INPUT_GREETING: 'Hi' },
    });
    expect(run.outputs.message).toBe('Hi, x!');
  });

  it('uses Node 24, as runs.using: node24 says', async () => {
    const run = await runAction({
      actionDir: echo(),
      inputs: { name: 'x' },
      env: { NODE_OPTIONS: '--require=/nonexistent-flow-preload.cjs' },
    });
    // The harness passes only a runner's environment plus what the test gives: NODE_OPTIONS
    // given here reaches Node 24, which refuses the missing preload.
    expect(run.exitCode).toBe(1);
    expect(run.stderr).toMatch(/nonexistent-flow-preload|Cannot find module/);
    expect(run.stderr).toMatch(/Node\.js v24\./);
  });
});
