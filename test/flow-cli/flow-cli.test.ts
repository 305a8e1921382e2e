import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { computeDigest, openStore } from '@flow-actions/oci-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  makeTempDir,
  makeWorkspace,
  npmView,
  readAllFiles,
  removeTempDirs,
} from '../npm-publish-gate/support';
import { type RunningRegistry, type RunningVerdaccio, startRegistry, startVerdaccio } from '../services';
import { seedImage } from '../support/artifacts';
import { type FlowRun, runFlow } from '../support/flow-cli';
import { git } from '../support/git';
import { skopeoDigest, skopeoTags } from '../support/skopeo';

// The flow command run as a user runs it: a real process (node on the package's bin launcher),
// its exit code, stdout and stderr; against OCI layouts (no server), the real registry on
// loopback, a local manifest repository and verdaccio.
let work: string;
let dockerConfig: string;

function flow(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<FlowRun> {
  return runFlow(args, {
    cwd: options.cwd ?? work,
    env: { HOME: work, DOCKER_CONFIG: dockerConfig, FLOW_ACTOR: 'alice', ...options.env },
  });
}

/** Parses --json output: stdout must be exactly one JSON object. */
function json(run: FlowRun): Record<string, unknown> {
  expect(run.stdout.trim().startsWith('{')).toBe(true);
  return JSON.parse(run.stdout) as Record<string, unknown>;
}

/** The digest skopeo, an independent client, reads from an OCI layout tag; undefined when absent. */
async function skopeoLayoutDigest(dir: string, tag: string): Promise<string | undefined> {
  const result = await exec('skopeo', ['inspect', '--raw', `oci:${dir}:${tag}`], { allowFailure: true });
  if (result.exitCode !== 0) return undefined;
  return computeDigest(Buffer.from(result.stdout, 'utf8'));
}

/** The bytes of the archive under `tag` in an OCI layout, found through skopeo's view of the manifest. */
async function layoutArchiveContent(dir: string, tag: string): Promise<string> {
  const manifest = JSON.parse((await exec('skopeo', ['inspect', '--raw', `oci:${dir}:${tag}`])).stdout) as {
    layers: { digest: string }[];
  };
  const digest = manifest.layers[0]?.digest ?? '';
  return readFile(join(dir, 'blobs', 'sha256', digest.slice('sha256:'.length)), 'utf8');
}

/** A checkout with one commit per message; returns the shas, oldest first. */
async function createCheckout(dir: string, messages: string[]): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  await git(['init', '-q', '-b', 'main'], dir);
  await git(['remote', 'add', 'origin', 'git@github.com:acme/app.git'], dir);
  const shas: string[] = [];
  for (const message of messages) {
    await writeFile(join(dir, 'app.zip'), `bundle of ${message}`);
    await git(['add', 'app.zip'], dir);
    await git(['commit', '-q', '-m', message], dir);
    shas.push((await git(['rev-parse', 'HEAD'], dir)).stdout.trim());
  }
  return shas;
}

/** A bare manifest repository whose one commit holds `files`; `head` reads its main. */
async function createManifestRepository(name: string, files: Record<string, string>) {
  const seed = join(work, `${name}-seed`);
  const bare = join(work, `${name}.git`);
  for (const [file, content] of Object.entries(files)) {
    await mkdir(dirname(join(seed, file)), { recursive: true });
    await writeFile(join(seed, file), content);
  }
  await git(['init', '-q', '-b', 'main'], seed);
  await git(['add', '.'], seed);
  await git(['commit', '-q', '-m', 'manifests'], seed);
  await git(['clone', '-q', '--bare', seed, bare], work);
  const head = async () =>
    (await git(['--git-dir', bare, 'rev-parse', 'refs/heads/main'], work)).stdout.trim();
  return { bare, head };
}

/** `flow update-manifest` of ghcr.io/acme/api in envs/stage, its artifact read from a layout. */
function stageDeploy(bare: string, artifacts: string): string[] {
  return [
    'update-manifest',
    '--repository',
    bare,
    '--path',
    'envs/stage',
    '--image',
    'ghcr.io/acme/api',
    '--artifact',
    `oci:${artifacts}`,
  ];
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'flow-cli-'));
  dockerConfig = join(work, 'docker');
  await mkdir(dockerConfig);
  await writeFile(join(dockerConfig, 'config.json'), '{"auths":{}}');
});
afterAll(async () => {
  await rm(work, { recursive: true, force: true });
});

describe('the flow bin', () => {
  it('runs from any directory and prints the exit codes in its help', async () => {
    const run = await flow(['--help'], { cwd: tmpdir() });
    expect(run.exitCode).toBe(0);
    expect(run.stdout).toContain('Usage: flow <command> [options]');
    expect(run.stdout).toContain('  2  usage error');
    expect(run.stderr).toBe('');
  });

  it('exits 2 with one line for an unknown option', async () => {
    const run = await flow(['inspect', 'oci:x', 'prod', '--frm', 'x']);
    expect(run).toEqual({
      exitCode: 2,
      stdout: '',
      stderr: 'flow inspect: unknown option --frm (see flow inspect --help)\n',
    });
  });
});

