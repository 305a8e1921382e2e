import { execFile } from 'node:child_process';
import { join } from 'node:path';

// The flow command run as a user runs it: a real process (node on the package's bin launcher),
// its exit code, stdout and stderr.
const ROOT = join(import.meta.dirname, '..', '..');
export const LAUNCHER = join(ROOT, 'packages', 'flow-cli', 'bin', 'flow.js');

export interface FlowRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

/** Runs `flow <args>` in `cwd` with exactly `env` (plus PATH), stdout and stderr apart. */
export function runFlow(
  args: readonly string[],
  options: { cwd: string; env: NodeJS.ProcessEnv },
): Promise<FlowRun> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [LAUNCHER, ...args],
      { cwd: options.cwd, env: { PATH: process.env.PATH, ...options.env }, timeout: 60_000 },
      (error, stdout, stderr) => {
        const code = error && typeof error.code === 'number' ? error.code : error ? -1 : 0;
        resolve({ exitCode: code, stdout, stderr });
      },
    );
  });
}
