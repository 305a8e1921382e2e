// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings hold workflow ${{ }} expressions, not JavaScript templates
import { cp, mkdir, mkdtemp, readFile, realpath, rm, symlink, writeFile } from 'node:fs/promises';
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
import { skopeoDigest, skopeoTags } from '../support/skopeo';

// End to end: the bundled build-by-sha action, run as the runner runs it on Node 24, builds with
// the real buildah and pushes to the real registry on loopback behind a counting proxy; skopeo is
// the independent reader of everything it wrote. Every workspace is a real git checkout of the
// commit the run is about, as actions/checkout leaves it.
const FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'build-by-sha');
const MERGE = 'feedfacefeedfacefeedfacefeedfacefeedface';
/** Fixed names and dates: the same files make the same commit in every workspace. */
const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 'Alice',
  GIT_AUTHOR_EMAIL: 'alice@example.com',
  GIT_AUTHOR_DATE: '2026-01-01T00:00:00Z',
  GIT_COMMITTER_NAME: 'Alice',
  GIT_COMMITTER_EMAIL: 'alice@example.com',
  GIT_COMMITTER_DATE: '2026-01-01T00:00:00Z',
};

let registry: RunningRegistry;
let proxy: RunningFaultProxy;
let secured: RunningRegistry;
let temp: string;
/** The commit of workspace('1'), and its sha tag. */
let SHA: string;
let TAG: string;
/** Another commit that shares SHA's short sha. */
let OTHER: string;