describe('flow on an OCI layout: build, promote, roll back, inspect, yank', () => {
  let checkout: string;
  let layout: string;
  /** `flow promote --image oci:<layout> …` */
  const promote = (args: string[], options?: Parameters<typeof flow>[1]) =>
    flow(['promote', '--image', `oci:${layout}`, ...args], options);
  let shas: string[];

  beforeAll(async () => {
    checkout = join(work, 'checkout');
    layout = join(work, 'layout');
    shas = await createCheckout(checkout, ['first', 'second']);
  });

  it('builds the checked-out commit once, then reuses it', async () => {
    const [first, second] = shas as [string, string];
    await git(['checkout', '-q', first], checkout);
    const built = await flow(
      ['build', '--image', `oci:${layout}`, '--kind', 'archive', '--path', 'app.zip'],
      {
        cwd: checkout,
      },
    );
    expect(built.stderr).toContain(`Ensuring the artifact of commit ${first.slice(0, 7)}`);
    expect(built.exitCode).toBe(0);
    const lines = built.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`Commit ${first.slice(0, 7)} (tag ${first.slice(0, 7)}): 1 built, 0 reused.`);
    const digest = await skopeoLayoutDigest(layout, first.slice(0, 7));
    expect(digest).toMatch(/^sha256:/);
    expect(lines.at(-2)).toMatch(/^IMAGE +TAG +CHANGE +DIGEST$/);
    expect(lines.at(-1)).toBe(`oci:${layout}  ${first.slice(0, 7)}  create  new → ${digest?.slice(0, 19)}…`);

    const again = await flow(
      ['build', '--image', `oci:${layout}`, '--kind', 'archive', '--path', 'app.zip', '--json'],
      {
        cwd: checkout,
      },
    );
    expect(again.exitCode).toBe(0);
    const result = json(again);
    expect(result).toMatchObject({ ok: true, sha: first, tag: first.slice(0, 7) });
    expect(result.images).toEqual([
      expect.objectContaining({ image: `oci:${layout}`, digest, built: false }),
    ]);

    const other = await flow(
      [
        'build',
        '--image',
        `oci:${layout}`,
        '--kind',
        'archive',
        '--path',
        'app.zip',
        '--sha',
        second,
        '--json',
      ],
      { cwd: checkout },
    );
    expect(other.exitCode).toBe(0);
    expect(json(other)).toMatchObject({ sha: second, images: [expect.objectContaining({ built: true })] });
    // --sha builds that commit's own files (from a temporary worktree), not the ones checked out.
    expect(await layoutArchiveContent(layout, second.slice(0, 7))).toBe('bundle of second');
    expect(await layoutArchiveContent(layout, first.slice(0, 7))).toBe('bundle of first');
    expect(other.stderr).toContain(
      `${first.slice(0, 7)} is checked out: building ${second.slice(0, 7)}'s own files from a temporary worktree.`,
    );
    expect(
      (await git(['worktree', 'list', '--porcelain'], checkout)).stdout.match(/^worktree /gm),
    ).toHaveLength(1);
    expect((await git(['rev-parse', 'HEAD'], checkout)).stdout.trim()).toBe(first);
  });

  it('promotes by tag with the exact digest, refuses to move an immutable tag, rolls prod back', async () => {
    const [first, second] = shas as [string, string];
    const firstDigest = await skopeoLayoutDigest(layout, first.slice(0, 7));
    const secondDigest = await skopeoLayoutDigest(layout, second.slice(0, 7));

    const rc = await promote(['--from', first, '--to', 'rc-1', '--to', 'prod', '--json']);
    expect(rc.exitCode).toBe(0);
    expect(json(rc)).toEqual({
      ok: true,
      dryRun: false,
      sourceSha: first,
      images: [
        {
          image: `oci:${layout}`,
          destination: `oci:${layout}`,
          digest: firstDigest,
          source: first.slice(0, 7),
          fallbackFrom: null,
          tags: [
            { tag: 'rc-1', previous: null, change: 'create' },
            { tag: 'prod', previous: null, change: 'create' },
          ],
        },
      ],
    });
    expect(await skopeoLayoutDigest(layout, 'rc-1')).toBe(firstDigest);

    const moved = await promote(['--from', second.slice(0, 7), '--to', 'rc-1,prod']);
    expect(moved.exitCode).toBe(1);
    expect(moved.stdout).toBe('');
    expect(moved.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^flow promote: Refusing to move immutable tags, so nothing was written: oci:.*:rc-1 points at sha256:/,
    );
    expect(await skopeoLayoutDigest(layout, 'prod')).toBe(firstDigest);

    const forward = await promote(['--from', second.slice(0, 7), '--to', 'prod']);
    expect(forward.exitCode).toBe(0);
    const rollback = await promote(['--from', 'rc-1', '--to', 'prod']);
    expect(rollback.exitCode).toBe(0);
    const lines = rollback.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`Promoted commit ${first.slice(0, 7)} (${firstDigest?.slice(0, 19)}…) to prod.`);
    expect(lines.at(-2)).toMatch(/^IMAGE +TAG +CHANGE +FROM +TO$/);
    expect(lines.at(-1)).toBe(
      `oci:${layout}  prod  move    ${secondDigest?.slice(0, 19)}…  ${firstDigest?.slice(0, 19)}…`,
    );
    expect(await skopeoLayoutDigest(layout, 'prod')).toBe(firstDigest);
  });

  it('without --from outside a git checkout, says how to name the commit: one line, exit 2', async () => {
    const run = await promote(['--to', 'demo'], { cwd: tmpdir() });
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trimEnd().split('\n').at(-1)).toBe(
      `flow promote: no commit given and ${tmpdir()} is not a git checkout with a HEAD: pass --from <commit> (see flow promote --help)`,
    );
  });

  it('a dry run plans and writes nothing', async () => {
    const [, second] = shas as [string, string];
    const run = await promote(['--from', second, '--to', 'demo', '--dry-run', '--json']);
    expect(run.exitCode).toBe(0);
    expect(json(run)).toMatchObject({
      dryRun: true,
      images: [{ tags: [{ tag: 'demo', change: 'create' }] }],
    });
    expect(await skopeoLayoutDigest(layout, 'demo')).toBeUndefined();
  });

  it('inspects a commit and a tag: digest, every tag on it, lineage', async () => {
    const [first] = shas as [string];
    const digest = await skopeoLayoutDigest(layout, 'prod');
    const byCommit = await flow(['inspect', `oci:${layout}`, first.slice(0, 9), '--json']);
    expect(byCommit.exitCode).toBe(0);
    expect(json(byCommit)).toMatchObject({
      ok: true,
      reference: first.slice(0, 7),
      digest,
      tags: [first.slice(0, 7), 'prod', 'rc-1'],
      lineage: { revision: first, source: 'https://github.com/acme/app' },
      tombstone: null,
    });

    const byTag = await flow(['inspect', `oci:${layout}`, 'prod']);
    expect(byTag.exitCode).toBe(0);
    const lines = byTag.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`oci:${layout}:prod → ${digest}`);
    expect(lines).toContain(`  commit      ${first}`);
    expect(lines.slice(-4)).toEqual([
      'TAG      DIGEST',
      `${first.slice(0, 7)}  ${digest?.slice(0, 19)}…`,
      `prod     ${digest?.slice(0, 19)}…`,
      `rc-1     ${digest?.slice(0, 19)}…`,
    ]);

    const missing = await flow(['inspect', `oci:${layout}`, 'v9.9.9']);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr.trimEnd().split('\n').at(-1)).toBe(
      `flow inspect: oci:${layout} has no artifact under v9.9.9 and no tombstone names it: check the name, or build the commit first (flow build).`,
    );
  });

  it('yank refuses a protected tag, then with --force leaves a tombstone that build, promote and inspect honour', async () => {
    const [first] = shas as [string];
    const refused = await flow([
      'yank',
      '--image',
      `oci:${layout}`,
      '--sha',
      first.slice(0, 7),
      '--reason',
      'stage smoke failed',
    ]);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr.trimEnd().split('\n').at(-1)).toMatch(/^flow yank: .*prod/);
    expect(await skopeoLayoutDigest(layout, 'prod')).toBeDefined();

    const yanked = await flow(
      ['yank', '--image', `oci:${layout}`, '--reason', 'stage smoke failed', '--force', '--json'],
      { cwd: checkout },
    );
    expect(yanked.exitCode).toBe(0);
    expect(json(yanked)).toMatchObject({
      sha: first,
      images: [
        {
          outcome: 'yanked',
          tags: [first.slice(0, 7), 'prod', 'rc-1'],
          tombstone: `oci:${layout}:yanked-${first.slice(0, 7)}`,
        },
      ],
    });
    expect(await skopeoLayoutDigest(layout, 'prod')).toBeUndefined();

    const inspected = await flow(['inspect', `oci:${layout}`, first.slice(0, 7)]);
    expect(inspected.exitCode).toBe(0);
    expect(inspected.stdout).toContain(`oci:${layout}:${first.slice(0, 7)} → no artifact (yanked)`);
    expect(inspected.stdout).toMatch(
      new RegExp(`YANKED commit ${first.slice(0, 7)} by alice at \\S+: "stage smoke failed"`),
    );

    const rebuilt = await flow(
      ['build', '--image', `oci:${layout}`, '--kind', 'archive', '--path', 'app.zip'],
      {
        cwd: checkout,
      },
    );
    expect(rebuilt.exitCode).toBe(1);
    expect(rebuilt.stdout).toBe('');
    expect(rebuilt.stderr.trimEnd().split('\n').at(-1)).toMatch(
      new RegExp(
        `^flow build: Commit ${first.slice(0, 7)} was yanked by alice .*"stage smoke failed".*pass --allow-yanked`,
      ),
    );

    const promoted = await promote(['--from', first, '--to', 'prod', '--json']);
    expect(promoted.exitCode).toBe(1);
    expect(json(promoted)).toMatchObject({
      ok: false,
      error: expect.stringContaining('was yanked by alice'),
    });

    // prod was removed by the yank: inspect says so, not "build the commit first".
    const removedTag = await flow(['inspect', `oci:${layout}`, 'prod']);
    expect(removedTag.exitCode).toBe(0);
    expect(removedTag.stdout).toContain(`oci:${layout}:prod → no artifact (yanked)`);
    expect(removedTag.stdout).toContain('  removed     all of it; only the tombstone is left');
  });

  it('a second yank of the same short sha, from anywhere, is a green no-op that says who yanked it, when and why', async () => {
    const [first] = shas as [string];
    const args = ['yank', '--image', `oci:${layout}`, '--sha', first.slice(0, 7), '--reason', 'again'];
    const again = await flow(args, { cwd: tmpdir(), env: { FLOW_ACTOR: 'bob' } });
    expect(again.stderr).not.toContain('cannot be expanded');
    expect(again.exitCode).toBe(0);
    expect(again.stdout.split('\n')[0]).toMatch(
      new RegExp(
        `^Commit ${first.slice(0, 7)} was already yanked by alice at \\S+: "stage smoke failed"; nothing changed\\.$`,
      ),
    );
    const asJson = json(await flow([...args, '--json'], { cwd: tmpdir() }));
    expect(asJson).toMatchObject({
      sha: first,
      images: [{ outcome: 'already-yanked', yankedBefore: { actor: 'alice', reason: 'stage smoke failed' } }],
    });
  });

  it('inspect of a commit yanked with --mode tombstone-only: blocked, and kept on purpose', async () => {
    const [, second] = shas as [string, string];
    const digest = await skopeoLayoutDigest(layout, second.slice(0, 7));
    const yanked = await flow([
      'yank',
      '--image',
      `oci:${layout}`,
      '--sha',
      second,
      '--reason',
      'keep it for forensics',
      '--mode',
      'tombstone-only',
    ]);
    expect(yanked.exitCode).toBe(0);
    const inspected = await flow(['inspect', `oci:${layout}`, second.slice(0, 7)]);
    expect(inspected.exitCode).toBe(0);
    expect(inspected.stdout).toContain(`oci:${layout}:${second.slice(0, 7)} → ${digest}`);
    expect(inspected.stdout).toContain(
      `  kept        ${digest}, ${second.slice(0, 7)} (tombstone-only: blocked, not deleted)`,
    );
  });

  it("yanks a commit that was never built by its short sha: the checkout's history expands it", async () => {
    const [third] = (await createCheckout(join(work, 'checkout-never-built'), ['never built'])) as [string];
    const args = ['yank', '--image', `oci:${layout}`, '--sha', third.slice(0, 8), '--reason', 'bad config'];
    const elsewhere = await flow(args, { cwd: tmpdir() });
    expect(elsewhere.exitCode).toBe(1);
    expect(elsewhere.stderr.trimEnd().split('\n').at(-1)).toBe(
      `flow yank: --sha value "${third.slice(0, 8)}" cannot be expanded: no artifact tagged ${third.slice(0, 7)} and no tombstone yanked-${third.slice(0, 7)} names its commit. Give the full 40-character sha (a commit with no artifact still gets its tombstone).`,
    );
    const here = await flow([...args, '--json'], { cwd: join(work, 'checkout-never-built') });
    expect(here.exitCode).toBe(0);
    expect(json(here)).toMatchObject({ sha: third, images: [{ outcome: 'tombstoned' }] });
    const inspected = json(await flow(['inspect', `oci:${layout}`, third.slice(0, 7), '--json']));
    expect(inspected).toMatchObject({ tombstone: { sha: third, reason: 'bad config', remaining: [] } });
  });
});

