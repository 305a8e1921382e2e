import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { LayoutStore, MediaTypes, REF_NAME_ANNOTATION } from '@flow-actions/oci-store';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sha256 } from './tiny-image';

const REPO_ROOT = join(import.meta.dirname, '..', '..');
const WRITER = join(import.meta.dirname, 'layout-writer.ts');

let dir: string;
const children: ChildProcess[] = [];
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'layout-lock-'));
});
afterEach(async () => {
  for (const child of children.splice(0)) {
    if (child.exitCode === null && child.signalCode === null && child.pid) process.kill(child.pid, 'SIGKILL');
  }
  await rm(dir, { recursive: true, force: true });
});

/** Runs the writer in its own Node process (tsx for the TypeScript sources). */
async function runWriter(args: string[]): Promise<string> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', WRITER, ...args], {
    cwd: REPO_ROOT,
    maxBuffer: 16 * 1024 * 1024,
  });
  return stdout;
}

describe('LayoutStore index lock across processes', () => {
  it('two processes × 50 concurrent tag writes leave a valid index.json with all 100 tags', async () => {
    const started = Date.now();
    const outputs = await Promise.all([
      runWriter(['tags', dir, 'alpha', '50']),
      runWriter(['tags', dir, 'beta', '50']),
    ]);
    const elapsed = Date.now() - started;
    const written = Object.assign(
      {},
      ...outputs.map((out) => JSON.parse(out) as Record<string, string>),
    ) as Record<string, string>;
    expect(Object.keys(written)).toHaveLength(100);

    const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8')) as {
      schemaVersion: number;
      manifests: { digest: string; annotations: Record<string, string> }[];
    };
    expect(index.schemaVersion).toBe(2);
    expect(index.manifests).toHaveLength(100);
    const fromIndex = Object.fromEntries(
      index.manifests.map((m) => [m.annotations[REF_NAME_ANNOTATION], m.digest]),
    );
    expect(fromIndex).toEqual(written);

    const store = new LayoutStore(dir);
    const expectedTags = [
      ...Array.from({ length: 50 }, (_, n) => `alpha-${n}`),
      ...Array.from({ length: 50 }, (_, n) => `beta-${n}`),
    ].sort();
    expect(await store.listTags()).toEqual(expectedTags);
    for (const [tag, digest] of Object.entries(written)) {
      const manifest = await store.getManifest(tag);
      expect(manifest?.digest).toBe(digest);
      expect(sha256(manifest?.bytes ?? '')).toBe(digest);
    }
    // Nothing half-written or held is left behind.
    expect((await readdir(dir)).sort()).toEqual(['blobs', 'index.json', 'oci-layout']);
    console.info(`100 tag writes from 2 processes took ${elapsed} ms (including 2 node starts)`);
  });

  it('two processes creating the same 30 tags with createTag: each tag is created once, by one of them', async () => {
    const outputs = await Promise.all([
      runWriter(['create', dir, 'alpha', '30']),
      runWriter(['create', dir, 'beta', '30']),
    ]);
    const [alpha, beta] = outputs.map(
      (out) => JSON.parse(out) as Record<string, { digest: string; created: boolean }>,
    );
    const store = new LayoutStore(dir);
    for (let n = 0; n < 30; n++) {
      const tag = `race-${n}`;
      const mine = alpha?.[tag];
      const theirs = beta?.[tag];
      // Exactly one writer created it, and both were told the digest the tag holds: the creator's.
      expect([mine?.created, theirs?.created].filter(Boolean)).toHaveLength(1);
      expect(mine?.digest).toBe(theirs?.digest);
      expect((await store.resolve(tag))?.digest).toBe(mine?.digest);
    }
    // The loser's manifest bytes were never written: only the winners' manifests are blobs.
    const manifests = (await readdir(join(dir, 'blobs', 'sha256'))).length;
    expect(manifests).toBe(30 + 1);
  });

  it('breaks the lock of a writer that was killed while holding it', async () => {
    const holder = spawn(process.execPath, ['--import', 'tsx', WRITER, 'hold', dir], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(holder);
    await new Promise<void>((resolve, reject) => {
      holder.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('locked')) resolve();
      });
      holder.on('exit', (code) => reject(new Error(`holder exited early with ${code}`)));
    });
    const lockPath = join(dir, 'index.json.lock');
    expect(JSON.parse(await readFile(lockPath, 'utf8')).pid).toBe(holder.pid);

    const exited = new Promise((resolve) => holder.on('exit', resolve));
    process.kill(holder.pid ?? 0, 'SIGKILL');
    await exited;
    // The killed holder could not clean up: its lock file is still there.
    await stat(lockPath);

    const store = new LayoutStore(dir, { lock: { timeoutMs: 5_000 } });
    const bytes = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] }),
    );
    const started = Date.now();
    expect(await store.putManifest('after-crash', { bytes, mediaType: MediaTypes.ociIndex })).toBe(
      sha256(bytes),
    );
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(await store.listTags()).toEqual(['after-crash']);
    await expect(stat(lockPath)).rejects.toThrow('ENOENT');
  });

  it('a live holder in another process makes a writer wait, then fail with a message naming it', async () => {
    const holder = spawn(process.execPath, ['--import', 'tsx', WRITER, 'hold', dir], {
      cwd: REPO_ROOT,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    children.push(holder);
    await new Promise<void>((resolve) => {
      holder.stdout?.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('locked')) resolve();
      });
    });
    const store = new LayoutStore(dir, { lock: { timeoutMs: 300 } });
    const bytes = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: MediaTypes.ociIndex, manifests: [] }),
    );
    await expect(store.putManifest('blocked', { bytes, mediaType: MediaTypes.ociIndex })).rejects.toThrow(
      new RegExp(
        `^Timed out after 300 ms waiting for the lock ${dir}/index\\.json\\.lock held by pid ${holder.pid} on `,
      ),
    );
    expect(await store.listTags()).toEqual([]);
  });
});
