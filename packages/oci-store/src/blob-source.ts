import { Readable } from 'node:stream';
import { isTransientError } from './transport';

/**
 * What a blob upload reads: the bytes, a stream that can be read once, or a function that opens
 * the content afresh (a file, another store's blob). Only the first and the last can be sent again.
 */
export type BlobSource = Buffer | Readable | (() => Promise<Readable>);

export interface UploadAttemptOptions {
  /** Attempts in all, the first included, for a source that can be read again. Default: 3. */
  attempts?: number;
  /** Waits before the next attempt (`attempt` is the one that failed). Default: no wait. */
  pause?: (attempt: number) => Promise<void>;
  /** Told of each restart, e.g. for a debug line. Default: nothing. */
  onRestart?: (error: unknown, attempt: number, attempts: number) => void;
}

/**
 * Runs `upload` over the content of `source`; `upload` must start from nothing each time (a new
 * upload session, a new temp file), never continue a broken one. A temporary failure — a reset, a
 * 5xx, a source download cut off — starts over with the content opened again, up to `attempts`;
 * a stream that can be read only once, or a failure that repeating cannot fix (DESIGN §8 rule 5:
 * 4xx, a digest mismatch), is thrown at once. The one restart rule of every blob upload.
 */
export async function uploadBlobSource(
  source: BlobSource,
  upload: (content: Buffer | Readable) => Promise<void>,
  options: UploadAttemptOptions = {},
): Promise<void> {
  const attempts = source instanceof Readable ? 1 : Math.max(1, options.attempts ?? 3);
  for (let attempt = 1; ; attempt += 1) {
    const content = typeof source === 'function' ? await source() : source;
    try {
      await upload(content);
      return;
    } catch (error) {
      if (content instanceof Readable) content.destroy();
      if (attempt >= attempts || !isTransientError(error)) throw error;
      options.onRestart?.(error, attempt, attempts);
      await options.pause?.(attempt);
    }
  }
}

/** Releases a source that will not be read (the blob is there already). */
export function discardBlobSource(source: BlobSource): void {
  if (source instanceof Readable) source.destroy();
}