describe('flow against the real registry, credentials from the Docker config', () => {
  let registry: RunningRegistry;
  const sha = 'c'.repeat(40);

  beforeAll(async () => {
    registry = await startRegistry({ auth: 'htpasswd' });
    const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
    await writeFile(
      join(dockerConfig, 'config.json'),
      JSON.stringify({ auths: { [registry.host]: { auth } } }),
    );
  });
  afterAll(async () => {
    await writeFile(join(dockerConfig, 'config.json'), '{"auths":{}}');
    await registry?.stop();
  });

  it('promotes, inspects and yanks in a registry repository; skopeo agrees', async () => {
    const repo = `${registry.host}/acme/api`;
    const store = await openStore(repo, { username: registry.username, password: registry.password });
    const seeded = await seedImage(store, { revision: sha, platforms: ['linux/amd64', 'linux/arm64'] });

    const promoted = await flow([
      'promote',
      '--image',
      repo,
      '--from',
      sha.slice(0, 7),
      '--to',
      'demo',
      '--json',
    ]);
    expect(promoted.stderr).not.toContain(registry.password as string);
    expect(promoted.exitCode).toBe(0);
    expect(json(promoted)).toMatchObject({ sourceSha: sha, images: [{ digest: seeded.digest }] });
    expect(await skopeoDigestWithCredentials(`${repo}:demo`)).toBe(seeded.digest);

    const inspected = await flow(['inspect', repo, sha.slice(0, 7), '--json']);
    expect(inspected.exitCode).toBe(0);
    expect(json(inspected)).toMatchObject({
      digest: seeded.digest,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      tags: [sha.slice(0, 7), 'demo'],
      lineage: { revision: sha },
    });

    const yanked = await flow(['yank', '--image', repo, '--sha', sha, '--reason', 'broken in stage']);
    expect(yanked.exitCode).toBe(0);
    const lines = yanked.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`Yanked commit ${sha.slice(0, 7)}: "broken in stage".`);
    expect(lines.at(-1)).toBe(
      `${repo}  yanked   ${seeded.digest.slice(0, 19)}…  ${sha.slice(0, 7)}, demo  yanked-${sha.slice(0, 7)}`,
    );
    expect(await skopeoDigestWithCredentials(`${repo}:demo`)).toBeUndefined();
  });

  it('builds by pushing a ready OCI layout to the registry, exact digest; the re-run reuses it', async () => {
    const layout = join(work, 'ready-layout');
    const ready = await openStore(`oci:${layout}`, { createLayout: true });
    const seeded = await seedImage(ready, { revision: sha, tag: 'ready' });
    const repo = `${registry.host}/acme/web`;
    const args = [
      'build',
      '--image',
      repo,
      '--from-oci-layout',
      `oci:${layout}:ready`,
      '--sha',
      sha,
      '--source',
      'https://github.com/acme/web',
    ];

    const built = await flow([...args, '--json']);
    expect(built.exitCode).toBe(0);
    const result = json(built) as { images: { digest: string; built: boolean }[] };
    expect(result.images).toEqual([expect.objectContaining({ built: true })]);
    // The ready image is pushed as its exact bytes: same digest, its own lineage.
    const digest = result.images[0]?.digest;
    expect(digest).toBe(seeded.digest);
    expect(await skopeoDigestWithCredentials(`${repo}:${sha.slice(0, 7)}`)).toBe(digest);

    const inspected = json(await flow(['inspect', repo, sha, '--json']));
    expect(inspected).toMatchObject({
      digest,
      lineage: { revision: sha, source: 'https://github.com/acme/app' },
    });

    const again = await flow(args);
    expect(again.exitCode).toBe(0);
    expect(again.stdout.split('\n')[0]).toBe(
      `Commit ${sha.slice(0, 7)} (tag ${sha.slice(0, 7)}): 0 built, 1 reused.`,
    );
  });

  it('matrix lists the test-runner versions from the registry, each with its image', async () => {
    const runner = `${registry.host}/acme/runner`;
    const store = await openStore(runner, { username: registry.username, password: registry.password });
    for (const tag of ['1.0.0', '1.1.0', '1.1.1', '1.2.0', 'latest']) {
      await seedImage(store, { revision: 'b'.repeat(40), tag });
    }
    const checkout = join(work, 'runner-checkout');
    await mkdir(checkout);
    await writeFile(join(checkout, 'package.json'), '{"name":"runner","version":"1.2.0"}\n');
    const run = await flow(
      [
        'matrix',
        '--runner-image',
        runner,
        '--compatible-version',
        '1.1.0',
        '--policy',
        'minors',
        '--breaking-check',
        'false',
        '--json',
      ],
      { cwd: checkout },
    );
    expect(run.exitCode).toBe(0);
    expect(json(run)).toMatchObject({
      matrix: {
        include: [
          { version: '1.1.0', image: `${runner}:1.1.0`, role: 'compat' },
          { version: '1.1.1', image: `${runner}:1.1.1`, role: 'compat' },
          { version: '1.2.0', image: `${runner}:1.2.0`, role: 'current' },
        ],
      },
      floor: '1.1.0',
    });
  });

  it('wrong credentials fail with one line, exit 1, and never show the password, even with --verbose', async () => {
    const password = 'wrong-password-0123456789';
    const run = await flow([
      'inspect',
      `${registry.host}/acme/api`,
      'demo',
      '--username',
      'flow-user',
      '--password',
      password,
      '--verbose',
    ]);
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toBe('');
    expect(run.stderr).not.toContain(password);
    expect(run.stderr.trimEnd().split('\n').at(-1)).toMatch(/^flow inspect: failed: .*401/);
  });

  async function skopeoDigestWithCredentials(reference: string): Promise<string | undefined> {
    const previous = process.env.REGISTRY_AUTH_FILE;
    process.env.REGISTRY_AUTH_FILE = join(dockerConfig, 'config.json');
    try {
      return await skopeoDigest(reference);
    } finally {
      if (previous === undefined) delete process.env.REGISTRY_AUTH_FILE;
      else process.env.REGISTRY_AUTH_FILE = previous;
    }
  }
});

