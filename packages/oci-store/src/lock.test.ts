import { execFile, spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, utimes, writeFile } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { acquireLock, LockTimeoutError, withLock } from './lock';

let dir: string;
let lockPath: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lock-'));
  lockPath = join(dir, 'index.json.lock');
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

function holderContent(pid: number): string {
  return JSON.stringify({ pid, hostname: hostname(), created: '2026-01-01T00:00:00.000Z', nonce: 'x' });
}

describe('acquireLock', () => {
  it('lets one holder at a time run, and removes the lock file afterwards', async () => {
    let inside = 0;
    let most = 0;
    const order: number[] = [];
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        withLock(lockPath, async () => {
          inside += 1;
          most = Math.max(most, inside);
          await new Promise((r) => setTimeout(r, 1));
          order.push(i);
          inside -= 1;
        }),
      ),
    );
    expect(most).toBe(1);
    expect(order).toHaveLength(20);
    expect(await readdir(dir)).toEqual([]);
  });

  it('writes its pid and host into the lock file while held', async () => {
    const lock = await acquireLock(lockPath);
    const content = JSON.parse(await readFile(lockPath, 'utf8')) as { pid: number; hostname: string };
    expect(content.pid).toBe(process.pid);
    expect(content.hostname).toBe(hostname());
    await lock.release();
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('breaks a lock left by a process that has exited', async () => {
    const exited = spawnSync(process.execPath, ['-e', 'process.exit(0)']);
    await writeFile(lockPath, holderContent(exited.pid ?? 0));
    const lock = await acquireLock(lockPath, { timeoutMs: 2_000 });
    expect(JSON.parse(await readFile(lockPath, 'utf8')).pid).toBe(process.pid);
    await lock.release();
  });

  it('breaks a lock nobody has touched for longer than staleMs, even with a live pid', async () => {
    await writeFile(lockPath, holderContent(process.pid));
    const old = new Date(Date.now() - 60_000);
    await utimes(lockPath, old, old);
    const lock = await acquireLock(lockPath, { timeoutMs: 2_000, staleMs: 30_000 });
    await lock.release();
  });

  it('times out on a live, fresh lock and names its holder', async () => {
    await writeFile(lockPath, holderContent(process.pid));
    const error = await acquireLock(lockPath, { timeoutMs: 150 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LockTimeoutError);
    expect((error as Error).message).toBe(
      `Timed out after 150 ms waiting for the lock ${lockPath} held by pid ${process.pid} on ${hostname()} since 2026-01-01T00:00:00.000Z; if no writer is running, delete the file.`,
    );
    // The lock it could not take is untouched.
    expect(await readFile(lockPath, 'utf8')).toBe(holderContent(process.pid));
  });

  it('does not remove a lock that was broken and taken by someone else in the meantime', async () => {
    const lock = await acquireLock(lockPath);
    await writeFile(lockPath, holderContent(process.pid));
    await lock.release();
    expect(await readFile(lockPath, 'utf8')).toBe(holderContent(process.pid));
  });

  it('keeps a held lock fresh, so a long critical section is not judged stale', async () => {
    await withLock(
      lockPath,
      async () => {
        await new Promise((r) => setTimeout(r, 400));
        // A second waiter with the same stale threshold must not break it.
        await expect(acquireLockInChild(lockPath)).resolves.toBe('timeout');
      },
      { staleMs: 150 },
    );
  });
});

/** Tries the lock from another process with a short timeout and a short stale threshold. */
async function acquireLockInChild(path: string): Promise<string> {
  const script = `
    import { acquireLock } from ${JSON.stringify(join(import.meta.dirname, 'lock.ts'))};
    acquireLock(${JSON.stringify(path)}, { timeoutMs: 300, staleMs: 150 })
      .then(() => console.log('acquired'), () => console.log('timeout'));
  `;
  // Asynchronous on purpose: the parent's heartbeat must keep running while the child waits.
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ['--import', 'tsx', '--input-type=module', '-e', script],
    { cwd: join(import.meta.dirname, '..', '..', '..') },
  );
  return stdout.trim();
}
