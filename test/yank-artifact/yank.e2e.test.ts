import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { homedir, tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ExecResult, exec } from '@flow-actions/action-kit';
import { readTombstone, writeTombstone, yankedError } from '@flow-actions/artifact-protocol';
import { type ArtifactStore, computeDigest, copyArtifact, openStore } from '@flow-actions/oci-store';
import { type ActionRun, runAction } from '@flow-actions/runner-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releasedAction } from '../e2e/release-tree';
import { type RunningFaultProxy, startFaultProxy } from '../fault-proxy';
import { type GitHubFake, packageKey, startGitHubFake } from '../github-fake';
import { type RunningRegistry, type RunningVerdaccio, startRegistry, startVerdaccio } from '../services';
import { type SeededImage, seedImage } from '../support/artifacts';
import { runFlow } from '../support/flow-cli';
import { skopeoDigest } from '../support/skopeo';

// End to end: the bundled yank-artifact action, run as the runner runs it (Node 24, INPUT_*,
// command files), against CNCF distribution on loopback; skopeo is the independent judge of
// what is gone. build-by-sha and promote, bundled too, must then refuse the yanked commit.
let registry: RunningRegistry;
let proxy: RunningFaultProxy;

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy({ target: registry.url });
});
afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
});

const sha = (char: string) => char.repeat(40);
const RUN_URL = 'https://github.com/acme/app/actions/runs/4242';
let repositoryCount = 0;
/** A fresh repository per test, so tests never see each other's tags. */
function repository(host: string): string {
  repositoryCount++;
  return `${host}/acme/yank-${repositoryCount}`;
}

function store(reference: string): Promise<ArtifactStore> {
  return openStore(reference);
}

async function tag(reference: string, name: string, digest: string): Promise<void> {
  const repo = await store(reference);
  const manifest = await repo.getManifest(digest);
  if (!manifest) throw new Error(`${reference}@${digest} is missing`);
  await repo.putManifest(name, manifest);
}

function yank(inputs: Record<string, string>, env: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({
    actionDir: releasedAction('yank-artifact'),
    inputs,
    sha: sha('0'),
    runId: '4242',
    repository: 'acme/app',
    env: { DOCKER_CONFIG: join(tmpdir(), 'flow-no-docker-config'), ...env },
  });
}

/** Files in `dir` (not recursive) whose text contains `secret`; a missing dir has none. */
async function filesContaining(dir: string, secret: string): Promise<string[]> {
  const names = await readdir(dir).catch(() => [] as string[]);
  const hits: string[] = [];
  for (const name of names) {
    if ((await readFile(join(dir, name), 'utf8').catch(() => '')).includes(secret)) hits.push(name);
  }
  return hits;
}

/** Everything a user can read from a run, except the runner's own mask registrations. */
function printed(run: ActionRun): string {
  const stdout = run.stdout
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n');
  return stdout + run.stderr + run.summary + JSON.stringify(run.outputs);
}

