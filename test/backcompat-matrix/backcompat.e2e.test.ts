import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { openStore } from '@flow-actions/oci-store';
import { type ActionRun, runAction } from '@flow-actions/runner-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releasedAction } from '../e2e/release-tree';
import { type RunningRegistry, type RunningVerdaccio, startRegistry, startVerdaccio } from '../services';
import { seedImage } from '../support/artifacts';
import { skopeoDigest } from '../support/skopeo';

// End to end: the bundled backcompat-matrix action, run as the runner runs it, with versions from
// the real registry, from verdaccio through the real npm CLI, and from a real git checkout.
let registry: RunningRegistry;
let verdaccio: RunningVerdaccio;
const temps: string[] = [];

beforeAll(async () => {
  [registry, verdaccio] = await Promise.all([startRegistry(), startVerdaccio()]);
});
afterAll(async () => {
  await Promise.all([registry?.stop(), verdaccio?.stop()]);
  await Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true })));
});

async function tempDir(name: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), `flow-backcompat-${name}-`));
  temps.push(dir);
  return dir;
}

const GIT_ENV = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Flow Test',
  GIT_AUTHOR_EMAIL: 'flow@example.com',
  GIT_COMMITTER_NAME: 'Flow Test',
  GIT_COMMITTER_EMAIL: 'flow@example.com',
};
type Step = { message: string; tag?: string; files?: Record<string, string> };

/** A git checkout with one commit per step, tagged where a step says so. */
async function gitCheckout(steps: Step[]): Promise<string> {
  const dir = await tempDir('checkout');
  const git = (args: string[]) => exec('git', ['-C', dir, ...args], { env: GIT_ENV });
  await git(['init', '-q', '-b', 'main']);
  for (const [index, step] of steps.entries()) {
    await writeFile(join(dir, 'step.txt'), String(index));
    for (const [file, text] of Object.entries(step.files ?? {})) await writeFile(join(dir, file), text);
    await git(['add', '-A']);
    await git(['commit', '-q', '-m', step.message]);
    if (step.tag) await git(['tag', step.tag]);
  }
  return dir;
}

function backcompat(inputs: Record<string, string>, workspace?: string): Promise<ActionRun> {
  return runAction({
    actionDir: releasedAction('backcompat-matrix'),
    inputs,
    ...(workspace ? { workspace } : {}),
    env: { DOCKER_CONFIG: join(tmpdir(), 'flow-no-docker-config') },
  });
}

const RELEASES: Step[] = [
  { message: 'feat: first', tag: 'v2.0.0' },
  { message: 'fix: patch', tag: 'v2.0.1' },
  { message: 'feat: more', tag: 'v2.1.0' },
  { message: 'chore: not a release' },
  { message: 'feat: three', tag: 'v2.3.20' },
];

