import { execFileSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { openStore } from '@flow-actions/oci-store';
import { type ActionRun, runAction } from '@flow-actions/runner-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildCommitMessage } from '../../actions/update-manifest/src/commit-message';
import { releasedAction } from '../e2e/release-tree';
import { type GitHubFake, startGitHubFake } from '../github-fake';
import { type RunningRegistry, startRegistry } from '../services';
import { seedImage } from '../support/artifacts';
import { skopeoDigest } from '../support/skopeo';

// End to end: the bundled release action, run as the runner runs it, on a real git checkout (a
// clone of a bare "GitHub" repository, as actions/checkout with fetch-depth: 0 leaves it), the
// real registry (CNCF distribution) for artifacts and tombstones, and the GitHub fake, whose git
// database is that bare repository: the tag the action creates through the API is read back
// with git. Yanks go through the bundled yank-artifact action.

const TOKEN = 'ghs_releaseJobToken9Vd2kQ';
/** A GitHub App token with characters a careless redaction would miss. */
const APP_TOKEN = 'ghs_App$tok"en\'with%0A|odd\\chars;Z';
const NO_DOCKER = { DOCKER_CONFIG: join(tmpdir(), 'flow-no-docker-config') };
const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_GLOBAL: '/dev/null',
  GIT_AUTHOR_NAME: 'Ada Lovelace',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_COMMITTER_NAME: 'Ada Lovelace',
  GIT_COMMITTER_EMAIL: 'ada@example.com',
};
let registry: RunningRegistry;
let root: string;
let counter = 0;

beforeAll(async () => {
  registry = await startRegistry();
  root = await mkdtemp(join(tmpdir(), 'release-e2e-'));
});
afterAll(async () => {
  await registry?.stop();
  if (root) await rm(root, { recursive: true, force: true });
});

function git(dir: string, args: string[], input?: string): string {
  return execFileSync('git', ['-C', dir, ...args], {
    env: GIT_ENV,
    encoding: 'utf8',
    ...(input === undefined ? {} : { input }),
  }).trim();
}

/** Commits `files` (path → text) with `message` in `dir`; returns the sha. */
async function commit(dir: string, message: string, files: Record<string, string> = {}): Promise<string> {
  for (const [path, text] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true });
    await writeFile(join(dir, path), text);
  }
  git(dir, ['add', '-A']);
  git(dir, ['commit', '-q', '--allow-empty', '-F', '-'], message);
  return git(dir, ['rev-parse', 'HEAD']);
}

interface Repository {
  /** The bare repository: GitHub's copy (the fake's git database). */
  origin: string;
  /** Where the history is made; pushed to origin. */
  work: string;
}

async function createRepository(name: string): Promise<Repository> {
  const origin = join(root, `${name}-${++counter}.git`);
  const work = join(root, `${name}-${counter}-work`);
  execFileSync('git', ['init', '-q', '--bare', '-b', 'main', origin], { env: GIT_ENV });
  execFileSync('git', ['init', '-q', '-b', 'main', work], { env: GIT_ENV });
  git(work, ['remote', 'add', 'origin', origin]);
  return { origin, work };
}

/** actions/checkout with fetch-depth: 0: a clone with every branch as origin/* and every tag. */
function checkout(repository: Repository): string {
  const dir = join(root, `checkout-${++counter}`);
  execFileSync('git', ['clone', '-q', `file://${repository.origin}`, dir], { env: GIT_ENV });
  return dir;
}

interface Product extends Repository {
  shas: Record<'start' | 'fix' | 'search' | 'deps' | 'side', string>;
  image: string;
  fake: GitHubFake;
}

/**
 * main: start (v1.0.0) ← fix ← search (#12) ← deps; a side branch off fix. Every main commit has
 * its artifact (sha tag) in a repository of its own; the stage check `stage-smoke` is green on all
 * of them unless a test says otherwise.
 */
