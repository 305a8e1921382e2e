// Benchmark (issue #8): backcompat-matrix over 5,000 versions and 10,000 commits. The core
// in-process (computeBackcompat with the real git CLI, registry client and npm CLI) and the bundled
// action as a whole process (Node 24 start, bundle load, the same work), per source and policy.
// Versions from git tags (the breaking check then reads ~9,000 commits), from 5,000 tags in the
// real docker-registry, and from a 5,000-version packument served by verdaccio; registry and npm
// requests counted through a proxy.
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec, InputReader, isConfigurationError, nullLogger, SecretMasker } from '@flow-actions/action-kit';
import { openStore } from '@flow-actions/oci-store';
import { type ActionRun, resolveNode24, runAction } from '@flow-actions/runner-harness';
import { computeBackcompat } from '../../actions/backcompat-matrix/src/backcompat';
import { GIT_LOG_FORMAT } from '../../actions/backcompat-matrix/src/breaking';
import { createBackcompatDependencies } from '../../actions/backcompat-matrix/src/dependencies';
import { getInputs } from '../../actions/backcompat-matrix/src/inputs';
import { planMatrix } from '../../actions/backcompat-matrix/src/plan';
import { parseVersions } from '../../actions/backcompat-matrix/src/versions';
import { readActionPackage } from '../../scripts/release/actions';
import { assembleRelease } from '../../scripts/release/assemble';
import { type RunningFaultProxy, startFaultProxy } from '../fault-proxy';
import { startRegistry, startVerdaccio } from '../services';
import { seedImage } from '../support/artifacts';
import { benchEnv, data, fastImport, median, ms, printTable, timeProcess } from './measure';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const VERSIONS = 5000;
const COMMITS = 10_000;
/** Git and registry names that are not semver: build and sha tags, `latest`, as real repositories have. */
const NON_SEMVER = 200;
/** Registry tag writes in flight while seeding. */
const SEED_CONCURRENCY = 16;

const GIT_ENV = {
  GIT_AUTHOR_NAME: 'Flow Bench',
  GIT_AUTHOR_EMAIL: 'bench@example.com',
  GIT_COMMITTER_NAME: 'Flow Bench',
  GIT_COMMITTER_EMAIL: 'bench@example.com',
};

/**
 * 5,000 versions oldest first: major 1 with ten minors, then major 2 until the count is reached;
 * 49 patches per minor, and an `-rc.1` before every minor after the first.
 */
function releaseNames(): string[] {
  const names: string[] = [];
  for (let major = 1; names.length < VERSIONS; major++) {
    for (let minor = 0; (major > 1 || minor < 10) && names.length < VERSIONS; minor++) {
      if (minor > 0 || major > 1) names.push(`${major}.${minor}.0-rc.1`);
      for (let patch = 0; patch < 49 && names.length < VERSIONS; patch++)
        names.push(`${major}.${minor}.${patch}`);
    }
  }
  return names;
}

const TYPES = ['feat', 'fix(api)', 'chore', 'docs', 'refactor(core)', 'test', 'perf', 'build(deps)'];

/**
 * A `git fast-import` stream: COMMITS commits on main with Conventional Commit messages, every
 * other commit tagged with the next version (`v` prefix; minors annotated, patches lightweight),
 * a non-semver `build-<n>` tag every 50 commits. The only breaking commits open majors, so the
 * floor of the last major (its x.0.0) sees no breaking change after it.
 */
function historyStream(versions: readonly string[]): string {
  const parts: string[] = [];
  const when = 1_700_000_000;
  for (let index = 0; index < COMMITS; index++) {
    const version = index % 2 === 0 ? versions[index / 2] : undefined;
    const opensMajor = version !== undefined && /^\d+\.0\.0$/.test(version) && version !== '1.0.0';
    const type = TYPES[index % TYPES.length] as string;
    const message = opensMajor
      ? `feat(api)!: release the v${version?.split('.')[0]} API\n\nBREAKING CHANGE: the v1 endpoints are gone.\n`
      : `${type}: change ${index}\n\nWhy change ${index} was made, in a sentence or two.\n${index % 7 === 0 ? '\nRefs: #123\n' : ''}`;
    parts.push(
      `commit refs/heads/main\nmark :${index + 1}\ncommitter Flow Bench <bench@example.com> ${when + index} +0000\n`,
      data(message),
      `M 100644 inline step.txt\n${data(String(index))}\n`,
    );
    if (version) {
      if (/\.0$/.test(version)) {
        parts.push(
          `tag v${version}\nfrom :${index + 1}\ntagger Flow Bench <bench@example.com> ${when + index} +0000\n`,
          data(`Release ${version}`),
        );
      } else {
        parts.push(`reset refs/tags/v${version}\nfrom :${index + 1}\n\n`);
      }
    }
    if (index % 50 === 25) parts.push(`reset refs/tags/build-${index}\nfrom :${index + 1}\n\n`);
  }
  return parts.join('');
}

