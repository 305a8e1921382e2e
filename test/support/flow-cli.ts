import { execFile } from 'node:child_process';
import { join } from 'node:path';

// The flow command run as a user runs it: a real process (node on the package's bin launcher),
// its exit code, stdout and stderr.
const LAUNCHER = join(import.meta.dirname, '..', '..', 'packages', 'flow-cli', 'bin', 'flow.js');

export interface FlowRun {
  exitCode: number;
  stdout: string;
  stderr: string;
}

export interface FlowOptions {
  cwd: string;
  /** The process's whole environment besides PATH: HOME, DOCKER_CONFIG, FLOW_ACTOR, … */
  env: NodeJS.ProcessEnv;
}

/** Runs `flow <args>` in a new process and resolves with how it ended; never rejects. */
export function runFlow(args: readonly string[], options: FlowOptions): Promise<FlowRun> {
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
