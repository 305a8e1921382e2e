import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

const DIGEST_PATTERN = /^sha256:[a-f0-9]{64}$/;

/** True for `sha256:<64 lower-case hex>`, the only algorithm the store writes or accepts. */
export function isDigest(value: unknown): value is string {
  return typeof value === 'string' && DIGEST_PATTERN.test(value);
}

/** `sha256:<hex>` of the bytes. */
export function computeDigest(bytes: Buffer | Uint8Array | string): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Content whose bytes do not hash to the digest that names it: never stored, never returned. */
export class DigestMismatchError extends Error {
  override name = 'DigestMismatchError';
  constructor(
    readonly what: string,
    readonly expected: string,
    readonly actual: string,
  ) {
    super(`${what}: content does not match its digest (expected ${expected}, got ${actual}); refusing it`);
  }
}

/** A size other than the descriptor's: the content is truncated or padded. */
export class SizeMismatchError extends Error {
  override name = 'SizeMismatchError';
  constructor(
    readonly what: string,
    readonly expected: number,
    readonly actual: number,
  ) {
    super(`${what}: expected ${expected} bytes, got ${actual}; refusing it`);
  }
}

export interface VerifyingStreamOptions {
  /** Expected size in bytes. Default: not checked. */
  size?: number;
  /** Names the content in error messages. Default: the digest. */
  what?: string;
}

/**
 * A pass-through stream that hashes what flows through it and fails at the end (before the
 * consumer sees a clean end) if the bytes do not match `digest` or `size`.
 */
export function createVerifyingStream(digest: string, options: VerifyingStreamOptions = {}): Transform {
  const hash = createHash('sha256');
  const what = options.what ?? digest;
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      seen += chunk.length;
      if (options.size !== undefined && seen > options.size) {
        callback(new SizeMismatchError(what, options.size, seen));
        return;
      }
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      if (options.size !== undefined && seen !== options.size) {
        callback(new SizeMismatchError(what, options.size, seen));
        return;
      }
      const actual = `sha256:${hash.digest('hex')}`;
      callback(actual === digest ? null : new DigestMismatchError(what, digest, actual));
    },
  });
}
