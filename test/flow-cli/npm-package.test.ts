import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, readFile, readlink, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { type ExecResult, exec } from '@flow-actions/action-kit';
import { COMMANDS } from '@flow-actions/flow-cli';
import { resolveNode24 } from '@flow-actions/runner-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_BIN, CLI_PACKAGE } from '../../scripts/release/cli-package';
import {
  type RunningGitServer,
  type RunningRegistry,
  type RunningVerdaccio,
  requireBinary,
  startGitServer,
  startRegistry,
  startVerdaccio,
} from '../services';
import { cleanNpm, machineNode, releasedCli, systemPath } from '../support/cli-package';
import { skopeoDigest, skopeoTags } from '../support/skopeo';

// The flow CLI as a user gets it: the package the release tree holds (cli/), published to
// verdaccio with the real npm, installed with `npm install -g --prefix` by a user whose HOME has
// nothing but an .npmrc naming that registry, a Docker config and a git identity, and run as
// `flow` from PATH in a product checkout — on the machine's Node and on Node 24. Everything it
// says it wrote to the registry, skopeo reads back; the manifest repository is served over git's
// smart HTTP.

const NODES = [machineNode(), resolveNode24()].map((binary) => ({
  binary,
  version: execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim(),
}));

const GIT_TOKEN = 'ghp_manifestsToken000000000000000000000';

const scratch: string[] = [];
async function scratchDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  scratch.push(dir);
  return dir;
}

let verdaccio: RunningVerdaccio;
let registry: RunningRegistry;
let gitServer: RunningGitServer;
/** The version of the package the tree holds: a release's, or the test tree's development version. */
let version: string;
let sourceCommit: string | undefined;

beforeAll(async () => {
  // Scripts read --json with jq; so does this test (the machine has it, from Debian).
  await requireBinary('jq', 'apt-get install -y jq');
  const cli = await releasedCli();
  const manifest = JSON.parse(await readFile(join(cli, 'package.json'), 'utf8'));
  version = manifest.version;
  sourceCommit = manifest.flowActions?.sourceCommit;
  [verdaccio, registry, gitServer] = await Promise.all([
    startVerdaccio(),
    startRegistry({ auth: 'htpasswd' }),
    startGitServer({ token: GIT_TOKEN }),
  ]);
  // The maintainer's side: `npm publish` of the folder as the release holds it.
  const publisher = await scratchDir('flow-cli-publisher-');
  const npmrc = await verdaccio.writeNpmrc(join(publisher, '.npmrc'));
  const published = await cleanNpm(['publish', cli, '--tag', 'acceptance'], { home: publisher });
  expect(published.stderr + published.stdout).not.toContain(verdaccio.token);
  expect(published.exitCode, published.stderr).toBe(0);
  expect(await readFile(npmrc, 'utf8')).toContain(verdaccio.host);
}, 180_000);
afterAll(async () => {
  await Promise.all([verdaccio?.stop(), registry?.stop(), gitServer?.stop()]);
  await Promise.all(scratch.map((dir) => rm(dir, { recursive: true, force: true })));
});

