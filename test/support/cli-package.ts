import { existsSync } from 'node:fs';
import { access, mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { type ExecResult, exec } from '@flow-actions/action-kit';
import { inject } from 'vitest';
import { listTree } from '../../scripts/release/assemble';
import { CLI_BIN, CLI_FOLDER } from '../../scripts/release/cli-package';

// The flow CLI's npm package as the release tree holds it (cli/), and the real npm CLI as a user
// runs it: nothing of this machine's npm configuration, a HOME of its own.

/** The CLI package folder of the tree this test run assembled (or was given); its bundle must be built. */
export async function releasedCli(): Promise<string> {
  const dir = join(inject('releaseTree'), CLI_FOLDER);
  await access(join(dir, CLI_BIN)).catch(() => {
    throw new Error(
      `The release tree of this test run has no flow CLI bundle (${CLI_FOLDER}/${CLI_BIN}): add ${CLI_FOLDER} to FLOW_ACTIONS, or leave FLOW_ACTIONS unset.`,
    );
  });
  return dir;
}

/**
 * Runs the real `npm` with only PATH and `home` as HOME: whatever the machine's npm configuration
 * or the test runner's `npm_config_*` say, npm reads `<home>/.npmrc` alone.
 */
export function cleanNpm(
  args: readonly string[],
  options: { home: string; cwd?: string; path?: string },
): Promise<ExecResult> {
  return exec('npm', args, {
    cwd: options.cwd ?? options.home,
    env: { PATH: options.path ?? systemPath(), HOME: options.home },
    allowFailure: true,
  });
}

/**
 * Downloads `spec` from `registry` as `npm pack` does and unpacks it; returns the package folder.
 * What npm serves, to compare byte for byte with what was released.
 */
export async function fetchPublished(registry: string, spec: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'flow-published-'));
  scratch.push(dir);
  const packed = await cleanNpm(['pack', spec, '--registry', `${registry}/`, '--json'], { home: dir });
  if (packed.exitCode !== 0) throw new Error(`npm pack ${spec} failed: ${packed.stderr}`);
  const [{ filename }] = JSON.parse(packed.stdout) as [{ filename: string }];
  await mkdir(join(dir, 'unpacked'));
  await exec('tar', ['-xzf', join(dir, filename), '-C', join(dir, 'unpacked')]);
  return join(dir, 'unpacked', 'package');
}

const scratch: string[] = [];

/** Removes what fetchPublished downloaded; call in afterAll. */
export function removeFetched(): Promise<unknown> {
  return Promise.all(scratch.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/** Every file of a folder and its bytes, for comparing a published package with the tree's. */
export async function filesOf(dir: string): Promise<Record<string, Buffer>> {
  const files: Record<string, Buffer> = {};
  for (const file of await listTree(dir)) files[file] = await readFile(join(dir, file));
  return files;
}

/**
 * PATH as a user's shell has it: without the workspace's node_modules/.bin folders that the test
 * runner's pnpm put first (their `node` is the workspace's Node 24; npx on it stalls for a minute
 * on this machine before it finds its cache).
 */
export function systemPath(): string {
  return (process.env.PATH ?? '')
    .split(delimiter)
    .filter((dir) => dir && !dir.includes('node_modules'))
    .join(delimiter);
}

/** The `node` on the user's PATH: the machine's own (Node 20 here). */
export function machineNode(): string {
  for (const dir of systemPath().split(delimiter))
    if (existsSync(join(dir, 'node'))) return join(dir, 'node');
  throw new Error('no node on PATH outside node_modules: install Node.js (scripts/install.sh)');
}
