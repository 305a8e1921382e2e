import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { openStore } from '@flow-actions/oci-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitHubFake, startGitHubFake } from '../github-fake';
import { seedImage } from '../support/artifacts';
import { type FlowRun, runFlow } from '../support/flow-cli';
import { git } from '../support/git';
import { flowOnTerminal } from '../support/terminal';

// `flow release` run as a user runs it, a real process in a product checkout: the history from its
// git, the stage checks, the tag and the release through the GitHub API (the OpenAPI-checked fake,
// whose git database is the bare repository the checkout's origin is, so git reads back the tag
// the API created), the artifacts and tombstones in an OCI layout. On a terminal (a real
// pseudo-terminal, test/support/terminal.ts) it shows the checks and the plan and asks first.
const TOKEN = `ghp_${'r'.repeat(36)}`;
const STAGE = 'Stage checks';

let work: string;
let github: GitHubFake;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'flow-release-'));
});
afterAll(async () => {
  await github?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

interface Product {
  /** The checkout flow runs in. */
  checkout: string;
  /** Its origin, a bare repository: GitHub's copy, where the API writes tags. */
  origin: string;
  store: string;
  /** Commits by name, full shas. */
  shas: Record<string, string>;
  github: GitHubFake;
}

let count = 0;
/**
 * A product repository: `chore: start`, then each of `commits` on main, pushed to origin; each
 * built commit's artifact in the layout; `green` commits with a green `Stage checks`, `red` ones
 * with a failed one. GitHub (the fake) serves origin's git database.
 */
async function product(
  commits: { name: string; subject: string; built?: boolean; checks?: 'success' | 'failure' }[],
): Promise<Product> {
  const dir = join(work, `product-${++count}`);
  const origin = join(dir, 'api.git');
  const checkout = join(dir, 'api');
  await mkdir(dir, { recursive: true });
  await git(['init', '-q', '--bare', '-b', 'main', origin], dir);
  await git(['clone', '-q', origin, checkout], dir);
  const shas: Record<string, string> = {};
  for (const [index, commit] of [{ name: 'start', subject: 'chore: start' }, ...commits].entries()) {
    await writeFile(join(checkout, `file-${index}.txt`), `${commit.subject}\n`);
    await git(['add', '.'], checkout);
    await git(['commit', '-qm', commit.subject], checkout);
    shas[commit.name] = (await git(['rev-parse', 'HEAD'], checkout)).stdout.trim();
  }
  await git(['push', '-q', 'origin', 'main'], checkout);
  await github?.stop();
  github = await startGitHubFake({ token: TOKEN, repository: 'acme/api', gitDir: origin });
  const storeDir = join(dir, 'store');
  const store = await openStore(`oci:${storeDir}`, { createLayout: true });
  for (const commit of commits) {
    const sha = shas[commit.name] as string;
    if (commit.built !== false) await seedImage(store, { revision: sha });
    if (commit.checks)
      github.seed.checkRun({ name: STAGE, head_sha: sha, status: 'completed', conclusion: commit.checks });
  }
  return { checkout, origin, store: `oci:${storeDir}`, shas, github };
}

function env(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  return {
    HOME: work,
    DOCKER_CONFIG: work,
    GITHUB_TOKEN: TOKEN,
    GITHUB_API_URL: github.url,
    ...extra,
  };
}

function release(p: Product, ...args: string[]): Promise<FlowRun> {
  return runFlow(
    ['release', '--repository', 'acme/api', '--image', p.store, '--stage-checks', STAGE, ...args],
    { cwd: p.checkout, env: env() },
  );
}

/** The tags of GitHub's copy, each with the commit it peels to and its type. */
async function originTags(p: Product): Promise<Record<string, { commit: string; type: string }>> {
  const { stdout } = await exec('git', [
    '--git-dir',
    p.origin,
    'for-each-ref',
    '--format=%(refname:short) %(objecttype) %(*objectname)%(objectname)',
    'refs/tags',
  ]);
  return Object.fromEntries(
    stdout
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((line) => {
        const [name = '', type = '', both = ''] = line.split(' ');
        return [name, { type, commit: type === 'tag' ? both.slice(0, 40) : both }];
      }),
  );
}

const row = (...cells: string[]) => new RegExp(`^${cells.join(' +')}`, 'm');

describe('flow release in a product checkout', () => {
  it('releases a green commit: the checks table, an annotated tag git reads back, the GitHub release with the notes', async () => {
    const p = await product([
      { name: 'greet', subject: 'feat(api): greet callers (#12)', checks: 'success' },
      { name: 'docs', subject: 'docs: explain greetings', checks: 'success' },
    ]);
    const run = await release(p, '--commit', (p.shas.greet as string).slice(0, 7), '--yes');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain(`Released v0.1.0 on commit ${p.shas.greet?.slice(0, 7)}: tag created`);
    expect(run.stdout).toMatch(row('CHECK', 'RESULT', 'DETAIL'));
    expect(run.stdout).toMatch(row('release line', 'pass', "on main's first-parent line"));
    expect(run.stdout).toMatch(row('stage checks', 'pass', `green: ${STAGE}`));
    expect(run.stdout).toMatch(row('not yanked', 'pass'));
    expect(run.stdout).toMatch(row('artifact', 'pass', `${p.store}:${p.shas.greet?.slice(0, 7)}`));
    expect(run.stdout).toMatch(row('version', 'pass', 'v0.1.0 \\(first release'));
    expect(await originTags(p)).toEqual({ 'v0.1.0': { type: 'tag', commit: p.shas.greet } });
    const [published] = p.github.state.releases;
    expect(published).toMatchObject({ tag_name: 'v0.1.0', prerelease: false });
    expect(String(published?.body)).toContain('### Features');
    expect(String(published?.body)).toContain('greet callers');
    expect(String(published?.body)).not.toContain('explain greetings');
    expect(`${run.stdout}${run.stderr}`).not.toContain(TOKEN);

    // Run again, the same release is done: nothing is written and it says so, green.
    const again = await release(p, '--commit', p.shas.greet as string, '--yes');
    expect(again.exitCode, again.stderr).toBe(0);
    expect(again.stdout).toContain(`v0.1.0 is released on commit ${p.shas.greet?.slice(0, 7)} already`);
    expect(p.github.state.releases).toHaveLength(1);
    await git(['fetch', '-q', '--tags', 'origin'], p.checkout);
    const nothing = await release(p, '--yes');
    expect(nothing.exitCode).toBe(1);
    expect(nothing.stdout).toMatch(row('version', 'fail'));
    expect(nothing.stderr.trim().split('\n').at(-1)).toBe(
      'flow release: --kind: no feat, fix, perf or breaking commit since v0.1.0, so there is nothing to release: pass --kind patch to release anyway.',
    );
    expect(Object.keys(await originTags(p))).toEqual(['v0.1.0']);
  });

  it('--kind rc cuts the next candidate of the version the commits call for, as a prerelease', async () => {
    const p = await product([{ name: 'fix', subject: 'fix: keep it short', checks: 'success' }]);
    const dry = await release(p, '--kind', 'rc', '--dry-run');
    expect(dry.exitCode, dry.stderr).toBe(0);
    expect(dry.stdout).toContain(
      `Release commit ${p.shas.fix?.slice(0, 7)} (the newest with green stage checks) as rc-0.1.0-1`,
    );
    expect(dry.stdout).toContain('- keep it short by Alice');
    expect(await originTags(p)).toEqual({});
    expect(p.github.state.releases).toEqual([]);

    const run = await release(p, '--kind', 'rc', '--json');
    expect(run.exitCode, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({
      ok: true,
      tag: 'rc-0.1.0-1',
      commitSource: 'newest-green',
      prerelease: true,
    });
    expect(result.commit).toBe(p.shas.fix);
    expect(await originTags(p)).toEqual({ 'rc-0.1.0-1': { type: 'tag', commit: p.shas.fix } });
    expect(p.github.state.releases[0]).toMatchObject({ tag_name: 'rc-0.1.0-1', prerelease: true });
  });

  it('refuses red stage checks and a yanked commit in one line, after the table, and writes nothing', async () => {
    const p = await product([
      { name: 'red', subject: 'feat: red on stage', checks: 'failure' },
      { name: 'yanked', subject: 'feat: yanked later', checks: 'success' },
    ]);
    const red = await release(p, '--commit', p.shas.red as string, '--yes');
    expect(red.exitCode).toBe(1);
    expect(red.stdout).toMatch(row('stage checks', 'fail'));
    const redError = red.stderr.trim().split('\n').at(-1) ?? '';
    expect(redError).toMatch(new RegExp(`^flow release: Stage checks of ${p.shas.red?.slice(0, 7)}: `));

    const yank = await runFlow(
      ['yank', '--image', p.store, '--sha', p.shas.yanked as string, '--reason', 'stage smoke failed'],
      { cwd: p.checkout, env: env({ FLOW_ACTOR: 'oncall' }) },
    );
    expect(yank.exitCode, yank.stderr).toBe(0);
    const yanked = await release(p, '--commit', p.shas.yanked as string, '--yes');
    expect(yanked.exitCode).toBe(1);
    expect(yanked.stdout).toMatch(row('not yanked', 'fail'));
    expect(yanked.stderr.trim().split('\n').at(-1)).toMatch(
      new RegExp(
        `^flow release: Commit ${p.shas.yanked?.slice(0, 7)} was yanked by oncall .*"stage smoke failed"`,
      ),
    );
    expect(await originTags(p)).toEqual({});
    expect(p.github.state.releases).toEqual([]);
  });

  it('refuses a bad flag before any request, naming it; no token is a usage error naming the variable', async () => {
    const p = await product([{ name: 'greet', subject: 'feat: greet', checks: 'success' }]);
    const before = p.github.requests.length;
    const explicit = await release(p, '--kind', 'v1.3.0');
    expect(explicit.exitCode).toBe(2);
    expect(explicit.stderr).toMatch(
      /^flow release: --kind "v1\.3\.0" is not a release version: .*\(see flow release --help\)\n$/,
    );
    const prefix = await release(p, '--tag-prefix', '../api');
    expect(prefix.exitCode).toBe(2);
    expect(prefix.stderr).toMatch(/^flow release: --tag-prefix "\.\.\/api" is not a tag prefix/);
    const repository = await release(p, '--repository', 'https://github.com/acme/api');
    expect(repository.exitCode).toBe(2);
    expect(repository.stderr).toMatch(
      /^flow release: --repository "https:\/\/github\.com\/acme\/api" is not owner\/name/,
    );
    expect(p.github.requests.length).toBe(before);

    const noToken = await runFlow(['release', '--repository', 'acme/api', '--stage-checks', STAGE], {
      cwd: p.checkout,
      env: env({ GITHUB_TOKEN: '' }),
    });
    expect(noToken.exitCode).toBe(2);
    expect(noToken.stderr).toMatch(/^flow release: no GitHub token: set \$GITHUB_TOKEN/);
    expect(await originTags(p)).toEqual({});
  });
});

describe('flow release on a terminal', () => {
  it('shows the checks, the plan and the notes, and asks; "n" writes nothing, "y" tags', async () => {
    const p = await product([{ name: 'greet', subject: 'feat(api): greet callers', checks: 'success' }]);
    const args = ['release', '--repository', 'acme/api', '--image', p.store, '--stage-checks', STAGE];
    const options = (answer: string) => ({
      cwd: p.checkout,
      env: { PATH: process.env.PATH, TERM: 'dumb', ...env() },
      answers: [['[y/N]', answer]] as const,
    });
    const declined = await flowOnTerminal(args, options('n'));
    expect(declined.exitCode).toBe(1);
    const screen = declined.screen.split('\n').map((line) => line.trimEnd());
    expect(screen).toContainEqual(expect.stringMatching(/^ {2}CHECK +RESULT +DETAIL$/));
    expect(screen).toContainEqual(expect.stringMatching(/^ {2}version +pass +v0\.1\.0/));
    expect(declined.screen).toContain(
      `Release commit ${p.shas.greet?.slice(0, 7)} (the newest with green stage checks) as v0.1.0 (the first release, patch change).`,
    );
    expect(declined.screen).toContain('Release notes of v0.1.0:');
    expect(declined.screen).toMatch(/ {2}\| - \*\*api:\*\* greet callers by Alice/);
    expect(declined.screen).toContain(
      `Create the tag v0.1.0 on ${p.shas.greet?.slice(0, 7)} and its GitHub release? The tag can never be moved or taken back. [y/N]`,
    );
    expect(declined.screen).toContain('flow release: The release was not confirmed, so nothing was written.');
    expect(await originTags(p)).toEqual({});

    const confirmed = await flowOnTerminal(args, options('y'));
    expect(confirmed.exitCode, confirmed.screen).toBe(0);
    expect(confirmed.screen).toContain('Released v0.1.0');
    expect(await originTags(p)).toEqual({ 'v0.1.0': { type: 'tag', commit: p.shas.greet } });
  });
});
