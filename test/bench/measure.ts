import { spawn } from 'node:child_process';

/** Median of a list of numbers. */
export function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2
    ? (sorted[middle] as number)
    : ((sorted[middle - 1] as number) + (sorted[middle] as number)) / 2;
}

/**
 * Wall time of a whole process, from spawn to exit, in milliseconds; throws unless it exits
 * `expectedExit`. `cwd` defaults to this process's.
 */
export function timeProcess(
  command: string,
  args: readonly string[],
  env: NodeJS.ProcessEnv = process.env,
  expectedExit = 0,
  cwd?: string,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(command, args, { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) => {
      if (code === expectedExit) resolve(performance.now() - started);
      else reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.trim().slice(-500)}`));
    });
  });
}

/**
 * Cold start of each bundle and of `node -e 0`, medians in milliseconds: Node started on the
 * bundle with no inputs loads it and refuses the first missing input (exit 1) — start-up and
 * load only. The runs are interleaved, so a busy moment of the machine falls on all alike.
 */
export async function measureColdStarts(
  node: string,
  bundles: readonly string[],
  runs: number,
  env: NodeJS.ProcessEnv = benchEnv(),
): Promise<{ bareNode: number; bundles: number[] }> {
  const bare: number[] = [];
  const loads: number[][] = bundles.map(() => []);
  for (let run = 0; run < runs; run++) {
    bare.push(await timeProcess(node, ['-e', '0'], env));
    for (const [index, bundle] of bundles.entries())
      loads[index]?.push(await timeProcess(node, [bundle], env, 1));
  }
  return { bareNode: median(bare), bundles: loads.map(median) };
}

/** The environment benchmarks run child processes in: NODE_EXTRA_CA_CERTS costs ~45 ms per Node start. */
export function benchEnv(): NodeJS.ProcessEnv {
  const env = { ...process.env };
  delete env.NODE_EXTRA_CA_CERTS;
  return env;
}

/** Prints rows as an aligned text table. */
export function printTable(
  title: string,
  header: readonly string[],
  rows: readonly (readonly string[])[],
): void {
  const widths = header.map((cell, index) =>
    Math.max(cell.length, ...rows.map((row) => (row[index] ?? '').length)),
  );
  const line = (cells: readonly string[]) =>
    cells.map((cell, index) => cell.padEnd(widths[index] ?? 0)).join('  ');
  console.log(`\n${title}\n${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}`);
  for (const row of rows) console.log(line(row));
}

export const ms = (value: number) => `${value.toFixed(0)} ms`;
export const ratio = (a: number, b: number) => (a / b).toFixed(2);

/** A `git fast-import` data command for `text`. */
export function data(text: string): string {
  return `data ${Buffer.byteLength(text)}\n${text}\n`;
}

/** Runs `git fast-import` in `dir` with the stream on stdin. */
export function fastImport(dir: string, stream: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', ['-C', dir, 'fast-import', '--quiet'], { stdio: ['pipe', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve() : reject(new Error(`git fast-import exited ${code}: ${stderr.trim()}`)),
    );
    // A stream fast-import rejects closes its stdin early: the exit code and stderr say why.
    child.stdin.on('error', () => {});
    child.stdin.end(stream);
  });
}