async function createProduct(): Promise<Product> {
  const repository = await createRepository('product');
  const { work } = repository;
  const start = await commit(work, 'feat: start', { 'src/app.ts': '1' });
  git(work, ['tag', '-a', 'v1.0.0', '-m', 'Release v1.0.0']);
  const fix = await commit(work, 'fix: typo in the greeting', { 'src/app.ts': '2' });
  git(work, ['checkout', '-q', '-b', 'side']);
  const side = await commit(work, 'feat: experiment', { 'src/x.ts': 'x' });
  git(work, ['checkout', '-q', 'main']);
  const search = await commit(work, 'feat: search (#12)', { 'src/search.ts': 's' });
  const deps = await commit(work, 'chore: bump deps', { 'package.json': '{}' });
  git(work, ['push', '-q', 'origin', 'main', 'side', '--follow-tags']);
  const image = `${registry.host}/acme/product-${counter}`;
  const store = await openStore(image);
  for (const sha of [start, fix, search, deps, side]) await seedImage(store, { revision: sha });
  const fake = await startGitHubFake({
    token: TOKEN,
    repository: 'acme/product',
    gitDir: repository.origin,
    otherTokens: { [APP_TOKEN]: 'release-app[bot]' },
  });
  for (const sha of [start, fix, search, deps, side])
    fake.seed.checkRun({ name: 'stage-smoke', head_sha: sha, conclusion: 'success' });
  return { ...repository, shas: { start, fix, search, deps, side }, image, fake };
}

const products: Product[] = [];
afterAll(async () => {
  for (const product of products) await product.fake.stop();
});

async function product(): Promise<Product> {
  const created = await createProduct();
  products.push(created);
  return created;
}

function release(
  target: Product | (Repository & { fake: GitHubFake }),
  inputs: Record<string, string>,
  options: { workspace?: string; githubToken?: string } = {},
): Promise<ActionRun> {
  return runAction({
    actionDir: releasedAction('release'),
    repository: 'acme/product',
    apiUrl: target.fake.url,
    githubToken: options.githubToken ?? TOKEN,
    workspace: options.workspace ?? checkout(target),
    inputs: { 'stage-checks': 'stage-smoke', 'github-token': APP_TOKEN, ...inputs },
    env: NO_DOCKER,
    timeoutMs: 90_000,
  });
}

const everything = (run: ActionRun) => run.log + run.stderr + run.summary + JSON.stringify(run.outputs);

/** What the run wrote: tags on GitHub (the bare repository) beyond v1.0.0, and releases. */
function writes(target: Product): { tags: string[]; releases: number } {
  const tags = git(target.origin, ['tag', '--list'])
    .split('\n')
    .filter((tag) => tag && tag !== 'v1.0.0');
  return { tags, releases: target.fake.state.releases.length };
}

