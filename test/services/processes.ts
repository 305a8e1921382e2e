import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, constants, openSync, rmSync } from 'node:fs';
import { access, mkdtemp, readFile, rm } from 'node:fs/promises';
import type { Server } from 'node:http';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { delimiter, isAbsolute, join } from 'node:path';

/** A service child process started by the kit, stopped by its pid. */
export interface ManagedProcess {
  /** What it is, for messages: `docker-registry`, `verdaccio`. */
  readonly name: string;
  readonly pid: number;
  readonly child: ChildProcess;
  /** Its stdout and stderr, both. */
  readonly logFile: string;
  /** Resolves when the process has exited (and was reaped, so its pid is gone). */
  readonly exited: Promise<void>;
  /** Whether it has exited. */
  hasExited(): boolean;
}

/** Every child the kit started and has not stopped yet, by pid. */
const running = new Map<number, ManagedProcess>();
/** Temp dirs to remove on exit when a test never called stop(). */
const tempDirs = new Set<string>();

// A test that throws before afterAll, or a worker that exits early, must not leave a registry
// behind: whatever is still registered dies with this process, and its temp dirs go.
process.on('exit', cleanUpAll);
// A signal skips 'exit' handlers: kill the children, then let the signal do what it would have.
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.once(signal, () => {
    cleanUpAll();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  });
}

/** Synchronous on purpose: nothing async runs in an exit handler. */
function cleanUpAll(): void {
  for (const pid of running.keys()) killGroup(pid, 'SIGKILL');
  for (const dir of tempDirs) rmSync(dir, { recursive: true, force: true });
}

/** The pids the kit is still running: for tests that check hygiene. */
export function listRunningPids(): number[] {
  return [...running.keys()];
}

/**
 * Fails unless `binary` exists and is executable, naming the command that installs it. A name
 * without a slash is looked up on PATH.
 */
export async function requireBinary(binary: string, install: string): Promise<string> {
  const name = binary.split('/').pop() ?? binary;
  const candidates = isAbsolute(binary)
    ? [binary]
    : (process.env.PATH ?? '').split(delimiter).map((dir) => join(dir, binary));
  for (const candidate of candidates) {
    try {
      await access(candidate, constants.X_OK);
      return candidate;
    } catch {
      // Try the next PATH entry.
    }
  }
  throw new Error(`${name} is not installed (looked for ${binary}): run "${install}"`);
}

/** Creates a temp dir that is removed on stop, or on exit if stop never ran. */
export async function createTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `flow-${prefix}-`));
  tempDirs.add(dir);
  return dir;
}

export async function removeTempDir(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
  tempDirs.delete(dir);
}

/**
 * A port that was free a moment ago on 127.0.0.1. Another process may take it before we bind it:
 * callers retry on EADDRINUSE.
 */
export function findFreePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      if (address === null || typeof address === 'string') {
        server.close();
        reject(new Error('Could not read the port of a probe socket'));
        return;
      }
      server.close(() => resolve(address.port));
    });
  });
}

export interface SpawnServiceOptions {
  name: string;
  command: string;
  args: readonly string[];
  /** Where stdout and stderr go. */
  logFile: string;
  /** Default: this process's environment. */
  env?: NodeJS.ProcessEnv;
  /** Default: the current directory. */
  cwd?: string;
}

/**
 * Starts a service in its own process group (detached) so that stop() can kill it with every
 * child it forked, and registers it so that nothing outlives the test process.
 */
export function spawnService(options: SpawnServiceOptions): ManagedProcess {
  const log = openSync(options.logFile, 'a');
  let child: ChildProcess;
  try {
    child = spawn(options.command, options.args, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      detached: true,
      stdio: ['ignore', log, log],
    });
  } finally {
    closeSync(log);
  }
  if (child.pid === undefined) {
    throw new Error(`Could not start ${options.name} (${options.command})`);
  }
  const pid = child.pid;
  let exited = false;
  const exitedPromise = new Promise<void>((resolve) => {
    child.once('exit', () => {
      exited = true;
      running.delete(pid);
      resolve();
    });
    child.once('error', () => {
      exited = true;
      running.delete(pid);
      resolve();
    });
  });
  const managed: ManagedProcess = {
    name: options.name,
    pid,
    child,
    logFile: options.logFile,
    exited: exitedPromise,
    hasExited: () => exited,
  };
  running.set(pid, managed);
  return managed;
}

export interface StopProcessOptions {
  /** How long SIGTERM has before SIGKILL follows. Default: 3000 ms. */
  graceMs?: number;
}