describe('flow build builds exactly the commit it tags, against the real registry', () => {
  let registry: RunningRegistry;
  let count = 0;
  /** A fresh repository name per test. */
  const repository = () => `${registry.host}/acme/build-${++count}`;
  /** The last line of stderr, where a refusal is. */
  const lastLine = (run: FlowRun) => run.stderr.trimEnd().split('\n').at(-1);

  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(async () => {
    await registry?.stop();
  });

  /**
   * A checkout with `files`, then two commits "one" and "two" of `versioned` holding that word;
   * returns the folder and both shas.
   */
  async function twoCommits(
    name: string,
    files: Record<string, string>,
    versioned: string,
  ): Promise<{ dir: string; shas: string[] }> {
    const dir = join(work, name);
    await mkdir(dir, { recursive: true });
    await git(['init', '-q', '-b', 'main'], dir);
    for (const [file, content] of Object.entries(files)) await writeFile(join(dir, file), content);
    const shas: string[] = [];
    for (const version of ['one', 'two']) {
      await writeFile(join(dir, versioned), `${version}\n`);
      await git(['add', '-A'], dir);
      await git(['commit', '-q', '-m', version], dir);
      shas.push((await git(['rev-parse', 'HEAD'], dir)).stdout.trim());
    }
    return { dir, shas };
  }

  /** A checkout with app.zip ignored (a build output), a tracked source file, two commits. */
  async function checkout(name: string, remote?: string): Promise<{ dir: string; shas: string[] }> {
    const made = await twoCommits(name, { '.gitignore': 'app.zip\n*.log\n' }, 'src.txt');
    if (remote) await git(['remote', 'add', 'origin', remote], made.dir);
    // The archive a packaging step made from the files checked out: ignored, as a build output is.
    await writeFile(join(made.dir, 'app.zip'), 'bundle of two');
    return made;
  }

  const buildArchive = (image: string, dir: string, ...extra: string[]) =>
    flow(['build', '--image', image, '--kind', 'archive', '--path', 'app.zip', ...extra], { cwd: dir });

  it('a modified or an untracked file is refused, naming it; nothing reaches the registry; git-ignored files are fine', async () => {
    const image = repository();
    const { dir, shas } = await checkout('cli-dirty', 'git@github.com:acme/app.git');
    await writeFile(join(dir, 'src.txt'), 'edited\n');
    const modified = await buildArchive(image, dir);
    expect(modified.exitCode).toBe(1);
    expect(modified.stdout).toBe('');
    expect(lastLine(modified)).toBe(
      `flow build: 1 change(s) not in commit ${shas[1]?.slice(0, 7)} reach what is built: src.txt (modified). Commit them (build outputs belong in .gitignore), or pass --allow-dirty to build them anyway under a dirty-${shas[1]?.slice(0, 7)}-… tag, which no lookup by commit finds.`,
    );
    expect(await skopeoTags(image)).toEqual([]);

    await git(['checkout', '--', 'src.txt'], dir);
    await writeFile(join(dir, 'notes.md'), 'untracked\n');
    const untracked = await buildArchive(image, dir);
    expect(untracked.exitCode).toBe(1);
    expect(lastLine(untracked)).toContain('notes.md (untracked)');
    expect(await skopeoTags(image)).toEqual([]);

    await rm(join(dir, 'notes.md'));
    await writeFile(join(dir, 'debug.log'), 'ignored\n');
    const clean = await buildArchive(image, dir);
    expect(clean.exitCode).toBe(0);
    expect(await skopeoTags(image)).toEqual([shas[1]?.slice(0, 7)]);
  });

  it('--allow-dirty writes only a visibly different tag, labelled <sha>-dirty, and warns', async () => {
    const image = repository();
    const { dir, shas } = await checkout('cli-allow-dirty', 'git@github.com:acme/app.git');
    const head = shas[1] as string;
    await writeFile(join(dir, 'src.txt'), 'edited\n');
    const run = await buildArchive(image, dir, '--allow-dirty', '--json');
    expect(run.exitCode).toBe(0);
    const result = json(run) as { tag: string; images: { digest: string }[] };
    expect(result.tag).toMatch(new RegExp(`^dirty-${head.slice(0, 7)}-[0-9a-f]{12}$`));
    expect(run.stderr).toContain('BUILDING UNCOMMITTED CHANGES (--allow-dirty): src.txt (modified).');
    expect(await skopeoTags(image)).toEqual([result.tag]);
    expect(await skopeoDigest(`${image}:${head.slice(0, 7)}`)).toBeUndefined();
    const manifest = JSON.parse(
      (await exec('skopeo', ['inspect', '--raw', '--tls-verify=false', `docker://${image}:${result.tag}`]))
        .stdout,
    ) as { annotations: Record<string, string> };
    expect(manifest.annotations['org.opencontainers.image.revision']).toBe(`${head}-dirty`);

    // flow promote refuses it, by tag and by digest, in one line that speaks in flags.
    const digest = result.images[0]?.digest as string;
    for (const from of [result.tag, digest]) {
      const promoted = await flow(['promote', '--image', image, '--from', from, '--to', 'rc-1', '--yes'], {
        cwd: dir,
      });
      expect(promoted.exitCode).toBe(1);
      expect(promoted.stdout).toBe('');
      expect(lastLine(promoted)).toBe(
        `flow promote: --from ${from} is ${image}@${digest}, which was built from uncommitted changes on top of commit ${head.slice(0, 7)} (revision ${head}-dirty): a dirty build is never promoted. Commit the changes, build that commit (flow build), and promote it.`,
      );
    }
    expect(await skopeoTags(image)).toEqual([result.tag]);
  });

  it('--sha of another commit with an archive made from the checked-out files is refused', async () => {
    const image = repository();
    const { dir, shas } = await checkout('cli-other-archive');
    const run = await buildArchive(image, dir, '--sha', shas[0] as string);
    expect(run.exitCode).toBe(1);
    expect(lastLine(run)).toMatch(
      new RegExp(
        `^flow build: .* has commit ${shas[1]?.slice(0, 7)} checked out, not ${shas[0]?.slice(0, 7)} \\(input\\), and the archive for ${image} was made there: make it again in a checkout of ${shas[0]?.slice(0, 7)} \\(git switch --detach ${shas[0]?.slice(0, 7)}\\)\\.$`,
      ),
    );
    expect(await skopeoTags(image)).toEqual([]);
    expect((await git(['worktree', 'list', '--porcelain'], dir)).stdout.match(/^worktree /gm)).toHaveLength(
      1,
    );
  });

  it("--sha of another commit builds that commit's own Dockerfile context with buildah", async () => {
    const image = repository();
    const { dir, shas } = await twoCommits(
      'cli-image',
      { Dockerfile: 'FROM scratch\nCOPY version.txt /version.txt\n' },
      'version.txt',
    );
    const [first, second] = shas as [string, string];
    const run = await flow(
      [
        'build',
        '--image',
        image,
        '--builder',
        'buildah',
        '--sha',
        first.slice(0, 9),
        '--source',
        'https://example.com/acme/app',
      ],
      { cwd: dir, env: { TMPDIR: work } },
    );
    expect(run.stderr).toContain(
      `${second.slice(0, 7)} is checked out: building ${first.slice(0, 7)}'s own files`,
    );
    expect(run.exitCode).toBe(0);
    expect(await skopeoTags(image)).toEqual([first.slice(0, 7)]);
    // The image holds the first commit's version.txt, though the second is checked out.
    const pulled = join(work, `pulled-${count}`);
    await exec('skopeo', [
      'copy',
      '--quiet',
      '--src-tls-verify=false',
      `docker://${image}:${first.slice(0, 7)}`,
      `dir:${pulled}`,
    ]);
    const manifest = JSON.parse(await readFile(join(pulled, 'manifest.json'), 'utf8')) as {
      layers: { digest: string }[];
    };
    const layer = join(pulled, (manifest.layers[0]?.digest ?? '').slice('sha256:'.length));
    expect((await exec('tar', ['-xzOf', layer, 'version.txt'])).stdout).toBe('one\n');
    expect((await git(['worktree', 'list', '--porcelain'], dir)).stdout.match(/^worktree /gm)).toHaveLength(
      1,
    );
  });

  it('no origin remote: no source label and a warning; an ssh origin with user info becomes a clean https URL', async () => {
    const bare = repository();
    const { dir, shas } = await checkout('cli-no-origin');
    const run = await buildArchive(bare, dir);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain(
      'No --source and no usable git origin remote: the artifact gets no org.opencontainers.image.source label.',
    );
    const annotations = async (image: string) =>
      (
        JSON.parse(
          (
            await exec('skopeo', [
              'inspect',
              '--raw',
              '--tls-verify=false',
              `docker://${image}:${shas[1]?.slice(0, 7)}`,
            ])
          ).stdout,
        ) as { annotations: Record<string, string> }
      ).annotations;
    expect(await annotations(bare)).not.toHaveProperty('org.opencontainers.image.source');
    expect(JSON.stringify(await annotations(bare))).not.toContain('unknown');

    const ssh = repository();
    await git(['remote', 'add', 'origin', 'ssh://deploy:hunter2@git.example.com:2222/acme/app.git'], dir);
    const withOrigin = await buildArchive(ssh, dir);
    expect(withOrigin.exitCode).toBe(0);
    expect((await annotations(ssh))['org.opencontainers.image.source']).toBe(
      'https://git.example.com/acme/app',
    );
    expect(withOrigin.stdout + withOrigin.stderr + JSON.stringify(await annotations(ssh))).not.toContain(
      'hunter2',
    );
  });

  it.each([
    ['../x.zip', '--path names ../x.zip, which leads outside the workspace'],
    ['/etc/passwd', '--path names /etc/passwd, which leads outside the workspace'],
  ])('--path %s is refused with one line, exit 2, before any registry request', async (path, message) => {
    const image = repository();
    const { dir } = await checkout(`cli-escape-${count}`);
    const run = await flow(['build', '--image', image, '--kind', 'archive', '--path', path], { cwd: dir });
    expect(run.exitCode).toBe(2);
    expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(run.stderr).toContain(`flow build: ${message}`);
    expect(await skopeoTags(image)).toEqual([]);
  });
});

