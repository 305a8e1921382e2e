import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { writeTombstone } from '@flow-actions/artifact-protocol';
import { openStore } from '@flow-actions/oci-store';
import { type ActionRun, readActionMetadata, runAction } from '@flow-actions/runner-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releasedAction } from '../e2e/release-tree';
import { type RunningFaultProxy, startFaultProxy } from '../fault-proxy';
import { type RunningRegistry, requireBinary, startRegistry } from '../services';
import { seedImage } from '../support/artifacts';
import { skopeoDigest } from '../support/skopeo';

// End to end: the bundled build-by-sha action, run as the runner runs it on Node 24, builds with
// the real buildah and pushes to the real registry on loopback behind a counting proxy; skopeo is
// the independent reader of everything it wrote.
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'build-by-sha');
const SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
const OTHER = '6113728aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const HEAD_1 = 'a1b2c3d4e5f60718293a4b5c6d7e8f9012345678';
const HEAD_2 = 'b2c3d4e5f60718293a4b5c6d7e8f901234567890';
const MERGE = 'feedfacefeedfacefeedfacefeedfacefeedface';

let registry: RunningRegistry;
let proxy: RunningFaultProxy;
let secured: RunningRegistry;
let temp: string;

beforeAll(async () => {
  await requireBinary('buildah', 'apt-get install -y buildah');
  await requireBinary('skopeo', 'apt-get install -y skopeo');
  [registry, secured] = await Promise.all([startRegistry(), startRegistry({ auth: 'htpasswd' })]);
  proxy = await startFaultProxy({ target: registry.url });
  temp = await mkdtemp(join(tmpdir(), 'build-by-sha-e2e-'));
});
afterAll(async () => {
  await proxy?.stop();
  await Promise.all([registry?.stop(), secured?.stop()]);
  if (temp) await rm(temp, { recursive: true, force: true });
});

let count = 0;
/** A fresh repository per test, so tests never see each other's tags. */
function repository(name = 'app'): string {
  count++;
  return `${proxy.host}/acme/${name}-${count}`;
}

/** A workspace holding the fixture's Dockerfile context, like a checkout. */
async function workspace(version = '1'): Promise<string> {
  const dir = await mkdtemp(join(temp, 'ws-'));
  await cp(join(FIXTURES, 'context'), dir, { recursive: true });
  await writeFile(join(dir, 'version.txt'), `${version}\n`);
  return dir;
}

interface BuildOptions {
  workspace?: string;
  sha?: string;
  eventName?: string;
  payload?: object;
  env?: Record<string, string>;
}

async function build(inputs: Record<string, string>, options: BuildOptions = {}): Promise<ActionRun> {
  return runAction({
    actionDir: releasedAction('build-by-sha'),
    inputs: { builder: 'buildah', ...inputs },
    workspace: options.workspace ?? (await workspace()),
    sha: options.sha ?? SHA,
    ...(options.eventName ? { eventName: options.eventName } : {}),
    ...(options.payload ? { payload: options.payload } : {}),
    repository: 'acme/app',
    runId: '42',
    env: { DOCKER_CONFIG: join(tmpdir(), 'flow-no-docker-config'), ...options.env },
    timeoutMs: 90_000,
  });
}

async function skopeoInspect(
  reference: string,
): Promise<{ Labels?: Record<string, string>; Digest: string }> {
  const result = await exec('skopeo', ['inspect', '--tls-verify=false', `docker://${reference}`]);
  return JSON.parse(result.stdout);
}

