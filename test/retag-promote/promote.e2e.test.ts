import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { writeTombstone } from '@flow-actions/artifact-protocol';
import { type ArtifactStore, openStore } from '@flow-actions/oci-store';
import { type ActionRun, runAction } from '@flow-actions/runner-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releasedAction } from '../e2e/release-tree';
import { type RunningFaultProxy, startFaultProxy } from '../fault-proxy';
import { type GitHubFake, startGitHubFake } from '../github-fake';
import { type RunningRegistry, startRegistry } from '../services';
import { seedImage } from '../support/artifacts';
import { skopeoDigest } from '../support/skopeo';

// End to end: the bundled promote action, run as the runner runs it, against the real registry
// on loopback behind a counting proxy; skopeo reads back what it wrote.
let registry: RunningRegistry;
let proxy: RunningFaultProxy;
let other: RunningRegistry;
let github: GitHubFake;
const GITHUB_TOKEN = 'ghs_promoteFakeToken0123456789';

beforeAll(async () => {
  [registry, other] = await Promise.all([startRegistry(), startRegistry()]);
  proxy = await startFaultProxy({ target: registry.url });
  github = await startGitHubFake({ token: GITHUB_TOKEN, repository: 'acme/api' });
});
afterAll(async () => {
  await proxy?.stop();
  await github?.stop();
  await Promise.all([registry?.stop(), other?.stop()]);
});

const sha = (char: string) => char.repeat(40);
let repositoryCount = 0;
/** A fresh repository per test, so tests never see each other's tags. */
function repository(): string {
  repositoryCount++;
  return `acme/api-${repositoryCount}`;
}

async function store(reference: string): Promise<ArtifactStore> {
  return openStore(reference);
}

function promote(
  inputs: Record<string, string>,
  options: { workspace?: string; sha?: string } = {},
): Promise<ActionRun> {
  return runAction({
    actionDir: releasedAction('promote'),
    apiUrl: github.url,
    githubToken: GITHUB_TOKEN,
    repository: 'acme/api',
    inputs,
    ...(options.workspace ? { workspace: options.workspace } : {}),
    sha: options.sha ?? sha('0'),
    env: { DOCKER_CONFIG: join(tmpdir(), 'flow-no-docker-config') },
  });
}