beforeAll(async () => {
  await requireBinary('buildah', 'apt-get install -y buildah');
  await requireBinary('skopeo', 'apt-get install -y skopeo');
  [registry, secured] = await Promise.all([startRegistry(), startRegistry({ auth: 'htpasswd' })]);
  proxy = await startFaultProxy({ target: registry.url });
  temp = await mkdtemp(join(tmpdir(), 'build-by-sha-e2e-'));
  SHA = await headOf(await workspace());
  TAG = SHA.slice(0, 7);
  OTHER = `${TAG}${SHA[7] === 'a' ? 'b' : 'a'}${SHA.slice(8)}`;
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

async function git(dir: string, ...args: string[]): Promise<string> {
  return (await exec('git', ['-C', dir, ...args], { env: GIT_ENV })).stdout.trim();
}

async function headOf(dir: string): Promise<string> {
  return git(dir, 'rev-parse', 'HEAD');
}

/**
 * A checkout of the fixture's Dockerfile context with `version`, committed; `files` are committed
 * with it. Layouts written to out/ are build outputs, which its .gitignore says.
 */
async function workspace(version = '1', files: Record<string, string> = {}): Promise<string> {
  const dir = await mkdtemp(join(temp, 'ws-'));
  await cp(join(FIXTURES, 'context'), dir, { recursive: true });
  await writeFile(join(dir, 'version.txt'), `${version}\n`);
  await writeFile(join(dir, '.gitignore'), 'out/\n');
  for (const [path, content] of Object.entries(files)) {
    await mkdir(join(dir, path, '..'), { recursive: true });
    await writeFile(join(dir, path), content);
  }
  await git(dir, 'init', '-q', '-b', 'main');
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', `version ${version}`);
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
  const store = await mkdtemp(join(temp, 'buildah-'));
  const storage = ['--storage-driver', 'vfs', '--root', join(store, 's'), '--runroot', join(store, 'r')];
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
    expect(first.outputs).toMatchObject({ sha: SHA, tag: TAG, built: 'true' });
    const digest = first.outputs.digest as string;
    expect(first.outputs.ref).toBe(`${image}@${digest}`);
    expect(first.outputs.tags).toBe(`${image}:${TAG}\n${image}:develop`);
    expect(await skopeoDigest(`${image}:${TAG}`)).toBe(digest);
    expect(await skopeoDigest(`${image}:develop`)).toBe(digest);
    const inspected = await skopeoInspect(`${image}:${TAG}`);
    expect(inspected.Labels).toMatchObject({
      'org.opencontainers.image.revision': SHA,
      'org.opencontainers.image.source': 'https://github.com/acme/app',
      'dev.flow-actions.run-url': 'https://github.com/acme/app/actions/runs/42/attempts/1',
    });
    const raw = await skopeoRaw(`${image}:${TAG}`);
    expect(raw.annotations).toMatchObject({
      'org.opencontainers.image.revision': SHA,
      'org.opencontainers.image.source': 'https://github.com/acme/app',
    });
    expect(first.summary).toContain(
      `| \`${image}\` | \`${digest.slice(0, 19)}…\` | built with buildah: no ${TAG} yet |`,
    );
    expect(first.summary).toContain(`- \`${image}\`: \`${image}@${digest}\``);
    // Every output action.yml declares is set, and nothing else.
    const metadata = await readActionMetadata(releasedAction('build-by-sha'));
    expect(Object.keys(first.outputs).sort()).toEqual(Object.keys(metadata.outputs).sort());

    proxy.reset();
    const second = await build({ image });
    expect(second.errors).toEqual([]);
    expect(second.outputs).toMatchObject({ built: 'false', digest, ref: `${image}@${digest}` });
    // Two requests decide: the tombstone and the sha tag; the revision comes from that manifest.
    expect(proxy.requests.map((r) => `${r.method} ${r.path} ${r.status}`).sort()).toEqual([
      expect.stringMatching(new RegExp(`^GET /v2/acme/app-\\d+/manifests/${TAG} 200$`)),
      expect.stringMatching(new RegExp(`^GET /v2/acme/app-\\d+/manifests/yanked-${TAG} 404$`)),
    ]);
    expect(proxy.requests).toHaveLength(2);
    expect(second.summary).toContain(`reused: already built from ${TAG} (revision checked)`);
  });

  it('builds into a local OCI layout (oci:<dir>) with no registry at all; skopeo reads it', async () => {
    const ws = await workspace();
    const run = await build({ image: 'oci:out/layout', 'extra-tags': 'develop' }, { workspace: ws });
    expect(run.errors).toEqual([]);
    expect(run.outputs).toMatchObject({
      built: 'true',
      tags: `oci:out/layout:${TAG}\noci:out/layout:develop`,
    });
    const inspected = await exec('skopeo', ['inspect', `oci:${join(ws, 'out', 'layout')}:${TAG}`]);
    expect(JSON.parse(inspected.stdout).Labels['org.opencontainers.image.revision']).toBe(SHA);
    expect(JSON.parse(inspected.stdout).Digest).toBe(run.outputs.digest);
    const again = await build({ image: 'oci:out/layout' }, { workspace: ws });
    expect(again.outputs).toMatchObject({ built: 'false', digest: run.outputs.digest });
  });

  it('an annotated tag push without head_commit builds the tagged commit, peeled with git, not the tag object', async () => {
    const ws = await workspace();
    await git(ws, 'tag', '-a', 'v1.0.0', '-m', 'release');
    const commit = await headOf(ws);
    const tagObject = await git(ws, 'rev-parse', 'v1.0.0');
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
    expect(await skopeoDigest(`${image}:${TAG}`)).toBe(run.outputs.digest);
    const index = (await skopeoRaw(`${image}:${TAG}`)) as {
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
      `docker://${image}:${TAG}`,
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
    // Each head checked out as the template does it (actions/checkout with ref: the head's sha),
    // while GITHUB_SHA stays the merge commit.
    const [ws1, ws2] = [await workspace('1'), await workspace('2')];
    const [head1, head2] = [await headOf(ws1), await headOf(ws2)];
    const first = await build(
      { image, 'extra-tags': 'pr-7' },
      { eventName: 'pull_request', payload: event(head1), sha: MERGE, workspace: ws1 },
    );
    expect(first.errors).toEqual([]);
    expect(first.outputs).toMatchObject({ sha: head1, tag: head1.slice(0, 7) });
    expect(await skopeoDigest(`${image}:${head1.slice(0, 7)}`)).toBe(first.outputs.digest);
    expect(await skopeoDigest(`${image}:feedfac`)).toBeUndefined();
    expect(await skopeoDigest(`${image}:pr-7`)).toBe(first.outputs.digest);

    const second = await build(
      { image, 'extra-tags': 'pr-7' },
      { eventName: 'pull_request', payload: event(head2), sha: MERGE, workspace: ws2 },
    );
    expect(second.errors).toEqual([]);
    expect(second.outputs).toMatchObject({ sha: head2, tag: head2.slice(0, 7), built: 'true' });
    expect(second.outputs.digest).not.toBe(first.outputs.digest);
    expect(await skopeoDigest(`${image}:pr-7`)).toBe(second.outputs.digest);
    expect(await skopeoDigest(`${image}:${head1.slice(0, 7)}`)).toBe(first.outputs.digest);
    expect(second.summary).toContain(`\`pr-7\` (moved from \`${first.outputs.digest?.slice(0, 19)}…\`)`);
    expect(second.summary).toContain(`- \`pr-7\` before: \`${image}@${first.outputs.digest}\``);
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
    const raw = (await skopeoRaw(`${image}:${TAG}`)) as {
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
    await exec('skopeo', ['copy', '--src-tls-verify=false', `docker://${image}:${TAG}`, `oci:${pulled}:x`]);
    const blob = await readFile(join(pulled, 'blobs', 'sha256', (raw.layers[0]?.digest ?? '').slice(7)));
    expect(blob.equals(zip)).toBe(true);
    expect(await skopeoDigest(`${image}:${TAG}`)).toBe(run.outputs.digest);

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
    expect(await skopeoDigest(`${image}:${TAG}`)).toBe(layoutDigest);
  });

  it('several images in one call, one already built: one build, right outputs for both', async () => {
    const api = repository('api');
    const worker = repository('worker');
    const ws = await workspace('1', {
      'services/worker/Dockerfile': 'FROM scratch\nCOPY worker.txt /worker.txt\n',
      'services/worker/worker.txt': 'worker\n',
    });
    const sha = await headOf(ws);
    const tag = sha.slice(0, 7);
    const before = await build({ image: api }, { workspace: ws, sha });
    expect(before.outputs.built).toBe('true');

    proxy.reset();
    const run = await build({ image: `${api}\n${worker} context=services/worker` }, { workspace: ws, sha });
    expect(run.errors).toEqual([]);
    const images = JSON.parse(run.outputs.images as string);
    const workerDigest = await skopeoDigest(`${worker}:${tag}`);
    expect(images).toEqual({
      [api]: {
        digest: before.outputs.digest,
        built: false,
        reason: `already built from ${tag} (revision checked)`,
        tags: [tag],
      },
      [worker]: { digest: workerDigest, built: true, reason: `no ${tag} yet`, tags: [tag] },
    });
    expect(run.outputs).toMatchObject({ built: 'false', digest: before.outputs.digest });
    expect(
      (await exec('skopeo', ['inspect', '--tls-verify=false', `docker://${worker}:${tag}`])).stdout,
    ).toContain(sha);
    // The reused image cost two requests to decide and nothing else.
    expect(
      proxy.requests.filter((r) => r.path.includes(`${api.slice(proxy.host.length + 1)}/`)),
    ).toHaveLength(2);
    expect(run.summary).toContain('1 built, 1 reused');
  });

  it('retries a registry hiccup; a push that keeps failing leaves a state a re-run completes', async () => {
    const image = repository();
    const tagPut = { method: 'PUT', path: new RegExp(`/manifests/${TAG}$`) };
    proxy.script({ ...tagPut, status: 503, retryAfter: '0', times: 1 });
    const retried = await build({ image });
    expect(retried.errors).toEqual([]);
    expect(await skopeoDigest(`${image}:${TAG}`)).toBe(retried.outputs.digest);

    const broken = repository();
    const rule = proxy.script({ ...tagPut, status: 500 });
    const failed = await build({ image: broken });
    expect(failed.exitCode).toBe(1);
    expect(failed.errors[0]).toMatch(/500/);
    expect(rule.hits).toBeGreaterThan(1);
    expect(await skopeoDigest(`${broken}:${TAG}`)).toBeUndefined();
    proxy.reset();
    const rerun = await build({ image: broken });
    expect(rerun.errors).toEqual([]);
    expect(rerun.outputs.built).toBe('true');
    expect(await skopeoDigest(`${broken}:${TAG}`)).toBe(rerun.outputs.digest);
  });

  it('a short-sha collision is a clear error and nothing is pushed', async () => {
    const image = repository();
    const seeded = await seedImage(await openStore(image), { revision: OTHER, tag: TAG });
    proxy.reset();
    const run = await build({ image, 'extra-tags': 'develop' });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      `Short-sha collision: ${image}:${TAG} was built from commit ${OTHER}, not ${SHA} (both start with ${TAG}). Use a longer "sha-length" so the tags differ.`,
    ]);
    expect(writes()).toEqual([]);
    expect(await skopeoDigest(`${image}:${TAG}`)).toBe(seeded.digest);
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
      `Commit ${TAG} was yanked by octocat at 2026-11-21T10:00:00.000Z: "smoke test failed on stage" (tombstone ${image}:yanked-${TAG}). Fix forward with a new commit, or set allow-yanked: true to override.`,
    ]);
    expect(writes()).toEqual([]);
    expect(await skopeoDigest(`${image}:${TAG}`)).toBeUndefined();
  });

  it.each([
    [
      { image: 'ghcr.io/Acme/api' },
      'Input "image": repository "Acme/api" in "ghcr.io/Acme/api" must be lower-case: use "acme/api"',
    ],
    [{ 'extra-tags': 'pr-1;reboot' }, 'Input "extra-tags": tag "pr-1;reboot" is invalid'],
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
      `docker://${image}:${TAG}`,
    ]);
    expect(check.stdout).toContain(SHA);
  });
});