describe('flow update-manifest against a local manifest repository', () => {
  it('points stage at a tag and digest, commits with lineage, pushes; a dry run pushes nothing', async () => {
    const { bare, head } = await createManifestRepository('manifests', {
      'envs/stage/kustomization.yaml':
        'resources:\n  - ../../base\nimages:\n  # pinned by CI\n  - name: ghcr.io/acme/api\n    newTag: "0f0f0f0"\n',
    });
    const before = await head();
    // The manifests name ghcr.io, never reached from here: the artifact is read from a layout.
    const artifacts = join(work, 'manifest-artifacts');
    const { digest } = await seedImage(await openStore(`oci:${artifacts}`, { createLayout: true }), {
      revision: 'c'.repeat(40),
      tag: 'abc1234',
    });
    const args = stageDeploy(bare, artifacts);

    const dry = await flow([...args, '--tag', 'abc1234', '--dry-run']);
    expect(dry.exitCode).toBe(0);
    expect(dry.stdout).toContain('+    newTag: "abc1234"');
    expect(await head()).toBe(before);

    const run = await flow([
      ...args,
      '--tag',
      'abc1234',
      '--digest',
      digest,
      '--source-commit',
      'c'.repeat(40),
      '--json',
    ]);
    expect(run.exitCode).toBe(0);
    const result = json(run);
    expect(result).toMatchObject({
      ok: true,
      status: 'pushed',
      branch: 'main',
      changedFiles: ['envs/stage/kustomization.yaml'],
    });
    expect(result.commit).toBe(await head());
    const file = (await git(['--git-dir', bare, 'show', 'main:envs/stage/kustomization.yaml'], work)).stdout;
    expect(file).toContain('  # pinned by CI\n');
    expect(file).toContain('newTag: "abc1234"');
    expect(file).toContain(`digest: ${digest}`);
    const message = (await git(['--git-dir', bare, 'log', '-1', '--format=%B', 'main'], work)).stdout;
    expect(message).toContain(`Flow-Source-Commit: ${'c'.repeat(40)}`);

    const again = await flow([...args, '--tag', 'abc1234', '--digest', digest]);
    expect(again.exitCode).toBe(0);
    expect(again.stdout.split('\n')[0]).toBe(`Nothing to change on ${bare} main.`);
    expect(await head()).toBe(result.commit);

    // --revert undoes that deploy: the file is back as it was, and a second revert has nothing to do.
    const original = (await git(['--git-dir', bare, 'show', `${before}:envs/stage/kustomization.yaml`], work))
      .stdout;
    const revertArgs = ['update-manifest', '--repository', bare, '--path', 'envs/stage', '--revert'];
    const mixed = await flow([...revertArgs, result.commit as string, '--image', 'ghcr.io/acme/api']);
    expect(mixed.exitCode).toBe(2);
    expect(mixed.stderr).toContain('cannot be combined with --image');
    const reverted = await flow([...revertArgs, result.commit as string]);
    expect(reverted.exitCode).toBe(0);
    expect(reverted.stdout.split('\n')[0]).toMatch(
      new RegExp(
        `^Reverted ${(result.commit as string).slice(0, 7)} "Deploy ghcr.io/acme/api:abc1234 to envs/stage" on .* main \\(commit [0-9a-f]{7}\\)\\.$`,
      ),
    );
    expect((await git(['--git-dir', bare, 'show', 'main:envs/stage/kustomization.yaml'], work)).stdout).toBe(
      original,
    );
    const twice = await flow([...revertArgs, result.commit as string]);
    expect(twice.stdout.split('\n')[0]).toMatch(/^Already reverted /);
  });
});