describe('release: accepted', () => {
  it('tags a green commit with its artifact: an annotated tag read back with git, the release and its notes, outputs and summary rows', async () => {
    const target = await product();
    const firstCheckout = checkout(target);
    const run = await release(
      target,
      { commit: target.shas.deps, image: target.image },
      { workspace: firstCheckout },
    );
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({
      commit: target.shas.deps,
      version: '1.1.0',
      tag: 'v1.1.0',
      'previous-tag': 'v1.0.0',
      impact: 'minor',
      forced: '',
      'release-url': 'https://github.com/acme/product/releases/tag/v1.1.0',
    });
    const digest = await skopeoDigest(`${target.image}:${target.shas.deps.slice(0, 7)}`);
    expect(run.outputs.digest).toBe(digest);
    expect(JSON.parse(run.outputs.checks as string).map((row: { state: string }) => row.state)).toEqual([
      'pass',
      'pass',
      'pass',
      'pass',
      'pass',
    ]);

    // git, not the fake, says what the tag is: annotated, on the commit, with its message.
    expect(git(target.origin, ['cat-file', '-t', 'refs/tags/v1.1.0'])).toBe('tag');
    expect(git(target.origin, ['rev-parse', 'v1.1.0^{commit}'])).toBe(target.shas.deps);
    expect(git(target.origin, ['tag', '-l', '--format=%(contents:subject)', 'v1.1.0'])).toBe(
      `Release v1.1.0 of ${target.shas.deps}`,
    );
    const fetched = checkout(target);
    expect(git(fetched, ['describe', '--tags', '--exact-match', target.shas.deps])).toBe('v1.1.0');

    const [published] = target.fake.state.releases;
    expect(published).toMatchObject({ tag_name: 'v1.1.0', name: 'v1.1.0', prerelease: false });
    expect(published?.body).toBe(run.outputs.changelog);
    expect(run.outputs.changelog).toMatch(
      /### Features\n\n- search \(\[#12\]\(https:\/\/github\.com\/acme\/product\/pull\/12\)\) by Ada Lovelace/,
    );
    expect(run.outputs.changelog).toContain('### Fixes\n\n- typo in the greeting by Ada Lovelace');
    expect(run.outputs.changelog).not.toContain('experiment');

    expect(run.summary).toContain('## Released v1.1.0');
    for (const row of ['release line', 'stage checks', 'not yanked', 'artifact', 'version'])
      expect(run.summary).toMatch(new RegExp(`\\| ${row} \\| ✅ pass \\|`));
    expect(run.summary).toContain('on main&#39;s first-parent line');
    expect(run.warnings).toEqual([]);
    expect(target.fake.schemaViolations).toEqual([]);
    expect(everything(run)).not.toContain(APP_TOKEN);
    expect(everything(run)).not.toContain(TOKEN);

    // A re-run, from a fresh checkout (which has the tag) and from the first one (which has not):
    // the same tag is planned, found released on this commit, and nothing is written.
    for (const workspace of [undefined, firstCheckout]) {
      const again = await release(
        target,
        { commit: target.shas.deps, image: target.image },
        workspace ? { workspace } : {},
      );
      expect(again.errors).toEqual([]);
      expect(again.outputs).toMatchObject({
        tag: 'v1.1.0',
        'release-url': 'https://github.com/acme/product/releases/tag/v1.1.0',
      });
      expect(again.summary).toContain('## Released already: v1.1.0');
      expect(again.summary).toContain('nothing written');
    }
    expect(writes(target)).toEqual({ tags: ['v1.1.0'], releases: 1 });
  });

  it('with no commit, releases the newest main commit whose stage checks are green; rc is a prerelease', async () => {
    const target = await product();
    target.fake.seed.checkRun({ name: 'stage-smoke', head_sha: target.shas.deps, conclusion: 'failure' });
    const run = await release(target, { kind: 'rc', image: target.image });
    expect(run.errors).toEqual([]);
    expect(run.outputs).toMatchObject({ commit: target.shas.search, tag: 'rc-1.1.0-1', version: '1.1.0' });
    expect(git(target.origin, ['rev-parse', 'rc-1.1.0-1^{commit}'])).toBe(target.shas.search);
    expect(target.fake.state.releases[0]).toMatchObject({ tag_name: 'rc-1.1.0-1', prerelease: true });
    expect(run.summary).toContain('the newest commit with its stage checks green');
  });

  it("with the job's GITHUB_TOKEN, warns that the tag starts no workflow; promote-now tags the same artifact with the version", async () => {
    const target = await product();
    const warned = await release(
      target,
      { commit: target.shas.fix, image: target.image, 'github-token': '' },
      {},
    );
    // An empty github-token input falls back to nothing: the default is only github.token.
    expect(warned.exitCode).toBe(1);
    expect(warned.errors[0]).toMatch(/^Input "github-token" is required/);

    const run = await release(target, {
      commit: target.shas.fix,
      image: target.image,
      'github-token': TOKEN,
      'promote-now': 'true',
      'settle-seconds': '0',
    });
    expect(run.errors).toEqual([]);
    expect(run.outputs.tag).toBe('v1.0.1');
    const shaDigest = await skopeoDigest(`${target.image}:${target.shas.fix.slice(0, 7)}`);
    expect(await skopeoDigest(`${target.image}:v1.0.1`)).toBe(shaDigest);
    expect(run.outputs.promoted).toBe(`${target.image}:v1.0.1@${shaDigest}`);
    expect(run.summary).toContain(
      "github-token is the job's GITHUB_TOKEN: the tag starts no workflow, so promote-now promoted",
    );

    const other = await product();
    // github-token: ${{ secrets.GITHUB_TOKEN }} is the job's token too: warned, nothing promoted.
    const plain = await release(other, { commit: other.shas.fix, image: other.image, 'github-token': TOKEN });
    expect(plain.warnings).toEqual([
      'Input "github-token" is the job\'s GITHUB_TOKEN: the tag v1.0.1 starts no workflow, so the promote workflow will not run for it. Set promote-now: true to promote in this job, or use a GitHub App token.',
    ]);
    expect(await skopeoDigest(`${other.image}:v1.0.1`)).toBeUndefined();
  });
});

