import { describe, expect, it } from 'vitest';
import { ExecError, exec } from './exec';
import { RecordingLogger } from './logger';
import { SecretMasker } from './secrets';

describe('exec', () => {
  it('passes arguments as an array: shell syntax in an argument stays literal', async () => {
    const result = await exec('printf', ['%s|', 'a b', '$(touch /tmp/never)', '; echo hi']);
    expect(result.stdout).toBe('a b|$(touch /tmp/never)|; echo hi|');
    expect(result.exitCode).toBe(0);
  });

  it('feeds standard input', async () => {
    expect((await exec('cat', [], { input: 'from stdin' })).stdout).toBe('from stdin');
  });

  it('throws with the exit code and the end of stderr', async () => {
    const failure = exec('sh', ['-c', 'echo first >&2; echo boom >&2; exit 3']);
    await expect(failure).rejects.toThrow(ExecError);
    await expect(failure).rejects.toThrow(/exited with code 3: first \| boom$/);
    await expect(failure).rejects.toMatchObject({ exitCode: 3 });
  });

  it('returns the failure when asked to', async () => {
    const result = await exec('sh', ['-c', 'exit 4'], { allowFailure: true });
    expect(result.exitCode).toBe(4);
  });

  it('says how to fix a missing program', async () => {
    await expect(exec('no-such-program-flow', [])).rejects.toThrow(
      '"no-such-program-flow" is not installed or not on PATH.',
    );
  });

  it('redacts secrets from the logged command line and from errors', async () => {
    const logger = new RecordingLogger();
    const masker = new SecretMasker();
    masker.add('s3cret-pass');
    await expect(
      exec('sh', ['-c', 'echo "denied for $0" >&2; exit 1', 's3cret-pass'], { logger, masker }),
    ).rejects.toThrow(/denied for \*\*\*/);
    expect(logger.text).toContain('[command] sh -c');
    expect(logger.text).not.toContain('s3cret-pass');
  });
});
