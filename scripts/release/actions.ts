import { execFile } from 'node:child_process';
import { readdir, readFile, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { parse } from 'yaml';

const run = promisify(execFile);

/** An action folder and the path it is released under (`org/flow-actions/<uses>@v1`). */
export interface ActionPackage {
  dir: string;
  /** The released `uses:` path, declared once in the action's package.json as `flowAction.uses`. */
  uses: string;
}

const USES_PATH = /^[a-z0-9][a-z0-9-]*$/;
/** Every action's thin entry, what ncc bundles. */
const ACTION_ENTRY = 'src/index.ts';

export const repositoryRoot = resolve(import.meta.dirname, '..', '..');

/**
 * Every action under `actions/`, in name order. `only` narrows it to some released paths — the
 * test run honours `FLOW_ACTIONS=promote,yank-artifact` so that work on one action builds one.
 * A folder without its entry (`src/index.ts`) is a core not wired yet: nothing to bundle or ship.
 */
export async function discoverActions(
  root: string = repositoryRoot,
  only?: readonly string[],
): Promise<ActionPackage[]> {
  const actionsDir = join(root, 'actions');
  const entries = await readdir(actionsDir, { withFileTypes: true }).catch(() => []);
  const folders = entries.filter((entry) => entry.isDirectory()).map((entry) => join(actionsDir, entry.name));
  const dirs: string[] = [];
  for (const dir of folders) if (await exists(join(dir, ACTION_ENTRY))) dirs.push(dir);
  const selected: string[] = [];
  for (const dir of dirs.sort()) if (!only || only.includes(await readUsesPath(dir))) selected.push(dir);
  return Promise.all(selected.map(readActionPackage));
}

async function readUsesPath(dir: string): Promise<string> {
  const manifest = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as {
    flowAction?: { uses?: string };
  };
  const uses = manifest.flowAction?.uses;
  if (!uses || !USES_PATH.test(uses)) {
    throw new Error(
      `${dir}/package.json must declare "flowAction": { "uses": "<released path>" } (lower-case, hyphens).`,
    );
  }
  return uses;
}

/** Reads and checks an action folder: its released path, and an action.yml that runs on node24. */
export async function readActionPackage(dir: string): Promise<ActionPackage> {
  const uses = await readUsesPath(dir);
  const action = parse(await readFile(join(dir, 'action.yml'), 'utf8')) as {
    runs?: { using?: string; main?: string };
  };
  if (action.runs?.using !== 'node24' || action.runs.main !== 'dist/index.js') {
    throw new Error(`${dir}/action.yml must have runs.using: node24 and runs.main: dist/index.js.`);
  }
  return { dir, uses };
}

/**
 * Bundles one action with ncc from a clean folder, so builds are reproducible. The bundle goes to
 * `<dir>/dist` unless `dist` names another folder: the test run builds straight into its own
 * release tree, so two runs on one machine never write the same files.
 */
export function buildAction(
  action: ActionPackage,
  root: string = repositoryRoot,
  dist: string = join(action.dir, 'dist'),
): Promise<void> {
  return bundle({ dir: action.dir, entry: ACTION_ENTRY, dist }, root);
}

/** One ncc build: `entry` of the package in `dir`, bundled into `dist` as `index.js` (and its chunks). */
export interface BundleJob {
  dir: string;
  /** Relative to `dir`. */
  entry: string;
  dist: string;
}

/** Runs one ncc build from a clean `dist` without ncc's cache, so the same sources give the same bytes. */
export async function bundle(job: BundleJob, root: string = repositoryRoot): Promise<void> {
  await rm(job.dist, { recursive: true, force: true });
  const ncc = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');
  try {
    await run(process.execPath, [ncc, 'build', job.entry, '-o', job.dist, '-t', '--quiet', '--no-cache'], {
      cwd: job.dir,
      maxBuffer: 16 * 1024 * 1024,
    });
  } catch (error) {
    const stderr = (error as { stderr?: string }).stderr ?? '';
    throw new Error(`Building ${job.dir} failed: ${stderr.trim().split('\n').slice(0, 10).join('\n')}`, {
      cause: error,
    });
  }
  await stat(join(job.dist, 'index.js'));
}

/** Runs several builds, two at a time (the machines have two cores). */
export async function bundleAll(jobs: readonly BundleJob[], root: string = repositoryRoot): Promise<void> {
  const queue = [...jobs];
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) await bundle(job, root);
  };
  await Promise.all([worker(), worker()]);
}

/** Builds several actions, two at a time. `distFor` picks each bundle's folder; by default the action's own `dist/`. */
export function buildActions(
  actions: readonly ActionPackage[],
  root: string = repositoryRoot,
  distFor: (action: ActionPackage) => string = (action) => join(action.dir, 'dist'),
): Promise<void> {
  return bundleAll(actionBundles(actions, distFor), root);
}

/** The ncc builds of `actions`, each into the folder `distFor` picks. */
export function actionBundles(
  actions: readonly ActionPackage[],
  distFor: (action: ActionPackage) => string,
): BundleJob[] {
  return actions.map((action) => ({ dir: action.dir, entry: ACTION_ENTRY, dist: distFor(action) }));
}

function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