describe('release: the hotfix route, the nearest-ancestor rule, a dry run', () => {
  it('releases a fix on release/1.0 cut from v1.0.0 as v1.0.1, though main is further on', async () => {
    const target = await product();
    git(target.work, ['checkout', '-q', '-b', 'release/1.0', 'v1.0.0']);
    const hotfix = await commit(target.work, 'fix: security patch', { 'src/app.ts': 'patched' });
    git(target.work, ['push', '-q', 'origin', 'release/1.0']);
    await seedImage(await openStore(target.image), { revision: hotfix });
    target.fake.seed.checkRun({ name: 'stage-smoke', head_sha: hotfix, conclusion: 'success' });
    const run = await release(target, { commit: hotfix, image: target.image });
    expect(run.errors).toEqual([]);
    expect(run.outputs).toMatchObject({ tag: 'v1.0.1', 'previous-tag': 'v1.0.0' });
    expect(git(target.origin, ['rev-parse', 'v1.0.1^{commit}'])).toBe(hotfix);
    expect(run.summary).toContain('on release/1.0&#39;s first-parent line, cut from v1.0.0 (hotfix)');
  });

  it("a docs-only commit without an artifact takes its ancestor's under fallback: nearest-ancestor, and a dry run writes nothing", async () => {
    const target = await product();
    const docs = await commit(target.work, 'docs: usage', { 'docs/usage.md': 'how' });
    git(target.work, ['push', '-q', 'origin', 'main']);
    target.fake.seed.checkRun({ name: 'stage-smoke', head_sha: docs, conclusion: 'success' });
    const strict = await release(target, { commit: docs, image: target.image, 'dry-run': 'true' });
    expect(strict.errors[0]).toMatch(
      new RegExp(
        `has no artifact for commit ${docs.slice(0, 7)}.*Nearest first-parent ancestors with one: ${target.shas.deps.slice(0, 7)} \\(1 back\\)`,
      ),
    );

    const run = await release(target, {
      commit: docs,
      image: target.image,
      fallback: 'nearest-ancestor',
      'ignore-paths': 'docs/**',
      'dry-run': 'true',
    });
    expect(run.errors).toEqual([]);
    expect(run.outputs).toMatchObject({
      tag: 'v1.1.0',
      digest: await skopeoDigest(`${target.image}:${target.shas.deps.slice(0, 7)}`),
    });
    expect(run.summary).toContain('## Release plan (dry run: nothing written): v1.1.0');
    expect(run.summary).toContain('the nearest ancestor with one');
    expect(run.outputs['release-url']).toBeUndefined();
    expect(writes(target)).toEqual({ tags: [], releases: 0 });
  });
});