describe('backcompat-matrix (bundled action)', () => {
  it('git: the Makefile floor, tags of the checkout, non-breaking commits pass; the matrix feeds strategy.matrix', async () => {
    const dir = await gitCheckout([
      ...RELEASES,
      { message: 'feat(api): add a field\n\nNothing breaks.', tag: 'latest-build' },
      {
        message: 'fix: tidy',
        files: {
          Makefile: 'backwards_compatible_version=2.1.0\n',
          'package.json': JSON.stringify({ name: 'app', version: '2.4.5' }),
        },
      },
    ]);
    const run = await backcompat(
      { 'compatible-version-from': 'Makefile:backwards_compatible_version', policy: 'minors' },
      dir,
    );
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    const matrix = JSON.parse(run.outputs.matrix ?? '');
    expect(matrix).toEqual({
      include: [
        { version: '2.1.0', role: 'compat' },
        { version: '2.3.20', role: 'compat' },
        { version: '2.4.5', role: 'current' },
      ],
    });
    expect(JSON.parse(run.outputs.versions ?? '')).toEqual(['2.1.0', '2.3.20', '2.4.5']);
    expect(run.outputs.floor).toBe('2.1.0');
    expect(run.summary).toContain('floor: Makefile:backwards_compatible_version; latest patch of 2.1');
    expect(run.summary).toContain('4 commit(s) in `v2.1.0..HEAD`, none breaking');
    expect(run.stdout).toContain('1 name(s) at the git tags of the checkout are not semantic versions');
  });

  it('git: a breaking commit since a floor in the same major fails and names both ways out', async () => {
    const dir = await gitCheckout([
      ...RELEASES,
      { message: 'refactor(config)!: rename every option' },
      { message: 'fix: x\n\nBREAKING CHANGE: the port moved' },
    ]);
    const run = await backcompat({ version: '2.4.0', 'compatible-version': '2.3.20' }, dir);
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(
      /^2 breaking commit\(s\) in v2\.3\.20\.\.HEAD \([0-9a-f]{7} "fix: x", [0-9a-f]{7} "refactor\(config\)!: rename every option"\), but the floor 2\.3\.20 \(input "compatible-version"\) and the current version 2\.4\.0 share major 2: either bump the major to 3\.0\.0, or raise the compatible version to 2\.4\.0 or a later release that contains the break\.$/,
    );
    expect(run.outputs.matrix).toBeUndefined();

    const bumped = await backcompat({ version: '3.0.0', 'compatible-version': '2.3.20' }, dir);
    expect(bumped.errors).toEqual([]);
    expect(JSON.parse(bumped.outputs.versions ?? '')).toEqual(['2.3.20', '3.0.0']);
    const raised = await backcompat({ version: '2.4.0', 'compatible-version': '2.4.0' }, dir);
    expect(JSON.parse(raised.outputs.matrix ?? '')).toEqual({
      include: [{ version: '2.4.0', role: 'current' }],
    });
  });

  it('registry: tags of the runner image, images that skopeo resolves', async () => {
    const repo = `${registry.host}/acme/test-runner`;
    const store = await openStore(repo);
    const digests: Record<string, string> = {};
    for (const tag of ['2.0.0', '2.0.1', 'v2.2.0', '2.2.1', 'abc1234', 'latest', '2.3.0-rc.1']) {
      digests[tag] = (await seedImage(store, { revision: 'a'.repeat(40), tag })).digest;
    }
    const run = await backcompat({
      'runner-image': repo,
      version: '2.3.0',
      policy: 'last-n',
      count: '2',
      'breaking-check': 'false',
    });
    expect(run.errors).toEqual([]);
    const matrix = JSON.parse(run.outputs.matrix ?? '') as {
      include: { version: string; image: string; role: string }[];
    };
    expect(matrix.include).toEqual([
      { version: '2.0.0', image: `${repo}:2.0.0`, role: 'compat' },
      { version: '2.2.0', image: `${repo}:v2.2.0`, role: 'compat' },
      { version: '2.2.1', image: `${repo}:2.2.1`, role: 'compat' },
      { version: '2.3.0', image: `${repo}:2.3.0`, role: 'current' },
    ]);
    // Each compat entry is a job's image: skopeo must find exactly what was seeded there.
    for (const entry of matrix.include.filter((e) => e.role === 'compat')) {
      expect(await skopeoDigest(entry.image)).toBe(digests[entry.image.split(':').at(-1) ?? '']);
    }
    expect(run.summary).toContain('2 name(s) are not semantic versions');
  });

  it('npm: versions from verdaccio through the real npm CLI', async () => {
    const npmrc = await verdaccio.writeNpmrc(join(await tempDir('npmrc'), '.npmrc'));
    for (const version of ['1.0.0', '1.1.0', '1.1.1', '1.2.0-beta.1']) {
      const dir = await tempDir('pkg');
      await writeFile(join(dir, 'package.json'), JSON.stringify({ name: '@acme/runner', version }));
      await exec('npm', ['publish', '--userconfig', npmrc, '--tag', 'any'], { cwd: dir });
    }
    const run = await backcompat({
      'npm-package': '@acme/runner',
      'npm-registry': verdaccio.url,
      version: '1.2.0',
      policy: 'minors',
      'breaking-check': 'false',
    });
    expect(run.errors).toEqual([]);
    expect(JSON.parse(run.outputs.versions ?? '')).toEqual(['1.0.0', '1.1.1', '1.2.0']);
    const missing = await backcompat({
      'npm-package': '@acme/runner',
      'npm-registry': verdaccio.url,
      version: '1.2.0',
      'compatible-version': '1.0.5',
      'breaking-check': 'false',
    });
    expect(missing.errors).toEqual([
      'The compatible version 1.0.5 (input "compatible-version") was never released: npm package @acme/runner has no such version (newest below 1.2.0: 1.2.0-beta.1, 1.1.1, 1.1.0); set it to a released version.',
    ]);
  });

  it('bad inputs fail with one line before any source is asked', async () => {
    const dir = await gitCheckout([{ message: 'feat: x', tag: 'v1.0.0', files: { Makefile: 'x=1\n' } }]);
    const cases: [Record<string, string>, string][] = [
      [
        { version: '1.2' },
        'Input "version" "1.2" is not a semantic version: write MAJOR.MINOR.PATCH, e.g. 1.4.0 or v1.4.0.',
      ],
      [
        { version: '1.0.0', 'compatible-version': '1.5.0' },
        'The compatible version 1.5.0 (input "compatible-version") is above the current version 1.0.0 (input "version"): set it to a released version at or below 1.0.0.',
      ],
      [
        { policy: 'newest' },
        'Input "policy" must be one of "pinned", "major-floor", "minors", "last-n", got "newest".',
      ],
      [
        { 'compatible-version-from': 'Makefile:backwards_compatible_version' },
        'Input "compatible-version-from": Makefile has no backwards_compatible_version (looked for a line "backwards_compatible_version = <version>" or "backwards_compatible_version: <version>"); add it or fix the key.',
      ],
      [
        { 'compatible-version-from': 'VERSIONS:floor' },
        'Input "compatible-version-from" names VERSIONS, which is not in the workspace: check the path (relative to the repository root) and that the repository is checked out.',
      ],
    ];
    for (const [inputs, message] of cases) {
      const run = await backcompat(inputs, dir);
      expect(run.exitCode).toBe(1);
      expect(run.errors).toEqual([message]);
    }
  });

  it("compatible-version-from never reads a file outside the checkout, such as the runner's ~/.npmrc", async () => {
    // Read as a version, the token would be echoed in "… is not a semantic version".
    const secret = 'npm_0utsideTheCheckout0123456789';
    const home = await tempDir('home');
    await writeFile(join(home, '.npmrc'), `//registry.npmjs.org/:_authToken=${secret}\n`);
    const dir = await gitCheckout([{ message: 'feat: x', tag: 'v1.0.0' }]);
    await mkdir(join(dir, 'config'));
    await symlink(join(home, '.npmrc'), join(dir, 'config', 'versions'));
    const key = '//registry.npmjs.org/:_authToken';
    const cases: [string, string][] = [
      [
        `${join(home, '.npmrc')}:${key}`,
        `Input "compatible-version-from" names ${join(home, '.npmrc')}, which leaves the workspace: name a file of the checkout, relative to the repository root, e.g. Makefile:backwards_compatible_version.`,
      ],
      [
        `../${home.split('/').at(-1)}/.npmrc:${key}`,
        `Input "compatible-version-from" names ../${home.split('/').at(-1)}/.npmrc, which leaves the workspace: name a file of the checkout, relative to the repository root, e.g. Makefile:backwards_compatible_version.`,
      ],
      [
        `config/versions:${key}`,
        'config/versions leads outside the workspace (by "..", an absolute path or a symbolic link): name a file of the checkout itself.',
      ],
    ];
    for (const [spec, message] of cases) {
      const run = await backcompat({ version: '1.0.0', 'compatible-version-from': spec }, dir);
      expect(run.exitCode).toBe(1);
      expect(run.errors).toEqual([message]);
      expect(`${run.log}${run.stderr}${run.summary}${JSON.stringify(run.outputs)}`).not.toContain(secret);
    }
  });
});
