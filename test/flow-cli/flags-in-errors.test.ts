import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { COMMANDS } from '@flow-actions/flow-cli';
import { openStore } from '@flow-actions/oci-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRegistry, startRegistry } from '../services';
import { allActionInputs } from '../support/action-inputs';
import { seedImage } from '../support/artifacts';
import { type FlowRun, runFlow } from '../support/flow-cli';
import { git } from '../support/git';

// Every kind of bad input and refusal a hurried engineer meets on a terminal, provoked against
// the real thing: the flow bin as a process, an OCI layout built and promoted by flow itself, a
// git checkout, a manifest repository, a registry that wants a login. Each must end in one line
// on stderr, in flags (`--to`, `pass --allow-yanked`), never in a workflow's words, with exit
// code 2 for a wrong command line and 1 for a refusal.

/** How a workflow author is spoken to; none of it may reach a terminal. */
const ACTION_WORDS = [
  /\bInputs? "/,
  /\binputs?\b/i,
  /with:/,
  /\bset "?[a-z][a-z-]*: /,
  /workflow/i,
  /actions\/checkout|docker\/login-action|actions\/setup-node|permissions:/,
  /github\.token|secrets\.[A-Z]/,
];

/** Every input of every action: a `--name` in a message that is one of them must be the command's flag. */
const ACTION_INPUTS = allActionInputs();

let work: string;
let dockerConfig: string;
let checkout: string;
let layout: string;
let manifests: string;
/** Commits of the checkout: A built and released, B docs only, C built then yanked, D built. */
const sha: Record<'A' | 'B' | 'C' | 'D', string> = { A: '', B: '', C: '', D: '' };
let registry: RunningRegistry;

function flow(args: string[], cwd = checkout, env: NodeJS.ProcessEnv = {}): Promise<FlowRun> {
  return runFlow(args, {
    cwd,
    env: { HOME: work, DOCKER_CONFIG: dockerConfig, FLOW_ACTOR: 'alice', TMPDIR: work, ...env },
  });
}

async function commit(message: string, files: Record<string, string>): Promise<string> {
  for (const [name, content] of Object.entries(files)) await writeFile(join(checkout, name), content);
  await git(['add', '-A'], checkout);
  await git(['commit', '-q', '-m', message], checkout);
  return (await git(['rev-parse', 'HEAD'], checkout)).stdout.trim();
}

/** `flow build` of the commit checked out, as a user runs it; it must succeed. */
async function build(commitSha: string): Promise<void> {
  await git(['checkout', '-q', commitSha], checkout);
  const run = await flow(['build', '--image', `oci:${layout}`, '--kind', 'archive', '--path', 'app.zip']);
  expect(run.stderr).toContain('Ensuring the artifact');
  expect(run.exitCode).toBe(0);
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'flow-flags-'));
  dockerConfig = join(work, 'docker');
  checkout = join(work, 'app');
  layout = join(work, 'store');
  manifests = join(work, 'manifests.git');
  await mkdir(dockerConfig);
  await writeFile(join(dockerConfig, 'config.json'), '{"auths":{}}');
  await mkdir(checkout);
  await git(['init', '-q', '-b', 'main'], checkout);
  await git(['remote', 'add', 'origin', 'git@github.com:acme/app.git'], checkout);
  await writeFile(join(checkout, '.gitignore'), 'node_modules\n');
  sha.A = await commit('feat: first', { 'app.zip': 'bundle A', 'package.json': '{"version":"1.2.0"}' });
  await git(['tag', 'v1.0.0'], checkout);
  sha.B = await commit('docs: readme', { 'README.md': '# app' });
  await git(['tag', 'v1.1.0'], checkout);
  sha.C = await commit('feat: third', { 'app.zip': 'bundle C' });
  sha.D = await commit('fix: fourth', { 'app.zip': 'bundle D' });
  for (const built of [sha.A, sha.C, sha.D]) await build(built);
  await git(['checkout', '-q', 'main'], checkout);
  const released = await flow([
    'promote',
    '--image',
    `oci:${layout}`,
    '--from',
    sha.A,
    '--to',
    'v1.0.0,prod',
  ]);
  expect(released.exitCode).toBe(0);
  const yanked = await flow([
    'yank',
    '--image',
    `oci:${layout}`,
    '--sha',
    sha.C,
    '--reason',
    'stage smoke failed',
  ]);
  expect(yanked.exitCode).toBe(0);

  const seed = join(work, 'manifests-seed');
  await mkdir(seed);
  await git(['init', '-q', '-b', 'main'], seed);
  // stage for the refusals (never written), forward and own for the deploys that go through.
  for (const environment of ['stage', 'forward', 'own']) {
    await mkdir(join(seed, 'envs', environment), { recursive: true });
    await writeFile(
      join(seed, 'envs', environment, 'kustomization.yaml'),
      'images:\n  - name: ghcr.io/acme/api\n    newTag: "0f0f0f0"\n',
    );
  }
  await git(['add', '.'], seed);
  await git(['commit', '-q', '-m', 'environments'], seed);
  await git(['clone', '-q', '--bare', seed, manifests], work);

  // Deletion off, as on many registries: a yank writes its tombstone, then the delete is refused.
  registry = await startRegistry({ auth: 'htpasswd', deleteEnabled: false });
  const login = { username: registry.username as string, password: registry.password as string };
  await seedImage(await openStore(`${registry.host}/acme/api`, login), { revision: sha.D });
});