/** The checkout: main passes the breaking check; a worktree on `breaking` adds one `feat!:` commit. */
async function createHistory(
  dir: string,
  versions: readonly string[],
): Promise<{ main: string; breaking: string }> {
  const main = join(dir, 'main');
  const breaking = join(dir, 'breaking');
  const git = (cwd: string, args: string[]) =>
    exec('git', ['-C', cwd, ...args], { env: { ...process.env, ...GIT_ENV } });
  await git(dir, ['init', '-q', '-b', 'main', main]);
  await fastImport(main, historyStream(versions));
  await git(main, ['reset', '-q', '--hard']);
  await git(main, ['worktree', 'add', '-q', '-b', 'breaking', breaking]);
  await git(breaking, ['commit', '-q', '--allow-empty', '-m', 'refactor(config)!: rename every option']);
  return { main, breaking };
}

/** 5,000 runner-image tags (plus non-semver ones) on one small image: one push, then tag writes only. */
async function seedRegistry(repository: string, names: readonly string[]): Promise<void> {
  const store = await openStore(repository);
  await seedImage(store, { revision: 'b'.repeat(40), tag: 'latest' });
  const manifest = await store.getManifest('latest');
  if (!manifest) throw new Error(`${repository}:latest vanished after the push`);
  const queue = [...names];
  const worker = async () => {
    for (let tag = queue.shift(); tag !== undefined; tag = queue.shift())
      await store.putManifest(tag, manifest);
  };
  await Promise.all(Array.from({ length: SEED_CONCURRENCY }, worker));
}

/**
 * A 5,000-version packument in verdaccio's storage: one real `npm publish` makes the package and
 * its tarball, then the stored document gets the other versions (same tarball) and verdaccio
 * serves them. 5,000 real publishes would take over an hour at the ~1 s the one publish takes
 * (timed and printed), each rewriting an ever larger document.
 */
async function seedPackument(
  storageDir: string,
  npmrc: string,
  name: string,
  versions: readonly string[],
  work: string,
): Promise<number> {
  const pkg = join(work, 'pkg');
  await mkdir(pkg, { recursive: true });
  await writeFile(join(pkg, 'package.json'), JSON.stringify({ name, version: versions[0] }));
  const started = performance.now();
  await exec('npm', ['publish', '--userconfig', npmrc, '--tag', 'any'], { cwd: pkg, env: npmEnv(work) });
  const onePublish = performance.now() - started;
  const file = join(storageDir, name, 'package.json');
  const packument = JSON.parse(await readFile(file, 'utf8')) as {
    versions: Record<string, { version: string; _id: string }>;
    time: Record<string, string>;
    'dist-tags': Record<string, string>;
  };
  const first = packument.versions[versions[0] as string];
  if (!first) throw new Error(`verdaccio stored no ${name}@${versions[0]}`);
  for (const version of versions) {
    packument.versions[version] = { ...first, version, _id: `${name}@${version}` };
    packument.time[version] = packument.time[versions[0] as string] ?? new Date().toISOString();
  }
  packument['dist-tags'] = { latest: versions.filter((v) => !v.includes('-')).at(-1) as string };
  await writeFile(file, JSON.stringify(packument));
  return onePublish;
}

/** npm's environment without pnpm's npm_config_* (which would point it at another registry) and a fresh cache. */
function npmEnv(work: string): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!/^npm_/i.test(key) && key !== 'NODE_EXTRA_CA_CERTS') env[key] = value;
  }
  return { ...env, npm_config_cache: join(work, 'npm-cache') };
}

interface Case {
  label: string;
  inputs: Record<string, string>;
  workspace: string;
  /** The one-line error a failing case must end with. */
  fails?: RegExp;
  /** Counts this source's requests. */
  proxy?: RunningFaultProxy;
}

interface Figures {
  core: number[];
  process: number[];
  /** Requests the source answered in one core run, and the bytes it sent. */
  requests: string | undefined;
  outcome: string;
}

/** The core as main.ts wires it: the action's inputs, real git, registry client and npm CLI. */
async function runCore(testCase: Case, env: NodeJS.ProcessEnv): Promise<string> {
  const masker = new SecretMasker();
  const inputs = getInputs(new InputReader((name) => testCase.inputs[name]), masker);
  const logger = nullLogger;
  try {
    const { plan } = await computeBackcompat(
      inputs,
      createBackcompatDependencies(inputs, testCase.workspace, { logger, masker, env }),
    );
    if (testCase.fails) throw new Error(`${testCase.label}: expected a failure, got a matrix`);
    return `${plan.entries.length} entries`;
  } catch (error) {
    if (testCase.fails && isConfigurationError(error) && testCase.fails.test(error.message))
      return 'fails: 1 breaking';
    throw error;
  }
}

