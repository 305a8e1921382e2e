import { createHash } from 'node:crypto';
import { Transform, type TransformCallback } from 'node:stream';

const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** `sha256:<hex>` of the bytes. */
export function digestOf(bytes: Buffer): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** True for a well-formed `sha256:` digest (lower-case hex, 64 characters): the only algorithm the store writes. */
export function isDigest(value: unknown): value is string {
  return typeof value === 'string' && DIGEST_PATTERN.test(value);
}

/** Content whose bytes do not hash to the digest (or size) they were fetched or stored under. */
export class DigestMismatchError extends Error {
  override name = 'DigestMismatchError';
  constructor(
    message: string,
    readonly expectedDigest: string,
    readonly actualDigest: string | undefined,
  ) {
    super(message);
  }
}

/**
 * A pass-through stream that hashes what flows through it and fails at the end (or as soon as the
 * size is exceeded) when the bytes do not match: consumers never see a silently corrupt blob finish.
 */
export function createVerifyingStream(expectedDigest: string, expectedSize?: number): Transform {
  if (!isDigest(expectedDigest)) {
    throw new Error(
      `Invalid digest "${expectedDigest}": expected sha256: followed by 64 lower-case hex characters.`,
    );
  }
  const hash = createHash('sha256');
  let seen = 0;
  return new Transform({
    transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback) {
      seen += chunk.length;
      if (expectedSize !== undefined && seen > expectedSize) {
        callback(
          new DigestMismatchError(
            `Content of ${expectedDigest} is larger than its declared size ${expectedSize}.`,
            expectedDigest,
            undefined,
          ),
        );
        return;
      }
      hash.update(chunk);
      callback(null, chunk);
    },
    flush(callback: TransformCallback) {
      if (expectedSize !== undefined && seen !== expectedSize) {
        callback(
          new DigestMismatchError(
            `Content of ${expectedDigest} is ${seen} bytes, expected ${expectedSize}.`,
            expectedDigest,
            undefined,
          ),
        );
        return;
      }
      const actual = `sha256:${hash.digest('hex')}`;
      if (actual !== expectedDigest) {
        callback(
          new DigestMismatchError(
            `Content does not match its digest: expected ${expectedDigest}, got ${actual}.`,
            expectedDigest,
            actual,
          ),
        );
        return;
      }
      callback();
    },
  });
}
