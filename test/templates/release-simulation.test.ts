// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings hold workflow ${{ }} expressions, not JavaScript templates
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releasedAction } from '../e2e/release-tree';
import { leakForms } from '../support/leaks';
import { skopeoDigest } from '../support/skopeo';
import { dispatch, pushTag, pushToMain } from './simulation/events';
import type { StandIn, StandIns, WorkflowRun } from './simulation/runner';
import { checkout, dockerLogin, githubAppToken, pretend, script } from './simulation/stand-ins';
import { expectSecretsKept, explain, job, listStandIns, results, step } from './simulation/story';
import {
  ACTOR,
  type Commit,
  type CreatedTag,
  RELEASE_APP_LOGIN,
  REPOSITORY,
  SECRETS,
  startWorld,
  type World,
} from './simulation/world';

// release.yml as an adopter runs it, and what its tag starts: "cut release" or "cut rc" is
// dispatched by hand, the release step (the bundled action) checks the commit against what main.yml
// really left — its Stage checks check run, its artifact and tombstone in the registry — and
// creates the annotated tag through GitHub's API (the fake writes it into the app repository's own
// object database) with the release App's token. GitHub starts workflows for a tag pushed by an App
// but not for one GITHUB_TOKEN made: the world reads who created each new tag, and only then runs
// promote.yml for its push, which promotes the same digest to prod (or demo), read back by skopeo.

let world: World;
let authFile: string;
const commits: Record<string, Commit> = {};
const digests: Record<string, string> = {};

beforeAll(async () => {
  world = await startWorld(releasedAction);
  authFile = join(await mkdtemp(join(tmpdir(), 'flow-release-story-')), 'auth.json');
  const auth = Buffer.from(`${ACTOR}:${SECRETS.GITHUB_TOKEN}`).toString('base64');
  await writeFile(authFile, JSON.stringify({ auths: { [world.registry.host]: { auth } } }));
  commits.start = await world.commit(
    { Dockerfile: 'FROM scratch\nCOPY greeting.txt /greeting.txt\n', 'greeting.txt': 'hi\n' },
    'chore: start the api',
  );
}, 180_000);
afterAll(async () => {
  await world?.stop();
});

/**
 * `gh release view` and `gh release create` against GitHub (the fake): view answers whether the
 * tag has a release; create is recorded in the fake's own list by a POST, as gh makes it.
 */
function ghAgainstGitHub(): StandIn {
  const api = `${world.github.url}/repos/${REPOSITORY}`;
  return script({
    gh: [
      '#!/usr/bin/env bash',
      'set -e',
      `api="${api}"`,
      'auth="Authorization: Bearer $GH_TOKEN"',
      'if [ "$2" = view ]; then curl -sf -o /dev/null -H "$auth" "$api/releases/tags/$3"; exit; fi',
      'notes=""',
      'args=("$@"); for i in "${!args[@]}"; do if [ "${args[$i]}" = --notes-file ]; then notes="${args[$((i + 1))]}"; fi; done',
      'body=$(node -e \'process.stdout.write(JSON.stringify({tag_name: process.argv[1], body: require("fs").readFileSync(process.argv[2], "utf8")}))\' "$3" "$notes")',
      'curl -sf -o /dev/null -H "$auth" -H "Content-Type: application/json" -X POST -d "$body" "$api/releases"',
      '',
    ].join('\n'),
  });
}

function standIns(): StandIns {
  return {
    'actions/checkout': checkout(world.app),
    'docker/login-action': dockerLogin(SECRETS.GITHUB_TOKEN),
    'actions/create-github-app-token': githubAppToken({
      clientId: SECRETS.RELEASE_APP_CLIENT_ID,
      privateKey: SECRETS.RELEASE_APP_PRIVATE_KEY,
      token: SECRETS.RELEASE_APP_TOKEN,
    }),
    'Release notes': ghAgainstGitHub(),
    'Not checked on stage': script(),
  };
}

/** A commit on main, then main.yml for its push: built, deployed to stage, checked (or yanked). */
async function merge(
  name: string,
  files: Record<string, string>,
  subject: string,
  stageChecks: 'success' | 'failure',
): Promise<WorkflowRun> {
  const before = (await exec('git', ['-C', world.app, 'rev-parse', 'main'])).stdout.trim();
  const commit = await world.commit(files, subject);
  commits[name] = commit;
  const run = await world.run('main', pushToMain(commit, before), {
    ...standIns(),
    'Stage checks (replace me)':
      stageChecks === 'success' ? script() : pretend('the adopter’s stage checks', 'failure'),
  });
  digests[name] = job(run, 'build').outputs.digest as string;
  return run;
}