function checkProcess(testCase: Case, run: ActionRun, coreOutcome: string): void {
  if (testCase.fails) {
    if (run.exitCode !== 1 || !testCase.fails.test(run.errors.join(' ')))
      throw new Error(
        `${testCase.label}: expected the breaking check to fail, got ${run.exitCode} ${run.errors}`,
      );
    return;
  }
  if (run.exitCode !== 0) throw new Error(`${testCase.label} failed: ${run.errors.join(' ')}`);
  const entries = (JSON.parse(run.outputs.matrix ?? '') as { include: unknown[] }).include.length;
  if (`${entries} entries` !== coreOutcome)
    throw new Error(`${testCase.label}: the bundle gave ${entries} entries, the core ${coreOutcome}`);
}

async function measureCase(testCase: Case, actionDir: string, work: string): Promise<Figures> {
  const figures: Figures = { core: [], process: [], requests: undefined, outcome: '' };
  for (let run = 0; run < RUNS; run++) {
    // A cold npm cache each run, as on a fresh runner.
    const cache = join(work, `npm-cache-${testCase.label.replace(/\W+/g, '-')}-${run}`);
    const env = { ...npmEnv(work), npm_config_cache: cache };
    testCase.proxy?.reset();
    let started = performance.now();
    figures.outcome = await runCore(testCase, env);
    figures.core.push(performance.now() - started);
    if (testCase.proxy) {
      const { requests } = testCase.proxy;
      const bytes = requests.reduce((sum, request) => sum + request.bytesOut, 0);
      figures.requests = `${requests.length} (${(bytes / 1024).toFixed(0)} KiB)`;
    }

    started = performance.now();
    const result = await runAction({
      actionDir,
      inputs: testCase.inputs,
      workspace: testCase.workspace,
      env: {
        NODE_EXTRA_CA_CERTS: '',
        DOCKER_CONFIG: join(work, 'no-docker-config'),
        npm_config_cache: `${cache}-process`,
      },
    });
    checkProcess(testCase, result, figures.outcome);
    figures.process.push(result.durationMs);
  }
  return figures;
}