afterAll(async () => {
  await registry?.stop();
  await rm(work, { recursive: true, force: true });
});

/** The flags `flow <command>` takes, from its own definition (what --help lists). */
function flagsOf(command: string): string[] {
  const found = COMMANDS.find((candidate) => candidate.name === command);
  return [...Object.keys(found?.options ?? {}), 'json', 'verbose', 'help'];
}

/**
 * One line on stderr naming the cause in flags; for a usage error that line is all of stderr and
 * points at --help. Progress lines before a refusal (what flow was doing) may precede it.
 */
function expectOneLineInFlags(run: FlowRun, command: string, exitCode: 1 | 2): string {
  expect({ exitCode: run.exitCode, stderr: run.stderr }).toMatchObject({ exitCode });
  const lines = run.stderr.trimEnd().split('\n');
  const errors = lines.filter((line) => line.startsWith(`flow ${command}: `));
  expect(errors).toHaveLength(1);
  const line = errors[0] as string;
  expect(lines.at(-1)).toBe(line);
  if (exitCode === 2) {
    expect(lines).toEqual([line]);
    expect(line).toMatch(new RegExp(`\\(see flow ${command} --help\\)$`));
    expect(run.stdout).toBe('');
  }
  expectNoActionWords(run.stderr);
  // A --name that is an action input must be a flag of this very command (unless refused as unknown).
  for (const [, flag] of line.matchAll(/(?<![\w-]|unknown option )--([a-z][a-z-]*)/g)) {
    if (ACTION_INPUTS.has(flag as string)) expect(flagsOf(command)).toContain(flag);
  }
  return line;
}

/** None of a workflow's words in `text` (stderr, or stdout of a run that went through). */
function expectNoActionWords(text: string): void {
  for (const pattern of ACTION_WORDS)
    expect({ text, pattern }).not.toMatchObject({ text: expect.stringMatching(pattern) });
}

interface Case {
  name: string;
  args: () => string[];
  exitCode: 1 | 2;
  /** Pieces the line must hold: the flag, the cause, the fix. */
  says: string[];
  /** Never in stderr or stdout: a secret in a URL, a password on the command line. */
  secret?: string | (() => string);
  cwd?: () => string;
  env?: NodeJS.ProcessEnv;
}

const image = () => `oci:${layout}`;

/** `flow promote` in the layout, with `rest` after it. */
const promoteIn = (...rest: string[]) => ['promote', '--image', image(), ...rest];

