import { mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { ConfigurationError, type ExecOptions, SecretMasker } from '@flow-actions/action-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  BuildahBuilder,
  type BuildSpec,
  BuildxBuilder,
  type Exec,
  parseBuildxMetadata,
  selectBuilder,
} from './builders';

// docker/buildx cannot run here (no daemon): a fake `docker` on PATH records its argv and writes
// the --metadata-file, which proves the argument array and the digest parsing, not a real build.
const FAKE_DOCKER = join(
  import.meta.dirname,
  '..',
  '..',
  '..',
  'test',
  'fixtures',
  'build-by-sha',
  'fake-docker',
);
const DIGEST = `sha256:${'ab'.repeat(32)}`;

let workDir: string;
beforeEach(async () => {
  workDir = await mkdtemp(join(tmpdir(), 'build-by-sha-builders-'));
});
afterEach(() => rm(workDir, { recursive: true, force: true }));

const spec = (overrides: Partial<BuildSpec> = {}): BuildSpec => ({
  context: '/ws/services/api',
  file: '/ws/services/api/Dockerfile',
  target: 'runtime',
  buildArgs: ['VERSION=1.2', 'NOTE=a b;$(x)'],
  platforms: ['linux/amd64', 'linux/arm64'],
  labels: { 'org.opencontainers.image.revision': 'f'.repeat(40) },
  annotations: { 'org.opencontainers.image.revision': 'f'.repeat(40) },
  repository: 'ghcr.io/acme/api',
  registry: 'ghcr.io',
  workDir,
  ...overrides,
});

/** Records calls and answers from a script of exit codes per command. */
function recordingExec(exitCodes: Record<string, number> = {}) {
  const calls: { command: string; args: string[]; options?: ExecOptions }[] = [];
  const run: Exec = async (command, args, options) => {
    calls.push({ command, args: [...args], ...(options ? { options } : {}) });
    const key = `${command} ${args.find((a) => !a.startsWith('-') && !a.startsWith('/')) ?? ''}`.trim();
    const exitCode = exitCodes[key] ?? exitCodes[command] ?? 0;
    if (exitCode === -1) throw new Error(`Could not start ${command}`);
    return { exitCode, stdout: '', stderr: '' };
  };
  return { calls, run };
}