export async function benchBackcompatMatrix(): Promise<void> {
  const work = await mkdtemp(join(tmpdir(), 'bench-backcompat-'));
  const registry = await startRegistry();
  const verdaccio = await startVerdaccio();
  const registryProxy = await startFaultProxy({ target: registry.url });
  const npmProxy = await startFaultProxy({ target: verdaccio.url });
  try {
    const action = await readActionPackage(
      join(import.meta.dirname, '..', '..', 'actions', 'backcompat-matrix'),
    );
    const tree = await assembleRelease({ outDir: join(work, 'tree'), actions: [action] });
    const actionDir = tree.actions['backcompat-matrix'] as string;

    const versions = releaseNames();
    const last = versions.at(-1)?.split('.').map(Number) ?? [];
    const current = `${last[0]}.${(last[1] ?? 0) + 1}.0`;
    const nonSemver = Array.from({ length: NON_SEMVER }, (_, i) =>
      i === 0 ? 'latest' : `sha-${(i * 7919).toString(16).padStart(7, '0')}`,
    );

    let started = performance.now();
    const git = await createHistory(work, versions);
    const gitSetup = performance.now() - started;
    started = performance.now();
    const repository = `${registry.host}/bench/test-runner`;
    await seedRegistry(repository, [...versions, ...nonSemver]);
    const registrySetup = performance.now() - started;
    const npmrc = await verdaccio.writeNpmrc(join(work, '.npmrc'));
    started = performance.now();
    const onePublish = await seedPackument(verdaccio.storageDir, npmrc, '@bench/test-runner', versions, work);
    const npmSetup = performance.now() - started;
    const tagCount = (await openStore(repository).then((store) => store.listTags())).length;

    const base = { version: current };
    const viaRegistry = `${registryProxy.host}/bench/test-runner`;
    const cases: Case[] = [
      { label: 'git, major-floor', inputs: { ...base, policy: 'major-floor' }, workspace: git.main },
      { label: 'git, minors', inputs: { ...base, policy: 'minors' }, workspace: git.main },
      { label: 'git, last-n (3)', inputs: { ...base, policy: 'last-n', count: '3' }, workspace: git.main },
      {
        label: 'git, pinned 2.40.0',
        inputs: { ...base, policy: 'pinned', 'compatible-version': '2.40.0' },
        workspace: git.main,
      },
      {
        label: 'git, minors, no breaking check',
        inputs: { ...base, policy: 'minors', 'breaking-check': 'false' },
        workspace: git.main,
      },
      {
        label: 'git, major-floor, a breaking commit',
        inputs: { ...base, policy: 'major-floor' },
        workspace: git.breaking,
        fails: /^1 breaking commit\(s\) in v2\.0\.0\.\.HEAD /,
      },
      {
        label: 'registry, minors, no breaking check',
        inputs: { ...base, policy: 'minors', 'runner-image': viaRegistry, 'breaking-check': 'false' },
        workspace: git.main,
        proxy: registryProxy,
      },
      {
        label: 'registry, last-n (3), breaking check',
        inputs: { ...base, policy: 'last-n', 'runner-image': viaRegistry },
        workspace: git.main,
        proxy: registryProxy,
      },
      {
        label: 'npm, minors, no breaking check',
        inputs: {
          ...base,
          policy: 'minors',
          'npm-package': '@bench/test-runner',
          'npm-registry': `${npmProxy.url}/`,
          'breaking-check': 'false',
        },
        workspace: git.main,
        proxy: npmProxy,
      },
    ];

    const rows: string[][] = [];
    for (const testCase of cases) {
      const figures = await measureCase(testCase, actionDir, work);
      rows.push([
        testCase.label,
        ms(median(figures.core)),
        ms(median(figures.process)),
        figures.requests ?? '—',
        figures.outcome,
      ]);
    }
    // Where the time goes: the subprocesses the core runs, Node's own start, and the core's
    // arithmetic alone on names already in memory.
    const env = benchEnv();
    const timeRuns = async (operation: () => Promise<number>) => {
      const times: number[] = [];
      for (let run = 0; run < RUNS; run++) times.push(await operation());
      return ms(median(times));
    };
    let views = 0;
    const names = [...versions.map((version) => `v${version}`), ...nonSemver];
    const planOnly = await timeRuns(async () => {
      const started = performance.now();
      const plan = planMatrix({
        current,
        currentFrom: 'input "version"',
        policy: 'minors',
        available: parseVersions(names),
        sourceName: 'git tags',
      });
      if (plan.entries.length < 2) throw new Error('plan only: no matrix');
      return performance.now() - started;
    });
    rows.push(
      [`parse ${names.length} names + plan (minors), no I/O`, planOnly, '', '', ''],
      [
        `git tag --list (${versions.length + COMMITS / 50} tags)`,
        '',
        await timeRuns(() => timeProcess('git', ['-C', git.main, 'tag', '--list'], env)),
        '',
        '',
      ],
      [
        "git log v2.0.0..HEAD (the breaking check's read)",
        '',
        await timeRuns(() =>
          timeProcess('git', ['-C', git.main, 'log', `--format=${GIT_LOG_FORMAT}`, 'v2.0.0..HEAD'], env),
        ),
        '',
        '',
      ],
      [
        'npm view <pkg> versions --json (cold cache)',
        '',
        await timeRuns(() =>
          timeProcess(
            'npm',
            ['view', '@bench/test-runner', 'versions', '--json', '--registry', `${verdaccio.url}/`],
            { ...npmEnv(work), npm_config_cache: join(work, `npm-cache-view-${++views}`) },
          ),
        ),
        '',
        '',
      ],
      [
        'node 24 -e 0 (start alone)',
        '',
        await timeRuns(() => timeProcess(resolveNode24(), ['-e', '0'], env)),
        '',
        '',
      ],
    );
    const commitsSinceFloor = (
      await exec('git', ['-C', git.main, 'rev-list', '--count', 'v2.0.0..HEAD'])
    ).stdout.trim();
    printTable(
      `backcompat-matrix: ${versions.length} versions (${versions.filter((v) => v.includes('-')).length} prereleases) (+ ${NON_SEMVER} non-semver tags in git and the registry), ${COMMITS} commits (${commitsSinceFloor} since the v2.0.0 floor), current ${current}; median of ${RUNS} runs; NODE_EXTRA_CA_CERTS unset`,
      ['source, policy', 'core in-process', 'whole process', 'requests', 'matrix'],
      rows,
    );
    printTable(
      'setup (not part of the figures above)',
      ['what', 'time'],
      [
        [
          `git fast-import: ${COMMITS} commits, ${versions.length + COMMITS / 50} tags, + worktree`,
          ms(gitSetup),
        ],
        [
          `docker-registry: 1 image, ${tagCount} tags (${SEED_CONCURRENCY} tag PUTs in flight)`,
          ms(registrySetup),
        ],
        [`verdaccio: 1 npm publish + ${versions.length}-version packument written to storage`, ms(npmSetup)],
        ['  of which the one npm publish', ms(onePublish)],
      ],
    );
  } finally {
    await Promise.all([registryProxy.stop(), npmProxy.stop()]);
    await Promise.all([registry.stop(), verdaccio.stop()]);
    await rm(work, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchBackcompatMatrix();