/** Kills the process group by pid (SIGTERM, then SIGKILL after the grace period) and waits for exit. */
export async function stopProcess(managed: ManagedProcess, options: StopProcessOptions = {}): Promise<void> {
  if (managed.hasExited()) return;
  killGroup(managed.pid, 'SIGTERM');
  const graceMs = options.graceMs ?? 3000;
  let timer: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    managed.exited.then(() => false),
    new Promise<boolean>((resolve) => {
      timer = setTimeout(() => resolve(true), graceMs);
    }),
  ]);
  clearTimeout(timer);
  if (timedOut) {
    killGroup(managed.pid, 'SIGKILL');
    await managed.exited;
  }
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already; try the pid itself in case it left its group.
    try {
      process.kill(pid, signal);
    } catch {
      // Gone.
    }
  }
}

/** The last lines of a log file, for start-up failures. */
export async function readLogTail(logFile: string, lines = 15): Promise<string> {
  try {
    const text = await readFile(logFile, 'utf8');
    return text.trim().split('\n').slice(-lines).join('\n');
  } catch {
    return '(no log)';
  }
}

export interface WaitForHttpOptions {
  /** Statuses that mean "up". Default: any answer. */
  ready?: (status: number) => boolean;
  /** Default: 20000 ms. */
  timeoutMs?: number;
  /** Gives up early when the process has died. */
  process?: ManagedProcess;
}

/** Polls `url` until it answers with a ready status; throws on timeout or when the process died. */
export async function waitForHttp(url: string, options: WaitForHttpOptions = {}): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 20_000);
  const ready = options.ready ?? (() => true);
  let last = 'no answer yet';
  while (Date.now() < deadline) {
    if (options.process?.hasExited()) {
      throw new ServiceExitedError(`${options.process.name} exited before it answered on ${url}`);
    }
    try {
      // Give up on a hung probe as soon as the process dies (a squatter may hold the port).
      const died = new AbortController();
      void options.process?.exited.then(() => died.abort());
      const response = await fetch(url, {
        signal: AbortSignal.any([AbortSignal.timeout(2000), died.signal]),
      });
      await response.arrayBuffer();
      if (ready(response.status)) return;
      last = `HTTP ${response.status}`;
    } catch (error) {
      last =
        error instanceof Error
          ? error.cause instanceof Error
            ? error.cause.message
            : error.message
          : 'error';
    }
    await sleep(50);
  }
  throw new Error(`Timed out waiting for ${url} (${last})`);
}

export class ServiceExitedError extends Error {
  override name = 'ServiceExitedError';
}

/** Waits at least `ms` by the wall clock (a timer alone may fire a millisecond early). */
export async function sleep(ms: number): Promise<void> {
  const end = Date.now() + ms;
  for (let left = ms; left > 0; left = end - Date.now()) {
    await new Promise((resolve) => setTimeout(resolve, left));
  }
}

/**
 * Starts a service on a fresh free port, retrying with another port when the one it picked was
 * taken in between (the log says "address already in use").
 */
export async function startOnFreePort<T>(
  name: string,
  attempt: (port: number) => Promise<T>,
  attempts = 3,
): Promise<T> {
  let lastError: unknown;
  for (let i = 0; i < attempts; i += 1) {
    const port = await findFreePort();
    try {
      return await attempt(port);
    } catch (error) {
      lastError = error;
      const logFile = error instanceof StartError ? error.logFile : undefined;
      const tail = logFile ? await readLogTail(logFile, 40) : '';
      if (!/address already in use|EADDRINUSE/i.test(tail)) throw error;
    }
  }
  throw new Error(`Could not start ${name} on a free port after ${attempts} attempts`, { cause: lastError });
}

/** A failed start, carrying the log to show and to check for EADDRINUSE. */
export class StartError extends Error {
  override name = 'StartError';
  constructor(
    message: string,
    readonly logFile: string,
  ) {
    super(message);
  }
}

/** Waits for a freshly spawned service; on failure stops it and throws with its log tail. */
export async function awaitReady(managed: ManagedProcess, url: string, options: WaitForHttpOptions = {}) {
  try {
    await waitForHttp(url, { ...options, process: managed });
  } catch (error) {
    await stopProcess(managed, { graceMs: 500 });
    const tail = await readLogTail(managed.logFile);
    const reason = error instanceof Error ? error.message : String(error);
    throw new StartError(
      `${managed.name} did not start: ${reason}\n--- ${managed.logFile} ---\n${tail}`,
      managed.logFile,
    );
  }
}

/** Listens on 127.0.0.1 with a port the kernel picks; resolves to that port. */
export function listenOnLoopback(server: Server): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve((server.address() as AddressInfo).port);
    });
  });
}

/** Closes a server and every connection it still holds (keep-alive sockets would block close). */
export function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Makes stop() safe to call twice (a test's own call and afterAll's). */
export function onceOnly(fn: () => Promise<void>): () => Promise<void> {
  let done: Promise<void> | undefined;
  return () => {
    done ??= fn();
    return done;
  };
}