describe('BuildxBuilder (fake docker on PATH)', () => {
  /** The fake docker's environment, and the argument lists of each call it logged. */
  const fakeDocker = () => {
    const log = join(workDir, 'docker.log');
    const env = {
      ...process.env,
      PATH: `${FAKE_DOCKER}${delimiter}${process.env.PATH}`,
      FAKE_DOCKER_LOG: log,
      FAKE_DOCKER_DIGEST: DIGEST,
    };
    const calls = async () =>
      (await readFile(log, 'utf8'))
        .split('--\n')
        .filter(Boolean)
        .map((call) => call.trimEnd().split('\n'));
    return { env, log, calls };
  };

  it('runs docker buildx build pushing by digest, no tag, with an argument array; the digest from --metadata-file', async () => {
    const { env, log, calls: readCalls } = fakeDocker();
    const masker = new SecretMasker();
    masker.addCredentials('robot', 's3cret-pass');
    const builder = new BuildxBuilder({ env, username: 'robot', password: 's3cret-pass', masker });
    const built = await builder.build(spec());
    expect(built).toEqual({ kind: 'pushed', digest: DIGEST });
    const calls = await readCalls();
    expect(calls[0]).toEqual(['login', '--username', 'robot', '--password-stdin', 'ghcr.io']);
    // The password went through stdin, never into argv.
    expect(await readFile(`${log}.stdin`, 'utf8')).toBe('s3cret-pass');
    expect(calls.flat()).not.toContain('s3cret-pass');
    expect(calls[1]).toEqual([
      'buildx',
      'build',
      '--file',
      '/ws/services/api/Dockerfile',
      '--target',
      'runtime',
      '--build-arg',
      'VERSION=1.2',
      '--build-arg',
      'NOTE=a b;$(x)',
      '--platform',
      'linux/amd64,linux/arm64',
      '--label',
      `org.opencontainers.image.revision=${'f'.repeat(40)}`,
      '--annotation',
      `org.opencontainers.image.revision=${'f'.repeat(40)}`,
      '--output',
      'type=image,name=ghcr.io/acme/api,push-by-digest=true,name-canonical=true,push=true',
      '--metadata-file',
      join(workDir, 'buildx-metadata.json'),
      '/ws/services/api',
    ]);
  });

  it('logs docker in to the one registry the credentials belong to, not the destination', async () => {
    const { env, calls } = fakeDocker();
    await new BuildxBuilder({
      env,
      username: 'puller',
      password: 'base-image-pass',
      credentialsRegistry: 'private.example:5000',
    }).build(spec());
    expect((await calls())[0]).toEqual([
      'login',
      '--username',
      'puller',
      '--password-stdin',
      'private.example:5000',
    ]);
  });
  it('fails clearly when buildx writes no digest', () => {
    expect(() => parseBuildxMetadata('{"containerimage.digest":"sha256:short"}', 'm.json')).toThrow(
      /no containerimage.digest/,
    );
    expect(() => parseBuildxMetadata('{}', 'm.json')).toThrow(
      'docker buildx wrote no containerimage.digest to m.json: is this buildx 0.9 or later?',
    );
    expect(() => parseBuildxMetadata('not json', 'm.json')).toThrow(/no containerimage.digest/);
    expect(parseBuildxMetadata(`{"containerimage.digest":"${DIGEST}"}`)).toBe(DIGEST);
  });
});