describe('build-by-sha builds exactly the commit it tags (DESIGN §8 rule 7)', () => {
  /** The run was refused with one error line, before any registry request, and nothing is there. */
  async function expectRefusedUntouched(run: ActionRun, image: string): Promise<string> {
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(proxy.requests).toEqual([]);
    expect(await skopeoTags(image)).toEqual([]);
    expect(run.stdout).not.toContain('Building');
    return run.errors[0] as string;
  }

  it('a modified file in the build context is refused, naming it; nothing reaches the registry', async () => {
    const image = repository();
    const ws = await workspace();
    await writeFile(join(ws, 'version.txt'), 'edited after the commit\n');
    proxy.reset();
    const message = await expectRefusedUntouched(await build({ image }, { workspace: ws }), image);
    expect(message).toBe(
      `1 change(s) not in commit ${TAG} reach what is built: version.txt (modified). Commit them (build outputs belong in .gitignore), or set allow-dirty: true to build them anyway under a dirty-${TAG}-… tag, which no lookup by commit finds.`,
    );
  });

  it('an untracked file in the build context is refused; a git-ignored one is not', async () => {
    const image = repository();
    const ws = await workspace();
    await writeFile(join(ws, 'secret-notes.txt'), 'not committed\n');
    proxy.reset();
    const message = await expectRefusedUntouched(await build({ image }, { workspace: ws }), image);
    expect(message).toContain('secret-notes.txt (untracked)');

    await rm(join(ws, 'secret-notes.txt'));
    await mkdir(join(ws, 'out'));
    await writeFile(join(ws, 'out', 'ignored.txt'), 'a build output git ignores\n');
    const run = await build({ image }, { workspace: ws });
    expect(run.errors).toEqual([]);
    expect(await skopeoTags(image)).toEqual([TAG]);
  });

  it('allow-dirty builds the changes under a dirty tag only, labelled <sha>-dirty, with a loud warning', async () => {
    const image = repository();
    const ws = await workspace();
    await writeFile(join(ws, 'version.txt'), 'dirty\n');
    proxy.reset();
    const refused = await build({ image, 'allow-dirty': 'true', 'extra-tags': 'pr-7' }, { workspace: ws });
    expect(refused.errors[0]).toMatch(/^Inputs "extra-tags" and "latest" are refused on a dirty build/);
    expect(proxy.requests).toEqual([]);

    const run = await build({ image, 'allow-dirty': 'true' }, { workspace: ws });
    expect(run.errors).toEqual([]);
    const tag = run.outputs.tag as string;
    expect(tag).toMatch(new RegExp(`^dirty-${TAG}-[0-9a-f]{12}$`));
    expect(await skopeoTags(image)).toEqual([tag]);
    expect(await skopeoDigest(`${image}:${TAG}`)).toBeUndefined();
    const labels = (await skopeoInspect(`${image}:${tag}`)).Labels ?? {};
    expect(labels['org.opencontainers.image.revision']).toBe(`${SHA}-dirty`);
    expect(run.warnings.join('\n')).toContain(
      'BUILDING UNCOMMITTED CHANGES (allow-dirty: true): version.txt (modified)',
    );
    expect(run.summary).toContain('**Built from uncommitted changes (allow-dirty)**');

    // The bundled promote refuses the dirty build by its tag and by its digest: nothing is written.
    for (const from of [tag, run.outputs.digest as string]) {
      const promoted = await runAction({
        actionDir: releasedAction('promote'),
        inputs: { image, from, to: 'rc-1, demo' },
        env: { DOCKER_CONFIG: join(tmpdir(), 'flow-no-docker-config') },
      });
      expect(promoted.exitCode).toBe(1);
      expect(promoted.errors).toEqual([
        `Input "from" ${from} is ${image}@${run.outputs.digest}, which was built from uncommitted changes on top of commit ${TAG} (revision ${SHA}-dirty): a dirty build is never promoted. Commit the changes, build that commit (build-by-sha), and promote it.`,
      ]);
    }
    expect(await skopeoTags(image)).toEqual([tag]);

    // A clean build of the same commit afterwards gets the sha tag, and the dirty one stays apart.
    await git(ws, 'checkout', '--', 'version.txt');
    const clean = await build({ image }, { workspace: ws });
    expect(clean.outputs).toMatchObject({ tag: TAG, built: 'true' });
    expect(clean.outputs.digest).not.toBe(run.outputs.digest);
    expect(await skopeoTags(image)).toEqual([TAG, tag].sort());
  });

  it('a pull_request run on the merge commit is refused with the ref to check out; the head builds', async () => {
    const image = repository();
    const ws = await workspace();
    const base = await headOf(ws);
    await git(ws, 'switch', '-q', '-c', 'feature');
    await writeFile(join(ws, 'version.txt'), 'feature\n');
    await git(ws, 'commit', '-q', '-am', 'feature');
    const head = await headOf(ws);
    await git(ws, 'switch', '-q', '--detach', base);
    await git(ws, 'merge', '-q', '--no-ff', '-m', 'Merge head into base', head);
    const merge = await headOf(ws);
    const event = { pull_request: { number: 7, head: { sha: head } }, number: 7 };
    const options = {
      eventName: 'pull_request',
      payload: event,
      sha: merge,
      env: { GITHUB_REF: 'refs/pull/7/merge' },
    };

    proxy.reset();
    const refused = await build({ image, 'extra-tags': 'pr-7' }, { ...options, workspace: ws });
    const message = await expectRefusedUntouched(refused, image);
    expect(message).toBe(
      `${await realpath(ws)} has commit ${merge.slice(0, 7)} checked out, not ${head.slice(0, 7)} (pull_request.head.sha): ${image} would be built from another commit's files. Without a ref, actions/checkout checks out the merge commit refs/pull/7/merge of a pull request, while the artifact is the head's. Check out the commit itself: actions/checkout with "ref: \${{ github.event.pull_request.head.sha }}".`,
    );

    // Doing what the message says: the head checked out.
    await git(ws, 'switch', '-q', '--detach', head);
    const run = await build({ image, 'extra-tags': 'pr-7' }, { ...options, workspace: ws });
    expect(run.errors).toEqual([]);
    expect(run.outputs).toMatchObject({ sha: head, tag: head.slice(0, 7), built: 'true' });
    expect(await skopeoTags(image)).toEqual([head.slice(0, 7), 'pr-7']);
  });

  it('a push run whose checkout is another commit is refused with ref: github.sha', async () => {
    const image = repository();
    const ws = await workspace();
    await writeFile(join(ws, 'version.txt'), 'next\n');
    await git(ws, 'commit', '-q', '-am', 'next');
    proxy.reset();
    const message = await expectRefusedUntouched(await build({ image }, { workspace: ws, sha: SHA }), image);
    expect(message).toContain(`checked out, not ${TAG} (GITHUB_SHA)`);
    expect(message).toContain('actions/checkout with "ref: ${{ github.sha }}".');
  });

  it('a workspace that is no git checkout: a Dockerfile build is refused, a layout labelled with the commit is pushed', async () => {
    const image = repository();
    const plain = await mkdtemp(join(temp, 'plain-'));
    await cp(join(FIXTURES, 'context'), plain, { recursive: true });
    proxy.reset();
    const message = await expectRefusedUntouched(await build({ image }, { workspace: plain }), image);
    expect(message).toMatch(
      /is not in a git checkout, so nothing shows that the build context for .* is commit/,
    );

    // A ready image built elsewhere (a download, another job) carries its revision: that is the proof.
    await buildahIntoLayout(await workspace(), 'localhost/elsewhere:1', `oci:${join(plain, 'image')}:1`);
    const run = await build({ image, 'from-oci-layout': 'image' }, { workspace: plain });
    expect(run.errors).toEqual([]);
    expect(await skopeoTags(image)).toEqual([TAG]);
  });

  it('without GITHUB_REPOSITORY: no source label rather than a made-up one, and a warning', async () => {
    const image = repository();
    const run = await build({ image }, { env: { GITHUB_REPOSITORY: '' } });
    expect(run.errors).toEqual([]);
    expect(run.warnings).toContain(
      'GITHUB_REPOSITORY is not set: the artifact gets no org.opencontainers.image.source label.',
    );
    const labels = (await skopeoInspect(`${image}:${TAG}`)).Labels ?? {};
    expect(labels['org.opencontainers.image.revision']).toBe(SHA);
    expect(Object.keys(labels)).not.toContain('org.opencontainers.image.source');
    expect(JSON.stringify(await skopeoRaw(`${image}:${TAG}`))).not.toContain('unknown/unknown');
  });

  it.each([
    ['../x.zip', 'Input "path" names ../x.zip, which leads outside the workspace'],
    ['/etc/passwd', 'Input "path" names /etc/passwd, which leads outside the workspace'],
    ['api.zip', 'Input "path" names api.zip, which leads outside the workspace'],
  ])(
    'an archive path that leaves the workspace (%s) is refused before any registry request',
    async (path, expected) => {
      const image = repository('lambda');
      const outside = await mkdtemp(join(temp, 'outside-'));
      await writeFile(join(outside, 'config.json'), '{"auths":{"ghcr.io":{"auth":"c2VjcmV0"}}}');
      await writeFile(join(temp, 'x.zip'), 'outside');
      // What a malicious commit can hold: a symlink named like the archive, pointing at the runner's credentials.
      const ws = await workspace('1');
      await symlink(join(outside, 'config.json'), join(ws, 'api.zip'));
      await git(ws, 'add', 'api.zip');
      await git(ws, 'commit', '-q', '-m', 'add api.zip');
      proxy.reset();
      const run = await build({ image, kind: 'archive', path }, { workspace: ws, sha: await headOf(ws) });
      const message = await expectRefusedUntouched(run, image);
      expect(message).toContain(expected);
      expect(message).not.toContain('c2VjcmV0');
    },
  );
});

