import { readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import type { ManifestGit } from '../../actions/update-manifest/src/git';

export const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'manifests');

/** The fixture manifests laid out like a GitOps repository: one folder per environment. */
export async function manifestRepositoryFiles(): Promise<Record<string, string>> {
  const read = (path: string) => readFile(join(FIXTURES, path), 'utf8');
  return {
    'README.md': 'Manifests of acme/api; CI deploys by commit.\n',
    'base/kustomization.yaml': await read('kustomize/base/kustomization.yaml'),
    'base/deployment.yaml': await read('kustomize/base/deployment.yaml'),
    'envs/stage/kustomization.yaml': await read('kustomize/overlays/stage/kustomization.yaml'),
    'envs/prod/kustomization.yaml': await read('kustomize/overlays/prod/kustomization.yaml'),
    'charts/api/values-stage.yaml': await read('helm/values-stage.yaml'),
    'raw/stage/workloads.yaml': await read('kubernetes/stage.yaml'),
  };
}

/** Real git with no user or system config and no prompts. */
export function git(args: string[], cwd?: string) {
  return exec('git', args, {
    ...(cwd ? { cwd } : {}),
    env: {
      PATH: process.env.PATH,
      HOME: cwd ?? '/nonexistent',
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
    },
  });
}

/** The branch head of a bare repository. */
export async function headOf(bare: string, branch = 'main'): Promise<string> {
  return (await git(['--git-dir', bare, 'rev-parse', `refs/heads/${branch}`])).stdout.trim();
}

/** Lines removed and added by a commit, per file: what a reviewer sees in the diff. */
export async function commitDiff(
  bare: string,
  commit: string,
): Promise<Record<string, { removed: string[]; added: string[] }>> {
  const { stdout } = await git(['--git-dir', bare, 'show', '--format=', '--unified=0', '--no-color', commit]);
  const files: Record<string, { removed: string[]; added: string[] }> = {};
  let current: { removed: string[]; added: string[] } | undefined;
  for (const line of stdout.split('\n')) {
    const header = /^\+\+\+ b\/(.+)$/.exec(line);
    if (header?.[1]) {
      current = { removed: [], added: [] };
      files[header[1]] = current;
    } else if (line.startsWith('-') && !line.startsWith('--- ')) current?.removed.push(line.slice(1));
    else if (line.startsWith('+') && !line.startsWith('+++ ')) current?.added.push(line.slice(1));
  }
  return files;
}

/** Trailers of a commit, read back by git itself. */
export async function trailersOf(bare: string, commit: string): Promise<Record<string, string>> {
  const { stdout } = await git([
    '--git-dir',
    bare,
    'log',
    '-1',
    '--format=%(trailers:only,unfold,separator=%x00)',
    commit,
  ]);
  return Object.fromEntries(
    stdout
      .trim()
      .split('\0')
      .filter(Boolean)
      .map((line) => {
        const colon = line.indexOf(':');
        return [line.slice(0, colon).trim(), line.slice(colon + 1).trim()];
      }),
  );
}

/** Every file under a folder whose content contains any of the needles, as relative paths. */
export async function filesContaining(dir: string, needles: readonly string[]): Promise<string[]> {
  const hits: string[] = [];
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const path = join(entry.parentPath, entry.name);
    const content = await readFile(path);
    if (needles.some((needle) => content.includes(needle))) hits.push(relative(dir, path));
  }
  return hits;
}

/** `git` whose pushes wait until `released`: the deploy that loses a race to the one that releases it. */
export function holdPushes(git: ManifestGit, released: Promise<void>): ManifestGit {
  return {
    ...git,
    dir: git.dir,
    push: async (branch, options) => {
      await released;
      return git.push(branch, options);
    },
  };
}