describe('BuildahBuilder', () => {
  it('builds into private vfs storage with chroot isolation, then pushes into an OCI layout', async () => {
    const { calls, run } = recordingExec();
    const built = await new BuildahBuilder({ exec: run, env: { HOME: workDir } }).build(
      spec({ platforms: ['linux/amd64'] }),
    );
    expect(built).toEqual({ kind: 'layout', layout: join(workDir, 'layout'), tag: 'build' });
    const storage = [
      '--storage-driver',
      'vfs',
      '--root',
      join(workDir, 'storage'),
      '--runroot',
      join(workDir, 'run'),
    ];
    const authfile = join(workDir, 'auth', 'auth.json');
    expect(calls.map((c) => [c.command, ...c.args])).toEqual([
      [
        'buildah',
        ...storage,
        'build',
        '--isolation',
        'chroot',
        '--authfile',
        authfile,
        '--file',
        '/ws/services/api/Dockerfile',
        '--target',
        'runtime',
        '--build-arg',
        'VERSION=1.2',
        '--build-arg',
        'NOTE=a b;$(x)',
        '--platform',
        'linux/amd64',
        '--label',
        `org.opencontainers.image.revision=${'f'.repeat(40)}`,
        '--annotation',
        `org.opencontainers.image.revision=${'f'.repeat(40)}`,
        '--tag',
        'localhost/flow-build-by-sha:build',
        '/ws/services/api',
      ],
      [
        'buildah',
        ...storage,
        'push',
        '--quiet',
        '--authfile',
        authfile,
        'localhost/flow-build-by-sha:build',
        `oci:${join(workDir, 'layout')}:build`,
      ],
    ]);
    // Without credentials or a Docker config, the authfile is empty rather than absent.
    expect(JSON.parse(await readFile(authfile, 'utf8'))).toEqual({ auths: {} });
  });

  it('builds several platforms into a manifest list and pushes all of it', async () => {
    const { calls, run } = recordingExec();
    await new BuildahBuilder({ exec: run, env: { HOME: workDir } }).build(spec());
    expect(calls[0]?.args).toEqual(
      expect.arrayContaining(['--platform', 'linux/amd64,linux/arm64', '--manifest']),
    );
    expect(calls[1]?.args.slice(6)).toEqual([
      'manifest',
      'push',
      '--all',
      '--authfile',
      join(workDir, 'auth', 'auth.json'),
      'localhost/flow-build-by-sha:build',
      `oci:${join(workDir, 'layout')}:build`,
    ]);
  });

  it('passes credentials for base-image pulls in a 0600 authfile, never on the command line', async () => {
    const { calls, run } = recordingExec();
    await new BuildahBuilder({
      exec: run,
      username: 'robot',
      password: 's3cret-pass',
      env: { HOME: workDir },
    }).build(spec());
    const args = calls[0]?.args ?? [];
    const authfile = args[args.indexOf('--authfile') + 1] as string;
    expect(authfile).toBe(join(workDir, 'auth', 'auth.json'));
    expect(JSON.parse(await readFile(authfile, 'utf8'))).toEqual({
      auths: { 'ghcr.io': { auth: Buffer.from('robot:s3cret-pass').toString('base64') } },
    });
    expect((await stat(authfile)).mode & 0o777).toBe(0o600);
    expect(calls.flatMap((c) => c.args).join(' ')).not.toContain('s3cret-pass');
  });

  it('puts explicit credentials under their one registry, beside the Docker config entries of the others', async () => {
    const { calls, run } = recordingExec();
    const dockerDir = join(workDir, 'docker');
    await mkdir(dockerDir, { recursive: true });
    const fromConfig = { auth: Buffer.from('pusher:config-pass').toString('base64') };
    await writeFile(
      join(dockerDir, 'config.json'),
      JSON.stringify({ auths: { 'ghcr.io': fromConfig }, credHelpers: { 'gcr.io': 'gcloud' } }),
    );
    await new BuildahBuilder({
      exec: run,
      username: 'puller',
      password: 'base-image-pass',
      credentialsRegistry: 'private.example:5000',
      env: { HOME: workDir, DOCKER_CONFIG: dockerDir },
    }).build(spec());
    const args = calls[0]?.args ?? [];
    const authfile = args[args.indexOf('--authfile') + 1] as string;
    expect(JSON.parse(await readFile(authfile, 'utf8'))).toEqual({
      auths: {
        'ghcr.io': fromConfig,
        'private.example:5000': { auth: Buffer.from('puller:base-image-pass').toString('base64') },
      },
      credHelpers: { 'gcr.io': 'gcloud' },
    });
  });
});

describe('selectBuilder', () => {
  it.each([
    ['auto', {}, 'buildx'],
    ['auto', { 'docker buildx': 1 }, 'buildah'],
    ['auto', { docker: -1 }, 'buildah'],
    ['buildah', {}, 'buildah'],
    ['buildx', {}, 'buildx'],
  ] as const)('%s with %j picks %s', async (choice, exitCodes, expected) => {
    const { run } = recordingExec(exitCodes);
    expect((await selectBuilder(choice, { exec: run })).name).toBe(expected);
  });

  it.each([
    [
      'auto',
      { docker: -1, buildah: -1 },
      'No image builder found: install Docker buildx (docker/setup-buildx-action (or the docker-buildx-plugin package)) or buildah ("sudo apt-get install -y buildah")',
    ],
    [
      'buildah',
      { buildah: -1 },
      'builder: buildah was asked for, but buildah is not installed: run "sudo apt-get install -y buildah".',
    ],
    ['buildx', { 'docker buildx': 1 }, 'builder: buildx was asked for, but "docker buildx version" fails'],
  ] as const)('%s with %j is a clear error', async (choice, exitCodes, message) => {
    const { run } = recordingExec(exitCodes);
    const selected = selectBuilder(choice, { exec: run });
    await expect(selected).rejects.toThrow(ConfigurationError);
    await expect(selected).rejects.toThrow(message);
  });
});
