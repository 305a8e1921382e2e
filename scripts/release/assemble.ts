import { cp, mkdir, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join, relative, resolve, sep } from 'node:path';
import { type ActionPackage, actionBundles, bundleAll, discoverActions, repositoryRoot } from './actions';
import {
  CLI_FOLDER,
  type CliStamp,
  cliBundle,
  DEVELOPMENT_VERSION,
  readSourceStamp,
  writeCliPackageFiles,
} from './cli-package';
import { buildUsersReadme, DESIGN, relinkMarkdown, treePaths } from './tree-docs';

export interface AssembleOptions {
  /** Where the release tree is written; emptied first. */
  outDir: string;
  /** The repository root. Default: this checkout. */
  root?: string;
  /** The actions to ship. Default: every action under `actions/`. */
  actions?: readonly ActionPackage[];
  /** Skip the actions' build and copy their `dist/` folders as they are. Default: false. */
  prebuilt?: boolean;
  /**
   * The release version the tree is assembled for, without `v`: the version of the flow CLI's npm
   * package in `cli/`. Default: DEVELOPMENT_VERSION, which `pnpm release` refuses to release.
   */
  version?: string;
  /**
   * Bundle the flow CLI into `cli/dist` (its package.json, README and LICENSE are written either
   * way). Default: true; test trees of a few actions leave it out.
   */
  cli?: boolean;
}

export interface ReleaseTree {
  dir: string;
  /** Released `uses:` path → folder in the tree. */
  actions: Record<string, string>;
}

/** What the tree carries besides the actions (DESIGN §6): no action may be released under these names. */
const TOP_LEVEL = ['README.md', 'LICENSE', 'workflows-templates', 'docs', CLI_FOLDER];

/**
 * Builds every action once and writes the release tree: one folder per released `uses:` path
 * with its `action.yml`, `README.md` and bundled `dist/`, plus the templates, LICENSE, the design
 * (`docs/DESIGN.md`, which the READMEs cite) and the users' README (`docs/README.release.md`) as
 * README.md — what an adopter reads, with every relative link pointed at its place in the tree —
 * and `cli/`, the flow CLI's npm package, bundled in the same pass.
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
  const bundles = [
    ...(options.prebuilt ? [] : actionBundles(actions, (action) => join(outDir, action.uses, 'dist'))),
    ...(options.cli === false ? [] : [cliBundle(root, outDir)]),
  ];
  if (options.prebuilt)
    for (const action of actions)
      await cp(join(action.dir, 'dist'), join(outDir, action.uses, 'dist'), { recursive: true });
  // Read before building: the commit (and whether it was dirty) is what the bundles were made of.
  const stamp = await readSourceStamp(root, options.version ?? DEVELOPMENT_VERSION);
  await bundleAll(bundles, root);
  return { dir: outDir, actions: await writeTreeFiles(outDir, root, actions, stamp) };
}

/**
 * Writes everything of the tree but the bundles into `outDir`: each action's `action.yml` and
 * README, the templates, LICENSE, the design and the users' README, their relative links pointed
 * at their places in the tree, and the CLI package's files (stamped with `stamp`; default: the
 * checkout as it is, DEVELOPMENT_VERSION). Returns released `uses:` path → folder.
 */
export async function writeTreeFiles(
  outDir: string,
  root: string,
  actions: readonly ActionPackage[],
  stamp?: CliStamp,
): Promise<Record<string, string>> {
  const folders: Record<string, string> = {};
  const paths = treePaths(
    actions.map((action) => ({ source: relative(root, action.dir).split(sep).join('/'), uses: action.uses })),
  );
  const copyMarkdown = async (source: string, target: string) => {
    const text = await readFile(join(root, source), 'utf8');
    await writeFile(join(outDir, target), relinkMarkdown(text, source, target, paths));
  };
  for (const action of actions) {
    const target = join(outDir, action.uses);
    await mkdir(target, { recursive: true });
    await cp(join(action.dir, 'action.yml'), join(target, 'action.yml'));
    const readme = relative(root, join(action.dir, 'README.md')).split(sep).join('/');
    if (await exists(join(root, readme))) await copyMarkdown(readme, `${action.uses}/README.md`);
    folders[action.uses] = target;
  }
  await cp(join(root, 'LICENSE'), join(outDir, 'LICENSE'));
  await cp(join(root, 'workflows-templates'), join(outDir, 'workflows-templates'), { recursive: true });
  await mkdir(join(outDir, 'docs'), { recursive: true });
  await copyMarkdown(DESIGN, DESIGN);
  await writeFile(join(outDir, 'README.md'), await buildUsersReadme(root, paths));
  await writeCliPackageFiles(outDir, root, stamp ?? (await readSourceStamp(root, DEVELOPMENT_VERSION)));
  return folders;
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
