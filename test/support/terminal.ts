import { spawn } from 'node:child_process';
import { join } from 'node:path';

// flow on a real terminal: util-linux `script` runs it on a pseudo-terminal (stdin, stdout and
// stderr all a terminal), and the test types each answer once its question is on the screen.
const LAUNCHER = join(import.meta.dirname, '..', '..', 'packages', 'flow-cli', 'bin', 'flow.js');

export interface TerminalRun {
  exitCode: number | null;
  /** Everything the terminal showed: stdout and stderr together, as on a screen. */
  screen: string;
}

export interface TerminalOptions {
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Each `[text, answer]`: when the screen shows `text` (after the previous answer), type `answer` and Enter. */
  answers?: readonly (readonly [string, string])[];
}

const quote = (arg: string) => `'${arg.replace(/'/g, `'\\''`)}'`;

/** Runs `flow <args>` on a pseudo-terminal and resolves with how it ended; killed after a minute. */
export function flowOnTerminal(args: readonly string[], options: TerminalOptions): Promise<TerminalRun> {
  const command = [process.execPath, LAUNCHER, ...args].map(quote).join(' ');
  return new Promise((resolve, reject) => {
    const child = spawn('script', ['-qec', command, '/dev/null'], { cwd: options.cwd, env: options.env });
    const answers = [...(options.answers ?? [])];
    let screen = '';
    let seen = 0;
    const timer = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.stdout.on('data', (chunk: Buffer) => {
      screen += chunk.toString('utf8');
      const next = answers[0];
      const at = next ? screen.indexOf(next[0], seen) : -1;
      if (next && at >= 0) {
        answers.shift();
        seen = at + next[0].length;
        child.stdin.write(`${next[1]}\r`);
      }
    });
    child.on('error', reject);
    child.on('close', (exitCode) => {
      clearTimeout(timer);
      child.stdin.end();
      resolve({ exitCode, screen: screen.replace(/\r/g, '') });
    });
  });
}