/** `flow build` of the archive app.zip into the layout, with `rest` after it. */
const buildArchive = (...rest: string[]) => [
  'build',
  '--image',
  image(),
  '--kind',
  'archive',
  '--path',
  'app.zip',
  ...rest,
];

/** `flow update-manifest` of stage in the manifest repository, with `rest` after it. */
const updateStage = (...rest: string[]) => [
  'update-manifest',
  '--repository',
  manifests,
  '--path',
  'envs/stage',
  ...rest,
];

/** `flow update-manifest` pointing `path` at v1.0.0, its lineage read from the layout. */
const deployV1 = (path: string, ...rest: string[]) => [
  'update-manifest',
  '--repository',
  manifests,
  '--path',
  path,
  '--image',
  'ghcr.io/acme/api',
  '--artifact',
  image(),
  '--tag',
  'v1.0.0',
  ...rest,
];

const CASES: Case[] = [
  // A wrong command line: exit 2, one line, the flag named, a pointer to --help.
  {
    name: 'an unknown option',
    args: () => ['promote', '--frm', 'v1.0.0', '--to', 'prod'],
    exitCode: 2,
    says: ['unknown option --frm'],
  },
  {
    name: 'a flag without its value',
    args: () => ['yank', '--reason'],
    exitCode: 2,
    says: ['--reason needs a value'],
  },
  {
    name: 'a bad tag',
    args: () => promoteIn('--to', 'bad tag!'),
    exitCode: 2,
    says: ['--to: tag "bad tag!" is invalid: it contains a space'],
  },
  {
    name: 'a choice misspelled',
    args: () => promoteIn('--to', 'prod', '--fallback', 'nearest'),
    exitCode: 2,
    says: ['--fallback must be one of "none", "nearest-ancestor", got "nearest"'],
  },
  {
    name: 'a digest cut short',
    args: () => promoteIn('--to', 'prod', '--from', 'sha256:abc'),
    exitCode: 2,
    says: ['--from digest "sha256:abc" is not sha256: followed by 64 hex characters'],
  },
  {
    name: 'an image with a version where a repository belongs',
    args: () => ['build', '--image', 'ghcr.io/acme/api:v1', '--kind', 'archive', '--path', 'app.zip'],
    exitCode: 2,
    says: ['--image names a version: drop the tag or digest from "ghcr.io/acme/api:v1"'],
  },
  {
    name: 'a destination per image, miscounted',
    args: () => [
      'promote',
      '--image',
      image(),
      '--to-image',
      'oci:/x',
      '--to-image',
      'oci:/y',
      '--to',
      'prod',
    ],
    exitCode: 2,
    says: ['--to-image has 2 line(s) but --image has 1'],
  },
  {
    name: 'half of a login',
    args: () => buildArchive('--username', 'me'),
    exitCode: 2,
    says: ['--username and --password go together: --password is missing'],
  },
  {
    name: 'an archive without its file',
    args: () => ['build', '--image', image(), '--kind', 'archive'],
    exitCode: 2,
    says: ['--path is required with --kind archive'],
  },
  {
    name: 'a commit git does not know',
    args: () => buildArchive('--sha', 'nosuchref'),
    exitCode: 2,
    says: ['--sha value "nosuchref" is no commit of'],
  },
  {
    name: 'a value that starts with "-" given as the next word',
    args: () => updateStage('--branch', '-x'),
    exitCode: 2,
    says: ['--branch needs a value, and the next word starts with "-": write --branch=<value>'],
  },
  {
    name: 'a missing reason',
    args: () => ['yank', '--image', image(), '--sha', sha.D],
    exitCode: 2,
    says: ['--reason is required'],
  },
  {
    name: 'a sha shorter than --sha-length',
    args: () => ['yank', '--image', image(), '--sha', 'abc1', '--reason', 'r'],
    exitCode: 2,
    says: ['--sha value "abc1" is shorter than --sha-length (7)'],
  },
  {
    name: "inspect's positional image without a repository",
    args: () => ['inspect', '127.0.0.1:5000', 'abc1234'],
    exitCode: 2,
    says: ['<image>: "127.0.0.1:5000" names registry 127.0.0.1:5000 but no repository'],
  },
  {
    name: 'conflicting flags: two floors',
    args: () => ['matrix', '--compatible-version', '1.0.0', '--compatible-version-from', 'Makefile:x'],
    exitCode: 2,
    says: ['--compatible-version and --compatible-version-from both name the floor: keep one'],
  },
  {
    name: 'a version source without what it lists',
    args: () => ['matrix', '--versions-from', 'registry'],
    exitCode: 2,
    says: ['--versions-from registry lists the tags of --runner-image, which is not set'],
  },
  {
    name: 'conflicting flags: undo and deploy at once',
    args: () => updateStage('--revert', 'a'.repeat(40), '--image', 'ghcr.io/acme/api', '--tag', 'v1.0.0'),
    exitCode: 2,
    says: ['--revert undoes a commit and cannot be combined with --image, --tag: leave them empty.'],
  },
  {
    name: 'undoing a deploy with --forward-only, which would call it moving back',
    args: () => updateStage('--revert', 'a'.repeat(40), '--forward-only'),
    exitCode: 2,
    says: [
      '--revert puts back what ran before a deploy, which --forward-only would call moving back',
      'leave out --forward-only with --revert',
    ],
  },
  {
    name: 'waiting for required checks, which only the action does (the GitHub API)',
    args: () => promoteIn('--from', sha.D, '--to', 'rc-3', '--require-checks', 'stage-cd'),
    exitCode: 2,
    says: ['unknown option --require-checks'],
  },
  {
    name: 'a branch that reads as an option',
    args: () => updateStage('--image', 'ghcr.io/acme/api', '--tag', 'v1.0.0', '--branch=-x'),
    exitCode: 2,
    says: ['--branch "-x" is not a valid branch name'],
  },
  {
    name: 'neither tag nor digest to deploy',
    args: () => updateStage('--image', 'ghcr.io/acme/api'),
    exitCode: 2,
    says: ['Give --digest (sha256:…, recommended: pins the exact artifact), --tag, or both.'],
  },
  {
    name: 'helm without its key',
    args: () => updateStage('--image', 'ghcr.io/acme/api', '--tag', 'v1', '--format', 'helm'),
    exitCode: 2,
    says: ['--format is helm but --helm-key is empty'],
  },
  {
    name: 'publish without a token',
    args: () => ['publish', '--sha', sha.A],
    exitCode: 2,
    says: ['--token is required to publish: pass an npm automation token in $NPM_TOKEN (or --token)'],
  },
  {
    name: 'provenance with no CI token to sign with',
    args: () => ['publish', '--dry-run', '--provenance', '--sha', sha.A],
    exitCode: 2,
    says: ['--provenance needs the OIDC token of a CI job', 'or drop --provenance'],
  },
  // Credentials in a URL: refused before use, shown redacted, and told where they go.
  {
    name: 'a password in an image URL',
    args: () => ['promote', '--image', 'http://bob:hunter2-secret@127.0.0.1:5000/acme/api', '--to', 'prod'],
    exitCode: 2,
    says: [
      '--image carries credentials in "http://bob:***@127.0.0.1:5000/acme/api"',
      'or use --username and --password',
    ],
    secret: 'hunter2-secret',
  },
  {
    name: 'a token in the manifest repository URL',
    args: () => [
      'update-manifest',
      '--repository',
      'https://x-access-token:ghs_SecretToken0123456789@github.com/acme/deploy.git',
      '--path',
      'envs/stage',
      '--image',
      'ghcr.io/acme/api',
      '--tag',
      'v1',
    ],
    exitCode: 2,
    says: [
      '--repository carries credentials in "https://x-access-token:***@github.com/acme/deploy.git"',
      'with the token in --token',
    ],
    secret: 'ghs_SecretToken0123456789',
  },
  {
    name: 'a password in an npm registry URL',
    args: () => [
      'matrix',
      '--npm-package',
      '@acme/runner',
      '--npm-registry',
      'https://ci:npm-pass-123@npm.example/',
    ],
    exitCode: 2,
    says: ['--npm-registry carries credentials', 'npm login --registry <url>'],
    secret: 'npm-pass-123',
  },
  {
    name: 'a token in the npm registry URL of publish',
    args: () => [
      'publish',
      '--dry-run',
      '--registry',
      'https://u:npm-secret-456@npm.example/',
      '--sha',
      sha.A,
    ],
    exitCode: 2,
    says: ['--registry carries credentials', 'pass the token in --token'],
    secret: 'npm-secret-456',
  },
  // Refusals by the protocol: exit 1, one line, the fix as a flag.
  {
    name: 'a version typo that is not a release tag',
    args: () => promoteIn('--from', sha.D, '--to', 'v1.0'),
    exitCode: 1,
    says: ['--to has v1.0, which is not a semver release tag', 'pass --version-scheme calver (or none)'],
  },
  {
    name: 'a version typo that skips versions',
    args: () => promoteIn('--from', sha.D, '--to', 'v1.10.0'),
    exitCode: 1,
    says: ['--to has v1.10.0, which is out of sequence', 'pass --allow-version-gap'],
  },
  {
    name: 'a commit without an artifact and no fallback',
    args: () => promoteIn('--from', sha.B, '--to', 'rc-1'),
    exitCode: 1,
    says: ['Promote one of them with --from, or pass --fallback nearest-ancestor'],
  },
  {
    name: 'a yanked source',
    args: () => promoteIn('--from', sha.C, '--to', 'rc-2'),
    exitCode: 1,
    says: ['was yanked by alice', '"stage smoke failed"', 'or pass --allow-yanked to override'],
  },
  {
    name: 'an immutable tag that would move',
    args: () => promoteIn('--from', sha.D, '--to', 'v1.0.0'),
    exitCode: 1,
    says: ['Refusing to move immutable tags, so nothing was written', 'change --immutable-tags'],
  },
  {
    name: 'a rebuild of a yanked commit',
    args: () => buildArchive('--sha', sha.C),
    exitCode: 1,
    says: ['was yanked by alice', 'or pass --allow-yanked to override'],
  },
  {
    name: 'a commit built before, with --if-exists fail',
    args: () => buildArchive('--if-exists', 'fail'),
    exitCode: 1,
    says: ['and --if-exists fail refuses it', 'pass --if-exists skip to reuse it'],
  },
  {
    name: 'a protected tag on what is yanked',
    args: () => ['yank', '--image', image(), '--sha', sha.A, '--reason', 'oops'],
    exitCode: 1,
    says: ['protected tags point at its artifact', 'or pass --force to yank it from under them'],
  },
  {
    name: 'a short sha nothing expands',
    args: () => ['yank', '--image', image(), '--sha', 'abcdef1', '--reason', 'r'],
    cwd: () => work,
    exitCode: 1,
    says: ['--sha value "abcdef1" cannot be expanded'],
  },
  {
    name: 'a floor that was never released, named by its flag',
    args: () => ['matrix', '--compatible-version', '1.0.5', '--version', '1.2.0'],
    exitCode: 1,
    says: ['The compatible version 1.0.5 (--compatible-version) was never released'],
  },
  {
    name: 'versions from git outside a checkout',
    args: () => ['matrix', '--version', '1.2.0', '--versions-from', 'git'],
    cwd: () => work,
    exitCode: 1,
    says: ['--versions-from git reads the git checkout', 'run it in a clone of the repository'],
  },
  {
    name: 'a source commit the artifact contradicts',
    args: () => deployV1('envs/stage', '--source-commit', sha.D),
    exitCode: 1,
    says: ['is not the commit the artifact was built from', '(org.opencontainers.image.revision)'],
  },
  {
    name: 'a manifest path that is not there',
    args: () => deployV1('envs/nowhere'),
    exitCode: 1,
    says: ['Path "envs/nowhere" does not exist in', 'check --path'],
  },
  {
    name: 'a yank where the registry refuses deletes: the tombstone stands, the way on is a flag',
    args: () => [
      'yank',
      '--image',
      `${registry.host}/acme/api`,
      '--sha',
      sha.D,
      '--reason',
      'stage smoke failed',
      '--username',
      registry.username as string,
      '--password',
      registry.password as string,
    ],
    exitCode: 1,
    says: [
      'has deletion disabled (405',
      '/acme/api:yanked-',
      'is written, so',
      're-run: yanking is idempotent. To keep the artifact and only block it, pass --mode tombstone-only.',
    ],
    secret: () => registry.password as string,
  },
  {
    name: 'a registry that wants a login',
    args: () => ['inspect', `${registry.host}/acme/api`, 'v1.0.0'],
    exitCode: 1,
    says: ['requires credentials', 'log in with docker login or pass --username and --password'],
  },
];

