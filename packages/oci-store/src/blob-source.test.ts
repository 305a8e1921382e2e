import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { type BlobSource, uploadBlobSource } from './blob-source';
import { DigestMismatchError } from './digest';
import { RegistryError } from './errors';

const reset = () => Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNRESET' } });
const unavailable = () =>
  new RegistryError('registry x kept answering 503', {
    status: 503,
    temporary: true,
    operation: 'put-blob',
    url: '/',
  });
const denied = () =>
  new RegistryError('registry x denied put-blob', {
    status: 403,
    temporary: false,
    operation: 'put-blob',
    url: '/',
  });
const mismatch = () => new DigestMismatchError('blob', 'sha256:a', 'sha256:b');

/** Runs an upload whose attempts fail with `failures` in turn, then succeed; records what happened. */
async function attempt(source: BlobSource, failures: (() => Error)[]) {
  const seen: string[] = [];
  const pauses: number[] = [];
  const restarts: string[] = [];
  const outcome = await uploadBlobSource(
    source,
    async (content) => {
      seen.push(Buffer.isBuffer(content) ? 'buffer' : 'stream');
      const failure = failures[seen.length - 1];
      if (failure) throw failure();
    },
    {
      pause: async (n) => {
        pauses.push(n);
      },
      onRestart: (_error, n, of) => restarts.push(`${n + 1}/${of}`),
    },
  ).then(
    () => 'uploaded',
    (error: Error) => error.message,
  );
  return { outcome, seen, pauses, restarts };
}

describe('uploadBlobSource', () => {
  it('starts a Buffer over after a reset and a 503, then uploads', async () => {
    expect(await attempt(Buffer.from('x'), [reset, unavailable])).toEqual({
      outcome: 'uploaded',
      seen: ['buffer', 'buffer', 'buffer'],
      pauses: [1, 2],
      restarts: ['2/3', '3/3'],
    });
  });

  it('opens a reopenable source afresh for every attempt', async () => {
    let opened = 0;
    const source = async () => {
      opened += 1;
      return Readable.from([Buffer.from('x')]);
    };
    expect((await attempt(source, [reset])).outcome).toBe('uploaded');
    expect(opened).toBe(2);
  });

  it('gives up after three attempts with the last failure', async () => {
    const result = await attempt(Buffer.from('x'), [reset, reset, unavailable, reset]);
    expect(result).toMatchObject({ outcome: 'registry x kept answering 503', pauses: [1, 2] });
    expect(result.seen).toHaveLength(3);
  });

  it.each([
    ['a stream that can be read only once', () => Readable.from([Buffer.from('x')]), reset, 'fetch failed'],
    ['a 403', () => Buffer.from('x'), denied, 'registry x denied put-blob'],
    ['a digest mismatch', () => Buffer.from('x'), mismatch, 'blob: content does not match its digest'],
  ])('never repeats %s', async (_name, source, failure, message) => {
    const result = await attempt(source(), [failure]);
    expect(result.outcome).toContain(message);
    expect(result.seen).toHaveLength(1);
    expect(result.pauses).toEqual([]);
  });
});