describe("flow update-manifest: a terminal rollback records the artifact's commit, not the checkout's", () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(() => registry?.stop());

  it("rolls prod back to v1.0.0 from an unrelated checkout; revert-deploy-of finds only v1.0.0's commit", async () => {
    const image = `${registry.host}/acme/shop`;
    const store = await openStore(image);
    const v100 = 'a0'.repeat(20);
    const v110 = 'b1'.repeat(20);
    const old = await seedImage(store, { revision: v100, tag: 'v1.0.0' });
    const current = await seedImage(store, { revision: v110, tag: 'v1.1.0' });
    // The on-call engineer's shell sits in some other repository.
    const [unrelated] = (await createCheckout(join(work, 'unrelated-checkout'), ['elsewhere'])) as [string];

    const { bare } = await createManifestRepository('shop-manifests', {
      'envs/prod/kustomization.yaml': `images:\n  - name: ${image}\n    newTag: v0.9.0\n`,
    });
    const deploy = ['update-manifest', '--repository', bare, '--path', 'envs/prod', '--image', image];
    const cwd = join(work, 'unrelated-checkout');
    const trailers = async () =>
      (
        await git(
          ['--git-dir', bare, 'log', '-1', '--format=%(trailers:key=Flow-Source-Commit,valueonly)', 'main'],
          work,
        )
      ).stdout.trim();

    const forward = await flow([...deploy, '--tag', 'v1.1.0', '--digest', current.digest], { cwd });
    expect(forward.exitCode).toBe(0);
    expect(await trailers()).toBe(v110);

    const rollback = await flow([...deploy, '--tag', 'v1.0.0', '--digest', old.digest, '--json'], { cwd });
    expect(rollback.exitCode).toBe(0);
    expect(json(rollback)).toMatchObject({
      status: 'pushed',
      sourceCommit: v100,
      sourceCommitFrom: 'artifact',
    });
    expect(await trailers()).toBe(v100);
    const rolledBack = (await git(['--git-dir', bare, 'rev-parse', 'main'], work)).stdout.trim();

    // The hurried engineer names the checkout's commit: refused, nothing pushed.
    const lying = await flow([...deploy, '--tag', 'v1.1.0', '--source-commit', unrelated], { cwd });
    expect(lying.exitCode).toBe(1);
    expect(lying.stderr.trimEnd().split('\n').at(-1)).toBe(
      `flow update-manifest: --source-commit ${unrelated} is not the commit the artifact was built from: ${image}@${current.digest} names ${v110} (org.opencontainers.image.revision). Leave it empty to record the artifact's own commit, or deploy the artifact built from ${unrelated.slice(0, 7)}.`,
    );

    const revert = ['update-manifest', '--repository', bare, '--path', 'envs/prod', '--revert-deploy-of'];
    const nothing = await flow([...revert, unrelated], { cwd });
    expect(nothing.exitCode).toBe(0);
    expect(nothing.stdout.split('\n')[0]).toBe(
      `Nothing to revert: envs/prod on ${bare} main does not run a deploy of ${unrelated.slice(0, 7)}.`,
    );
    expect((await git(['--git-dir', bare, 'rev-parse', 'main'], work)).stdout.trim()).toBe(rolledBack);

    const found = await flow([...revert, v100], { cwd });
    expect(found.exitCode).toBe(0);
    expect(found.stdout.split('\n')[0]).toMatch(
      new RegExp(`^Reverted ${rolledBack.slice(0, 7)} "Deploy ${image}:v1\\.0\\.0 to envs/prod" on `),
    );
    const file = (await git(['--git-dir', bare, 'show', 'main:envs/prod/kustomization.yaml'], work)).stdout;
    expect(file).toContain('newTag: v1.1.0');
    expect(file).toContain(`digest: ${current.digest}`);
  });
});

