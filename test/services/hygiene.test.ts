import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { listRunningPids, startRegistry } from './index';
import {
  awaitReady,
  createTempDir,
  removeTempDir,
  spawnService,
  startOnFreePort,
  stopProcess,
} from './processes';

const repositoryRoot = join(import.meta.dirname, '..', '..');

/** Runs the fixture in its own Node process and returns the pid of the registry it left behind. */
function runLeaver(
  how: 'exit' | 'throw' | 'sigterm',
): Promise<{ pid: number; host: string; storageDir: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'fixtures', 'leave-running.ts'), how],
      {
        cwd: repositoryRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    child.once('error', reject);
    child.once('close', (code) => {
      const match = /^(\d+) (\S+) (\S+)$/m.exec(stdout);
      if (!match?.[1] || !match[2] || !match[3]) {
        reject(new Error(`fixture printed no pid (exit ${code}): ${stderr}`));
        return;
      }
      resolve({ pid: Number(match[1]), host: match[2], storageDir: match[3], code });
    });
  });
}

/**
 * Whether `pid` still runs. A killed orphan stays a zombie until init reaps it, and
 * `process.kill(pid, 0)` succeeds on a zombie, so this reads the state from /proc.
 */
async function isRunning(pid: number): Promise<boolean> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
}

async function waitUntilGone(pid: number): Promise<boolean> {
  for (let i = 0; i < 50; i += 1) {
    if (!(await isRunning(pid))) return true;
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return false;
}

describe('process hygiene', () => {
  it.each(['exit', 'throw', 'sigterm'] as const)(
    'kills a service left running, and removes its temp dir, when its test process ends by %s',
    async (how) => {
      const left = await runLeaver(how);
      expect(left.code).toBe(how === 'exit' ? 0 : how === 'throw' ? 1 : null);
      expect(await waitUntilGone(left.pid)).toBe(true);
      await expect(fetch(`http://${left.host}/v2/`)).rejects.toThrow(/fetch failed/);
      expect(existsSync(left.storageDir)).toBe(false);
    },
  );

  it('registers each child until it is stopped', async () => {
    const registry = await startRegistry();
    expect(listRunningPids()).toContain(registry.pid);
    await registry.stop();
    expect(listRunningPids()).not.toContain(registry.pid);
  });

  it('retries on another port when the one it picked was taken in between', async () => {
    const dir = await createTempDir('port-race');
    // Someone else binds the first port the kit picks, as a parallel test might.
    const squatter = createServer();
    const triedPorts: number[] = [];
    try {
      const result = await startOnFreePort('docker-registry', async (port) => {
        triedPorts.push(port);
        if (triedPorts.length === 1) {
          await new Promise<void>((resolve) => squatter.listen(port, '127.0.0.1', resolve));
        }
        const configFile = join(dir, `config-${port}.yml`);
        await writeFile(
          configFile,
          JSON.stringify({
            version: 0.1,
            storage: { filesystem: { rootdirectory: join(dir, 'storage') } },
            http: { addr: `127.0.0.1:${port}` },
          }),
        );
        const managed = spawnService({
          name: 'docker-registry',
          command: '/usr/bin/docker-registry',
          args: ['serve', configFile],
          logFile: join(dir, `registry-${port}.log`),
        });
        await awaitReady(managed, `http://127.0.0.1:${port}/v2/`);
        return { managed, port };
      });
      expect(triedPorts).toHaveLength(2);
      expect(result.port).toBe(triedPorts[1]);
      expect(await readFile(join(dir, `registry-${triedPorts[0]}.log`), 'utf8')).toContain(
        'address already in use',
      );
      expect((await fetch(`http://127.0.0.1:${result.port}/v2/`)).status).toBe(200);
      await stopProcess(result.managed);
    } finally {
      squatter.close();
      await removeTempDir(dir);
    }
  });
});
