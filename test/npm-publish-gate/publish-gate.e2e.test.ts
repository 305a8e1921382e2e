import { existsSync } from 'node:fs';
import { readFile, rm, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { type ActionRun, runAction } from '@flow-actions/runner-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releasedAction } from '../e2e/release-tree';
import { type RunningFaultProxy, startFaultProxy } from '../fault-proxy';
import { type GitHubFake, startGitHubFake } from '../github-fake';
import { type RunningVerdaccio, startVerdaccio } from '../services';
import { editPackage, makeTempDir, makeWorkspace, npmView, readAllFiles, removeTempDirs } from './support';

// End to end: the bundled npm-publish-gate, run as the runner runs it, publishing with the real
// npm CLI to verdaccio on loopback behind a fault proxy; the GitHub fake serves the checks.
let verdaccio: RunningVerdaccio;
let proxy: RunningFaultProxy;
let github: GitHubFake;
const GITHUB_TOKEN = 'ghs_npmGateFakeToken0123456789';
const REPOSITORY = 'acme/packages';

beforeAll(async () => {
  verdaccio = await startVerdaccio();
  proxy = await startFaultProxy({ target: verdaccio.url });
  github = await startGitHubFake({ token: GITHUB_TOKEN, repository: REPOSITORY });
});
afterAll(async () => {
  await proxy?.stop();
  await github?.stop();
  await verdaccio?.stop();
  await removeTempDirs();
});

let scopes = 0;
/** A fresh scope per test: tests share the registry, never a package. */
function scope(): string {
  scopes++;
  return `gate${scopes}`;
}

const sha = (char: string) => char.repeat(40);

interface GateRun extends ActionRun {
  runnerTemp: string;
  home: string;
}

async function publishGate(
  workspace: string,
  inputs: Record<string, string> = {},
  options: { sha?: string; env?: Record<string, string>; eventName?: string; payload?: object } = {},
): Promise<GateRun> {
  const runnerTemp = await makeTempDir('runner-temp');
  // A HOME of its own, so a file npm might leave in ~ (~/.npm, ~/.npmrc) is seen.
  const home = await makeTempDir('home');
  const run = await runAction({
    actionDir: releasedAction('npm-publish-gate'),
    apiUrl: github.url,
    githubToken: GITHUB_TOKEN,
    repository: REPOSITORY,
    workspace,
    inputs: { registry: proxy.url, token: verdaccio.token, ...inputs },
    sha: options.sha ?? sha('a'),
    ...(options.eventName ? { eventName: options.eventName } : {}),
    ...(options.payload ? { payload: options.payload } : {}),
    env: { RUNNER_TEMP: runnerTemp, HOME: home, ...options.env },
  });
  return { ...run, runnerTemp, home };
}

const view = (spec: string, field: string) => npmView(verdaccio.url, spec, field);
const puts = () => proxy.requests.filter((r) => r.method === 'PUT').map((r) => decodeURIComponent(r.path));

/** The token must appear nowhere a user or a later step could read it. */
async function expectNoToken(run: GateRun, workspace: string): Promise<void> {
  const token = verdaccio.token;
  expect(run.log).not.toContain(token);
  expect(run.stderr).not.toContain(token);
  expect(run.summary).not.toContain(token);
  expect(JSON.stringify(run.outputs)).not.toContain(token);
  expect(run.masks).toContain(token);
  for (const dir of [workspace, run.runnerTemp, run.home]) {
    const leaks = (await readAllFiles(dir)).filter((file) => file.text.includes(token)).map((f) => f.path);
    expect(leaks).toEqual([]);
  }
  // Nothing of ours is left in RUNNER_TEMP: the npmrc, cache and staging folders are gone.
  expect(await readAllFiles(run.runnerTemp)).toEqual([]);
  expect(await readAllFiles(run.home)).toEqual([]);
}

describe('npm-publish-gate (bundled action, verdaccio, real npm)', () => {
  it('publishes a two-package workspace in dependency order; the re-run is green and publishes nothing', async () => {
    const s = scope();
    const workspace = await makeWorkspace(s);
    proxy.reset();
    const first = await publishGate(workspace);
    expect(first.errors).toEqual([]);
    expect(first.exitCode).toBe(0);
    expect(JSON.parse(first.outputs.published ?? '').map((p: { name: string }) => p.name)).toEqual([
      `@${s}/core`,
      `@${s}/cli`,
    ]);
    expect(puts()).toEqual([`/@${s}/core`, `/@${s}/cli`]);
    expect(await view(`@${s}/cli@1.0.0`, 'dependencies')).toEqual({ [`@${s}/core`]: '^1.0.0' });
    expect(await view(`@${s}/cli`, 'dist-tags')).toEqual({ latest: '1.0.0' });
    expect(await view(`@${s}/tools`, 'versions')).toBeUndefined();
    expect(JSON.parse(first.outputs['dist-tags'] ?? '')).toEqual({
      [`@${s}/core`]: { latest: '1.0.0' },
      [`@${s}/cli`]: { latest: '1.0.0' },
    });
    // The repository is untouched and no lifecycle script ran.
    expect(await readFile(join(workspace, 'packages', 'cli', 'package.json'), 'utf8')).toContain(
      '"workspace:^"',
    );
    expect(existsSync(join(workspace, 'packages', 'cli', 'SCRIPT-RAN'))).toBe(false);
    expect(first.summary).toContain(`| \`@${s}/cli\` | 1.0.0 | internal dependencies | ✅ pass |`);
    await expectNoToken(first, workspace);

    proxy.reset();
    const again = await publishGate(workspace);
    expect(again.errors).toEqual([]);
    expect(again.exitCode).toBe(0);
    expect(JSON.parse(again.outputs.published ?? '')).toEqual([]);
    expect(JSON.parse(again.outputs.skipped ?? '')).toEqual([
      { name: `@${s}/core`, version: '1.0.0', reason: 'already published with the same tarball' },
      { name: `@${s}/cli`, version: '1.0.0', reason: 'already published with the same tarball' },
    ]);
    expect(puts()).toEqual([]);
    await expectNoToken(again, workspace);
  });

  it('a prerelease goes to its own tag and latest stays; a hotfix 1.4.1 after 2.0.0 leaves latest at 2.0.0', async () => {
    const s = scope();
    const workspace = await makeWorkspace(s);
    const core = `@${s}/core`;
    const release = async (version: string) => {
      await editPackage(workspace, 'core', (m) => {
        m.version = version;
      });
      return publishGate(workspace, { packages: 'packages/core' });
    };
    for (const version of ['1.4.0', '2.0.0']) expect((await release(version)).exitCode).toBe(0);

    const beta = await release('2.1.0-beta.1');
    expect(beta.errors).toEqual([]);
    expect(JSON.parse(beta.outputs.published ?? '')[0]).toMatchObject({
      version: '2.1.0-beta.1',
      tag: 'beta',
    });
    expect(await view(core, 'dist-tags')).toEqual({ latest: '2.0.0', beta: '2.1.0-beta.1' });

    const hotfix = await release('1.4.1');
    expect(hotfix.errors).toEqual([]);
    expect(JSON.parse(hotfix.outputs.published ?? '')[0]).toMatchObject({
      version: '1.4.1',
      tag: 'latest-1',
    });
    expect(await view(core, 'dist-tags')).toEqual({
      latest: '2.0.0',
      beta: '2.1.0-beta.1',
      'latest-1': '1.4.1',
    });
    expect(hotfix.summary).toContain('latest-1: older line: latest stays at 2.0.0');

    const below = await release('1.3.9');
    expect(below.exitCode).toBe(1);
    expect(below.errors).toEqual([
      `Nothing was published: ${core}@1.3.9 is below 1.4.1, the highest 1.x published: bump the version above 1.4.1.`,
    ]);
    expect(((await view(core, 'versions')) as string[]).sort()).toEqual([
      '1.4.0',
      '1.4.1',
      '2.0.0',
      '2.1.0-beta.1',
    ]);
  });

  it.each([
    {
      name: 'a failing check',
      seed: (commit: string) =>
        github.seed.checkRun({ name: 'stage-cd', head_sha: commit, conclusion: 'failure' }),
      message: /did not pass: `stage-cd` \(check run failure — .*\): it failed: fix the cause and re-run it/,
    },
    {
      name: 'a skipped check (its job skipped by if:, as after a failed build)',
      seed: (commit: string) =>
        github.seed.checkRun({ name: 'stage-cd', head_sha: commit, conclusion: 'skipped' }),
      message:
        /did not pass: `stage-cd` \(check run skipped — .*\): it never ran \(a job skipped by its if:, or after a failed need\), so it checked nothing/,
    },
    {
      name: 'a cancelled check (replaced in its concurrency group)',
      seed: (commit: string) =>
        github.seed.checkRun({ name: 'stage-cd', head_sha: commit, conclusion: 'cancelled' }),
      message: /did not pass: `stage-cd` \(check run cancelled — .*\): it was cancelled before it finished/,
    },
    {
      name: 'a pending check',
      seed: (commit: string) =>
        github.seed.checkRun({ name: 'stage-cd', head_sha: commit, status: 'in_progress' }),
      message: /wait for `stage-cd` \(check run in_progress.*to finish, then re-run/,
    },
    {
      name: 'a pending status',
      seed: (commit: string) => github.seed.status(commit, { context: 'stage-cd', state: 'pending' }),
      message: /wait for `stage-cd` \(status pending/,
    },
  ])('$name blocks with a clear message and nothing is published', async ({ seed, message }) => {
    const s = scope();
    const workspace = await makeWorkspace(s);
    const commit = sha(String(scopes % 10));
    seed(commit);
    github.seed.checkRun({ name: 'unit', head_sha: commit, conclusion: 'success' });
    proxy.reset();
    const run = await publishGate(workspace, { 'required-checks': 'unit, stage-cd' }, { sha: commit });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(/^Nothing was published: 1 of 2 required check\(s\) not green: /);
    expect(run.errors[0]).toMatch(message);
    expect(run.errors[0]).toContain(`(commit ${commit})`);
    expect(puts()).toEqual([]);
    expect(await view(`@${s}/core`, 'versions')).toBeUndefined();
    expect(run.summary).toContain('**Blocked — nothing was published.**');
    expect(run.summary).toMatch(/\| \(commit\) \| {2}\| required checks \| ❌ fail \|/);
    expect(github.schemaViolations).toEqual([]);
  });

  it('green required checks on the workflow_run head commit let the publish through', async () => {
    const s = scope();
    const workspace = await makeWorkspace(s);
    const commit = sha('e');
    // GITHUB_SHA of a workflow_run is the default branch's head, not the commit stage CD ran on.
    github.seed.checkRun({ name: 'stage-cd', head_sha: sha('f'), conclusion: 'failure' });
    github.seed.checkRun({ name: 'stage-cd', head_sha: commit, conclusion: 'success' });
    github.seed.status(commit, { context: 'ci/lint', state: 'success' });
    const run = await publishGate(
      workspace,
      { 'required-checks': 'stage-cd\nci/lint' },
      { sha: sha('f'), eventName: 'workflow_run', payload: { workflow_run: { head_sha: commit } } },
    );
    expect(run.errors).toEqual([]);
    expect(JSON.parse(run.outputs.published ?? '')).toHaveLength(2);
    expect(run.summary).toContain(
      `all 2 required check(s) are green: \`stage-cd\`, \`ci/lint\` (commit ${commit})`,
    );
    expect(run.summary).toContain(`Commit \`${commit}\``);
    expect(github.schemaViolations).toEqual([]);
  });

  it('an internal dependency neither published nor in the run blocks', async () => {
    const s = scope();
    const workspace = await makeWorkspace(s);
    proxy.reset();
    const run = await publishGate(workspace, { packages: 'packages/cli' });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      `Nothing was published: @${s}/cli needs @${s}/core@1.0.0 is not published and not in this run: publish it in this run too, or first.`,
    ]);
    expect(puts()).toEqual([]);
  });

  it('a dry run evaluates every gate, runs npm publish --dry-run and publishes nothing, without a token', async () => {
    const s = scope();
    const workspace = await makeWorkspace(s);
    proxy.reset();
    const run = await publishGate(workspace, { token: '', 'dry-run': 'true' });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.outputs.published ?? '')).toEqual([]);
    expect(JSON.parse(run.outputs.skipped ?? '')).toEqual([
      { name: `@${s}/core`, version: '1.0.0', reason: 'dry run: would publish under latest' },
      { name: `@${s}/cli`, version: '1.0.0', reason: 'dry run: would publish under latest' },
    ]);
    expect(run.summary).toContain('## npm publish gate (dry run)');
    expect(puts()).toEqual([]);
    expect(await view(`@${s}/core`, 'versions')).toBeUndefined();
  });

  it('the same version with different content fails and publishes nothing', async () => {
    const s = scope();
    const workspace = await makeWorkspace(s);
    expect((await publishGate(workspace, { packages: 'packages/core' })).exitCode).toBe(0);
    const integrity = await view(`@${s}/core@1.0.0`, 'dist.integrity');
    await writeFile(join(workspace, 'packages', 'core', 'index.js'), 'exports.greet = () => "changed";\n');
    proxy.reset();
    const run = await publishGate(workspace);
    expect(run.exitCode).toBe(1);
    expect(run.errors).toHaveLength(1);
    expect(run.errors[0]).toMatch(
      new RegExp(
        `^Nothing was published: @${s}/core@1\\.0\\.0 is already published with different content \\(registry sha512-.{12}…, this build sha512-.{12}…\\): a version never changes; bump the version\\.$`,
      ),
    );
    expect(puts()).toEqual([]);
    expect(await view(`@${s}/core@1.0.0`, 'dist.integrity')).toBe(integrity);
    expect(await view(`@${s}/cli`, 'versions')).toBeUndefined();
  });

  it('a publish that fails midway lists what went out; the re-run publishes only the rest and ends green', async () => {
    const s = scope();
    const workspace = await makeWorkspace(s);
    proxy.reset();
    // npm tries a publish 3 times (fetch-retries 2, measured): three 503s make the second
    // package's publish fail once.
    const fault = proxy.script({
      method: 'PUT',
      path: new RegExp(`/@${s}%2fcli$`, 'i'),
      status: 503,
      times: 3,
    });
    // npm's own retry settings from the step's env are honoured; short waits keep the test quick.
    const quickRetries = {
      npm_config_fetch_retry_mintimeout: '50',
      npm_config_fetch_retry_maxtimeout: '100',
    };
    const first = await publishGate(workspace, {}, { env: quickRetries });
    expect(first.exitCode).toBe(1);
    expect(first.errors).toHaveLength(1);
    expect(first.errors[0]).toMatch(
      new RegExp(
        `^Publishing @${s}/cli@1\\.0\\.0 failed after @${s}/core@1\\.0\\.0 went out: npm publish failed \\(npm exit 1\\): npm error code E503 \\| npm error 503 Service Unavailable - PUT .*\\. Re-run the job to publish the rest\\.$`,
      ),
    );
    expect(JSON.parse(first.outputs.published ?? '').map((p: { name: string }) => p.name)).toEqual([
      `@${s}/core`,
    ]);
    expect(first.summary).toContain('**Partly published:**');
    expect(first.summary).toContain('Re-run the job');
    // The failure section after the gate's own summary says what went out and what did not.
    const failure = first.summary.slice(first.summary.indexOf('## ❌ npm-publish-gate failed'));
    expect(failure).toContain(`**What it wrote:** Published @${s}/core@1.0.0.`);
    expect(failure).toContain(`**What is unchanged:** Not published: @${s}/cli@1.0.0.`);
    expect(failure).toContain('**What to do:** Re-run the job to publish the rest.');
    expect(await view(`@${s}/cli`, 'versions')).toBeUndefined();
    expect(fault.hits).toBe(3);
    await expectNoToken(first, workspace);

    proxy.reset();
    const again = await publishGate(workspace);
    expect(again.errors).toEqual([]);
    expect(again.exitCode).toBe(0);
    expect(JSON.parse(again.outputs.published ?? '').map((p: { name: string }) => p.name)).toEqual([
      `@${s}/cli`,
    ]);
    expect(JSON.parse(again.outputs.skipped ?? '')).toEqual([
      { name: `@${s}/core`, version: '1.0.0', reason: 'already published with the same tarball' },
    ]);
    expect(puts()).toEqual([`/@${s}/cli`]);
    expect(await view(`@${s}/cli@1.0.0`, 'dependencies')).toEqual({ [`@${s}/core`]: '^1.0.0' });
  });

  it('provenance without id-token: write fails before anything is published', async () => {
    const s = scope();
    const workspace = await makeWorkspace(s);
    proxy.reset();
    const run = await publishGate(workspace, { provenance: 'true' });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      'Nothing was published: provenance needs an OIDC token, and this job has none: add "permissions: id-token: write" to the job (ACTIONS_ID_TOKEN_REQUEST_URL is unset).',
    ]);
    expect(puts()).toEqual([]);
  });

  it('refuses a dist-tag npm would read as a range before touching the registry', async () => {
    const workspace = await makeWorkspace(scope());
    proxy.reset();
    const run = await publishGate(workspace, { 'dist-tag': 'v2' });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      'Input "dist-tag" "v2" reads as a semver range to npm (npm install pkg@v2 would match versions): choose a word such as next or latest-1, or auto.',
    ]);
    expect(proxy.requests).toEqual([]);
  });

  it.each([
    ['a package folder', 'packages/stolen', 'packages/stolen/package.json (from "packages")'],
    ['a package.json', 'packages/core', 'packages/core/package.json (from "workspaces")'],
  ])('refuses %s linked out of the workspace and publishes nothing', async (what, pattern, named) => {
    const name = scope();
    const workspace = await makeWorkspace(name);
    // Outside the checkout: a package whose files the link would publish, e.g. the runner's ~.
    const outside = await makeTempDir('outside');
    await writeFile(
      join(outside, 'package.json'),
      JSON.stringify({ name: `@${name}/stolen`, version: '1.0.0', files: ['*'] }),
    );
    await writeFile(join(outside, 'id_rsa'), 'not for the registry');
    if (what === 'a package folder') {
      await symlink(outside, join(workspace, 'packages', 'stolen'));
    } else {
      await rm(join(workspace, 'packages', 'core', 'package.json'));
      await symlink(join(outside, 'package.json'), join(workspace, 'packages', 'core', 'package.json'));
    }
    proxy.reset();
    const run = await publishGate(workspace, { packages: pattern });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      expect.stringMatching(
        new RegExp(
          `^${named.replace(/[()/.]/g, '\\$&')} leads outside the workspace through a symbolic link: publish only packages inside the repository checkout`,
        ),
      ),
    ]);
    expect(proxy.requests).toEqual([]);
    expect(await view(`@${name}/stolen`, 'version')).toBeUndefined();
    expect(await view(`@${name}/core`, 'version')).toBeUndefined();
  });
});
