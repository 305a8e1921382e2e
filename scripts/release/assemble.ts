import { cp, mkdir, readdir, rm, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { type ActionPackage, buildActions, discoverActions, repositoryRoot } from './actions';

export interface AssembleOptions {
  /** Where the release tree is written; emptied first. */
  outDir: string;
  /** The repository root. Default: this checkout. */
  root?: string;
  /** The actions to ship. Default: every action under `actions/`. */
  actions?: readonly ActionPackage[];
  /** Skip the build and copy the actions' `dist/` folders as they are. Default: false. */
  prebuilt?: boolean;
}

export interface ReleaseTree {
  dir: string;
  /** Released `uses:` path → folder in the tree. */
  actions: Record<string, string>;
}

/** Files the tree carries besides the actions (DESIGN §6). */
const TOP_LEVEL = ['README.md', 'LICENSE', 'workflows-templates'];

/**
 * Builds every action once and writes the release tree: one folder per released `uses:` path
 * with its `action.yml` and bundled `dist/`, plus the templates, README and LICENSE.
 */
export async function assembleRelease(options: AssembleOptions): Promise<ReleaseTree> {
  const root = options.root ?? repositoryRoot;
  const actions = options.actions ?? (await discoverActions(root));
  const outDir = resolve(options.outDir);
  const seen = new Map<string, string>();
  for (const action of actions) {
    const other = seen.get(action.uses);
    if (other) throw new Error(`${action.dir} and ${other} are both released as "${action.uses}".`);
    if (TOP_LEVEL.includes(action.uses))
      throw new Error(`"${action.uses}" clashes with a top-level file of the tree.`);
    seen.set(action.uses, action.dir);
  }
  await rm(outDir, { recursive: true, force: true });
  await mkdir(outDir, { recursive: true });
  // Bundles are built straight into the tree: the checkout's dist/ folders are left alone, so
  // assembling never races with another build or test run on the same checkout.
  if (!options.prebuilt) await buildActions(actions, root, (action) => join(outDir, action.uses, 'dist'));
  const tree: ReleaseTree = { dir: outDir, actions: {} };
  for (const action of actions) {
    const target = join(outDir, action.uses);
    await mkdir(target, { recursive: true });
    await cp(join(action.dir, 'action.yml'), join(target, 'action.yml'));
    if (options.prebuilt) await cp(join(action.dir, 'dist'), join(target, 'dist'), { recursive: true });
    const readme = join(action.dir, 'README.md');
    if (await exists(readme)) await cp(readme, join(target, 'README.md'));
    tree.actions[action.uses] = target;
  }
  for (const name of TOP_LEVEL) {
    const source = join(root, name);
    if (await exists(source)) await cp(source, join(outDir, name), { recursive: true });
  }
  return tree;
}

/** Lists every file of a tree relative to it, sorted: for comparing trees. */
export async function listTree(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name).slice(dir.length + 1))
    .sort();
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