/** release.yml dispatched from main, and the tags it created, as GitHub saw them. */
async function cut(
  inputs: Record<string, string>,
  edit?: (text: string) => string,
): Promise<{ run: WorkflowRun; created: CreatedTag[] }> {
  const before = await world.tagNames();
  const head = (await exec('git', ['-C', world.app, 'rev-parse', 'main'])).stdout.trim();
  const run = await world.run('release', dispatch(inputs, head), standIns(), edit);
  return { run, created: await world.createdTags(before) };
}

/** promote.yml for each created tag GitHub starts workflows for. */
async function promotions(created: readonly CreatedTag[]): Promise<WorkflowRun[]> {
  const runs: WorkflowRun[] = [];
  for (const tag of created.filter((candidate) => candidate.startsWorkflows))
    runs.push(await world.run('promote', pushTag(tag.name, tag.commit, tag.object), standIns()));
  return runs;
}

const image = () => world.values.IMAGE as string;
const registryDigest = (tag: string) => skopeoDigest(`${image()}:${tag}`, { authFile });
const releaseOf = (tag: string) => world.github.state.releases.find((release) => release.tag_name === tag);

describe('release.yml, and the promote.yml its tag starts', () => {
  it('cut release: the newest green commit becomes v0.1.0 by the App’s token; its push runs promote.yml, which puts the digest stage checked into prod', async () => {
    const main = await merge(
      'greet',
      { 'greeting.txt': 'hello\n' },
      'feat(api): greet callers (#7)',
      'success',
    );
    expect(results(main), explain(main)).toMatchObject({ build: 'success', 'stage-checks': 'success' });

    const { run, created } = await cut({ cut: 'cut release' });
    expect(results(run), explain(run)).toEqual({ release: 'success' });
    const release = step(run, 'release', 'release');
    expect(release.inputs).toMatchObject({
      commit: '',
      kind: 'release',
      branch: 'main',
      image: image(),
      'stage-checks': 'Stage checks',
      'github-token': SECRETS.RELEASE_APP_TOKEN,
    });
    expect(release.action?.outputs).toMatchObject({
      commit: commits.greet?.sha,
      tag: 'v0.1.0',
      digest: digests.greet,
    });
    expect(JSON.parse(release.action?.outputs.checks ?? '[]')).toEqual([
      expect.objectContaining({ name: 'release line', state: 'pass' }),
      expect.objectContaining({ name: 'stage checks', state: 'pass' }),
      expect.objectContaining({ name: 'not yanked', state: 'pass' }),
      expect.objectContaining({ name: 'artifact', state: 'pass' }),
      expect.objectContaining({ name: 'version', state: 'pass' }),
    ]);
    expect(created).toEqual([
      expect.objectContaining({ name: 'v0.1.0', creator: RELEASE_APP_LOGIN, startsWorkflows: true }),
    ]);
    expect(created[0]?.commit.sha).toBe(commits.greet?.sha);
    expect(releaseOf('v0.1.0')).toMatchObject({ prerelease: false });
    expect(String(releaseOf('v0.1.0')?.body)).toContain('greet callers');

    const [promote, ...more] = await promotions(created);
    expect(more).toEqual([]);
    expect(results(promote as WorkflowRun), explain(promote as WorkflowRun)).toEqual({
      demo: 'skipped',
      prod: 'success',
      release: 'success',
    });
    for (const tag of ['v0.1.0', 'latest', 'prod']) expect(await registryDigest(tag)).toBe(digests.greet);
    expect(await world.manifestAt('prod')).toContain(`digest: ${digests.greet}`);
    // The notes release.yml wrote stay: promote's step finds the release and leaves it.
    expect(world.github.state.releases.filter((entry) => entry.tag_name === 'v0.1.0')).toHaveLength(1);
    expect(listStandIns(run)).toEqual([
      'release: actions/checkout — git fetch from the local app repository (all history and tags when fetch-depth is 0)',
      'release: docker/login-action — writes the registry credentials to ~/.docker/config.json, as docker login does',
      "release: app-token — mints the App's installation token, which the GitHub fake accepts as the App",
    ]);
  });

  it('cut rc: the next fix becomes rc-0.1.1-1, a prerelease, and its push points demo at that commit’s digest', async () => {
    await merge('fix', { 'greeting.txt': 'hello again\n' }, 'fix(api): keep the greeting short', 'success');
    const { run, created } = await cut({ cut: 'cut rc' });
    expect(results(run), explain(run)).toEqual({ release: 'success' });
    expect(created.map((tag) => tag.name)).toEqual(['rc-0.1.1-1']);
    expect(releaseOf('rc-0.1.1-1')).toMatchObject({ prerelease: true });
    const [promote] = await promotions(created);
    expect(results(promote as WorkflowRun), explain(promote as WorkflowRun)).toEqual({
      demo: 'success',
      prod: 'skipped',
      release: 'skipped',
    });
    expect(await registryDigest('rc-0.1.1-1')).toBe(digests.fix);
    expect(await world.manifestAt('demo')).toContain(`digest: ${digests.fix}`);
    expect(await registryDigest('prod')).toBe(digests.greet);
  });

  it('a yanked commit is refused: the job fails on its row, and no tag, release or promotion follows', async () => {
    const main = await merge(
      'broken',
      { 'greeting.txt': 'hello, world\n' },
      'feat(api): greet the world',
      'failure',
    );
    expect(results(main)).toMatchObject({ 'stage-checks': 'failure', yank: 'success' });
    const releases = world.github.state.releases.length;
    const { run, created } = await cut({ cut: 'cut release', commit: commits.broken?.sha as string });
    expect(results(run)).toEqual({ release: 'failure' });
    const release = step(run, 'release', 'release');
    // Every row is checked; the first that failed is the step's one error.
    expect(release.action?.errors).toEqual([
      expect.stringMatching(new RegExp(`^Stage checks of ${commits.broken?.sha.slice(0, 7)}: `)),
    ]);
    expect(JSON.parse(release.action?.outputs.checks ?? '[]')).toContainEqual({
      name: 'not yanked',
      state: 'fail',
      detail: expect.stringMatching(
        new RegExp(
          `^Commit ${commits.broken?.sha.slice(0, 7)} was yanked by .*A yanked commit is never released`,
        ),
      ),
    });
    expect(created).toEqual([]);
    expect(world.github.state.releases).toHaveLength(releases);
  });

  it('red stage checks are refused, and a commit no run built fails its artifact row too: nothing is tagged', async () => {
    const red = await world.commit({ 'greeting.txt': 'hey\n' }, 'feat(api): say hey');
    world.github.seed.checkRun({
      name: 'Stage checks',
      head_sha: red.sha,
      status: 'completed',
      conclusion: 'failure',
    });
    const { run, created } = await cut({ cut: 'cut release', commit: red.sha });
    expect(results(run)).toEqual({ release: 'failure' });
    expect(step(run, 'release', 'release').action?.errors.join('\n')).toMatch(
      new RegExp(`Stage checks of ${red.sha.slice(0, 7)}: `),
    );
    expect(JSON.parse(step(run, 'release', 'release').action?.outputs.checks ?? '[]')).toContainEqual(
      expect.objectContaining({ name: 'artifact', state: 'fail' }),
    );
    expect(created).toEqual([]);
    expect(await registryDigest('v0.2.0')).toBeUndefined();
  });

  it('a copy whose release step uses GITHUB_TOKEN tags, but the tag starts nothing: no promotion, and the step says so', async () => {
    await merge('quiet', { 'greeting.txt': 'hello, quietly\n' }, 'fix(api): speak softly', 'success');
    const { run, created } = await cut({ cut: 'cut release', commit: commits.quiet?.sha as string }, (text) =>
      text
        .replace('github-token: ${{ steps.app-token.outputs.token }}', 'github-token: ${{ github.token }}')
        .replace(
          '      packages: read # the commit',
          '      checks: read\n      statuses: read\n      packages: read # the commit',
        )
        .replace('      contents: read # the history and the tags', '      contents: write'),
    );
    expect(results(run), explain(run)).toEqual({ release: 'success' });
    expect(step(run, 'release', 'release').action?.warnings.join('\n')).toMatch(
      /the job's GITHUB_TOKEN: the tag v0\.1\.1 starts no workflow/,
    );
    expect(created).toEqual([
      expect.objectContaining({ name: 'v0.1.1', creator: 'github-actions[bot]', startsWorkflows: false }),
    ]);
    expect(await promotions(created)).toEqual([]);
    expect(await registryDigest('v0.1.1')).toBeUndefined();
  });

  it('the App’s token and every other secret stay out of every log, output, summary and error; each was masked', () => {
    const secrets = leakForms([SECRETS.GITHUB_TOKEN, SECRETS.RELEASE_APP_TOKEN, SECRETS.MANIFEST_TOKEN]);
    expect(expectSecretsKept(world.runs, secrets)).toBeGreaterThan(10);
    const release = world.runs.flatMap((run) => run.jobs.flatMap((done) => done.steps));
    expect(
      release.filter((done) => done.inputs?.['github-token'] === SECRETS.RELEASE_APP_TOKEN).length,
    ).toBeGreaterThan(0);
  });
});
