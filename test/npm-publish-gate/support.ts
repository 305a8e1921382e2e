import { cp, mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';

const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'npm-publish-gate', 'workspace');

/** Temporary folders made by the helpers below, removed by `removeTempDirs`. */
const made: string[] = [];

export async function makeTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `flow-npm-gate-${prefix}-`));
  made.push(dir);
  return dir;
}

export async function removeTempDirs(): Promise<void> {
  await Promise.all(made.splice(0).map((dir) => rm(dir, { recursive: true, force: true })));
}

/**
 * A copy of the fixture workspace (`@acme/core`, `@acme/cli` depending on it with `workspace:^`,
 * a private `@acme/tools`) under its own scope, so tests sharing one registry never meet.
 */
export async function makeWorkspace(scope: string): Promise<string> {
  const dir = await makeTempDir('workspace');
  await cp(FIXTURE, dir, { recursive: true });
  for (const name of ['core', 'cli', 'tools']) {
    const path = join(dir, 'packages', name, 'package.json');
    await writeFile(path, (await readFile(path, 'utf8')).replaceAll('@acme/', `@${scope}/`));
  }
  const cli = join(dir, 'packages', 'cli', 'index.js');
  await writeFile(cli, (await readFile(cli, 'utf8')).replaceAll('@acme/', `@${scope}/`));
  return dir;
}

/** Sets a field of a fixture package's package.json. */
export async function editPackage(
  workspace: string,
  name: 'core' | 'cli',
  edit: (manifest: Record<string, unknown>) => void,
): Promise<void> {
  const path = join(workspace, 'packages', name, 'package.json');
  const manifest = JSON.parse(await readFile(path, 'utf8')) as Record<string, unknown>;
  edit(manifest);
  await writeFile(path, `${JSON.stringify(manifest, null, 2)}\n`);
}

/** Reads the registry with the real npm CLI, anonymously, with a throwaway cache. */
export async function npmView(registry: string, spec: string, field: string): Promise<unknown> {
  const cache = await makeTempDir('view-cache');
  const empty = join(cache, 'npmrc');
  await writeFile(empty, '');
  const result = await exec('npm', ['view', spec, field, '--json', '--registry', `${registry}/`], {
    env: {
      PATH: process.env.PATH,
      HOME: cache,
      npm_config_userconfig: empty,
      npm_config_cache: join(cache, 'cache'),
      npm_config_update_notifier: 'false',
    },
    allowFailure: true,
  });
  if (result.exitCode !== 0) {
    if (/E404/.test(result.stdout + result.stderr)) return undefined;
    throw new Error(`npm view ${spec} ${field} failed: ${result.stderr}`);
  }
  return result.stdout.trim() ? JSON.parse(result.stdout) : undefined;
}

/** Every file under `dir` with its content, for grepping a secret. */
export async function readAllFiles(dir: string): Promise<{ path: string; text: string }[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  const files = entries.filter((entry) => entry.isFile());
  return Promise.all(
    files.map(async (entry) => {
      const path = join(entry.parentPath, entry.name);
      return { path, text: (await readFile(path)).toString('latin1') };
    }),
  );
}