describe('every refusal of flow names flags, on one line, with the exit code of its kind', () => {
  it.each(CASES.map((entry) => [entry.name, entry] as const))('%s', async (_name, entry) => {
    const args = entry.args();
    const command = args[0] as string;
    const run = await flow(args, entry.cwd?.() ?? checkout, entry.env);
    const line = expectOneLineInFlags(run, command, entry.exitCode);
    for (const piece of entry.says) expect(line).toContain(piece);
    const secret = typeof entry.secret === 'function' ? entry.secret() : entry.secret;
    if (secret) expect(run.stdout + run.stderr).not.toContain(secret);
  });

  it('a dirty tree is refused naming the file and --allow-dirty; nothing is written', async () => {
    const dirty = join(work, 'dirty');
    await git(['clone', '-q', checkout, dirty], work);
    await writeFile(join(dirty, 'app.zip'), 'edited by hand');
    const before = await readFile(join(layout, 'index.json'), 'utf8');
    const run = await flow(buildArchive(), dirty);
    const line = expectOneLineInFlags(run, 'build', 1);
    expect(line).toContain('app.zip (modified)');
    expect(line).toContain('or pass --allow-dirty to build them anyway');
    expect(await readFile(join(layout, 'index.json'), 'utf8')).toBe(before);
  });

  it('a build of uncommitted changes: promote refuses it, update-manifest takes it only with --allow-dirty, all in flags', async () => {
    const dirty = join(work, 'dirty-allowed');
    await git(['clone', '-q', checkout, dirty], work);
    await writeFile(join(dirty, 'app.zip'), 'tried out by hand');
    const built = await flow(buildArchive('--allow-dirty', '--json'), dirty);
    expect(built.exitCode).toBe(0);
    expect(built.stderr).toContain('BUILDING UNCOMMITTED CHANGES (--allow-dirty): app.zip (modified).');
    expectNoActionWords(built.stderr);
    const { tag } = JSON.parse(built.stdout) as { tag: string };
    expect(tag).toMatch(new RegExp(`^dirty-${sha.D.slice(0, 7)}-[0-9a-f]{12}$`));

    const promoted = expectOneLineInFlags(
      await flow(promoteIn('--from', tag, '--to', 'rc-9', '--yes')),
      'promote',
      1,
    );
    expect(promoted).toContain(`flow promote: --from ${tag} is `);
    expect(promoted).toContain(
      `which was built from uncommitted changes on top of commit ${sha.D.slice(0, 7)} (revision ${sha.D}-dirty): a dirty build is never promoted. Commit the changes, build that commit (flow build), and promote it.`,
    );

    const deploy = (...rest: string[]) =>
      flow([
        'update-manifest',
        '--repository',
        manifests,
        '--path',
        'envs/own',
        '--image',
        'ghcr.io/acme/api',
        '--artifact',
        image(),
        '--tag',
        tag,
        ...rest,
      ]);
    const before = (await git(['rev-parse', 'main'], manifests)).stdout;
    const refused = expectOneLineInFlags(await deploy(), 'update-manifest', 1);
    expect(refused).toContain(`flow update-manifest: --tag ${tag} is `);
    expect(refused).toContain(
      "a dirty build is not deployed. Commit the changes and deploy that commit's artifact, or pass --allow-dirty to deploy it anyway to an environment of your own.",
    );
    const named = expectOneLineInFlags(
      await deploy('--allow-dirty', '--source-commit', sha.D),
      'update-manifest',
      1,
    );
    expect(named).toMatch(
      new RegExp(
        `^flow update-manifest: --source-commit ${sha.D} cannot name the commit of a dirty build: .*\\. Leave out --source-commit\\.$`,
      ),
    );
    expect((await git(['rev-parse', 'main'], manifests)).stdout).toBe(before);

    const allowed = await deploy('--allow-dirty');
    expect(allowed.exitCode).toBe(0);
    expect(allowed.stderr).toContain(
      `warning: DEPLOYING UNCOMMITTED CHANGES (--allow-dirty): --tag ${tag} is `,
    );
    expect(allowed.stderr).toContain('--revert-deploy-of and --forward-only cannot recognise this deploy.');
    expectNoActionWords(allowed.stdout + allowed.stderr);
    const trailers = await git(['log', '-1', '--format=%(trailers)', 'main'], manifests);
    expect(trailers.stdout).not.toContain('Flow-Source-Commit');
    expect((await git(['rev-parse', 'main'], manifests)).stdout).not.toBe(before);
  });

  it('--forward-only says what it decided in flags: a first deploy goes, an older commit after a newer is skipped (exit 0)', async () => {
    const deploy = (commit: string) =>
      flow([
        'update-manifest',
        '--repository',
        manifests,
        '--path',
        'envs/forward',
        '--image',
        'ghcr.io/acme/api',
        '--artifact',
        image(),
        '--tag',
        commit.slice(0, 7),
        '--forward-only',
      ]);
    const [newer, older] = [sha.D.slice(0, 7), sha.A.slice(0, 7)];
    const first = await deploy(sha.D);
    expect(first.exitCode).toBe(0);
    expect(first.stdout).toContain(`--forward-only: no earlier deploy, so ${newer} is deployed`);
    const deployed = (await git(['rev-parse', 'main'], manifests)).stdout;

    const skipped = await deploy(sha.A);
    expect(skipped.exitCode).toBe(0);
    expect(skipped.stdout.split('\n').slice(0, 3)).toEqual([
      `Skipped (--forward-only) on ${manifests} main.`,
      `Source commit ${sha.A} (the artifact's revision).`,
      `Skipped: the environment runs ${newer}, which is newer than ${older} (${older} is its ancestor), so deploying ${older} would move it back. Nothing was changed; ${newer}'s run checks it.`,
    ]);
    expect((await git(['rev-parse', 'main'], manifests)).stdout).toBe(deployed);
    for (const run of [first, skipped]) expectNoActionWords(run.stdout + run.stderr);
  });

  it('with --json, stdout holds the same flag-worded error, and stderr its one line', async () => {
    const run = await flow(promoteIn('--from', sha.C, '--to', 'rc-2', '--json'));
    const line = expectOneLineInFlags(run, 'promote', 1);
    const json = JSON.parse(run.stdout) as { ok: boolean; error: string };
    expect(json.ok).toBe(false);
    expect(json.error).toContain('or pass --allow-yanked to override');
    expect(line).toContain(json.error);
  });

  it('a warning on the way speaks in flags too: --allow-yanked rebuilds a yanked commit, saying so', async () => {
    await git(['checkout', '-q', sha.C], checkout);
    try {
      const run = await flow(buildArchive('--allow-yanked'));
      expect(run.exitCode).toBe(0);
      expect(run.stderr).toContain(
        `commit ${sha.C.slice(0, 7)} was yanked ("stage smoke failed"); going on because of --allow-yanked.`,
      );
      expectNoActionWords(run.stderr);
    } finally {
      await git(['checkout', '-q', 'main'], checkout);
    }
  });
});