describe('flow update-manifest --forward-only: stage never moves back', () => {
  it('an older commit after a newer one is skipped with exit 0, saying so; nothing is pushed', async () => {
    const checkout = join(work, 'forward-only-checkout');
    const [older, newer] = (await createCheckout(checkout, ['older', 'newer'])) as [string, string];
    const artifacts = join(work, 'forward-only-artifacts');
    const store = await openStore(`oci:${artifacts}`, { createLayout: true });
    const digests = {
      older: (await seedImage(store, { revision: older })).digest,
      newer: (await seedImage(store, { revision: newer })).digest,
    };
    const { bare, head } = await createManifestRepository('forward-only-manifests', {
      'envs/stage/kustomization.yaml': 'images:\n  - name: ghcr.io/acme/api\n    newTag: "0f0f0f0"\n',
    });
    const deploy = (sha: string, digest: string, ...extra: string[]) =>
      flow(
        [
          ...stageDeploy(bare, artifacts),
          '--tag',
          sha.slice(0, 7),
          '--digest',
          digest,
          '--forward-only',
          ...extra,
        ],
        {
          cwd: checkout,
        },
      );

    expect((await deploy(newer, digests.newer)).exitCode).toBe(0);
    const deployed = await head();
    const skipped = await deploy(older, digests.older);
    expect(skipped.exitCode).toBe(0);
    expect(skipped.stdout.split('\n').slice(0, 3)).toEqual([
      `Skipped (--forward-only) on ${bare} main.`,
      `Source commit ${older} (the artifact's revision).`,
      `Skipped: the environment runs ${newer.slice(0, 7)}, which is newer than ${older.slice(0, 7)} (${older.slice(0, 7)} is its ancestor), so deploying ${older.slice(0, 7)} would move it back. Nothing was changed; ${newer.slice(0, 7)}'s run checks it.`,
    ]);
    expect(await head()).toBe(deployed);
    const asJson = await deploy(older, digests.older, '--json');
    expect(json(asJson)).toMatchObject({ ok: true, status: 'behind', commit: null, supersededBy: newer });

    // Outside a checkout the flag is refused, in its own words, before the manifests are cloned.
    const elsewhere = await flow(
      [...stageDeploy(bare, artifacts), '--digest', digests.older, '--forward-only'],
      {
        cwd: artifacts,
      },
    );
    expect(elsewhere.exitCode).toBe(1);
    expect(elsewhere.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^flow update-manifest: --forward-only compares commits in the app repository's history, but .* is not a git checkout/,
    );
  });
});

