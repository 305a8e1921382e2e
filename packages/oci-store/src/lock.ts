import { randomBytes } from 'node:crypto';
import { open, readFile, stat, unlink, utimes } from 'node:fs/promises';
import { hostname } from 'node:os';

export interface LockOptions {
  /** Give up acquiring after this long. Default: 60 000 ms. */
  timeoutMs?: number;
  /**
   * A lock whose file has not been touched for this long is stale and may be broken; a live holder
   * touches it every third of this. Default: 30 000 ms.
   */
  staleMs?: number;
  /** First retry delay; doubles (with jitter) up to `maxRetryMs`. Default: 2 ms. */
  minRetryMs?: number;
  /** Longest retry delay. Default: 100 ms. */
  maxRetryMs?: number;
}

/** A held lock. `release` is idempotent and never removes a lock that another holder has taken since. */
export interface Lock {
  readonly path: string;
  release(): Promise<void>;
}

interface LockContent {
  pid: number;
  hostname: string;
  created: string;
  nonce: string;
}

/** Thrown when a lock could not be acquired in time; names the holder so a user can see who holds it. */
export class LockTimeoutError extends Error {
  override name = 'LockTimeoutError';
}

// Waiters in one process queue here, so only one of them polls the lock file at a time.
const processQueues = new Map<string, Promise<void>>();

/**
 * Takes an exclusive lock shared between processes: a lock file created with O_EXCL (`wx`) that
 * holds the pid, host, creation time and a nonce. A lock whose holder is a dead process on this host,
 * or whose file has not been touched for `staleMs`, is broken — under a second O_EXCL "break" file,
 * after re-reading that the stale content is still the same, so two waiters can never both break
 * it and delete a fresh lock.
 */
export async function acquireLock(path: string, options: LockOptions = {}): Promise<Lock> {
  const previous = processQueues.get(path) ?? Promise.resolve();
  let releaseQueue!: () => void;
  const mine = new Promise<void>((resolve) => {
    releaseQueue = resolve;
  });
  const chained = previous.then(() => mine);
  processQueues.set(path, chained);
  const leaveQueue = () => {
    releaseQueue();
    if (processQueues.get(path) === chained) processQueues.delete(path);
  };

  const timeoutMs = options.timeoutMs ?? 60_000;
  const deadline = Date.now() + timeoutMs;
  try {
    await waitUntil(previous, deadline);
  } catch {
    leaveQueue();
    throw new LockTimeoutError(
      `Timed out after ${timeoutMs} ms waiting for the lock ${path} (held by another writer in this process).`,
    );
  }
  try {
    const lock = await acquireFileLock(path, options, deadline, timeoutMs);
    let released = false;
    return {
      path,
      async release() {
        if (released) return;
        released = true;
        try {
          await lock.release();
        } finally {
          leaveQueue();
        }
      },
    };
  } catch (error) {
    leaveQueue();
    throw error;
  }
}

/** Runs `fn` while holding the lock, and releases it however `fn` ends. */
export async function withLock<T>(path: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const lock = await acquireLock(path, options);
  try {
    return await fn();
  } finally {
    await lock.release();
  }
}

async function waitUntil(promise: Promise<void>, deadline: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error('timeout')), Math.max(0, deadline - Date.now()));
  });
  try {
    await Promise.race([promise, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

async function acquireFileLock(
  path: string,
  options: LockOptions,
  deadline: number,
  timeoutMs: number,
): Promise<{ release(): Promise<void> }> {
  const staleMs = options.staleMs ?? 30_000;
  const maxRetryMs = options.maxRetryMs ?? 100;
  let delay = options.minRetryMs ?? 2;
  const content: LockContent = {
    pid: process.pid,
    hostname: hostname(),
    created: new Date().toISOString(),
    nonce: randomBytes(12).toString('hex'),
  };
  const text = JSON.stringify(content);

  for (;;) {
    if (await tryCreate(path, text)) break;
    if (await isStale(path, staleMs)) {
      await breakStaleLock(path, staleMs);
      continue;
    }
    if (Date.now() >= deadline) {
      const holder = await readHolder(path);
      throw new LockTimeoutError(
        `Timed out after ${timeoutMs} ms waiting for the lock ${path}${holder ? ` held by ${holder}` : ''}; if no writer is running, delete the file.`,
      );
    }
    await sleep(Math.min(delay, Math.max(0, deadline - Date.now())) * (0.5 + Math.random()));
    delay = Math.min(delay * 2, maxRetryMs);
  }

  // A long critical section keeps the lock fresh so nobody judges it stale.
  const heartbeat = setInterval(
    () => {
      const now = new Date();
      utimes(path, now, now).catch(() => undefined);
    },
    Math.max(10, Math.floor(staleMs / 3)),
  );
  heartbeat.unref();

  return {
    async release() {
      clearInterval(heartbeat);
      // Only remove the file if it is still ours: a lock broken as stale may belong to someone else now.
      const current = await readFile(path, 'utf8').catch(() => undefined);
      if (current === text) await unlink(path).catch(ignoreMissing);
    },
  };
}

async function tryCreate(path: string, text: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>>;
  try {
    handle = await open(path, 'wx');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
  try {
    await handle.writeFile(text);
    await handle.sync();
  } finally {
    await handle.close();
  }
  return true;
}

async function isStale(path: string, staleMs: number): Promise<boolean> {
  let mtimeMs: number;
  let text: string;
  try {
    mtimeMs = (await stat(path)).mtimeMs;
    text = await readFile(path, 'utf8');
  } catch (error) {
    ignoreMissing(error);
    return false; // gone already: the next attempt can take it
  }
  if (Date.now() - mtimeMs > staleMs) return true;
  const holder = parseContent(text);
  // A holder still writing its content has a fresh, empty file: wait for it, never break it.
  if (!holder || holder.hostname !== hostname()) return false;
  return !isProcessAlive(holder.pid);
}

async function breakStaleLock(path: string, staleMs: number): Promise<void> {
  const breakPath = `${path}.break`;
  const before = await readFile(path, 'utf8').catch(() => undefined);
  if (before === undefined) return;
  if (!(await tryCreate(breakPath, String(process.pid)))) {
    // A breaker that died mid-break leaves its file behind; breaking takes milliseconds, so an old one is dead.
    const breakAge = await stat(breakPath).then(
      (s) => Date.now() - s.mtimeMs,
      () => 0,
    );
    if (breakAge > Math.min(staleMs, 5_000)) await unlink(breakPath).catch(ignoreMissing);
    await sleep(1 + Math.random() * 5);
    return;
  }
  try {
    // Re-check under the break file: the lock must still be the very same stale one.
    const now = await readFile(path, 'utf8').catch(() => undefined);
    if (now === before && (await isStale(path, staleMs))) await unlink(path).catch(ignoreMissing);
  } finally {
    await unlink(breakPath).catch(ignoreMissing);
  }
}

async function readHolder(path: string): Promise<string | undefined> {
  const text = await readFile(path, 'utf8').catch(() => undefined);
  const holder = text === undefined ? undefined : parseContent(text);
  return holder ? `pid ${holder.pid} on ${holder.hostname} since ${holder.created}` : undefined;
}

function parseContent(text: string): LockContent | undefined {
  try {
    const value = JSON.parse(text) as Partial<LockContent>;
    if (
      typeof value.pid === 'number' &&
      typeof value.hostname === 'string' &&
      typeof value.created === 'string'
    ) {
      return value as LockContent;
    }
  } catch {
    // Not yet written, or written by something else: judged by age only.
  }
  return undefined;
}

function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function ignoreMissing(error: unknown): void {
  if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
