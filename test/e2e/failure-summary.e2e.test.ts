import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { readTombstone, writeTombstone } from '@flow-actions/artifact-protocol';
import { type ArtifactStore, openStore } from '@flow-actions/oci-store';
import { type ActionRun, type RunActionOptions, runAction } from '@flow-actions/runner-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitHubFake, startGitHubFake } from '../github-fake';
import { makeTempDir, makeWorkspace, removeTempDirs } from '../npm-publish-gate/support';
import { type RunningRegistry, type RunningVerdaccio, startRegistry, startVerdaccio } from '../services';
import { seedImage } from '../support/artifacts';
import { expectNoLeak } from '../support/leaks';
import { skopeoDigest } from '../support/skopeo';
import { releasedAction } from './release-tree';

// A refused run explains itself where a developer looks, the checks tab's job summary (DESIGN §8
// rule 10): each refusal the protocol knows, run through the bundled action against the real part
// it needs, and an input error raised before anything. The registry demands a password with the
// characters that break naive quoting; it must never reach the summary.
const USER = 'robot';
const PASSWORD = 'p@ss:w%rd "x" $HOME\n::warning::leak';
const GITHUB_TOKEN = 'ghs_failureSummaryFake0123456789';
const NPM_TOKEN = 'npm_hurriedUserToken0123456789';

let registry: RunningRegistry;
let verdaccio: RunningVerdaccio;
let github: GitHubFake;
/** skopeo's login to the registry, as a Docker config: the password has a line break. */
let skopeoAuth: { authFile: string };

beforeAll(async () => {
  [registry, verdaccio] = await Promise.all([
    startRegistry({ auth: 'htpasswd', username: USER, password: PASSWORD }),
    startVerdaccio(),
  ]);
  github = await startGitHubFake({ token: GITHUB_TOKEN, repository: 'acme/api' });
  const authFile = join(await makeTempDir('skopeo-auth'), 'config.json');
  const auth = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
  await writeFile(authFile, JSON.stringify({ auths: { [registry.host]: { auth } } }));
  skopeoAuth = { authFile };
});
afterAll(async () => {
  await github?.stop();
  await Promise.all([registry?.stop(), verdaccio?.stop()]);
  await removeTempDirs();
});

const sha = (char: string) => char.repeat(40);
let repositories = 0;
function repository(): string {
  repositories++;
  return `${registry.host}/acme/refused-${repositories}`;
}
const store = (reference: string): Promise<ArtifactStore> =>
  openStore(reference, { username: USER, password: PASSWORD });
const credentials = { username: USER, password: PASSWORD };

function run(uses: string, inputs: Record<string, string>, options: Partial<RunActionOptions> = {}) {
  return runAction({
    actionDir: releasedAction(uses),
    inputs,
    apiUrl: github.url,
    githubToken: GITHUB_TOKEN,
    repository: 'acme/api',
    ...options,
  });
}