describe('release: refused before any write, each a row and one line', () => {
  it('a yanked commit (yanked by the bundled yank-artifact)', async () => {
    const target = await product();
    const yank = await runAction({
      actionDir: releasedAction('yank-artifact'),
      inputs: { image: target.image, sha: target.shas.deps, reason: 'stage smoke failed' },
      repository: 'acme/product',
      env: NO_DOCKER,
    });
    expect(yank.errors).toEqual([]);
    const run = await release(target, { commit: target.shas.deps, image: target.image });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(
      new RegExp(
        `^Commit ${target.shas.deps.slice(0, 7)} was yanked by octocat at .*: "stage smoke failed" \\(tombstone ${target.image}:yanked-${target.shas.deps.slice(0, 7)}\\)\\. A yanked commit is never released`,
      ),
    );
    expect(run.summary).toMatch(/\| not yanked \| ❌ fail \|/);
    expect(run.summary).toMatch(/\| artifact \| ❌ fail \|/);
    expect(run.summary).toContain('## Release refused: v1.1.0');
    expect(writes(target)).toEqual({ tags: [], releases: 0 });
  });

  it('red stage checks, and a commit with no artifact', async () => {
    const target = await product();
    target.fake.seed.checkRun({ name: 'stage-smoke', head_sha: target.shas.search, conclusion: 'failure' });
    const red = await release(target, { commit: target.shas.search, image: target.image });
    expect(red.exitCode).toBe(1);
    expect(red.errors[0]).toMatch(
      new RegExp(
        `^Stage checks of ${target.shas.search.slice(0, 7)}: 1 of 1 required check\\(s\\) not green: did not pass: \`stage-smoke\``,
      ),
    );
    expect(red.summary).toMatch(/\| stage checks \| ❌ fail \|/);

    const store = await openStore(target.image);
    await store.deleteManifest((await store.resolve(target.shas.fix.slice(0, 7)))?.digest as string);
    const missing = await release(target, { commit: target.shas.fix, image: target.image });
    expect(missing.errors[0]).toMatch(
      new RegExp(`has no artifact for commit ${target.shas.fix.slice(0, 7)}`),
    );
    expect(writes(target)).toEqual({ tags: [], releases: 0 });
  });

  it('a version already taken on GitHub (a tag the checkout does not have yet)', async () => {
    const target = await product();
    const workspace = checkout(target);
    git(target.work, ['tag', 'v1.1.0', target.shas.search]);
    git(target.work, ['push', '-q', 'origin', 'v1.1.0']);
    const run = await release(target, { commit: target.shas.deps, image: target.image }, { workspace });
    expect(run.errors).toEqual([
      `Input "kind": v1.1.0 is already a tag on GitHub, on ${target.shas.search.slice(0, 7)}: fetch the tags (the checkout does not have it), and choose a version that is not taken.`,
    ]);
    expect(writes(target)).toEqual({ tags: ['v1.1.0'], releases: 0 });
  });

  it('a patch over a breaking change; with force it is released and the reason recorded', async () => {
    const target = await product();
    const breaking = await commit(target.work, 'feat(api)!: drop the v1 routes', { 'src/api.ts': 'v2' });
    git(target.work, ['push', '-q', 'origin', 'main']);
    await seedImage(await openStore(target.image), { revision: breaking });
    target.fake.seed.checkRun({ name: 'stage-smoke', head_sha: breaking, conclusion: 'success' });
    const refused = await release(target, { commit: breaking, image: target.image, kind: 'patch' });
    const short = breaking.slice(0, 7);
    expect(refused.errors).toEqual([
      `Input "kind": 1.0.1 is a patch release but ${short} calls for major: release the major version, or set force: true to release it anyway (the reason is recorded).`,
    ]);
    expect(writes(target)).toEqual({ tags: [], releases: 0 });

    const forced = await release(target, {
      commit: breaking,
      image: target.image,
      kind: 'patch',
      force: 'true',
    });
    expect(forced.errors).toEqual([]);
    expect(forced.outputs.forced).toBe(`1.0.1 is a patch release but ${short} calls for major`);
    expect(git(target.origin, ['tag', '-l', '--format=%(contents)', 'v1.0.1'])).toContain(
      `Forced: 1.0.1 is a patch release but ${short} calls for major`,
    );
    expect(forced.summary).toContain(`⚠️ Forced: 1.0.1 is a patch release but ${short} calls for major`);
  });
});