async function skopeoRaw(reference: string): Promise<Record<string, unknown>> {
  const result = await exec('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${reference}`]);
  return JSON.parse(result.stdout);
}

/** Builds the workspace with buildah outside the action (revision annotated) into an OCI layout. */
async function buildahIntoLayout(ws: string, name: string, destination: string): Promise<void> {
  const storage = ['--storage-driver', 'vfs', '--root', join(ws, '.s'), '--runroot', join(ws, '.r')];
  await exec('buildah', [
    ...storage,
    'build',
    '--isolation',
    'chroot',
    '--annotation',
    `org.opencontainers.image.revision=${SHA}`,
    '--tag',
    name,
    ws,
  ]);
  await exec('buildah', [...storage, 'push', '--quiet', name, destination]);
}

const writes = () => proxy.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD');

describe('build-by-sha (bundled action, buildah, real registry)', () => {
  it('builds with buildah, pushes <sha> with its lineage; a second run builds nothing in two requests', async () => {
    const image = repository();
    const first = await build({ image, 'extra-tags': 'develop' });
    expect(first.errors).toEqual([]);
    expect(first.exitCode).toBe(0);
    expect(first.outputs).toMatchObject({ sha: SHA, tag: '6113728', built: 'true' });
    const digest = first.outputs.digest as string;
    expect(first.outputs.ref).toBe(`${image}@${digest}`);
    expect(first.outputs.tags).toBe(`${image}:6113728\n${image}:develop`);
    expect(await skopeoDigest(`${image}:6113728`)).toBe(digest);
    expect(await skopeoDigest(`${image}:develop`)).toBe(digest);
    const inspected = await skopeoInspect(`${image}:6113728`);
    expect(inspected.Labels).toMatchObject({
      'org.opencontainers.image.revision': SHA,
      'org.opencontainers.image.source': 'https://github.com/acme/app',
      'dev.flow-actions.run-url': 'https://github.com/acme/app/actions/runs/42/attempts/1',
    });
    const raw = await skopeoRaw(`${image}:6113728`);
    expect(raw.annotations).toMatchObject({
      'org.opencontainers.image.revision': SHA,
      'org.opencontainers.image.source': 'https://github.com/acme/app',
    });
    expect(first.summary).toContain(`| \`${image}\` | \`${digest}\` | built with buildah: no 6113728 yet |`);
    // Every output action.yml declares is set, and nothing else.
    const metadata = await readActionMetadata(releasedAction('build-by-sha'));
    expect(Object.keys(first.outputs).sort()).toEqual(Object.keys(metadata.outputs).sort());

    proxy.reset();
    const second = await build({ image });
    expect(second.errors).toEqual([]);
    expect(second.outputs).toMatchObject({ built: 'false', digest, ref: `${image}@${digest}` });
    // Two requests decide: the tombstone and the sha tag; the revision comes from that manifest.
    expect(proxy.requests.map((r) => `${r.method} ${r.path} ${r.status}`).sort()).toEqual([
      expect.stringMatching(/^GET \/v2\/acme\/app-\d+\/manifests\/6113728 200$/),
      expect.stringMatching(/^GET \/v2\/acme\/app-\d+\/manifests\/yanked-6113728 404$/),
    ]);
    expect(proxy.requests).toHaveLength(2);
    expect(second.summary).toContain('reused: already built from 6113728 (revision checked)');
  });

  it('builds into a local OCI layout (oci:<dir>) with no registry at all; skopeo reads it', async () => {
    const ws = await workspace();
    const run = await build({ image: 'oci:out/layout', 'extra-tags': 'develop' }, { workspace: ws });
    expect(run.errors).toEqual([]);
    expect(run.outputs).toMatchObject({
      built: 'true',
      tags: 'oci:out/layout:6113728\noci:out/layout:develop',
    });
    const inspected = await exec('skopeo', ['inspect', `oci:${join(ws, 'out', 'layout')}:6113728`]);
    expect(JSON.parse(inspected.stdout).Labels['org.opencontainers.image.revision']).toBe(SHA);
    expect(JSON.parse(inspected.stdout).Digest).toBe(run.outputs.digest);
    const again = await build({ image: 'oci:out/layout' }, { workspace: ws });
    expect(again.outputs).toMatchObject({ built: 'false', digest: run.outputs.digest });
  });

  it('an annotated tag push without head_commit builds the tagged commit, peeled with git, not the tag object', async () => {
    const ws = await workspace();
    const git = (...args: string[]) => exec('git', ['-C', ws, ...args]);
    await git('init', '-q');
    await git(
      '-c',
      'user.name=t',
      '-c',
      'user.email=t@example.com',
      'commit',
      '-q',
      '--allow-empty',
      '-m',
      'x',
    );
    await git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'tag', '-a', 'v1.0.0', '-m', 'release');
    const commit = (await git('rev-parse', 'HEAD')).stdout.trim();
    const tagObject = (await git('rev-parse', 'v1.0.0')).stdout.trim();
    expect(tagObject).not.toBe(commit);
    const run = await build(
      { image: repository(), kind: 'archive', path: 'hello.txt' },
      {
        workspace: ws,
        sha: tagObject,
        payload: { ref: 'refs/tags/v1.0.0' },
        env: { GITHUB_REF: 'refs/tags/v1.0.0' },
      },
    );
    expect(run.errors).toEqual([]);
    expect(run.outputs).toMatchObject({ sha: commit, tag: commit.slice(0, 7) });
  });

  it('platforms: buildah builds a multi-platform index, pushed whole and reused whole', async () => {
    const image = repository();
    const run = await build({ image, platforms: 'linux/amd64,linux/arm64' });
    expect(run.errors).toEqual([]);
    expect(run.outputs.built).toBe('true');
    expect(await skopeoDigest(`${image}:6113728`)).toBe(run.outputs.digest);
    const index = (await skopeoRaw(`${image}:6113728`)) as {
      mediaType: string;
      manifests: { platform: { architecture: string } }[];
    };
    expect(index.mediaType).toBe('application/vnd.oci.image.index.v1+json');
    expect(index.manifests.map((m) => m.platform.architecture).sort()).toEqual(['amd64', 'arm64']);
    const arm = await exec('skopeo', [
      'inspect',
      '--tls-verify=false',
      '--override-arch',
      'arm64',
      `docker://${image}:6113728`,
    ]);
    expect(JSON.parse(arm.stdout).Labels['org.opencontainers.image.revision']).toBe(SHA);

    proxy.reset();
    const again = await build({ image, platforms: 'linux/amd64,linux/arm64' });
    expect(again.outputs).toMatchObject({ built: 'false', digest: run.outputs.digest });
    // An index carries no annotations of its own from buildah: the revision is its first child's.
    expect(proxy.requests).toHaveLength(3);
  });

  it('tags a pull request head, never the merge commit; pr-<N> moves to the new head', async () => {
    const image = repository();
    const event = (head: string) => ({ pull_request: { number: 7, head: { sha: head } }, number: 7 });
    const first = await build(
      { image, 'extra-tags': 'pr-7' },
      { eventName: 'pull_request', payload: event(HEAD_1), sha: MERGE, workspace: await workspace('1') },
    );
    expect(first.errors).toEqual([]);
    expect(first.outputs).toMatchObject({ sha: HEAD_1, tag: 'a1b2c3d' });
    expect(await skopeoDigest(`${image}:a1b2c3d`)).toBe(first.outputs.digest);
    expect(await skopeoDigest(`${image}:feedfac`)).toBeUndefined();
    expect(await skopeoDigest(`${image}:pr-7`)).toBe(first.outputs.digest);

    const second = await build(
      { image, 'extra-tags': 'pr-7' },
      { eventName: 'pull_request', payload: event(HEAD_2), sha: MERGE, workspace: await workspace('2') },
    );
    expect(second.errors).toEqual([]);
    expect(second.outputs).toMatchObject({ sha: HEAD_2, tag: 'b2c3d4e', built: 'true' });
    expect(second.outputs.digest).not.toBe(first.outputs.digest);
    expect(await skopeoDigest(`${image}:pr-7`)).toBe(second.outputs.digest);
    expect(await skopeoDigest(`${image}:a1b2c3d`)).toBe(first.outputs.digest);
    expect(second.summary).toContain(`\`pr-7\` (moved from \`${first.outputs.digest}\`)`);
  });

  it('kind archive: a zip becomes an OCI artifact under <sha>, pulled back byte-identical by skopeo', async () => {
    const image = repository('lambda');
    const ws = await workspace();
    await mkdir(join(ws, '.serverless'));
    const zip = Buffer.concat([Buffer.from('PK\u0003\u0004'), Buffer.alloc(70_000, 7), Buffer.from('end')]);
    await writeFile(join(ws, '.serverless', 'api.zip'), zip);
    const run = await build({ image, kind: 'archive', path: '.serverless/api.zip' }, { workspace: ws });
    expect(run.errors).toEqual([]);
    expect(run.outputs.built).toBe('true');
    const raw = (await skopeoRaw(`${image}:6113728`)) as {
      artifactType: string;
      layers: { mediaType: string; digest: string; annotations: Record<string, string> }[];
      annotations: Record<string, string>;
    };
    expect(raw.artifactType).toBe('application/vnd.flow-actions.archive.v1');
    expect(raw.layers[0]).toMatchObject({
      mediaType: 'application/zip',
      annotations: { 'org.opencontainers.image.title': 'api.zip' },
    });
    expect(raw.annotations['org.opencontainers.image.revision']).toBe(SHA);
    const pulled = join(temp, `pulled-${count}`);
    await exec('skopeo', ['copy', '--src-tls-verify=false', `docker://${image}:6113728`, `oci:${pulled}:x`]);
    const blob = await readFile(join(pulled, 'blobs', 'sha256', (raw.layers[0]?.digest ?? '').slice(7)));
    expect(blob.equals(zip)).toBe(true);
    expect(await skopeoDigest(`${image}:6113728`)).toBe(run.outputs.digest);

    const again = await build({ image, kind: 'archive', path: '.serverless/api.zip' }, { workspace: ws });
    expect(again.outputs).toMatchObject({ built: 'false', digest: run.outputs.digest });
  });

  it('from-oci-layout: a layout buildah wrote is pushed with its digest preserved', async () => {
    const image = repository();
    const ws = await workspace();
    await buildahIntoLayout(ws, 'localhost/elsewhere:1', `oci:${join(ws, 'out')}:v1`);
    const index = JSON.parse(await readFile(join(ws, 'out', 'index.json'), 'utf8'));
    const layoutDigest = index.manifests[0].digest as string;

    const run = await build({ image, 'from-oci-layout': 'out' }, { workspace: ws });
    expect(run.errors).toEqual([]);
    expect(run.outputs).toMatchObject({ built: 'true', digest: layoutDigest });
    expect(await skopeoDigest(`${image}:6113728`)).toBe(layoutDigest);
  });

  it('several images in one call, one already built: one build, right outputs for both', async () => {
    const api = repository('api');
    const worker = repository('worker');
    const ws = await workspace();
    await mkdir(join(ws, 'services', 'worker'), { recursive: true });
    await writeFile(
      join(ws, 'services', 'worker', 'Dockerfile'),
      'FROM scratch\nCOPY worker.txt /worker.txt\n',
    );
    await writeFile(join(ws, 'services', 'worker', 'worker.txt'), 'worker\n');
    const before = await build({ image: api }, { workspace: ws });
    expect(before.outputs.built).toBe('true');

    proxy.reset();
    const run = await build({ image: `${api}\n${worker} context=services/worker` }, { workspace: ws });
    expect(run.errors).toEqual([]);
    const images = JSON.parse(run.outputs.images as string);
    const workerDigest = await skopeoDigest(`${worker}:6113728`);
    expect(images).toEqual({
      [api]: {
        digest: before.outputs.digest,
        built: false,
        reason: 'already built from 6113728 (revision checked)',
        tags: ['6113728'],
      },
      [worker]: { digest: workerDigest, built: true, reason: 'no 6113728 yet', tags: ['6113728'] },
    });
    expect(run.outputs).toMatchObject({ built: 'false', digest: before.outputs.digest });
    expect(
      (await exec('skopeo', ['inspect', '--tls-verify=false', `docker://${worker}:6113728`])).stdout,
    ).toContain(SHA);
    // The reused image cost two requests to decide and nothing else.
    expect(
      proxy.requests.filter((r) => r.path.includes(`${api.slice(proxy.host.length + 1)}/`)),
    ).toHaveLength(2);
    expect(run.summary).toContain('1 built, 1 reused');
  });

  it('retries a registry hiccup; a push that keeps failing leaves a state a re-run completes', async () => {
    const image = repository();
    const tagPut = { method: 'PUT', path: /\/manifests\/6113728$/ };
    proxy.script({ ...tagPut, status: 503, retryAfter: '0', times: 1 });
    const retried = await build({ image });
    expect(retried.errors).toEqual([]);
    expect(await skopeoDigest(`${image}:6113728`)).toBe(retried.outputs.digest);

    const broken = repository();
    const rule = proxy.script({ ...tagPut, status: 500 });
    const failed = await build({ image: broken });
    expect(failed.exitCode).toBe(1);
    expect(failed.errors[0]).toMatch(/500/);
    expect(rule.hits).toBeGreaterThan(1);
    expect(await skopeoDigest(`${broken}:6113728`)).toBeUndefined();
    proxy.reset();
    const rerun = await build({ image: broken });
    expect(rerun.errors).toEqual([]);
    expect(rerun.outputs.built).toBe('true');
    expect(await skopeoDigest(`${broken}:6113728`)).toBe(rerun.outputs.digest);
  });

  it('a short-sha collision is a clear error and nothing is pushed', async () => {
    const image = repository();
    const seeded = await seedImage(await openStore(image), { revision: OTHER, tag: '6113728' });
    proxy.reset();
    const run = await build({ image, 'extra-tags': 'develop' });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      `Short-sha collision: ${image}:6113728 was built from commit ${OTHER}, not ${SHA} (both start with 6113728). Use a longer sha-length so the tags differ.`,
    ]);
    expect(writes()).toEqual([]);
    expect(await skopeoDigest(`${image}:6113728`)).toBe(seeded.digest);
    expect(await skopeoDigest(`${image}:develop`)).toBeUndefined();
  });

  it('a yanked commit is refused with the tombstone reason', async () => {
    const image = repository();
    await writeTombstone(await openStore(image), {
      sha: SHA,
      reason: 'smoke test failed on stage',
      actor: 'octocat',
      yankedAt: new Date('2026-11-21T10:00:00Z'),
    });
    proxy.reset();
    const run = await build({ image });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      `Commit 6113728 was yanked by octocat at 2026-11-21T10:00:00.000Z: "smoke test failed on stage" (tombstone ${image}:yanked-6113728). Fix forward with a new commit, or set allow-yanked: true to override.`,
    ]);
    expect(writes()).toEqual([]);
    expect(await skopeoDigest(`${image}:6113728`)).toBeUndefined();
  });

  it.each([
    [
      { image: 'ghcr.io/Acme/api' },
      'input image: repository "Acme/api" in "ghcr.io/Acme/api" must be lower-case: use "acme/api"',
    ],
    [{ 'extra-tags': 'pr-1;reboot' }, 'input extra-tags: tag "pr-1;reboot" is invalid'],
    [{ kind: 'helm-chart' }, 'Input "kind" must be one of "image", "archive", got "helm-chart".'],
    [
      { kind: 'archive' },
      'Input "path" is required with kind: archive: name the file to store, e.g. .serverless/api.zip.',
    ],
    [{ context: 'services/missing' }, 'Input "context" names services/missing, which is not a directory'],
  ])('rejects %j before any build or request, with one line', async (inputs, message) => {
    proxy.reset();
    const run = await build({ image: repository(), ...inputs });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toContain(message);
    expect(proxy.requests).toEqual([]);
    expect(run.stdout).not.toContain('Building');
  });

  it('with username/password, pushes to an authenticated registry and never prints the password', async () => {
    const image = `${secured.host}/acme/private`;
    const password = secured.password as string;
    const run = await build({ image, username: secured.username as string, password });
    expect(run.errors).toEqual([]);
    expect(run.outputs.built).toBe('true');
    expect(run.masks).toContain(password);
    const printed = run.stdout
      .split('\n')
      .filter((line) => !line.startsWith('::add-mask::'))
      .join('\n');
    for (const secret of [password, Buffer.from(`${secured.username}:${password}`).toString('base64')]) {
      expect(printed + run.stderr + run.summary + JSON.stringify(run.outputs)).not.toContain(secret);
    }
    const check = await exec('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      '--creds',
      `${secured.username}:${password}`,
      `docker://${image}:6113728`,
    ]);
    expect(check.stdout).toContain(SHA);
  });
});

