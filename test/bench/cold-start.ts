// Benchmark (issue 16): the cold start of every released action — Node 24 started on its bundle
// with no inputs, so it loads and refuses the first missing input — for the bundles of a base
// commit ("before") and of this checkout ("after"), measured in the same run beside a bare
// `node -e 0`, with each bundle's size; then what each toolkit dependency costs on its own in a
// fresh Node 24: imported from node_modules, and bundled alone with ncc (bytes and load time).
import { mkdir, mkdtemp, readdir, readFile, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { resolveNode24 } from '@flow-actions/runner-harness';
import {
  type ActionPackage,
  buildAction,
  buildActions,
  discoverActions,
  repositoryRoot,
} from '../../scripts/release/actions';
import { benchEnv, measureColdStarts, median, ms, printTable, timeProcess } from './measure';

const RUNS = Number(process.env.BENCH_RUNS ?? 15);
/** The last commit before the actions moved onto @actions/core (issue 16). `FLOW_BENCH_BASE` picks another. */
const DEFAULT_BASE = '6fbf7875dc936b16a434d07b3be47ca43e1608c4';
/**
 * The toolkit packages the actions may load, and undici, which @actions/http-client loads (and
 * oci-store too, but only when a proxy is set); those not installed are listed as such.
 */
const DEPENDENCIES = [
  '@actions/core',
  '@actions/exec',
  '@actions/http-client',
  'undici',
  '@actions/github',
  '@octokit/core',
  '@octokit/rest',
  '@octokit/graphql',
  '@octokit/plugin-paginate-rest',
  '@octokit/plugin-retry',
  '@octokit/plugin-throttling',
];

export async function benchColdStart(): Promise<void> {
  const node = resolveNode24();
  const env = benchEnv();
  const base = (
    await exec('git', ['rev-parse', '--verify', `${process.env.FLOW_BENCH_BASE ?? DEFAULT_BASE}^{commit}`], {
      cwd: repositoryRoot,
    })
  ).stdout.trim();
  const scratch = await mkdtemp(join(tmpdir(), 'bench-cold-start-'));
  try {
    console.log(
      `cold-start benchmark: before = ${base.slice(0, 7)}, after = this checkout; median of ${RUNS} runs; NODE_EXTRA_CA_CERTS unset.`,
    );
    const before = await baseBundles(base);
    const after = await buildBundles(repositoryRoot, join(scratch, 'after'));
    const names = [...new Set([...before.keys(), ...after.keys()])].sort();
    const measured = names
      .flatMap((name) => [before.get(name), after.get(name)])
      .filter((file) => file !== undefined);
    const timing = await measureColdStarts(node, measured, RUNS, env);
    const timeOf = (file: string | undefined) => (file ? timing.bundles[measured.indexOf(file)] : undefined);

    const rows: string[][] = [['node -e 0', ms(timing.bareNode), ms(timing.bareNode), '', '', '']];
    for (const name of names) {
      const [was, now] = [timeOf(before.get(name)), timeOf(after.get(name))];
      rows.push([
        name,
        was === undefined ? 'absent' : ms(was),
        now === undefined ? 'absent' : ms(now),
        was === undefined || now === undefined ? '' : signedMs(now - was),
        await bytesOf(before.get(name)),
        await bytesOf(after.get(name)),
      ]);
    }
    printTable(
      'cold start per action (Node 24 start + bundle load, failing at the first missing input)',
      ['action', 'before', 'after', 'change', 'bundle before', 'bundle after'],
      rows,
    );

    await benchDependencies(node, env, join(scratch, 'dependencies'));
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}

/** Every action of the checkout at `root` bundled into `outDir/<uses>`; released path → bundle file. */
async function buildBundles(root: string, outDir: string): Promise<Map<string, string>> {
  const actions = await discoverActions(root);
  await buildActions(actions, root, (action) => join(outDir, action.uses));
  return new Map(actions.map((action) => [action.uses, join(outDir, action.uses, 'index.js')]));
}

/**
 * The bundles of `commit`, built once and kept under node_modules/.cache: the commit's files
 * (git archive, nothing written to the repository), its own dependencies installed, bundled the
 * way this checkout bundles.
 */
async function baseBundles(commit: string): Promise<Map<string, string>> {
  const cache = join(repositoryRoot, 'node_modules', '.cache', 'flow-bench', `bundles-${commit}`);
  const index = join(cache, 'bundles.json');
  const cached = await readFile(index, 'utf8').then(
    (text) => new Map(Object.entries(JSON.parse(text) as Record<string, string>)),
    () => undefined,
  );
  if (cached) return cached;
  const tree = await mkdtemp(join(tmpdir(), 'bench-base-'));
  try {
    console.log(`building the bundles of ${commit.slice(0, 7)} once (kept in ${cache})…`);
    const archive = join(tree, '..', `${commit}.tar`);
    await exec('git', ['archive', '--format=tar', '-o', archive, commit], { cwd: repositoryRoot });
    await exec('tar', ['-xf', archive, '-C', tree]);
    await rm(archive);
    await exec('npx', ['-y', 'pnpm@10.34.9', 'install', '--frozen-lockfile', '--prefer-offline'], {
      cwd: tree,
    });
    await rm(cache, { recursive: true, force: true });
    const bundles = await buildBundles(tree, cache);
    await writeFile(index, JSON.stringify(Object.fromEntries(bundles)));
    return bundles;
  } finally {
    await rm(tree, { recursive: true, force: true });
  }
}

/**
 * What each dependency costs alone: `await import()` from node_modules in a fresh Node 24, less an
 * empty `--input-type=module` start; and bundled alone with ncc as an action is, its bytes and its
 * load less an empty bundle's.
 */
async function benchDependencies(node: string, env: NodeJS.ProcessEnv, scratch: string): Promise<void> {
  const installed: { name: string; version: string; dir: string }[] = [];
  const absent: string[] = [];
  for (const name of DEPENDENCIES) {
    const found = await locate(name);
    if (found) installed.push({ name, ...found });
    else absent.push(name);
  }
  const empty = await bundleAlone(undefined, repositoryRoot, join(scratch, 'empty'));
  const bundles = await Promise.all(
    installed.map((dependency, index) =>
      bundleAlone(dependency.name, dependency.dir, join(scratch, String(index))),
    ),
  );
  const emptyLoad: number[] = [];
  const bareImport: number[] = [];
  const imports: number[][] = installed.map(() => []);
  const loads: number[][] = installed.map(() => []);
  for (let run = 0; run < RUNS; run++) {
    bareImport.push(await timeProcess(node, ['--input-type=module', '-e', '0'], env, 0, repositoryRoot));
    emptyLoad.push(await timeProcess(node, [empty], env));
    for (const [index, dependency] of installed.entries()) {
      imports[index]?.push(
        await timeProcess(
          node,
          ['--input-type=module', '-e', `await import('${dependency.name}')`],
          env,
          0,
          dependency.dir,
        ),
      );
      loads[index]?.push(await timeProcess(node, [bundles[index] ?? ''], env));
    }
  }
  const rows = await Promise.all(
    installed.map(async (dependency, index) => [
      dependency.name,
      dependency.version,
      signedMs(median(imports[index] ?? []) - median(bareImport)),
      await bytesOf(bundles[index]),
      signedMs(median(loads[index] ?? []) - median(emptyLoad)),
    ]),
  );
  printTable(
    `what each dependency costs alone in a fresh Node 24 (median of ${RUNS}; empty ESM start ${ms(median(bareImport))}, empty bundle ${ms(median(emptyLoad))})`,
    ['dependency', 'version', 'import from node_modules', 'bundled alone', 'bundle load'],
    rows,
  );
  if (absent.length > 0) console.log(`not installed, not measured: ${absent.join(', ')}`);
}

/**
 * The first workspace folder whose node_modules has `name`, and the version installed there; a
 * package only others depend on (undici under @actions/http-client) is found in pnpm's hoisted
 * folder, node_modules/.pnpm/node_modules.
 */
async function locate(name: string): Promise<{ dir: string; version: string } | undefined> {
  const folders = [repositoryRoot];
  for (const parent of ['packages', 'actions']) {
    const entries = await readdir(join(repositoryRoot, parent), { withFileTypes: true });
    folders.push(
      ...entries
        .filter((entry) => entry.isDirectory())
        .map((entry) => join(repositoryRoot, parent, entry.name)),
    );
  }
  folders.push(join(repositoryRoot, 'node_modules', '.pnpm'));
  for (const dir of folders) {
    const manifest = await readFile(join(dir, 'node_modules', name, 'package.json'), 'utf8').catch(
      () => undefined,
    );
    if (manifest) return { dir, version: (JSON.parse(manifest) as { version: string }).version };
  }
  return undefined;
}

/**
 * Bundles a module that imports `name` whole (none of it can be left out) the way an action is
 * bundled, resolving from `from`'s node_modules; nothing at all when `name` is undefined.
 */
async function bundleAlone(name: string | undefined, from: string, dir: string): Promise<string> {
  await mkdir(join(dir, 'src'), { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name: 'bench-dependency', type: 'module' }));
  await writeFile(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        target: 'es2022',
        module: 'esnext',
        moduleResolution: 'bundler',
        rootDir: 'src',
        skipLibCheck: true,
      },
      files: ['src/index.ts'],
    }),
  );
  await symlink(join(from, 'node_modules'), join(dir, 'node_modules'));
  await writeFile(
    join(dir, 'src', 'index.ts'),
    name
      ? `import * as dependency from '${name}';\n(globalThis as Record<string, unknown>).dependency = dependency;\n`
      : 'export {};\n',
  );
  const action: ActionPackage = { dir, uses: 'bench-dependency' };
  await buildAction(action, repositoryRoot, join(dir, 'dist'));
  return join(dir, 'dist', 'index.js');
}

/** The bytes of a bundle's folder (the bundle and any file ncc emitted beside it). */
async function bytesOf(bundle: string | undefined): Promise<string> {
  if (!bundle) return 'absent';
  const dir = join(bundle, '..');
  let total = 0;
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true }))
    if (entry.isFile()) total += (await stat(join(entry.parentPath, entry.name))).size;
  return `${total.toLocaleString('en')} B`;
}

function signedMs(value: number): string {
  return `${value >= 0 ? '+' : ''}${value.toFixed(0)} ms`;
}

if (import.meta.url === `file://${process.argv[1]}`) await benchColdStart();
