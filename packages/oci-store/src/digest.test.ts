import { Readable, Writable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { describe, expect, it } from 'vitest';
import {
  computeDigest,
  createVerifyingStream,
  DigestMismatchError,
  isDigest,
  SizeMismatchError,
  type VerifyingStreamOptions,
} from './digest';

async function drain(chunks: Buffer[], digest: string, options?: VerifyingStreamOptions): Promise<Buffer> {
  const out: Buffer[] = [];
  await pipeline(
    Readable.from(chunks),
    createVerifyingStream(digest, options),
    new Writable({
      write(chunk: Buffer, _encoding, callback) {
        out.push(chunk);
        callback();
      },
    }),
  );
  return Buffer.concat(out);
}

describe('computeDigest', () => {
  it('hashes the empty OCI config to its well-known digest', () => {
    expect(computeDigest(Buffer.from('{}'))).toBe(
      'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
    );
  });
  it('hashes empty input', () => {
    expect(computeDigest(Buffer.alloc(0))).toBe(
      'sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });
});

describe('isDigest', () => {
  it.each<[unknown, boolean]>([
    ['sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', true],
    ['sha256:44136FA355B3678A1146AD16F7E8649E94FB4FC21FE77E8310C060F61CAAFF8A', false],
    ['sha256:44136fa3', false],
    ['sha512:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a', false],
    ['latest', false],
    ['sha256:../../../../etc/passwd000000000000000000000000000000000000000000', false],
    [42, false],
  ])('%s → %s', (value, expected) => {
    expect(isDigest(value)).toBe(expected);
  });
});

describe('createVerifyingStream', () => {
  const content = Buffer.from('hello, layout');
  const digest = computeDigest(content);

  it('passes matching content through unchanged, across chunk boundaries', async () => {
    const out = await drain([content.subarray(0, 3), content.subarray(3)], digest, { size: content.length });
    expect(out.equals(content)).toBe(true);
  });

  it('accepts matching content without a size', async () => {
    expect((await drain([content], digest)).equals(content)).toBe(true);
  });

  it('fails when the bytes do not hash to the digest', async () => {
    const tampered = Buffer.from('hello, layouT');
    const error = await drain([tampered], digest, { what: 'blob of oci:/x' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect((error as DigestMismatchError).message).toBe(
      `blob of oci:/x: content does not match its digest (expected ${digest}, got ${computeDigest(tampered)}); refusing it`,
    );
  });

  it('fails when the content is shorter than its size', async () => {
    const error = await drain([content], digest, { size: content.length + 1 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(SizeMismatchError);
    expect((error as Error).message).toBe(
      `${digest}: expected ${content.length + 1} bytes, got ${content.length}; refusing it`,
    );
  });

  it('fails as soon as the content is longer than its size', async () => {
    await expect(drain([content, content], digest, { size: content.length })).rejects.toThrow(
      `expected ${content.length} bytes, got ${content.length * 2}`,
    );
  });
});