describe('release: what a hurried or hostile user types', () => {
  it.each<[string, (target: Product) => Record<string, string>, RegExp]>([
    [
      'a tag prefix climbing out',
      () => ({ 'tag-prefix': 'api/../' }),
      /^Input "tag-prefix" "api\/\.\.\/" is not a tag prefix: use folder names ending in "\/", e\.g\. api\/\.$/,
    ],
    [
      'a short sha',
      (target) => ({ commit: target.shas.deps.slice(0, 7) }),
      /^Input "commit" "[0-9a-f]{7}" is not a full commit sha \(40 hex characters\)/,
    ],
    [
      'a version typo',
      () => ({ kind: 'v1.4' }),
      /^Input "kind" "v1\.4" is not a release version: write X\.Y\.Z/,
    ],
    [
      'a misspelt branch',
      () => ({ branch: 'mian' }),
      /^Input "branch" "mian" is not a branch of the checkout/,
    ],
    [
      'a component checkout outside the workspace',
      () => ({ components: 'api ../../etc envs/api/**' }),
      /^Input "components" names the checkout "\.\.\/\.\.\/etc", which is outside the workspace/,
    ],
  ])('%s is refused in one line before anything is asked', async (_, inputs, message) => {
    const target = await product();
    const before = target.fake.requests.length;
    const run = await release(target, { image: target.image, ...inputs(target) });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(message);
    expect(target.fake.requests.length).toBe(before);
    expect(writes(target)).toEqual({ tags: [], releases: 0 });
    expect(everything(run)).not.toContain(APP_TOKEN);
  });

  it('a job token without contents: write fails at the tag, naming the permission, and leaves no tag or release', async () => {
    const target = await product();
    target.fake.permissions = { contents: 'read', checks: 'read', statuses: 'read' };
    const run = await release(target, {
      commit: target.shas.deps,
      image: target.image,
      'github-token': TOKEN,
    });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(
      /^GitHub API POST \/repos\/acme\/product\/git\/tags answered 403: Resource not accessible by integration — the token lacks `contents: write`/,
    );
    expect(writes(target)).toEqual({ tags: [], releases: 0 });
    expect(everything(run)).not.toContain(TOKEN);
  });

  it('a commit of a side branch is refused as not on the release line', async () => {
    const target = await product();
    const run = await release(target, { commit: target.shas.side, image: target.image });
    expect(run.errors).toEqual([
      `Commit ${target.shas.side.slice(0, 7)} is not on main's first-parent line, nor on a release/* branch cut from a v* tag: release a commit of main (merged, not a side branch's), or cut a hotfix branch release/X.Y from the v* tag and release its commit.`,
    ]);
    expect(run.summary).toMatch(/\| release line \| ❌ fail \|/);
    expect(writes(target)).toEqual({ tags: [], releases: 0 });
  });
});