/** The section runAction appends on failure: from its heading to the end. */
function failureSection(summary: string): string {
  const start = summary.search(/^## (?:⛔|❌) /m);
  expect(start, `no failure section in:\n${summary}`).toBeGreaterThanOrEqual(0);
  return summary.slice(start);
}

/** No table cell holds a full digest, so no column scrolls off. */
function expectShortDigestsInTables(summary: string): void {
  const rows = summary.split('\n').filter((line) => line.startsWith('|'));
  expect(rows.filter((row) => /[0-9a-f]{64}/.test(row))).toEqual([]);
}

async function expectRefusal(result: ActionRun, secrets: readonly string[] = [PASSWORD]): Promise<string> {
  expect(result.exitCode).toBe(1);
  expect(result.errors).toHaveLength(1);
  expectShortDigestsInTables(result.summary);
  await expectNoLeak(result, secrets);
  return failureSection(result.summary);
}

describe('a refused run writes a job summary: what was asked, why, what is unchanged, what to do', () => {
  it('immutable conflict (promote): the tags asked for are listed, none was written', async () => {
    const repo = repository();
    const old = await seedImage(await store(repo), { revision: sha('a') });
    const next = await seedImage(await store(repo), { revision: sha('b') });
    expect(
      (await run('promote', { image: repo, from: sha('a'), to: 'v1.0.0', ...credentials })).exitCode,
    ).toBe(0);

    const refused = await run('promote', {
      image: repo,
      from: sha('b'),
      to: 'rc-7, prod\nv1.0.0',
      ...credentials,
    });
    const section = await expectRefusal(refused);
    expect(section).toBe(
      [
        '## ⛔ promote refused',
        [
          '| asked | value |',
          '| --- | --- |',
          `| \`image\` | \`${repo}\` |`,
          `| \`from\` | \`${sha('b')}\` |`,
          '| `to` | `rc-7, prod`, `v1.0.0` |',
        ].join('\n'),
        `**Refused because:** Refusing to move immutable tags, so nothing was written: ${repo}:v1.0.0 points at ${old.digest}, not ${next.digest}.`,
        '**What is unchanged:** Nothing was written: no tag was created or moved, nothing was copied and no deployment was recorded.',
        '**What to do:** Promote under a new version, or change "immutable-tags" if this tag is meant to move.\n',
      ].join('\n\n'),
    );
    for (const tag of ['rc-7', 'prod'])
      expect(await skopeoDigest(`${repo}:${tag}`, skopeoAuth)).toBeUndefined();
  });

  it("yanked source (promote): who yanked it and why, the event's commit as asked, the way out", async () => {
    const repo = repository();
    await seedImage(await store(repo), { revision: sha('d') });
    await writeTombstone(await store(repo), {
      sha: sha('d'),
      reason: 'stage smoke test failed',
      actor: 'octocat',
    });
    const refused = await run('promote', { image: repo, to: 'rc-1', ...credentials }, { sha: sha('d') });
    const section = await expectRefusal(refused);
    expect(section).toContain(`| commit (from GITHUB_SHA) | \`${sha('d')}\` |`);
    expect(section).toMatch(
      /\*\*Refused because:\*\* Commit ddddddd was yanked by octocat at \S+: "stage smoke test failed" \(tombstone \S+:yanked-ddddddd\)\.\n/,
    );
    expect(section).toContain('**What is unchanged:** Nothing was written: no tag was created or moved');
    expect(section).toContain(
      '**What to do:** Fix forward with a new commit, or set allow-yanked: true to override.',
    );
    expect(await skopeoDigest(`${repo}:rc-1`, skopeoAuth)).toBeUndefined();
  });

  it('protected tag (yank-artifact): the protected tags named, no tombstone written, force as the way out', async () => {
    const repo = repository();
    const image = await seedImage(await store(repo), { revision: sha('e') });
    await (await store(repo)).putManifest('prod', await mustGet(repo, image.digest));
    const refused = await run('yank-artifact', {
      image: repo,
      sha: sha('e'),
      reason: 'broke stage',
      ...credentials,
    });
    const section = await expectRefusal(refused);
    expect(section).toContain('## ⛔ yank-artifact refused');
    expect(section).toContain(`| \`image\` | \`${repo}\` |`);
    expect(section).toContain('| `reason` | `broke stage` |');
    expect(section).toContain(
      `**Refused because:** Refusing to yank eeeeeee: protected tags point at its artifact: ${repo}:prod.\n`,
    );
    expect(section).toContain(
      '**What is unchanged:** Nothing was written: no tombstone was written, nothing was deleted and no npm version was deprecated.',
    );
    expect(section).toContain(
      '**What to do:** Deploy something else there first (promote another version), or set force: true',
    );
    expect(await readTombstone(await store(repo), sha('e'))).toBeUndefined();
    expect(await skopeoDigest(`${repo}:prod`, skopeoAuth)).toBe(image.digest);
  });

  it('breaking commit (backcompat-matrix): the floor and version asked, both ways out, nothing changed', async () => {
    const checkout = await makeTempDir('breaking');
    const git = (...args: string[]) =>
      exec('git', ['-C', checkout, '-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args]);
    await git('init', '-q', '-b', 'main');
    for (const [message, tag] of [
      ['feat: first', 'v2.3.20'],
      ['feat!: drop the v1 API', ''],
    ] as const) {
      await writeFile(join(checkout, 'log.txt'), message);
      await git('add', '.');
      await git('commit', '-qm', message);
      if (tag) await git('tag', tag);
    }
    const refused = await run(
      'backcompat-matrix',
      { version: '2.4.0', 'compatible-version': '2.3.20', 'versions-from': 'git' },
      { workspace: checkout },
    );
    const section = await expectRefusal(refused);
    expect(section).toContain('## ⛔ backcompat-matrix refused');
    expect(section).toContain('| `version` | `2.4.0` |\n| `compatible-version` | `2.3.20` |');
    expect(section).toMatch(
      /\*\*Refused because:\*\* 1 breaking commit\(s\) in v2\.3\.20\.\.HEAD \([0-9a-f]{7} "feat!: drop the v1 API"\), but the floor 2\.3\.20 \(input "compatible-version"\) and the current version 2\.4\.0 share major 2\n/,
    );
    expect(section).toContain('**What is unchanged:** Everything: backcompat-matrix only reads.');
    expect(section).toContain(
      '**What to do:** Either bump the major to 3.0.0, or raise the compatible version to 2.4.0 or a later release that contains the break.',
    );
    expect(refused.outputs.matrix).toBeUndefined();
  });

  it('blocked gate (npm-publish-gate): after the gates table, the refusal; nothing published, no token shown', async () => {
    const workspace = await makeWorkspace('refused');
    const commit = sha('7');
    github.seed.checkRun({ name: 'stage-cd', head_sha: commit, conclusion: 'failure' });
    const refused = await run(
      'npm-publish-gate',
      { registry: verdaccio.url, token: verdaccio.token, 'required-checks': 'stage-cd' },
      { workspace, sha: commit, env: { HOME: await makeTempDir('home') } },
    );
    const section = await expectRefusal(refused, [verdaccio.token, GITHUB_TOKEN]);
    // The gate's own summary comes first and stays as it was; the refusal is added after it.
    expect(refused.summary.indexOf('## npm publish gate')).toBe(0);
    expect(refused.summary).toContain('**Blocked — nothing was published.**');
    expect(section).toContain('## ⛔ npm-publish-gate refused');
    expect(section).toContain('| `required-checks` | `stage-cd` |');
    expect(section).toContain(`| commit (from GITHUB_SHA) | \`${commit}\` |`);
    expect(section).toMatch(
      /\*\*Refused because:\*\* Nothing was published: 1 of 1 required check\(s\) not green: /,
    );
    expect(section).toContain('**What is unchanged:** Nothing was published, and no dist-tag moved.');
    expect(section).toContain(
      '**What to do:** Make each failing gate of the table above pass, then re-run the job',
    );
  });

  it('a URL with credentials: the asked table shows it redacted, the secret nowhere', async () => {
    const secret = 'hunter2-in-a-url';
    const refused = await run('promote', {
      image: `http://bob:${secret}@${registry.host}/acme/api`,
      to: 'rc-1',
    });
    const section = await expectRefusal(refused, [secret]);
    expect(section).toContain(`| \`image\` | \`http://bob:***@${registry.host}/acme/api\` |`);
    expect(section).toContain('**Refused because:** Input "image" carries credentials');
  });
});

describe('a hurried input error, raised before anything is asked of anyone, still writes a short summary', () => {
  it.each<{ uses: string; inputs: Record<string, string>; row: string; reason: string; fix?: string }>([
    {
      uses: 'promote',
      inputs: { image: 'registry.example/acme/api', from: sha('a'), to: 'v1.0' },
      row: '| `to` | `v1.0` |',
      reason: 'Input "to" has v1.0, which is not a semver release tag',
      fix: 'Write vMAJOR.MINOR.PATCH or vMAJOR.MINOR.PATCH-PRERELEASE (e.g. v1.4.0, v2.0.0-rc.1). If this project versions otherwise, set version-scheme: calver (or none).',
    },
    {
      uses: 'build-by-sha',
      inputs: { image: 'registry.example/acme/api', 'extra-tags': 'release candidate' },
      row: '| `extra-tags` | `release candidate` |',
      reason: 'extra-tags',
    },
    {
      uses: 'update-manifest',
      inputs: {
        repository: 'acme/deploy',
        token: GITHUB_TOKEN,
        path: 'envs/prod',
        image: 'ghcr.io/acme/api',
        tag: 'v1 .0',
      },
      row: '| `tag` | `v1 .0` |',
      reason: '"tag"',
    },
    {
      uses: 'yank-artifact',
      inputs: { image: 'registry.example/acme/api', sha: 'not-a-sha', reason: 'broke stage' },
      row: '| `sha` | `not-a-sha` |',
      reason: 'Input "sha" value "not-a-sha" is not a commit sha',
      fix: 'Give the full 40 hex characters',
    },
    {
      uses: 'backcompat-matrix',
      inputs: { version: '2.4.0', policy: 'sometimes' },
      row: '| `policy` | `sometimes` |',
      reason: 'Input "policy"',
    },
    {
      uses: 'merge-gate',
      inputs: { 'ci-checks': 'build\ntest', approvals: 'two' },
      row: '| `approvals` | `two` |',
      reason: 'Input "approvals" must be a whole number from 1 to 20, got "two".',
    },
    {
      uses: 'risk',
      inputs: { 'set-labels': 'yes' },
      row: '| `set-labels` | `yes` |',
      reason: 'Input "set-labels" must be true or false, got "yes".',
    },
    {
      uses: 'npm-publish-gate',
      inputs: { registry: 'http://127.0.0.1:9/', token: NPM_TOKEN, 'dist-tag': 'v1.2.3' },
      row: '| `dist-tag` | `v1.2.3` |',
      reason: 'Input "dist-tag" "v1.2.3" reads as a semver range to npm',
      fix: 'Choose a word such as next or latest-1, or auto.',
    },
  ])('$uses: $row', async ({ uses, inputs, row, reason, fix }) => {
    const refused = await run(uses, inputs);
    const section = await expectRefusal(refused, [GITHUB_TOKEN, NPM_TOKEN]);
    // Nothing ran before the input was read: the summary is the refusal alone, and short.
    expect(refused.summary.trimStart()).toBe(section);
    expect(section.split('\n').length).toBeLessThan(25);
    expect(section).toMatch(new RegExp(`^## ⛔ ${uses} refused\n`));
    expect(section).toContain(row);
    expect(section).toContain(`**Refused because:** `);
    expect(section.slice(section.indexOf('**Refused because:**'))).toContain(reason);
    expect(section).toMatch(/\*\*What is unchanged:\*\* (?:Nothing|Everything)/);
    expect(section).toContain(`**What to do:** ${fix ?? ''}`);
    expect(refused.errors[0]).toContain(reason);
  });
});

async function mustGet(repo: string, digest: string) {
  const manifest = await (await store(repo)).getManifest(digest);
  if (!manifest) throw new Error(`${repo}@${digest} is missing`);
  return manifest;
}