describe('promote (bundled action, real registry)', () => {
  it('promotes a single manifest: same digest as skopeo reads, no blob request', async () => {
    const repo = `${proxy.host}/${repository()}`;
    const seeded = await seedImage(await store(repo), { revision: sha('b') });
    proxy.reset();
    const run = await promote({ image: repo, from: sha('b'), to: 'rc-1, demo' });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs.digest).toBe(seeded.digest);
    expect(run.outputs.ref).toBe(`${repo}@${seeded.digest}`);
    expect(run.outputs['source-sha']).toBe(sha('b'));
    expect(JSON.parse(run.outputs.previous ?? '')).toEqual({ 'rc-1': null, demo: null });
    expect(await skopeoDigest(`${repo}:rc-1`)).toBe(seeded.digest);
    expect(await skopeoDigest(`${repo}:demo`)).toBe(seeded.digest);
    expect(proxy.requests.filter((r) => r.path.includes('/blobs/'))).toEqual([]);
    expect(run.summary).toContain('| `rc-1` | new |');
    expect(run.summary).toContain('```mermaid');
  });

  it('promotes a multi-platform index exactly, children untouched, no blob request', async () => {
    const repo = `${proxy.host}/${repository()}`;
    const seeded = await seedImage(await store(repo), {
      revision: sha('c'),
      platforms: ['linux/amd64', 'linux/arm64'],
    });
    proxy.reset();
    const run = await promote({ image: repo, from: sha('c').slice(0, 7), to: 'v2.0.0' });
    expect(run.errors).toEqual([]);
    expect(run.outputs.digest).toBe(seeded.digest);
    expect(await skopeoDigest(`${repo}:v2.0.0`)).toBe(seeded.digest);
    expect(proxy.requests.filter((r) => r.path.includes('/blobs/'))).toEqual([]);
    const { stdout } = await exec('skopeo', [
      'inspect',
      '--raw',
      '--tls-verify=false',
      `docker://${repo}:v2.0.0`,
    ]);
    expect(JSON.parse(stdout).manifests.map((m: { digest: string }) => m.digest)).toEqual(seeded.children);
  });

  it('rc-1, then v1.0.0, then a rollback of prod: previous reports what each tag pointed at', async () => {
    const repo = `${registry.host}/${repository()}`;
    const old = await seedImage(await store(repo), { revision: sha('a') });
    const next = await seedImage(await store(repo), { revision: sha('b') });
    expect((await promote({ image: repo, from: sha('a'), to: 'v0.9.0\nprod' })).exitCode).toBe(0);
    const rc = await promote({ image: repo, from: sha('b'), to: 'rc-1' });
    expect(JSON.parse(rc.outputs.previous ?? '')).toEqual({ 'rc-1': null });
    const release = await promote({ image: repo, from: 'rc-1', to: 'v1.0.0, prod' });
    expect(release.outputs['source-sha']).toBe(sha('b'));
    expect(JSON.parse(release.outputs.previous ?? '')).toEqual({ 'v1.0.0': null, prod: old.digest });
    const rollback = await promote({ image: repo, from: 'v0.9.0', to: 'prod' });
    expect(rollback.exitCode).toBe(0);
    expect(JSON.parse(rollback.outputs.previous ?? '')).toEqual({ prod: next.digest });
    expect(await skopeoDigest(`${repo}:prod`)).toBe(old.digest);
    expect(await skopeoDigest(`${repo}:v1.0.0`)).toBe(next.digest);
  });

  it('an immutable conflict fails the promotion and writes none of the requested tags', async () => {
    const repo = `${registry.host}/${repository()}`;
    const old = await seedImage(await store(repo), { revision: sha('a') });
    await seedImage(await store(repo), { revision: sha('b') });
    expect((await promote({ image: repo, from: sha('a'), to: 'v1.0.0' })).exitCode).toBe(0);
    const run = await promote({ image: repo, from: sha('b'), to: 'rc-7\nprod\nv1.0.0\nlatest' });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      expect.stringContaining(
        `Refusing to move immutable tags, so nothing was written: ${repo}:v1.0.0 points at ${old.digest}`,
      ),
    ]);
    for (const tag of ['rc-7', 'prod', 'latest'])
      expect(await skopeoDigest(`${repo}:${tag}`)).toBeUndefined();
    expect(await skopeoDigest(`${repo}:v1.0.0`)).toBe(old.digest);
  });

  it('refuses a yanked source with the tombstone reason', async () => {
    const repo = `${registry.host}/${repository()}`;
    await seedImage(await store(repo), { revision: sha('d') });
    await writeTombstone(await store(repo), {
      sha: sha('d'),
      reason: 'stage smoke test failed',
      actor: 'octocat',
    });
    const run = await promote({ image: repo, from: sha('d'), to: 'rc-1' });
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toMatch(/^Commit ddddddd was yanked by octocat at .*: "stage smoke test failed"/);
    expect(await skopeoDigest(`${repo}:rc-1`)).toBeUndefined();
  });

  it('a tag on a docs-only commit: named ancestor, then the fallback, then refused after a source change', async () => {
    const repo = `${registry.host}/${repository()}`;
    const workspace = await mkdtemp(join(tmpdir(), 'promote-git-'));
    const git = (...args: string[]) => exec('git', ['-C', workspace, ...args]);
    const commit = async (file: string, message: string) => {
      await writeFile(join(workspace, file), `${message}\n`);
      await git('add', '.');
      await git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', message);
      return (await git('rev-parse', 'HEAD')).stdout.trim();
    };
    await git('init', '-q', '-b', 'main');
    const built = await commit('app.ts', 'feat: app');
    const docs = await commit('README.md', 'docs: readme');
    const seeded = await seedImage(await store(repo), { revision: built });

    const refused = await promote({ image: repo, to: 'rc-1' }, { workspace, sha: docs });
    expect(refused.exitCode).toBe(1);
    expect(refused.errors[0]).toContain(
      `has no artifact for commit ${docs.slice(0, 7)} (tag ${docs.slice(0, 7)}). Nearest first-parent ancestors with one: ${built.slice(0, 7)} (1 back).`,
    );

    const fallback = await promote(
      { image: repo, to: 'rc-1', fallback: 'nearest-ancestor' },
      { workspace, sha: docs },
    );
    expect(fallback.errors).toEqual([]);
    expect(fallback.outputs.digest).toBe(seeded.digest);
    expect(fallback.outputs['fallback-from']).toBe(docs);
    expect(fallback.outputs['source-sha']).toBe(built);
    expect(fallback.summary).toContain('has no artifact of its own');
    expect(await skopeoDigest(`${repo}:rc-1`)).toBe(seeded.digest);

    const changed = await commit('app.ts', 'fix: app');
    const source = await promote(
      { image: repo, to: 'rc-2', fallback: 'nearest-ancestor' },
      { workspace, sha: changed },
    );
    expect(source.exitCode).toBe(1);
    expect(source.errors[0]).toMatch(/Refusing the nearest-ancestor fallback: .* it changed app.ts/);
    expect(await skopeoDigest(`${repo}:rc-2`)).toBeUndefined();
  });

  it('between two registries: digest preserved, each blob crosses once', async () => {
    const repo = `${registry.host}/${repository()}`;
    const target = `${proxy.host}/${repository()}`;
    const seeded = await seedImage(await store(repo), { revision: sha('e'), layers: 3 });
    // The proxy fronts the first registry only; point it at the second for this test.
    const toOther = await startFaultProxy({ target: other.url });
    try {
      const destination = `${toOther.host}/${target.split('/').slice(1).join('/')}`;
      const run = await promote({ image: repo, 'to-image': destination, from: sha('e'), to: 'v1.0.0' });
      expect(run.errors).toEqual([]);
      expect(run.outputs.ref).toBe(`${destination}@${seeded.digest}`);
      expect(await skopeoDigest(`${destination}:v1.0.0`)).toBe(seeded.digest);
      const uploads = toOther.requests.filter(
        (r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/'),
      );
      expect(uploads.length).toBe(seeded.blobs.length);
      const again = await promote({ image: repo, 'to-image': destination, from: sha('e'), to: 'v1.0.0' });
      expect(again.exitCode).toBe(0);
      expect(
        toOther.requests.filter((r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/')).length,
      ).toBe(seeded.blobs.length);
    } finally {
      await toOther.stop();
    }
  });

  it('a 503 in the middle of three tag writes: the re-run completes, the end state is exact', async () => {
    const repo = `${proxy.host}/${repository()}`;
    const seeded = await seedImage(await store(repo), { revision: sha('f') });
    proxy.reset();
    proxy.script({ method: 'PUT', path: /\/manifests\/prod$/, status: 503 });
    const failed = await promote({ image: repo, from: sha('f'), to: 'rc-1, prod, demo' });
    expect(failed.exitCode).toBe(1);
    expect(failed.errors[0]).toMatch(/503/);
    proxy.reset();
    const rerun = await promote({ image: repo, from: sha('f'), to: 'rc-1, prod, demo' });
    expect(rerun.errors).toEqual([]);
    for (const tag of ['rc-1', 'prod', 'demo'])
      expect(await skopeoDigest(`${repo}:${tag}`)).toBe(seeded.digest);
  });

  it('required checks: failing and pending block with nothing written; green records a deployment', async () => {
    const repo = `${registry.host}/${repository()}`;
    const source = sha('9');
    const seeded = await seedImage(await store(repo), { revision: source });
    github.seed.checkRun({ name: 'unit', head_sha: source });
    github.seed.checkRun({ name: 'e2e', head_sha: source, status: 'in_progress' });
    github.seed.status(source, { context: 'lint', state: 'failure', description: '3 problems' });

    const pending = await promote({ image: repo, from: source, to: 'prod', 'require-checks': 'unit, e2e' });
    expect(pending.exitCode).toBe(1);
    expect(pending.errors[0]).toMatch(/e2e/);
    expect(pending.errors[0]).toMatch(/wait for/i);
    const failing = await promote({ image: repo, from: source, to: 'prod', 'require-checks': 'lint' });
    expect(failing.exitCode).toBe(1);
    expect(failing.errors[0]).toMatch(/lint/);
    expect(await skopeoDigest(`${repo}:prod`)).toBeUndefined();

    // Skipped or neutral is not green: the check never judged this commit.
    github.seed.checkRun({ name: 'stage', head_sha: source, conclusion: 'skipped' });
    github.seed.checkRun({ name: 'scan', head_sha: source, conclusion: 'neutral' });
    const skipped = await promote({
      image: repo,
      from: source,
      to: 'prod',
      'require-checks': 'unit, stage, scan',
    });
    expect(skipped.exitCode).toBe(1);
    expect(skipped.errors).toEqual([
      expect.stringMatching(
        /^2 of 3 required check\(s\) not green: did not pass: `stage` \(check run skipped — \S+\): it never ran \(a job skipped by its if:, or after a failed need\), so it checked nothing: run it on this commit, or use a commit where it passed; `scan` \(check run neutral — \S+\): it reported no verdict \(neutral\): make it conclude success, or stop requiring it \(commit [0-9a-f]{40}\)$/,
      ),
    ]);
    expect(await skopeoDigest(`${repo}:prod`)).toBeUndefined();

    const green = await promote({
      image: repo,
      from: source,
      to: 'prod',
      'require-checks': 'unit',
      environment: 'production',
    });
    expect(green.errors).toEqual([]);
    expect(await skopeoDigest(`${repo}:prod`)).toBe(seeded.digest);
    const deployment = github.state.deployments.at(-1);
    expect(deployment).toMatchObject({ sha: source, environment: 'production' });
    expect(green.outputs['deployment-id']).toBe(String(deployment?.id));
    expect(github.state.deploymentStatuses.at(-1)?.status).toMatchObject({ state: 'success' });
    expect(github.schemaViolations).toEqual([]);
    for (const run of [pending, failing, skipped, green]) {
      expect(run.log + run.stderr + run.summary + JSON.stringify(run.outputs)).not.toContain(GITHUB_TOKEN);
    }
  });

  it('an artifact whose revision names no commit (a dirty build, a short sha) is refused by tag, digest and to-image; nothing is written', async () => {
    const repo = `${proxy.host}/${repository()}`;
    const dirty = await seedImage(await store(repo), {
      revision: `${sha('d')}-dirty`,
      tag: 'dirty-ddddddd-0123456789ab',
      platforms: ['linux/amd64', 'linux/arm64'],
    });
    const short = await seedImage(await store(repo), { revision: 'ddddddd', tag: 'hand-made' });
    const destination = `${other.host}/${repository()}`;
    proxy.reset();
    const cases: [Record<string, string>, string][] = [
      [
        { from: 'dirty-ddddddd-0123456789ab' },
        `Input "from" dirty-ddddddd-0123456789ab is ${repo}@${dirty.digest}, which was built from uncommitted changes on top of commit ddddddd (revision ${sha('d')}-dirty): a dirty build is never promoted. Commit the changes, build that commit (build-by-sha), and promote it.`,
      ],
      [
        { from: dirty.digest, 'to-image': destination },
        `Input "from" ${dirty.digest} is ${repo}@${dirty.digest}, which was built from uncommitted changes on top of commit ddddddd (revision ${sha('d')}-dirty): a dirty build is never promoted. Commit the changes, build that commit (build-by-sha), and promote it.`,
      ],
      [
        { from: 'hand-made' },
        `Input "from" hand-made is ${repo}@${short.digest}, which names "ddddddd" as its revision, not a full commit sha: its lineage cannot be checked (yanks are found by commit), so it is not promoted. Build the commit with build-by-sha, and promote that.`,
      ],
    ];
    for (const [inputs, message] of cases) {
      const run = await promote({ image: repo, to: 'rc-1, demo', ...inputs });
      expect(run.exitCode).toBe(1);
      expect(run.errors).toEqual([message]);
    }
    expect(proxy.requests.filter((r) => r.method !== 'GET' && r.method !== 'HEAD')).toEqual([]);
    for (const tag of ['rc-1', 'demo']) expect(await skopeoDigest(`${repo}:${tag}`)).toBeUndefined();
    expect(await skopeoDigest(`${destination}:rc-1`)).toBeUndefined();
  });

  it('rejects bad input before any request', async () => {
    proxy.reset();
    const cases: [Record<string, string>, RegExp][] = [
      [{ image: `${proxy.host}/acme/x`, to: 'ok;rm -rf /' }, /tag "ok;rm -rf \/" is invalid/],
      [{ image: `${proxy.host}/acme/x:v1`, to: 'prod' }, /Input "image" names a repository, not a version/],
      [{ image: `${proxy.host}/Acme/X`, to: 'prod' }, /image/],
      [
        { image: `${proxy.host}/acme/x`, to: 'prod', fallback: 'maybe' },
        /Input "fallback" must be one of "none", "nearest-ancestor"/,
      ],
      [{ image: `${proxy.host}/acme/x`, to: '' }, /Input "to" is required/],
    ];
    for (const [inputs, message] of cases) {
      const run = await promote(inputs);
      expect(run.exitCode).toBe(1);
      expect(run.errors).toHaveLength(1);
      expect(run.errors[0]).toMatch(message);
    }
    expect(proxy.requests).toEqual([]);
  });
});