describe.each(NODES)(
  'flow installed from npm, on Node $version',
  { timeout: 300_000 },
  ({ binary, version: node }) => {
    const major = node.slice(1).split('.')[0];
    const image = () => `${registry.host}/acme/app-node${major}`;
    let home: string;
    let checkout: string;
    let env: NodeJS.ProcessEnv;

    /** `flow <args>` as the user types it: found on PATH, in `cwd` (default: the checkout). */
    const flow = (args: readonly string[], cwd = checkout): Promise<ExecResult> =>
      exec('flow', args, { cwd, env, allowFailure: true });
    /** `flow <args> --json`: exit 0, and stdout is one JSON document and nothing else. */
    const flowJson = async (args: readonly string[], cwd = checkout): Promise<Record<string, unknown>> => {
      const run = await flow([...args, '--json'], cwd);
      expect(run.exitCode, run.stderr).toBe(0);
      return JSON.parse(run.stdout);
    };
    const git = (args: readonly string[]) => exec('git', args, { cwd: checkout, env });
    const commit = async (content: string, message: string): Promise<string> => {
      await writeFile(join(checkout, 'app.zip'), content);
      await git(['add', 'app.zip']);
      await git(['commit', '-q', '-m', message]);
      return (await git(['rev-parse', 'HEAD'])).stdout.trim();
    };
    const creds = () => ({ creds: `${registry.username}:${registry.password}` });

    beforeAll(async () => {
      home = await scratchDir(`flow-cli-user-node${major}-`);
      const prefix = join(home, '.local');
      const nodeDir = join(home, 'node', 'bin');
      await mkdir(nodeDir, { recursive: true });
      await symlink(binary, join(nodeDir, 'node'));
      // A clean HOME: the test registry in ~/.npmrc, the registry login in ~/.docker, a git identity.
      await writeFile(join(home, '.npmrc'), `registry=${verdaccio.url}/\n`);
      await mkdir(join(home, '.docker'));
      const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
      await writeFile(
        join(home, '.docker', 'config.json'),
        JSON.stringify({ auths: { [registry.host]: { auth } } }),
      );
      await writeFile(join(home, '.gitconfig'), '[user]\n\tname = Alice\n\temail = alice@example.com\n');
      env = {
        PATH: [join(prefix, 'bin'), nodeDir, systemPath()].join(delimiter),
        HOME: home,
        USER: 'alice',
        // Where `flow update-manifest --repository acme/manifests` finds acme/manifests: the git server.
        GITHUB_SERVER_URL: gitServer.url,
      };

      const installed = await cleanNpm(['install', '-g', '--prefix', prefix, `${CLI_PACKAGE}@${version}`], {
        home,
        path: env.PATH,
      });
      expect(installed.exitCode, installed.stderr).toBe(0);
      checkout = join(home, 'app');
      await mkdir(join(checkout, 'docs'), { recursive: true });
      await git(['init', '-q', '-b', 'main']);
      await git(['remote', 'add', 'origin', 'git@github.com:acme/app.git']);
    });

    it('is one bundled program on PATH with no dependencies, and says its version', async () => {
      const installedAt = join(home, '.local', 'lib', 'node_modules', '@flow-actions', 'cli');
      expect(await readlink(join(home, '.local', 'bin', 'flow'))).toBe(
        join('..', 'lib', 'node_modules', '@flow-actions', 'cli', CLI_BIN),
      );
      expect(existsSync(join(installedAt, 'node_modules'))).toBe(false);
      expect((await readdir(installedAt)).sort()).toEqual(['LICENSE', 'README.md', 'dist', 'package.json']);
      expect((await exec('node', ['--version'], { env })).stdout.trim()).toBe(node);

      const run = await flow(['--version'], home);
      expect(run).toMatchObject({ exitCode: 0, stderr: '' });
      expect(run.stdout).toMatch(
        sourceCommit
          ? new RegExp(
              `^flow ${version.replace(/\./g, '\\.')} \\(built from ${sourceCommit.slice(0, 12)}( with uncommitted changes)?\\)\n$`,
            )
          : new RegExp(`^flow ${version.replace(/\./g, '\\.')}\n$`),
      );
      const help = await flow(['--help'], home);
      expect(help.stdout).toContain('Usage: flow <command> [options]');
    });

    it('builds, promotes, rolls back (registry and manifest), reads a matrix, inspects and yanks in a product checkout; skopeo agrees', async () => {
      const shortOf = (sha: string) => sha.slice(0, 7);
      const a = await commit('bundle A', 'feat: first');
      const builtA = await flowJson(['build', '--image', image(), '--kind', 'archive', '--path', 'app.zip']);
      expect(builtA).toMatchObject({ ok: true, sha: a, tag: shortOf(a) });
      const digestA = await skopeoDigest(`${image()}:${shortOf(a)}`, creds());
      expect(builtA.images).toEqual([expect.objectContaining({ digest: digestA, built: true })]);

      // From a folder below the top: flow finds the checkout, and --path is relative to where it runs.
      const b = await commit('bundle B', 'feat: second');
      const builtB = await flowJson(
        ['build', '--image', image(), '--kind', 'archive', '--path', '../app.zip'],
        join(checkout, 'docs'),
      );
      expect(builtB).toMatchObject({ sha: b });
      const digestB = await skopeoDigest(`${image()}:${shortOf(b)}`, creds());
      expect(digestB).not.toBe(digestA);

      // Promotions; --json | jq is what scripts do with it.
      const pipeline = async (args: readonly string[], filter: string) =>
        exec('bash', ['-o', 'pipefail', '-c', `flow "$@" --json | jq -e '${filter}'`, 'flow', ...args], {
          cwd: checkout,
          env,
          allowFailure: true,
        });
      const v100 = await pipeline(
        ['promote', '--image', image(), '--from', a, '--to', 'v1.0.0', '--to', 'prod', '--yes'],
        '.ok',
      );
      expect(v100).toMatchObject({ exitCode: 0, stdout: 'true\n' });
      const v110 = await pipeline(
        ['promote', '--image', image(), '--from', b, '--to', 'v1.1.0', '--to', 'prod', '--yes'],
        '.ok',
      );
      expect(v110).toMatchObject({ exitCode: 0, stdout: 'true\n' });
      expect(await skopeoDigest(`${image()}:prod`, creds())).toBe(digestB);

      // Roll back: v1.0.0's artifact is prod again, nothing rebuilt; then the manifest follows.
      const rollback = await pipeline(
        ['promote', '--image', image(), '--from', 'v1.0.0', '--to', 'prod'],
        '.',
      );
      expect(rollback.exitCode, rollback.stderr).toBe(0);
      expect(JSON.parse(rollback.stdout)).toMatchObject({ ok: true, sourceSha: a });
      expect(await skopeoDigest(`${image()}:prod`, creds())).toBe(digestA);
      expect(await skopeoDigest(`${image()}:v1.0.0`, creds())).toBe(digestA);
      expect(await skopeoDigest(`${image()}:v1.1.0`, creds())).toBe(digestB);

      const manifests = await gitServer.createBareRepository(`acme/manifests-node${major}`, {
        files: { 'envs/prod/kustomization.yaml': `images:\n  - name: ${image()}\n    newTag: v1.1.0\n` },
      });
      const deployed = await flowJson([
        'update-manifest',
        '--repository',
        `acme/manifests-node${major}`,
        '--token',
        GIT_TOKEN,
        '--path',
        'envs/prod',
        '--image',
        image(),
        '--tag',
        'v1.0.0',
        '--digest',
        digestA as string,
      ]);
      expect(deployed).toMatchObject({ ok: true, status: 'pushed', sourceCommit: a });
      const bare = ['--git-dir', manifests.path];
      expect((await exec('git', [...bare, 'show', 'main:envs/prod/kustomization.yaml'])).stdout).toBe(
        `images:\n  - name: ${image()}\n    newTag: v1.0.0\n    digest: ${digestA}\n`,
      );
      expect((await exec('git', [...bare, 'log', '-1', '--format=%B', 'main'])).stdout).toContain(
        `Flow-Source-Commit: ${a}`,
      );

      // Its releases, read as a test-runner image's versions.
      const matrix = await flowJson([
        'matrix',
        '--runner-image',
        image(),
        '--version',
        '1.1.0',
        '--compatible-version',
        '1.0.0',
        '--policy',
        'minors',
        '--breaking-check',
        'false',
      ]);
      expect(matrix).toMatchObject({ ok: true, versions: ['1.0.0', '1.1.0'] });

      const inspected = await flowJson(['inspect', image(), 'prod']);
      expect(inspected).toMatchObject({ ok: true, digest: digestA });
      expect(inspected.tags).toEqual(expect.arrayContaining(['prod', 'v1.0.0', shortOf(a)]));

      // A third commit fails its checks and is yanked, from the folder below: its tag is gone, a
      // tombstone stays, and what the releases point at is untouched.
      const c = await commit('bundle C', 'feat: third');
      await flowJson(['build', '--image', image(), '--kind', 'archive', '--path', 'app.zip']);
      expect(await skopeoDigest(`${image()}:${shortOf(c)}`, creds())).toMatch(/^sha256:/);
      const yanked = await flowJson(
        ['yank', '--image', image(), '--reason', 'stage smoke failed'],
        join(checkout, 'docs'),
      );
      expect(yanked).toMatchObject({ ok: true, sha: c });
      expect(await skopeoTags(image(), creds())).toEqual(
        [shortOf(a), shortOf(b), 'prod', 'v1.0.0', 'v1.1.0', `yanked-${shortOf(c)}`].sort(),
      );
      const tombstone = await flowJson(['inspect', image(), c]);
      expect(JSON.stringify(tombstone)).toContain('stage smoke failed');
    });

    it('runs every command from the package: the help of each, a gated npm publish as a dry run', async () => {
      for (const command of COMMANDS) {
        const help = await flow([command.name, '--help']);
        expect(help, command.name).toMatchObject({ exitCode: 0, stderr: '' });
        expect(help.stdout.startsWith(`Usage: flow ${command.name} `), command.name).toBe(true);
      }

      // A package repository of its own, with a commit: what flow publish reports on.
      const library = join(home, 'greeter');
      await mkdir(join(library, 'packages', 'greeter'), { recursive: true });
      await writeFile(
        join(library, 'packages', 'greeter', 'package.json'),
        JSON.stringify({ name: `@acme/greeter-node${major}`, version: '1.0.0' }),
      );
      await writeFile(join(library, 'packages', 'greeter', 'index.js'), 'export const hello = "hello";\n');
      for (const args of [
        ['init', '-q', '-b', 'main'],
        ['add', '.'],
        ['commit', '-q', '-m', 'feat: greeter'],
      ])
        await exec('git', args, { cwd: library, env });
      const publish = await flowJson(
        ['publish', '--packages', 'packages/greeter', '--registry', `${verdaccio.url}/`, '--dry-run'],
        library,
      );
      expect(publish).toMatchObject({
        ok: true,
        dryRun: true,
        skipped: [expect.objectContaining({ name: `@acme/greeter-node${major}`, version: '1.0.0' })],
      });
    });
  },
);