describe('build-by-sha with buildx (fake docker CLI that really pushes with skopeo)', () => {
  it('runs docker buildx build --push, takes the digest from --metadata-file and verifies it by reading back', async () => {
    const image = repository();
    const ws = await workspace();
    const layout = join(ws, 'prebuilt');
    await buildahIntoLayout(ws, 'localhost/buildx-stand-in:1', `oci:${layout}:1`);
    const log = join(ws, 'docker.log');
    const run = await build(
      { image, builder: 'auto', 'extra-tags': 'develop' },
      {
        workspace: ws,
        env: {
          PATH: `${join(FIXTURES, 'fake-docker')}${delimiter}${process.env.PATH}`,
          FAKE_DOCKER_LOG: log,
          FAKE_DOCKER_PUSH_LAYOUT: `${layout}:1`,
        },
      },
    );
    expect(run.errors).toEqual([]);
    const pushed = await skopeoDigest(`${image}:6113728`);
    expect(run.outputs).toMatchObject({ built: 'true', digest: pushed });
    expect(await skopeoDigest(`${image}:develop`)).toBe(pushed);
    const calls = (await readFile(log, 'utf8')).split('--\n').map((call) => call.trimEnd().split('\n'));
    expect(calls[0]).toEqual(['buildx', 'version']);
    expect(calls[1]?.slice(0, 2)).toEqual(['buildx', 'build']);
    expect(calls[1]).toEqual(
      expect.arrayContaining(['--tag', `${image}:6113728`, '--push', '--metadata-file']),
    );
    expect(calls[1]).toContain(`--annotation`);
    expect(calls[1]?.at(-1)).toBe(ws);
    expect(run.summary).toContain('built with buildx');
  });
});