describe('release: bundled components', () => {
  it('a product pinning component versions in a file lists each component’s commits between the tags it pins', async () => {
    const api = await createRepository('api');
    const first = await commit(api.work, 'feat: users endpoint', { 'a.ts': '1' });
    git(api.work, ['tag', '-a', 'v1.0.0', '-m', 'v1.0.0']);
    await commit(api.work, 'fix: null user', { 'a.ts': '2' });
    const second = await commit(api.work, 'feat: search users (#9)', { 'a.ts': '3' });
    git(api.work, ['tag', 'v1.1.0']);
    git(api.work, ['push', '-q', 'origin', 'main', '--tags']);

    const productRepo = await createRepository('bundle');
    await commit(productRepo.work, 'feat: the bundle', { 'versions.yaml': '# pinned\napi: 1.0.0\n' });
    git(productRepo.work, ['tag', '-a', 'v2.0.0', '-m', 'v2.0.0']);
    const head = await commit(productRepo.work, 'chore: pin api 1.1.0', {
      'versions.yaml': '# pinned\napi: v1.1.0\n',
    });
    git(productRepo.work, ['push', '-q', 'origin', 'main', '--follow-tags']);
    const fake = await startGitHubFake({
      token: TOKEN,
      repository: 'acme/product',
      gitDir: productRepo.origin,
      otherTokens: { [APP_TOKEN]: 'release-app[bot]' },
    });
    try {
      fake.seed.checkRun({ name: 'stage-smoke', head_sha: head, conclusion: 'success' });
      const workspace = checkout(productRepo);
      execFileSync('git', ['clone', '-q', `file://${api.origin}`, join(workspace, 'deps/api')], {
        env: GIT_ENV,
      });
      const run = await release(
        { ...productRepo, fake },
        { commit: head, components: 'api deps/api versions.yaml#api' },
        { workspace },
      );
      expect(run.errors).toEqual([]);
      // The product's own commit is a chore; the component's feat makes it a minor.
      expect(run.outputs).toMatchObject({ tag: 'v2.1.0', impact: 'minor' });
      const notes = run.outputs.changelog as string;
      expect(notes).toContain(`#### api ${first.slice(0, 12)} → ${second.slice(0, 12)}`);
      expect(notes).toContain('search users ([#9](https://github.com/acme/product/pull/9))');
      expect(notes).toContain('- null user by Ada Lovelace');
      expect(notes.slice(notes.indexOf('#### api'))).not.toContain('users endpoint');
      expect(git(productRepo.origin, ['rev-parse', 'v2.1.0^{commit}'])).toBe(head);
      expect(fake.schemaViolations).toEqual([]);
    } finally {
      await fake.stop();
    }
  });

  it('a manifest repository release lists each component’s commits between its pins, from update-manifest trailers', async () => {
    const api = await createRepository('api');
    const web = await createRepository('web');
    const apiShas = [
      await commit(api.work, 'feat: users endpoint (#3)', { 'a.ts': '1' }),
      await commit(api.work, 'fix: null user', { 'a.ts': '2' }),
      await commit(api.work, 'feat!: paginate <img src=x> lists', { 'a.ts': '3' }),
    ];
    const webShas = [
      await commit(web.work, 'feat: landing page', { 'w.ts': '1' }),
      await commit(web.work, 'perf: lazy images', { 'w.ts': '2' }),
    ];
    git(api.work, ['push', '-q', 'origin', 'main']);
    git(web.work, ['push', '-q', 'origin', 'main']);

    const manifest = await createRepository('manifest');
    const deploy = (component: string, source: string) =>
      commit(
        manifest.work,
        buildCommitMessage({
          target: { name: `ghcr.io/acme/${component}`, tag: source.slice(0, 7) },
          paths: [`envs/prod/${component}`],
          changes: [],
          lineage: { sourceCommit: source, sourceRepository: `acme/${component}` },
        }),
        { [`envs/prod/${component}/kustomization.yaml`]: `newTag: ${source.slice(0, 7)}\n` },
      );
    await deploy('api', apiShas[0] as string);
    await deploy('web', webShas[0] as string);
    git(manifest.work, ['tag', '-a', 'v1.0.0', '-m', 'Release v1.0.0']);
    await deploy('api', apiShas[1] as string);
    const bad = await deploy('api', apiShas[2] as string);
    await commit(manifest.work, `Revert "bad api"\n\nFlow-Reverts: ${bad}`, {
      'envs/prod/api/kustomization.yaml': `newTag: ${(apiShas[1] as string).slice(0, 7)}\n`,
    });
    const head = await deploy('web', webShas[1] as string);
    git(manifest.work, ['push', '-q', 'origin', 'main', '--follow-tags']);

    const fake = await startGitHubFake({
      token: TOKEN,
      repository: 'acme/product',
      gitDir: manifest.origin,
      otherTokens: { [APP_TOKEN]: 'release-app[bot]' },
    });
    try {
      fake.seed.checkRun({ name: 'stage-smoke', head_sha: head, conclusion: 'success' });
      const workspace = checkout(manifest);
      execFileSync('git', ['clone', '-q', `file://${api.origin}`, join(workspace, 'components/api')], {
        env: GIT_ENV,
      });
      execFileSync('git', ['clone', '-q', `file://${web.origin}`, join(workspace, 'components/web')], {
        env: GIT_ENV,
      });
      const run = await release(
        { ...manifest, fake },
        {
          commit: head,
          // Deploy commits are no Conventional Commits: the components' fixes make it a patch.
          kind: 'release',
          components: 'api components/api envs/prod/api/**\nweb components/web envs/prod/web/**',
        },
        { workspace },
      );
      expect(run.errors).toEqual([]);
      expect(run.outputs.tag).toBe('v1.0.1');
      const notes = run.outputs.changelog as string;
      const a = (index: number) => (apiShas[index] as string).slice(0, 7);
      const w = (index: number) => (webShas[index] as string).slice(0, 7);
      // api: its pin moved from the first commit to the second (the third was deployed and reverted).
      expect(notes).toContain(
        `#### api ${(apiShas[0] as string).slice(0, 12)} → ${(apiShas[1] as string).slice(0, 12)}`,
      );
      const components = notes.slice(notes.indexOf('### Components'));
      expect(components).toContain(`##### Fixes\n\n- null user by Ada Lovelace (${a(1)})`);
      // The deployed-then-reverted commit is no part of what the product ships.
      expect(components).not.toContain(a(2));
      expect(components).not.toContain('paginate');
      expect(notes).toContain(
        `#### web ${(webShas[0] as string).slice(0, 12)} → ${(webShas[1] as string).slice(0, 12)}`,
      );
      expect(components).toContain(`- lazy images by Ada Lovelace (${w(1)})`);
      expect(components).not.toContain('landing page');
      expect(fake.state.releases[0]?.body).toBe(notes);
      expect(run.summary).toMatch(/\| not yanked \| ➖ not checked \|/);
      expect(fake.schemaViolations).toEqual([]);
    } finally {
      await fake.stop();
    }
  });
});