describe('build-by-sha with buildx (fake docker CLI that really pushes with skopeo)', () => {
  it('runs docker buildx build pushing by digest, reads the digest back, and writes the sha tag itself', async () => {
    const image = repository();
    const ws = await workspace();
    // The stand-in's image and log live outside the checkout, as docker's own state does.
    const outside = await mkdtemp(join(temp, 'buildx-'));
    const layout = join(outside, 'prebuilt');
    await buildahIntoLayout(ws, 'localhost/buildx-stand-in:1', `oci:${layout}:1`);
    const log = join(outside, 'docker.log');
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
    const pushed = await skopeoDigest(`${image}:${TAG}`);
    expect(run.outputs).toMatchObject({ built: 'true', digest: pushed });
    expect(await skopeoDigest(`${image}:develop`)).toBe(pushed);
    const calls = (await readFile(log, 'utf8')).split('--\n').map((call) => call.trimEnd().split('\n'));
    expect(calls[0]).toEqual(['buildx', 'version']);
    expect(calls[1]?.slice(0, 2)).toEqual(['buildx', 'build']);
    expect(calls[1]).toEqual(
      expect.arrayContaining([
        '--output',
        `type=image,name=${image},push-by-digest=true,name-canonical=true,push=true`,
        '--metadata-file',
      ]),
    );
    expect(calls[1]).not.toContain('--tag');
    expect(calls[1]).toContain(`--annotation`);
    expect(calls[1]?.at(-1)).toBe(ws);
    expect(run.summary).toContain('built with buildx');
  });
});