describe('flow matrix on a git checkout', () => {
  let checkout: string;
  const commit = (message: string) => git(['commit', '-q', '--allow-empty', '-m', message], checkout);

  beforeAll(async () => {
    checkout = join(work, 'matrix-checkout');
    await mkdir(checkout);
    await git(['init', '-q', '-b', 'main'], checkout);
    await writeFile(join(checkout, 'package.json'), '{"name":"runner","version":"1.3.0"}\n');
    await git(['add', 'package.json'], checkout);
    for (const [message, tag] of [
      ['feat: one', 'v1.0.0'],
      ['fix: two', 'v1.0.1'],
      ['feat: three', 'v1.1.0'],
      ['feat: four', 'v1.2.0'],
    ] as const) {
      await commit(message);
      await git(['tag', tag], checkout);
    }
    await commit('chore: five');
  });

  it('minors: the floor a.0.0, the latest patch of each minor, the version under test; a table', async () => {
    const run = await flow(['matrix', '--policy', 'minors'], { cwd: checkout });
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(
      'Matrix for 1.3.0: floor 1.0.0 (1.0.0, the first release of major 1), policy minors, 5 version(s) from git tags of the checkout.',
    );
    expect(lines[1]).toBe('Breaking check v1.0.0..HEAD: 4 commit(s), 0 breaking.');
    expect(lines.slice(-5).map((line) => line.split(/\s{2,}/).slice(0, 2))).toEqual([
      ['1.0.0', 'compat'],
      ['1.0.1', 'compat'],
      ['1.1.0', 'compat'],
      ['1.2.0', 'compat'],
      ['1.3.0 (unreleased)', 'current'],
    ]);
  });

  it('a breaking commit while the floor shares the major fails with one line, exit 1; --breaking-check false gives the matrix', async () => {
    await commit('feat!: drop the old API');
    const run = await flow(['matrix', '--json'], { cwd: checkout });
    expect(run.exitCode).toBe(1);
    expect(json(run)).toMatchObject({ ok: false, error: expect.stringContaining('feat!: drop the old API') });
    expect(run.stderr.trimEnd().split('\n').at(-1)).toMatch(
      /^flow matrix: 1 breaking commit\(s\) in v1\.0\.0\.\.HEAD \([0-9a-f]{7} "feat!: drop the old API"\), but the floor 1\.0\.0 .* share major 1/,
    );

    const unchecked = await flow(['matrix', '--breaking-check', 'false', '--json'], { cwd: checkout });
    expect(unchecked.exitCode).toBe(0);
    expect(json(unchecked)).toMatchObject({
      matrix: {
        include: [
          { version: '1.0.0', role: 'compat' },
          { version: '1.3.0', role: 'current' },
        ],
      },
      versions: ['1.0.0', '1.3.0'],
      breakingCheck: null,
    });
  });
});

describe('flow publish against verdaccio with the real npm', () => {
  let verdaccio: RunningVerdaccio;

  beforeAll(async () => {
    verdaccio = await startVerdaccio();
  });
  afterAll(async () => {
    await verdaccio?.stop();
    await removeTempDirs();
  });

  it('publishes the workspace in dependency order with the token from $NPM_TOKEN; the re-run skips; nothing leaks', async () => {
    const workspace = await makeWorkspace('flowcli');
    const home = await makeTempDir('home');
    const env = { NPM_TOKEN: verdaccio.token, HOME: home };
    const args = ['publish', '--registry', verdaccio.url, '--sha', 'e'.repeat(40)];

    const dry = await flow([...args, '--dry-run', '--json'], { cwd: workspace, env });
    expect(dry.exitCode).toBe(0);
    expect(json(dry)).toMatchObject({ ok: true, dryRun: true, published: [] });
    expect(await npmView(verdaccio.url, '@flowcli/core', 'versions')).toBeUndefined();

    const run = await flow(args, { cwd: workspace, env });
    expect(run.exitCode).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toBe(`Commit eeeeeee: 2 package(s) published to ${verdaccio.url}/.`);
    expect(lines.slice(-3)).toEqual([
      'PACKAGE        VERSION  DECISION  TAG OR REASON',
      '@flowcli/core  1.0.0    publish   latest',
      '@flowcli/cli   1.0.0    publish   latest',
    ]);
    expect(await npmView(verdaccio.url, '@flowcli/cli@1.0.0', 'dependencies')).toEqual({
      '@flowcli/core': '^1.0.0',
    });

    const again = await flow([...args, '--json'], { cwd: workspace, env });
    expect(again.exitCode).toBe(0);
    expect(json(again)).toMatchObject({
      published: [],
      skipped: [
        { name: '@flowcli/core', reason: 'already published with the same tarball' },
        { name: '@flowcli/cli', reason: 'already published with the same tarball' },
      ],
    });
    for (const output of [dry, run, again])
      expect(output.stdout + output.stderr).not.toContain(verdaccio.token);
    const leaks = [...(await readAllFiles(workspace)), ...(await readAllFiles(home))].filter((file) =>
      file.text.includes(verdaccio.token),
    );
    expect(leaks).toEqual([]);
  });

  it('a version already published with other content blocks: the table, then one line on stderr, exit 1', async () => {
    const workspace = await makeWorkspace('flowcli2');
    const env = { NPM_TOKEN: verdaccio.token };
    const args = [
      'publish',
      '--registry',
      verdaccio.url,
      '--sha',
      'f'.repeat(40),
      '--packages',
      'packages/core',
    ];
    expect((await flow(args, { cwd: workspace, env })).exitCode).toBe(0);
    await writeFile(join(workspace, 'packages', 'core', 'index.js'), 'module.exports = "changed";\n');
    const blocked = await flow(args, { cwd: workspace, env });
    expect(blocked.exitCode).toBe(1);
    expect(blocked.stdout.split('\n')[0]).toBe('Commit fffffff: a gate failed, nothing was published.');
    expect(blocked.stdout).toMatch(/@flowcli2\/core +1\.0\.0 +fail +\S/);
    expect(blocked.stderr.trimEnd().split('\n').at(-1)).toMatch(/^flow publish: Nothing was published: /);
    expect(await npmView(verdaccio.url, '@flowcli2/core', 'versions')).toEqual(['1.0.0']);
  });
});