describe('yank-artifact (bundled action, real registry)', () => {
  it('deletes the digest with every tag on it, leaves a tombstone, and build-by-sha and promote refuse the commit', async () => {
    const repo = repository(registry.host);
    const yanked = await seedImage(await store(repo), { revision: sha('a') });
    const other = await seedImage(await store(repo), { revision: sha('b') });
    await tag(repo, 'rc-1', yanked.digest);
    await tag(repo, 'demo', yanked.digest);
    await tag(repo, 'latest', other.digest);

    const run = await yank({ image: repo, sha: sha('a'), reason: 'stage smoke tests failed' });

    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs.digest).toBe(yanked.digest);
    expect(run.outputs.deleted?.split('\n')).toEqual([
      `${repo}:aaaaaaa`,
      `${repo}:demo`,
      `${repo}:rc-1`,
      `${repo}@${yanked.digest}`,
    ]);
    expect(run.outputs.tombstone).toBe(`${repo}:yanked-aaaaaaa`);
    for (const gone of ['aaaaaaa', 'rc-1', 'demo', yanked.digest]) {
      expect(
        await skopeoDigest(gone.startsWith('sha256:') ? `${repo}@${gone}` : `${repo}:${gone}`),
      ).toBeUndefined();
    }
    expect(await skopeoDigest(`${repo}:latest`)).toBe(other.digest);
    expect(await skopeoDigest(`${repo}:bbbbbbb`)).toBe(other.digest);
    expect(await skopeoDigest(`${repo}:yanked-aaaaaaa`)).toBeDefined();

    const tombstone = await readTombstone(await store(repo), sha('a'));
    expect(tombstone).toMatchObject({
      reason: 'stage smoke tests failed',
      actor: 'octocat',
      artifactDigest: yanked.digest,
      artifactTags: ['aaaaaaa', 'demo', 'rc-1'],
      mode: 'delete',
      runUrl: `${RUN_URL}/attempts/1`,
    });
    expect(yankedError(tombstone as NonNullable<typeof tombstone>).message).toContain(
      'Commit aaaaaaa was yanked by octocat',
    );
    expect(run.summary).toContain('stage smoke tests failed');
    expect(run.summary).toContain(RUN_URL);
    expect(run.summary).toContain(`| digest | \`${yanked.digest.slice(0, 19)}…\` |`);
    expect(run.summary).toContain(`- artifact: \`${repo}@${yanked.digest}\``);
    expect(run.summary).toContain('`rc-1`');

    const promote = await runAction({
      actionDir: releasedAction('promote'),
      inputs: { image: repo, from: sha('a'), to: 'rc-2' },
      env: { DOCKER_CONFIG: join(tmpdir(), 'flow-no-docker-config') },
    });
    expect(promote.exitCode).toBe(1);
    expect(promote.errors.join('\n')).toContain('Commit aaaaaaa was yanked by octocat');
    expect(promote.errors.join('\n')).toContain('stage smoke tests failed');

    // A ready image labelled with the yanked commit (its revision is the proof that it is that
    // commit's, so no checkout is needed): the tombstone must still stop it.
    const workspace = await mkdtemp(join(tmpdir(), 'flow-yank-build-'));
    await seedImage(await openStore(`oci:${join(workspace, 'image')}`, { createLayout: true }), {
      revision: sha('a'),
      tag: 'ready',
    });
    const build = await runAction({
      actionDir: releasedAction('build-by-sha'),
      inputs: { image: repo, 'from-oci-layout': 'image' },
      sha: sha('a'),
      workspace,
      env: { DOCKER_CONFIG: join(tmpdir(), 'flow-no-docker-config') },
    });
    expect(build.exitCode).toBe(1);
    expect(build.errors.join('\n')).toContain('Commit aaaaaaa was yanked by octocat');
    expect(await skopeoDigest(`${repo}:aaaaaaa`)).toBeUndefined();
  });

  it.each(['htpasswd', 'token'] as const)(
    'yanks from every repository given on a registry with %s auth; the password never shows',
    async (auth) => {
      const secured = await startRegistry({ auth });
      try {
        const credentials = { username: secured.username ?? '', password: secured.password ?? '' };
        const repos = [`${secured.host}/acme/api`, `${secured.host}/acme/worker`];
        const seeded: SeededImage[] = [];
        for (const repo of repos)
          seeded.push(await seedImage(await openStore(repo, credentials), { revision: sha('7') }));

        const run = await yank({
          image: repos.join('\n'),
          sha: sha('7'),
          reason: 'bad release',
          ...credentials,
        });

        expect(run.errors).toEqual([]);
        expect(run.exitCode).toBe(0);
        expect(run.outputs.tombstone?.split('\n')).toEqual(repos.map((repo) => `${repo}:yanked-7777777`));
        expect(run.outputs.deleted?.split('\n')).toEqual(
          repos.flatMap((repo, index) => [`${repo}:7777777`, `${repo}@${seeded[index]?.digest}`]),
        );
        for (const repo of repos) {
          const check = await openStore(repo, credentials);
          expect(await check.resolve('7777777')).toBeUndefined();
          expect((await readTombstone(check, sha('7')))?.reason).toBe('bad release');
        }
        expect(printed(run)).not.toContain(credentials.password);
      } finally {
        await secured.stop();
      }
    },
  );

  it('a local OCI layout: the tags and the manifest leave index.json; skopeo no longer finds them', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flow-yank-layout-'));
    const layout = await openStore(`oci:${dir}`, { createLayout: true });
    const image = await seedImage(layout, { revision: sha('5') });
    await tag(`oci:${dir}`, 'rc-9', image.digest);
    const other = await seedImage(layout, { revision: sha('6') });

    const run = await yank({ image: `oci:${dir}`, sha: sha('5'), reason: 'layout yank' });

    expect(run.errors).toEqual([]);
    expect(run.outputs.deleted?.split('\n')).toEqual([
      `oci:${dir}:5555555`,
      `oci:${dir}:rc-9`,
      `oci:${dir}@${image.digest}`,
    ]);
    const inspect = (reference: string) =>
      exec('skopeo', ['inspect', '--raw', `oci:${dir}:${reference}`], { allowFailure: true });
    expect((await inspect('5555555')).exitCode).not.toBe(0);
    expect((await inspect('rc-9')).exitCode).not.toBe(0);
    expect(computeDigest(Buffer.from((await inspect('6666666')).stdout))).toBe(other.digest);
    expect((await inspect('yanked-5555555')).exitCode).toBe(0);
  });

  it('a multi-platform index: the index and its platform manifests are gone by digest', async () => {
    const repo = repository(registry.host);
    const yanked = await seedImage(await store(repo), {
      revision: sha('c'),
      platforms: ['linux/amd64', 'linux/arm64'],
    });
    // A manual yank may give the short sha: the artifact's revision annotation expands it.
    const run = await yank({ image: repo, sha: 'ccccccc', reason: 'broken on arm64' });
    expect(run.errors).toEqual([]);
    expect(run.outputs.deleted?.split('\n')).toEqual([
      `${repo}:ccccccc`,
      `${repo}@${yanked.digest}`,
      ...yanked.children.map((child) => `${repo}@${child}`),
    ]);
    expect((await readTombstone(await store(repo), sha('c')))?.sha).toBe(sha('c'));
    for (const digest of [yanked.digest, ...yanked.children]) {
      expect(await skopeoDigest(`${repo}@${digest}`)).toBeUndefined();
    }
  });

  it('a protected tag on the digest: refused without force, listing it, nothing written; done with force', async () => {
    const repo = repository(registry.host);
    const image = await seedImage(await store(repo), { revision: sha('d') });
    await tag(repo, 'v1.4.0', image.digest);
    await tag(repo, 'prod', image.digest);

    const refused = await yank({ image: repo, sha: sha('d'), reason: 'late finding' });
    expect(refused.exitCode).toBe(1);
    expect(refused.errors).toEqual([
      `Refusing to yank ddddddd: protected tags point at its artifact: ${repo}:prod, ${repo}:v1.4.0. Deploy something else there first (promote another version), or set force: true to yank it from under them.`,
    ]);
    expect(await skopeoDigest(`${repo}:prod`)).toBe(image.digest);
    expect(await skopeoDigest(`${repo}:yanked-ddddddd`)).toBeUndefined();

    const forced = await yank({ image: repo, sha: sha('d'), reason: 'late finding', force: 'true' });
    expect(forced.errors).toEqual([]);
    expect(forced.exitCode).toBe(0);
    for (const gone of ['ddddddd', 'v1.4.0', 'prod'])
      expect(await skopeoDigest(`${repo}:${gone}`)).toBeUndefined();
  });

  it('a second yank is a green no-op: nothing written, the tombstone unchanged', async () => {
    const repo = repository(proxy.host);
    await seedImage(await store(repo), { revision: sha('e') });
    expect((await yank({ image: repo, sha: sha('e'), reason: 'flaky migration' })).exitCode).toBe(0);
    const tombstone = await skopeoDigest(`${repo}:yanked-eeeeeee`);
    proxy.reset();

    // The same short sha a person typed the first time: the tombstone expands it.
    const again = await yank({ image: repo, sha: 'eeeeeee', reason: 'flaky migration' });

    expect(again.errors).toEqual([]);
    expect(again.exitCode).toBe(0);
    expect(again.outputs.deleted).toBe('');
    expect(JSON.parse(again.outputs.images ?? '{}')[repo].outcome).toBe('already-yanked');
    expect(proxy.requests.filter((request) => !['GET', 'HEAD'].includes(request.method))).toEqual([]);
    expect(await skopeoDigest(`${repo}:yanked-eeeeeee`)).toBe(tombstone);
    expect(again.summary).toContain('already yanked, nothing changed');

    // distribution 2.x still lists the deleted tags; yanking the next commit resolves past them.
    const next = await seedImage(await store(repo), { revision: sha('4') });
    const third = await yank({ image: repo, sha: sha('4'), reason: 'also broken' });
    expect(third.errors).toEqual([]);
    expect(third.outputs.deleted?.split('\n')).toEqual([`${repo}:4444444`, `${repo}@${next.digest}`]);
  });

  it('a DELETE answered 503 is retried; when it keeps failing, the tombstone stands and a re-run completes', async () => {
    const repo = repository(proxy.host);
    const first = await seedImage(await store(repo), { revision: sha('8') });
    proxy.reset();
    proxy.script({ method: 'DELETE', path: /\/manifests\//, status: 503, times: 1 });
    const retried = await yank({ image: repo, sha: sha('8'), reason: 'flaky registry' });
    expect(retried.errors).toEqual([]);
    expect(proxy.requests.filter((r) => r.method === 'DELETE').map((r) => r.status)).toEqual([503, 202]);
    expect(await skopeoDigest(`${repo}@${first.digest}`)).toBeUndefined();

    const second = await seedImage(await store(repo), { revision: sha('9') });
    proxy.script({ method: 'DELETE', path: /\/manifests\//, status: 503, times: 5 });
    const failed = await yank({ image: repo, sha: sha('9'), reason: 'flaky registry' });
    expect(failed.exitCode).toBe(1);
    expect(failed.errors[0]).toContain(`The tombstone ${repo}:yanked-9999999 is written`);
    expect(await skopeoDigest(`${repo}:9999999`)).toBe(second.digest);

    const rerun = await yank({ image: repo, sha: sha('9'), reason: 'flaky registry' });
    expect(rerun.errors).toEqual([]);
    expect(rerun.outputs.deleted?.split('\n')).toEqual([`${repo}:9999999`, `${repo}@${second.digest}`]);
    expect(await skopeoDigest(`${repo}:9999999`)).toBeUndefined();
    expect((await readTombstone(await store(repo), sha('9')))?.artifactDigest).toBe(second.digest);
  });

  it('a commit with no artifact still gets its tombstone, so a late build cannot appear', async () => {
    const repo = repository(registry.host);
    await seedImage(await store(repo), { revision: sha('1') });
    const run = await yank({ image: repo, sha: sha('f'), reason: 'bad config, never built' });
    expect(run.exitCode).toBe(0);
    expect(run.outputs.digest).toBe('');
    expect(run.outputs.deleted).toBe('');
    expect((await readTombstone(await store(repo), sha('f')))?.reason).toBe('bad config, never built');
    expect(await skopeoDigest(`${repo}:1111111`)).toBeDefined();
  });

  it('deletion disabled (405): the tombstone names the artifact and flow inspect what is still there; enabled, a re-run by short sha finishes; a third is a green no-op', async () => {
    const storage = await mkdtemp(join(tmpdir(), 'flow-yank-storage-'));
    const disabled = await startRegistry({ deleteEnabled: false, storageDir: storage });
    let enabled: RunningRegistry | undefined;
    try {
      let repo = `${disabled.host}/acme/shop`;
      const image = await seedImage(await store(repo), {
        revision: sha('a'),
        platforms: ['linux/amd64', 'linux/arm64'],
      });
      await tag(repo, 'rc-3', image.digest);
      const everything = [image.digest, 'aaaaaaa', 'rc-3', ...image.children];

      const run = await yank({ image: repo, sha: 'aaaaaaa', reason: 'stage failed' });
      expect(run.exitCode).toBe(1);
      const [error] = run.errors;
      expect(error).toContain(`Deleting ${repo}@${image.digest} failed:`);
      expect(error).toContain('has deletion disabled (405 UNSUPPORTED)');
      expect(error).toContain(
        `The tombstone ${repo}:yanked-aaaaaaa is written, so aaaaaaa cannot be rebuilt or promoted; still in the registry: ${image.digest} tagged aaaaaaa, rc-3 and its 2 platform manifest(s).`,
      );
      expect(error).toContain('Once deletion is enabled (or the artifact deleted by hand), re-run');
      expect(run.outputs.deleted).toBe('');
      expect(JSON.parse(run.outputs.images ?? '{}')[repo]).toMatchObject({
        outcome: 'failed',
        foundBy: 'sha-tag',
        deleted: [],
        remaining: [
          `${repo}:aaaaaaa`,
          `${repo}:rc-3`,
          `${repo}@${image.digest}`,
          ...image.children.map((c) => `${repo}@${c}`),
        ],
      });
      expect(run.summary).toContain('## Yank incomplete `aaaaaaa`');
      expect(run.summary).toContain('tombstone written, deleting failed (see the error)');
      expect(run.summary).toContain('still in the registry');
      const failure = run.summary.slice(run.summary.indexOf('## ❌ yank-artifact failed'));
      expect(failure).toContain(
        `**What it wrote:** The tombstone ${repo}:yanked-aaaaaaa, so aaaaaaa can no longer be built or promoted; deleted nothing.`,
      );
      expect(failure).toContain(
        `**What is unchanged:** Still in the registry: ${repo}:aaaaaaa, ${repo}:rc-3, ${repo}@${image.digest}`,
      );
      expect(failure).toContain(
        '**What to do:** Once deletion is enabled (or the artifact deleted by hand), re-run',
      );
      expect(await skopeoDigest(`${repo}:aaaaaaa`)).toBe(image.digest);
      expect(await skopeoDigest(`${repo}:rc-3`)).toBe(image.digest);
      const tombstoneDigest = await skopeoDigest(`${repo}:yanked-aaaaaaa`);
      // The tombstone names the artifact the yank set out to remove, not that it is gone.
      expect(await readTombstone(await store(repo), sha('a'))).toMatchObject({
        artifactDigest: image.digest,
        artifactTags: ['aaaaaaa', 'rc-3'],
        platformManifests: image.children,
        mode: 'delete',
      });

      const inspect = (args: string[]) =>
        runFlow(['inspect', repo, ...args], {
          cwd: tmpdir(),
          env: { HOME: tmpdir(), DOCKER_CONFIG: join(tmpdir(), 'flow-no-docker-config') },
        });
      const stuck = await inspect(['rc-3']);
      expect(stuck.exitCode).toBe(0);
      expect(stuck.stdout).toContain(`${repo}:rc-3 → ${image.digest}`);
      expect(stuck.stdout).toMatch(/ {2}YANKED commit aaaaaaa by octocat at \S+: "stage failed"\n/);
      expect(stuck.stdout).toContain(
        `  STILL THERE ${everything.join(', ')}: the delete failed or was refused; run flow yank again once the registry allows it`,
      );
      const stuckJson = JSON.parse((await inspect(['rc-3', '--json'])).stdout);
      expect(stuckJson.tombstone).toMatchObject({ sha: sha('a'), actor: 'octocat', reason: 'stage failed' });
      expect(stuckJson.tombstone.remaining).toEqual(everything);
      expect(stuckJson.tombstone.removed).toEqual([]);

      // The registry's operator enables deletion; same storage, so the same content.
      await disabled.stop();
      enabled = await startRegistry({ storageDir: storage });
      repo = `${enabled.host}/acme/shop`;
      const rerun = await yank({ image: repo, sha: 'aaaaaaa', reason: 'stage failed' });
      expect(rerun.errors).toEqual([]);
      expect(rerun.exitCode).toBe(0);
      expect(rerun.outputs.deleted?.split('\n')).toEqual([
        `${repo}:aaaaaaa`,
        `${repo}:rc-3`,
        `${repo}@${image.digest}`,
        ...image.children.map((child) => `${repo}@${child}`),
      ]);
      for (const gone of ['aaaaaaa', 'rc-3']) expect(await skopeoDigest(`${repo}:${gone}`)).toBeUndefined();
      for (const gone of [image.digest, ...image.children]) {
        expect(await skopeoDigest(`${repo}@${gone}`)).toBeUndefined();
      }
      expect(await skopeoDigest(`${repo}:yanked-aaaaaaa`)).toBe(tombstoneDigest);

      for (const reference of ['rc-3', 'aaaaaaa', 'yanked-aaaaaaa', image.digest]) {
        const done = await inspect([reference]);
        expect(done.exitCode).toBe(0);
        expect(done.stdout).toContain(`${repo}:${reference} → no artifact (yanked)`);
        expect(done.stdout).toMatch(/ {2}YANKED commit aaaaaaa by octocat at \S+: "stage failed"\n/);
        expect(done.stdout).toContain('  removed     all of it; only the tombstone is left');
        expect(done.stdout).not.toContain('build the commit first');
      }
      const doneJson = JSON.parse((await inspect(['rc-3', '--json'])).stdout);
      expect(doneJson).toMatchObject({ ok: true, digest: null, tags: [] });
      expect(doneJson.tombstone.remaining).toEqual([]);
      expect(doneJson.tombstone.removed).toEqual(everything);

      // The on-call engineer runs it once more with the same short sha: green, nothing written.
      const third = await yank({ image: repo, sha: 'aaaaaaa', reason: 'stage failed again?' });
      expect(third.errors).toEqual([]);
      expect(third.exitCode).toBe(0);
      expect(JSON.parse(third.outputs.images ?? '{}')[repo].outcome).toBe('already-yanked');
      expect(third.summary).toContain('## Already yanked `aaaaaaa`');
      expect(third.summary).toMatch(/\| yanked before \| by octocat at \S+: stage failed \|/);
      expect(await skopeoDigest(`${repo}:yanked-aaaaaaa`)).toBe(tombstoneDigest);
    } finally {
      await disabled.stop();
      await enabled?.stop();
      await rm(storage, { recursive: true, force: true });
    }
  });

  it('promote to another registry carries the sha tag; yank removes the copies there, an older copy without the sha tag found by its revision', async () => {
    const prod = await startRegistry();
    try {
      const repo = repository(registry.host);
      const destination = `${prod.host}/acme/api-prod`;
      const promote = (inputs: Record<string, string>) =>
        runAction({
          actionDir: releasedAction('promote'),
          inputs: { image: repo, 'to-image': destination, ...inputs },
          env: { DOCKER_CONFIG: join(tmpdir(), 'flow-no-docker-config') },
        });
      const current = await seedImage(await store(repo), { revision: sha('c') });
      const older = await seedImage(await store(repo), { revision: sha('b') });
      // An older release copied before the destination got sha tags: v0.9.0 and latest only.
      await copyArtifact(await store(repo), await store(destination), older.digest);
      await tag(destination, 'v0.9.0', older.digest);
      await tag(destination, 'latest', older.digest);

      const promoted = await promote({ from: sha('c'), to: 'v1.0.0' });
      expect(promoted.errors).toEqual([]);
      expect(await skopeoDigest(`${destination}:v1.0.0`)).toBe(current.digest);
      expect(await skopeoDigest(`${destination}:ccccccc`)).toBe(current.digest);
      expect(promoted.outputs.tags?.split('\n')).toEqual([`${destination}:v1.0.0`, `${destination}:ccccccc`]);

      // The destination already holds another artifact under the commit's sha tag (built there on
      // its own): refused before anything is written.
      const other = await seedImage(await store(destination), { revision: sha('e'), tag: 'eeeeeee' });
      const source = await seedImage(await store(repo), { revision: sha('e') });
      const conflict = await promote({ from: sha('e'), to: 'v1.2.0' });
      expect(conflict.exitCode).toBe(1);
      expect(conflict.errors).toEqual([
        `Refusing to move immutable tags, so nothing was written: ${destination}:eeeeeee points at ${other.digest}, not ${source.digest} (the sha tag of ${sha('e')}: ${destination} already holds another artifact for that commit; flow inspect shows it). Promote under a new version, or change "immutable-tags" if this tag is meant to move.`,
      ]);
      expect(await skopeoDigest(`${destination}:v1.2.0`)).toBeUndefined();
      expect(await skopeoDigest(`${destination}:eeeeeee`)).toBe(other.digest);
      expect(await skopeoDigest(`${destination}@${source.digest}`)).toBeUndefined();

      // Yank both commits from both repositories: the copies go too.
      const yankBoth = (commit: string, reason: string) =>
        yank({ image: `${repo}\n${destination}`, sha: commit, reason, force: 'true' });
      const yanked = await yankBoth(sha('c'), 'corrupts orders');
      expect(yanked.errors).toEqual([]);
      expect(JSON.parse(yanked.outputs.images ?? '{}')[destination]).toMatchObject({
        outcome: 'yanked',
        foundBy: 'sha-tag',
        tags: ['ccccccc', 'v1.0.0'],
      });
      for (const gone of ['ccccccc', 'v1.0.0'])
        expect(await skopeoDigest(`${destination}:${gone}`)).toBeUndefined();

      const legacy = await yankBoth(sha('b'), 'leaks memory');
      expect(legacy.errors).toEqual([]);
      expect(JSON.parse(legacy.outputs.images ?? '{}')[destination]).toMatchObject({
        outcome: 'yanked',
        foundBy: 'revision',
        digest: older.digest,
        tags: ['latest', 'v0.9.0'],
      });
      expect(legacy.summary).toMatch(
        /no sha tag `bbbbbbb`; searched \d+ of \d+ artifact\(s\) under \d+ tag\(s\) for the commit's revision: a copy/,
      );
      for (const gone of ['v0.9.0', 'latest'])
        expect(await skopeoDigest(`${destination}:${gone}`)).toBeUndefined();
      expect(await skopeoDigest(`${destination}@${older.digest}`)).toBeUndefined();
      expect(await skopeoDigest(`${destination}:eeeeeee`)).toBe(other.digest);
    } finally {
      await prod.stop();
    }
  });

  it.each([
    [{ sha: sha('a') }, 'Input "reason" is required'],
    [{ sha: 'abc123', reason: 'x' }, 'Input "sha" value "abc123" is shorter than "sha-length" (7)'],
    [{ sha: 'not-a-sha', reason: 'x' }, 'Input "sha" value "not-a-sha" is not a commit sha'],
    [
      { sha: sha('a'), reason: 'x', backend: 'artifactory' },
      'Input "backend" must be one of "auto", "oci", "ghcr", got "artifactory".',
    ],
  ])('bad inputs are rejected before any request: %j', async (inputs, message) => {
    const repo = repository(proxy.host);
    proxy.reset();
    const run = await yank({ image: repo, ...inputs });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([expect.stringContaining(message)]);
    expect(proxy.requests).toEqual([]);
  });

  it('dry-run plans and summarises, writing nothing', async () => {
    const repo = repository(proxy.host);
    const image = await seedImage(await store(repo), { revision: sha('2') });
    proxy.reset();
    const run = await yank({ image: repo, sha: sha('2'), reason: 'just looking', 'dry-run': 'true' });
    expect(run.exitCode).toBe(0);
    expect(run.outputs.deleted?.split('\n')).toEqual([`${repo}:2222222`, `${repo}@${image.digest}`]);
    expect(run.summary).toContain('Yank plan (dry run)');
    expect(proxy.requests.filter((request) => !['GET', 'HEAD'].includes(request.method))).toEqual([]);
    expect(await skopeoDigest(`${repo}:2222222`)).toBe(image.digest);
  });
});

describe('yank-artifact refused access: the advice follows what the registry said', () => {
  let tokenRegistry: RunningRegistry;
  const pusher = { username: 'ci-pusher', password: 'pusher-pass-0123456789' };
  beforeAll(async () => {
    tokenRegistry = await startRegistry({
      auth: 'token',
      deleteEnabled: true,
      accounts: [{ ...pusher, actions: ['pull', 'push'] }],
    });
  });
  afterAll(() => tokenRegistry?.stop());

  it('an account that may push but not delete: the tombstone is written, the error says the right is missing', async () => {
    const repo = `${tokenRegistry.host}/acme/no-delete`;
    const owner = { username: tokenRegistry.username ?? '', password: tokenRegistry.password ?? '' };
    const image = await seedImage(await openStore(repo, owner), { revision: sha('5') });
    const run = await yank({ image: repo, sha: sha('5'), reason: 'cve', ...pusher });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toContain(
      `accepted the credentials of user ${pusher.username}, but they may not delete from repository acme/no-delete`,
    );
    expect(run.errors[0]).toMatch(
      /The credentials were accepted but may not delete: give them delete rights on the repository, then re-run: yanking is idempotent\.$/,
    );
    expect(await skopeoDigest(`${repo}:5555555`, { creds: `${owner.username}:${owner.password}` })).toBe(
      image.digest,
    );
    expect((await readTombstone(await openStore(repo, owner), sha('5')))?.artifactDigest).toBe(image.digest);
    expect(printed(run)).not.toContain(pusher.password);
  });

  it('a wrong password is called one, not a missing right', async () => {
    const repo = `${tokenRegistry.host}/acme/wrong-password`;
    const owner = { username: tokenRegistry.username ?? '', password: tokenRegistry.password ?? '' };
    await seedImage(await openStore(repo, owner), { revision: sha('6') });
    const run = await yank({
      image: repo,
      sha: sha('6'),
      reason: 'cve',
      username: pusher.username,
      password: 'not-the-password',
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      expect.stringContaining(`rejected the credentials for user ${pusher.username}`),
    ]);
    expect(run.errors[0]).not.toContain('may not delete');
  });
});

describe('yank-artifact on GHCR (Packages API fake checked against the OpenAPI description)', () => {
  let github: GitHubFake;
  const token = 'ghs_yankFakeToken123456';
  beforeAll(async () => {
    github = await startGitHubFake({ token, repository: 'acme/app' });
  });
  afterAll(() => github?.stop());

  // GitHub pages an organization's versions 100 at a time (per_page), a user's by its default 30.
  it.each([
    ['org', 3],
    ['user', 9],
  ] as const)(
    '%s package: finds the version among 250 in a nested package, deletes it and its platform versions (%i pages)',
    async (ownerType, pages) => {
      const repo = `${registry.host}/acme/team/api-${ownerType}`;
      const image = await seedImage(await store(repo), {
        revision: sha('9'),
        platforms: ['linux/amd64', 'linux/arm64'],
      });
      const seed = {
        owner: 'acme',
        ownerType,
        packageType: 'container' as const,
        packageName: `team/api-${ownerType}`,
      };
      const encoded = `team%2Fapi-${ownerType}`;
      // Oldest first: the yanked commit's versions end up on the last page.
      github.seed.packageVersion({ ...seed, name: image.children[0] as string });
      github.seed.packageVersion({ ...seed, name: image.children[1] as string });
      const target = github.seed.packageVersion({ ...seed, name: image.digest, tags: ['9999999', 'rc-5'] });
      github.seed.packageVersions({ ...seed, count: 247 });
      github.requests.length = 0;

      const run = await yank(
        { image: repo, sha: sha('9'), reason: 'cve in base image', backend: 'ghcr', 'github-token': token },
        { GITHUB_API_URL: github.url },
      );

      expect(run.errors).toEqual([]);
      expect(run.exitCode).toBe(0);
      const remaining = github.state.packageVersions.get(packageKey(seed)) ?? [];
      expect(remaining).toHaveLength(247);
      expect(remaining.map((version) => version.name)).not.toContain(image.digest);
      expect(remaining.map((version) => version.name)).not.toContain(image.children[0]);
      const scope = ownerType === 'org' ? 'orgs' : 'users';
      const deletes = github.requests
        .filter((request) => request.method === 'DELETE')
        .map((request) => request.url);
      expect(deletes).toEqual([
        `/${scope}/acme/packages/container/${encoded}/versions/${target.id}`,
        expect.stringMatching(new RegExp(`^/${scope}/acme/packages/container/${encoded}/versions/\\d+$`)),
        expect.stringMatching(new RegExp(`^/${scope}/acme/packages/container/${encoded}/versions/\\d+$`)),
      ]);
      const lists = github.requests
        .filter((request) => request.method === 'GET')
        .map((request) => request.url);
      expect(lists[0]).toMatch(new RegExp(`^/orgs/acme/packages/container/${encoded}/versions`));
      expect(lists.filter((url) => url.startsWith(`/${scope}/`))).toHaveLength(pages);
      expect(github.schemaViolations).toEqual([]);
      expect(await skopeoDigest(`${repo}:yanked-9999999`)).toBeDefined();
      expect(run.summary).toContain('GitHub Packages API');
      expect(printed(run)).not.toContain(token);
    },
  );

  it('a token GitHub rejects: the tombstone stands and the advice is about the token, not a right', async () => {
    const repo = `${registry.host}/acme/rejected-token`;
    await seedImage(await store(repo), { revision: sha('3') });
    const wrong = 'ghs_notTheFakeToken000000';
    const run = await yank(
      { image: repo, sha: sha('3'), reason: 'cve', backend: 'ghcr', 'github-token': wrong },
      { GITHUB_API_URL: github.url },
    );
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(
      /GitHub rejected the token itself \(missing, invalid or expired\): pass a valid "github-token", then re-run: yanking is idempotent\.$/,
    );
    expect(run.errors[0]).not.toContain('may not delete');
    expect(await skopeoDigest(`${repo}:yanked-3333333`)).toBeDefined();
    expect(printed(run)).not.toContain(wrong);
  });

  it('without GITHUB_REPOSITORY and GITHUB_ACTOR: GHCR is still reached by owner; the tombstone names no made-up repository or actor', async () => {
    const repo = `${registry.host}/acme/anonymous-run`;
    const image = await seedImage(await store(repo), { revision: sha('4') });
    const seed = {
      owner: 'acme',
      ownerType: 'org' as const,
      packageType: 'container' as const,
      packageName: 'anonymous-run',
    };
    github.seed.packageVersion({ ...seed, name: image.digest, tags: ['4444444'] });
    const run = await yank(
      { image: repo, sha: sha('4'), reason: 'cve', backend: 'ghcr', 'github-token': token },
      { GITHUB_API_URL: github.url, GITHUB_REPOSITORY: '', GITHUB_ACTOR: '', GITHUB_TRIGGERING_ACTOR: '' },
    );
    expect(run.errors).toEqual([]);
    expect(run.warnings).toEqual([
      'GITHUB_ACTOR is not set: the tombstone names no actor.',
      'GITHUB_REPOSITORY is not set: the tombstone gets no org.opencontainers.image.source.',
    ]);
    const tombstone = await store(repo).then((s) => s.getManifest('yanked-4444444'));
    const annotations = JSON.parse(tombstone?.bytes.toString('utf8') ?? '{}').annotations as Record<
      string,
      string
    >;
    expect(annotations['dev.flow-actions.yank.actor']).toBeUndefined();
    expect(annotations['org.opencontainers.image.source']).toBeUndefined();
    expect(JSON.stringify(annotations)).not.toContain('unknown');
    expect(run.summary).toContain('not known (GITHUB_ACTOR is not set)');
  });
});

describe('yank-artifact on npm (verdaccio, real npm CLI)', () => {
  let verdaccio: RunningVerdaccio;
  let npm: (args: string[], cwd?: string) => Promise<ExecResult>;
  beforeAll(async () => {
    verdaccio = await startVerdaccio();
    const npmrc = await verdaccio.writeNpmrc(
      join(await mkdtemp(join(tmpdir(), 'flow-yank-npmrc-')), '.npmrc'),
    );
    npm = (args, cwd) =>
      // --registry explicitly: under `pnpm test`, npm_config_registry in the environment wins over the npmrc.
      exec('npm', [...args, '--userconfig', npmrc, '--registry', `${verdaccio.url}/`], {
        ...(cwd ? { cwd } : {}),
      });
  });
  afterAll(() => verdaccio?.stop());

  async function publish(name: string, versions: string[]): Promise<void> {
    for (const version of versions) {
      const dir = await mkdtemp(join(tmpdir(), 'flow-yank-pkg-'));
      await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version }));
      await npm(['publish'], dir);
    }
  }

  const reason = 'stage smoke tests failed';

  /** Yanks `name@version` from verdaccio with the token; `inputs` adds to or overrides the npm inputs. */
  function yankNpm(
    name: string,
    version: string,
    env: Record<string, string>,
    inputs: Record<string, string> = {},
  ): Promise<ActionRun> {
    return yank(
      {
        'npm-package': name,
        'npm-version': version,
        'npm-registry': verdaccio.url,
        'npm-token': verdaccio.token,
        reason,
        sha: sha('a'),
        ...inputs,
      },
      env,
    );
  }

  /** The run deprecated `name@version` with the reason and moved `latest` back to `previous`; verdaccio agrees. */
  async function expectDeprecated(run: ActionRun, name: string, version: string, previous: string) {
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.outputs.npm ?? '{}')).toEqual({
      package: name,
      version,
      deprecated: true,
      distTags: { latest: { from: version, to: previous, action: 'moved' } },
    });
    expect((await npm(['view', name, 'dist-tags.latest'])).stdout.trim()).toBe(previous);
    expect(JSON.parse((await npm(['view', `${name}@${version}`, 'deprecated', '--json'])).stdout)).toBe(
      reason,
    );
  }

  it('deprecates the version with the reason and moves latest back; the token is never left behind', async () => {
    await publish('@acme/lib', ['1.0.0', '1.1.0', '1.2.0']);
    const runnerTemp = await mkdtemp(join(tmpdir(), 'flow-yank-runner-temp-'));

    const run = await yankNpm('@acme/lib', '1.2.0', { RUNNER_TEMP: runnerTemp });

    await expectDeprecated(run, '@acme/lib', '1.2.0', '1.1.0');
    expect(run.summary).toContain('`latest`: 1.2.0 → 1.1.0');
    expect(await readdir(runnerTemp)).toEqual([]);
    expect(await filesContaining(join(homedir(), '.npm', '_logs'), verdaccio.token)).toEqual([]);
    expect(printed(run)).not.toContain(verdaccio.token);

    const again = await yankNpm('@acme/lib', '1.2.0', { RUNNER_TEMP: runnerTemp });
    expect(again.exitCode).toBe(0);
    expect(JSON.parse(again.outputs.npm ?? '{}')).toMatchObject({ deprecated: false, distTags: {} });

    // With images too, npm is checked first: a version that was never published fails before
    // any image is touched.
    const repo = repository(registry.host);
    const image = await seedImage(await store(repo), { revision: sha('b') });
    const wrong = await yankNpm(
      '@acme/lib',
      '1.9.0',
      { RUNNER_TEMP: runnerTemp },
      { image: repo, sha: sha('b') },
    );
    expect(wrong.exitCode).toBe(1);
    expect(wrong.errors).toEqual([
      'npm has no @acme/lib@1.9.0 (published: 1.0.0, 1.1.0, 1.2.0): check "npm-version".',
    ]);
    expect(await skopeoDigest(`${repo}:bbbbbbb`)).toBe(image.digest);
    expect(await skopeoDigest(`${repo}:yanked-bbbbbbb`)).toBeUndefined();
    expect(await readdir(runnerTemp)).toEqual([]);
  });

  it('an inherited npm_config_registry (pnpm exports one) or userconfig does not redirect npm: the yank reaches npm-registry', async () => {
    await publish('@acme/env', ['2.0.0', '2.1.0']);
    const dead = 'http://127.0.0.1:9/';
    // Another npmrc with a wrong token for the same registry: honoured, the deprecation would get a 401.
    const elsewhere = join(await mkdtemp(join(tmpdir(), 'flow-yank-other-npmrc-')), '.npmrc');
    await writeFile(elsewhere, `registry=${dead}\n//${verdaccio.host}/:_authToken=npm_notTheToken\n`);
    const runnerTemp = await mkdtemp(join(tmpdir(), 'flow-yank-runner-temp-'));

    const run = await yankNpm('@acme/env', '2.1.0', {
      RUNNER_TEMP: runnerTemp,
      npm_config_registry: dead,
      // npm takes the last of these in the environment's order: this one would beat the action's.
      NPM_CONFIG_USERCONFIG: elsewhere,
      npm_config_userconfig: elsewhere,
    });

    await expectDeprecated(run, '@acme/env', '2.1.0', '2.0.0');
    expect(await readdir(runnerTemp)).toEqual([]);
  });
});

// A pre-existing tombstone written by hand is honoured: the action does not overwrite it.
describe('yank-artifact with a tombstone written elsewhere', () => {
  it('keeps the first tombstone and still deletes the artifact', async () => {
    const repo = repository(registry.host);
    const image = await seedImage(await store(repo), { revision: sha('3') });
    await writeTombstone(await store(repo), { sha: sha('3'), reason: 'first reason', actor: 'alice' });
    const run = await yank({ image: repo, sha: sha('3'), reason: 'second reason' });
    expect(run.exitCode).toBe(0);
    expect(await skopeoDigest(`${repo}@${image.digest}`)).toBeUndefined();
    expect((await readTombstone(await store(repo), sha('3')))?.reason).toBe('first reason');
  });
});
