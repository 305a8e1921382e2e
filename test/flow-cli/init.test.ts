// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings hold workflow ${{ }} expressions, not JavaScript templates
import { lstat, mkdir, readdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { removeScratch, scratchDir } from '../release/world';
import { type FlowActionsRemote, makeFlowActionsRemote } from '../support/flow-actions-remote';
import { type FlowRun, runFlow } from '../support/flow-cli';
import { listTemplates, readTemplate } from '../templates/templates';

// `flow init` as a user runs it: a real process in a product repository's checkout, reading a
// bare "acme/flow-actions" whose release line `pnpm release` wrote from the tree this run tested.
// What it writes is read back as files and with git.

let dir: string;
let flowActions: FlowActionsRemote;
const releases: Record<string, string> = {};

beforeAll(async () => {
  dir = await scratchDir('flow-init-');
  flowActions = await makeFlowActionsRemote(dir);
  releases['1.0.0'] = await flowActions.release('1.0.0');
  releases['1.1.0'] = await flowActions.release('1.1.0');
}, 180_000);
afterAll(removeScratch);

let count = 0;
/**
 * A product repository as a developer has it: a clone of `acme/<name>.git` beside acme/flow-actions,
 * whose default branch is `trunk` (origin/HEAD), checked out on a feature branch.
 */
async function productCheckout(): Promise<string> {
  const name = `api-${++count}`;
  const remote = join(dir, 'acme', `${name}.git`);
  const seed = join(dir, `seed-${name}`);
  const checkout = join(dir, name);
  await exec('git', ['init', '--quiet', '--bare', '--initial-branch=trunk', remote]);
  await exec('git', ['init', '--quiet', '--initial-branch=trunk', seed]);
  await writeFile(join(seed, 'Dockerfile'), 'FROM scratch\n');
  await git(seed, 'add', '.');
  await git(seed, 'commit', '--quiet', '-m', 'chore: start');
  await git(seed, 'push', '--quiet', remote, 'trunk');
  await exec('git', ['clone', '--quiet', remote, checkout]);
  await git(checkout, 'checkout', '--quiet', '-b', 'adopt-flow-actions');
  return checkout;
}

function git(cwd: string, ...args: string[]) {
  return exec('git', ['-c', 'user.name=Dev', '-c', 'user.email=dev@example.com', ...args], { cwd });
}

function flow(cwd: string, ...args: string[]): Promise<FlowRun> {
  return runFlow(['init', ...args], { cwd, env: { HOME: dir } });
}

/** `flow init` naming the acme/flow-actions this file released with --flow-actions. */
function flowFromAcme(cwd: string, ...args: string[]): Promise<FlowRun> {
  return flow(cwd, '--flow-actions', flowActions.path, ...args);
}

/** A product checkout whose .github/workflows already exists, for files there before flow init. */
async function checkoutWithWorkflows(): Promise<{ checkout: string; folder: string }> {
  const checkout = await productCheckout();
  const folder = join(checkout, '.github', 'workflows');
  await mkdir(folder, { recursive: true });
  return { checkout, folder };
}

const GHCR = [
  '--image',
  'ghcr.io/acme/api',
  '--manifest-repository',
  'acme/manifests',
  '--test-runner-package',
  '@acme/test-runner',
];

async function workflows(checkout: string): Promise<Record<string, string>> {
  const folder = join(checkout, '.github', 'workflows');
  const names = await readdir(folder).catch(() => [] as string[]);
  return Object.fromEntries(
    await Promise.all(
      names.sort().map(async (name) => [name, await readFile(join(folder, name), 'utf8')] as const),
    ),
  );
}

/** The release commits git itself says `v1.0.0` and `v1.1.0` name. */
async function lsRemote(tag: string): Promise<string> {
  const { stdout } = await exec('git', ['ls-remote', flowActions.path, `refs/tags/${tag}`]);
  return stdout.split('\t')[0] as string;
}

/** Every `uses:` line of flow-actions in a workflow. */
const pins = (text: string) =>
  [...text.matchAll(/^ +(?:- )?uses: (acme\/flow-actions\/\S+.*)$/gm)].map((m) => m[1]);
/** The actions a template's `uses: org/flow-actions/<path>@v1` lines name, in order. */
const templatePaths = (text: string) =>
  [...text.matchAll(/^ +(?:- )?uses: org\/flow-actions\/(\S+)@v1$/gm)].map((m) => m[1]);

interface Step {
  uses?: string;
  with?: Record<string, string>;
}
type Jobs = Record<string, { permissions?: Record<string, string>; steps?: Step[] }>;
const jobs = (text: string) => (parse(text) as { jobs: Jobs }).jobs;
const logins = (text: string) =>
  Object.values(jobs(text)).flatMap((job) =>
    (job.steps ?? []).filter((step) => step.uses?.startsWith('docker/login-action@')),
  );

describe('flow init in a product repository', () => {
  it('ghcr.io: every template, pinned to the newest release of acme/flow-actions found beside origin, default branch from origin/HEAD, the GITHUB_TOKEN login', async () => {
    const checkout = await productCheckout();
    const run = await flow(checkout, ...GHCR);
    expect(run.exitCode, run.stderr).toBe(0);
    const sha = await lsRemote('v1.1.0');
    expect(sha).toBe(releases['1.1.0']);
    expect(run.stdout).toContain(
      `Pinned acme/flow-actions v1.1.0 (commit ${sha.slice(0, 12)}) in .github/workflows/.`,
    );
    expect(run.stdout).toContain("Registry login: ghcr.io with the job's GITHUB_TOKEN (packages: write).");
    expect(run.stdout).toContain('Default branch: trunk (origin/HEAD).');
    expect(run.stdout).toContain(
      'create the secrets MANIFEST_TOKEN, MERGE_APP_CLIENT_ID, MERGE_APP_PRIVATE_KEY, NPM_TOKEN, PROPOSE_APP_CLIENT_ID, PROPOSE_APP_PRIVATE_KEY, RELEASE_APP_CLIENT_ID, RELEASE_APP_PRIVATE_KEY, TEAMS_TOKEN',
    );
    expect(run.stdout).toContain(
      'create the environments demo, merge-gate, npm, prod, propose, release, stage, and each one the commands of chatops.yml may name (approvals go there; merge-gate gets no reviewers, only the default branch as its deployment branch; release takes only the default branch as its deployment branch)',
    );

    // Every template of workflows-templates/, each the same workflow: its jobs, our actions where they were.
    const files = await workflows(checkout);
    const templates = await Promise.all((await listTemplates()).map(readTemplate));
    expect(templates.length).toBeGreaterThan(0);
    expect(Object.keys(files).sort()).toEqual(templates.map((template) => `${template.name}.yml`).sort());
    for (const template of templates) {
      const text = files[`${template.name}.yml`] ?? '';
      expect(Object.keys(jobs(text)), template.name).toEqual(Object.keys(template.workflow.jobs));
      expect(
        pins(text).map((use) => use?.split('/')[2]?.split('@')[0]),
        template.name,
      ).toEqual(templatePaths(template.text));
    }
    for (const [name, text] of Object.entries(files)) {
      expect(text.split('\n')[0], name).toBe(
        '# flow init (acme/flow-actions) wrote this file: run flow init again to pin a newer release; your edits stay.',
      );
      expect(text, name).not.toContain('org/flow-actions');
      const uses = pins(text);
      expect(uses.length, name).toBeGreaterThan(0);
      for (const use of uses)
        expect(use, name).toMatch(new RegExp(`^acme/flow-actions/[a-z-]+@${sha} # v1\\.1\\.0$`));
    }
    // Each released path the pins name is a folder of that release commit, with its action.yml.
    const paths = new Set(
      Object.values(files).flatMap((text) => pins(text).map((use) => use?.split('/')[2]?.split('@')[0])),
    );
    for (const path of paths)
      await exec('git', ['--git-dir', flowActions.path, 'cat-file', '-e', `${sha}:${path}/action.yml`]);

    const main = files['main.yml'] as string;
    expect((parse(main) as { on: { push: { branches: string[] } } }).on.push.branches).toEqual(['trunk']);
    expect((parse(main) as { env: Record<string, string> }).env).toEqual({
      REGISTRY: 'ghcr.io',
      IMAGE: 'ghcr.io/acme/api',
      MANIFEST_REPOSITORY: 'acme/manifests',
      STAGE_PATH: 'envs/stage',
    });
    expect((parse(files['yank.yml'] as string) as { env: Record<string, string> }).env.DEVELOP_IMAGE).toBe(
      'ghcr.io/acme/api-develop',
    );
    expect(files['npm-release.yml']).toContain("  TEST_RUNNER_PACKAGE: '@acme/test-runner'\n");
    for (const text of Object.values(files))
      for (const login of logins(text))
        expect(login.with).toEqual({
          registry: '${{ env.REGISTRY }}',
          username: '${{ github.actor }}',
          password: '${{ secrets.GITHUB_TOKEN }}',
        });
    expect(jobs(main).build?.permissions).toEqual({ contents: 'read', packages: 'write' });
    expect(jobs(main).yank?.permissions).toEqual({ packages: 'write' });
  });

  it('a registry with username and password secrets: those secrets in every login, no packages: write anywhere', async () => {
    const checkout = await productCheckout();
    const run = await flowFromAcme(
      checkout,
      '--image',
      'registry.acme.dev/acme/api',
      '--manifest-repository',
      'acme/manifests',
      '--registry-username-secret',
      'ACME_REGISTRY_USER',
      '--registry-password-secret',
      'ACME_REGISTRY_TOKEN',
      '--template',
      'pull-request,main,promote',
      '--template',
      'rollback',
      '--json',
    );
    expect(run.exitCode, run.stderr).toBe(0);
    const result = JSON.parse(run.stdout) as Record<string, unknown>;
    expect(result).toMatchObject({
      ok: true,
      dryRun: false,
      flowActions: { repository: 'acme/flow-actions', version: 'v1.1.0', commit: releases['1.1.0'] },
      defaultBranch: 'trunk',
      login: {
        kind: 'password',
        username: '${{ secrets.ACME_REGISTRY_USER }}',
        passwordSecret: 'ACME_REGISTRY_TOKEN',
      },
      secrets: ['ACME_REGISTRY_TOKEN', 'ACME_REGISTRY_USER', 'MANIFEST_TOKEN'],
    });
    const files = await workflows(checkout);
    expect(Object.keys(files)).toEqual(['main.yml', 'promote.yml', 'pull-request.yml', 'rollback.yml']);
    expect(
      (result.files as { path: string; change: string }[]).map((file) => [file.path, file.change]),
    ).toEqual(
      ['pull-request', 'main', 'promote', 'rollback'].map((name) => [
        `.github/workflows/${name}.yml`,
        'create',
      ]),
    );
    for (const [name, text] of Object.entries(files)) {
      expect(logins(text).length, name).toBeGreaterThan(0);
      for (const login of logins(text))
        expect(login.with, name).toEqual({
          registry: '${{ env.REGISTRY }}',
          username: '${{ secrets.ACME_REGISTRY_USER }}',
          password: '${{ secrets.ACME_REGISTRY_TOKEN }}',
        });
      for (const job of Object.values(jobs(text)))
        expect(job.permissions, name).not.toHaveProperty('packages');
      expect(text, name).not.toContain('GITHUB_TOKEN');
      expect((parse(text) as { env: Record<string, string> }).env.REGISTRY, name).toBe('registry.acme.dev');
    }
    expect(jobs(files['main.yml'] as string).yank?.permissions).toEqual({});
    expect(jobs(files['rollback.yml'] as string).rollback?.permissions).toEqual({ deployments: 'write' });
  });

  it('a re-run after a new release moves only the pins: the owner’s stage checks, extra job and comments stay', async () => {
    const checkout = await productCheckout();
    const first = await flowFromAcme(checkout, '--version', 'v1.0.0', ...GHCR);
    expect(first.exitCode, first.stderr).toBe(0);
    expect(pins((await workflows(checkout))['main.yml'] as string)[0]).toMatch(/@[0-9a-f]{40} # v1\.0\.0$/);
    // The owner makes the files theirs and commits them.
    const mainPath = join(checkout, '.github', 'workflows', 'main.yml');
    const main = (await readFile(mainPath, 'utf8'))
      .replace(
        / {6}- name: Stage checks \(replace me\)\n[\s\S]*?replace this step with yours\."\n/,
        '      # Our smoke test, against the tag just deployed.\n      - name: Smoke test\n        run: ./scripts/smoke.sh stage\n',
      )
      .concat(
        '\n  notify:\n    needs: stage-checks\n    runs-on: ubuntu-latest\n    permissions: {}\n    steps:\n      - run: echo deployed\n',
      );
    await writeFile(mainPath, main);
    await git(checkout, 'add', '.');
    await git(checkout, 'commit', '--quiet', '-m', 'ci: adopt flow-actions');

    releases['1.2.0'] = await flowActions.release('1.2.0');
    const rerun = await flowFromAcme(checkout);
    expect(rerun.exitCode, rerun.stderr).toBe(0);
    expect(rerun.stdout).toContain(
      `Pinned acme/flow-actions v1.2.0 (commit ${releases['1.2.0']?.slice(0, 12)})`,
    );
    expect(rerun.stdout).toMatch(/\.github\/workflows\/main\.yml +updated +pins v1\.0\.0 → v1\.2\.0/);

    // The diff git shows: each changed line is a flow-actions pin, old release to new.
    const { stdout: diff } = await git(checkout, 'diff', '--unified=0', '--no-color');
    const changed = diff.split('\n').filter((line) => /^[-+](?![-+])/.test(line));
    expect(changed.length).toBeGreaterThan(0);
    const before = `@${releases['1.0.0']} # v1.0.0`;
    const after = `@${releases['1.2.0']} # v1.2.0`;
    expect(
      changed.filter((line) => line.startsWith('-')).map((line) => line.slice(1).replace(before, after)),
    ).toEqual(changed.filter((line) => line.startsWith('+')).map((line) => line.slice(1)));
    for (const line of changed)
      expect(line).toMatch(/^[-+] +(- )?uses: acme\/flow-actions\/[a-z-]+@[0-9a-f]{40} # v1\.[02]\.0$/);
    const updated = await readFile(mainPath, 'utf8');
    expect(updated).toBe(main.replaceAll(before, after));

    // Nothing more to do the second time.
    const again = await flowFromAcme(checkout);
    expect(again.exitCode).toBe(0);
    expect(again.stdout).not.toMatch(/ (updated|created) /);
    expect((await git(checkout, 'status', '--porcelain')).stdout.split('\n').filter(Boolean)).toHaveLength(
      (await listTemplates()).length,
    );
  });

  it('refuses to replace a workflow it did not write, writing nothing at all; --force replaces it', async () => {
    const { checkout, folder } = await checkoutWithWorkflows();
    const theirs =
      'name: Promote\non: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n      - run: make release\n';
    await writeFile(join(folder, 'promote.yml'), theirs);
    const refused = await flowFromAcme(checkout, ...GHCR);
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr.trim().split('\n').at(-1)).toBe(
      'flow init: .github/workflows/promote.yml was not written by flow init, so nothing was written: move it away, leave it out (--template), or pass --force to replace it.',
    );
    expect(await readdir(folder)).toEqual(['promote.yml']);
    expect(await readFile(join(folder, 'promote.yml'), 'utf8')).toBe(theirs);

    const forced = await flowFromAcme(checkout, ...GHCR, '--template', 'promote', '--force');
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.stdout).toMatch(/\.github\/workflows\/promote\.yml +replaced/);
    expect(await readFile(join(folder, 'promote.yml'), 'utf8')).toMatch(
      /^# flow init \(acme\/flow-actions\) wrote this file/,
    );
  });

  it('a workflow that is a link is never read nor written through; a workflows folder leading out of the checkout is refused', async () => {
    const { checkout, folder } = await checkoutWithWorkflows();
    const outside = join(dir, `credentials-${count}.json`);
    const secret = '{"auths":{"ghcr.io":{"auth":"c2VjcmV0LXRva2VuLTQy"}}}\n';
    await writeFile(outside, secret);
    await symlink(outside, join(folder, 'main.yml'));
    const refused = await flowFromAcme(checkout, ...GHCR, '--template', 'main', '--dry-run', '--json');
    expect(refused.exitCode).toBe(1);
    expect(refused.stderr).toContain('.github/workflows/main.yml was not written by flow init');
    expect(refused.stdout + refused.stderr).not.toContain('c2VjcmV0LXRva2VuLTQy');
    const forced = await flowFromAcme(checkout, ...GHCR, '--template', 'main', '--force');
    expect(forced.exitCode, forced.stderr).toBe(0);
    expect(forced.stdout).not.toContain('c2VjcmV0LXRva2VuLTQy');
    expect((await lstat(join(folder, 'main.yml'))).isFile()).toBe(true);
    expect(await readFile(outside, 'utf8')).toBe(secret);

    const linked = await productCheckout();
    await mkdir(join(linked, '.github'));
    await mkdir(join(dir, `elsewhere-${count}`));
    await symlink(join(dir, `elsewhere-${count}`), join(linked, '.github', 'workflows'));
    const out = await flowFromAcme(linked, ...GHCR);
    expect(out.exitCode).toBe(1);
    expect(out.stderr.trim()).toBe(
      `flow init: .github/workflows of ${linked} leads out of the checkout through a link: flow init writes only inside it; make it a folder of the repository.`,
    );
    expect(await readdir(join(dir, `elsewhere-${count}`))).toEqual([]);
  });

  it('--dry-run shows the files, or the diff against those there, and writes nothing', async () => {
    const checkout = await productCheckout();
    const fresh = await flowFromAcme(checkout, ...GHCR, '--template', 'rollback', '--dry-run');
    expect(fresh.exitCode, fresh.stderr).toBe(0);
    expect(fresh.stdout).toContain('--- /dev/null\n+++ b/.github/workflows/rollback.yml\n@@ -0,0 +1,');
    expect(fresh.stdout).toContain(
      `+        uses: acme/flow-actions/promote@${releases['1.2.0'] ?? releases['1.1.0']}`,
    );
    expect(fresh.stdout).toContain('Dry run: nothing written.');
    expect(fresh.stdout).toMatch(/\.github\/workflows\/rollback\.yml +would create/);
    await expect(readdir(join(checkout, '.github'))).rejects.toThrow(/ENOENT/);

    expect(
      (await flowFromAcme(checkout, ...GHCR, '--template', 'rollback', '--version', 'v1.0.0')).exitCode,
    ).toBe(0);
    const written = await workflows(checkout);
    const update = await flowFromAcme(checkout, '--dry-run', '--json');
    expect(update.exitCode, update.stderr).toBe(0);
    const [file] = (JSON.parse(update.stdout) as { files: { path: string; change: string; diff: string }[] })
      .files;
    expect(file?.change).toBe('update');
    expect(file?.diff).toContain(`-        uses: acme/flow-actions/promote@${releases['1.0.0']} # v1.0.0`);
    expect(file?.diff).toMatch(/\+ {8}uses: acme\/flow-actions\/promote@[0-9a-f]{40} # v1\.[12]\.0/);
    expect(await workflows(checkout)).toEqual(written);
  });

  it('without a terminal, a missing value is a usage error naming its flag, before anything is written', async () => {
    const checkout = await productCheckout();
    const run = await flowFromAcme(checkout, '--manifest-repository', 'acme/manifests');
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.trim().split('\n').at(-1)).toBe(
      'flow init: --image is required: the release image, registry/repository, e.g. ghcr.io/acme/api (see flow init --help)',
    );
    await expect(readdir(join(checkout, '.github'))).rejects.toThrow(/ENOENT/);

    const ecr = await flowFromAcme(
      checkout,
      ...GHCR,
      '--image',
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/acme/api',
    );
    expect(ecr.exitCode).toBe(2);
    expect(ecr.stderr).toContain('flow init: --aws-role is required: the IAM role to assume (its ARN)');
  });

  it('a release line made by hand, whose commit carries no templates: flow’s own templates, pinned to that commit, and a warning', async () => {
    const bare = join(dir, 'hand', 'flow-actions.git');
    const maker = join(dir, 'hand', 'maker');
    await exec('git', ['init', '--quiet', '--bare', bare]);
    await exec('git', ['init', '--quiet', '--initial-branch=releases/v2', maker]);
    await git(maker, 'commit', '--quiet', '--allow-empty', '-m', 'release 2.0.0');
    await git(maker, 'tag', 'v2.0.0');
    await git(maker, 'push', '--quiet', bare, 'releases/v2', 'v2.0.0');
    const sha = (await git(maker, 'rev-parse', 'HEAD')).stdout.trim();
    const checkout = await productCheckout();
    const run = await flow(checkout, '--flow-actions', bare, ...GHCR, '--template', 'rollback');
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stderr).toContain(
      'warning: v2.0.0 of hand/flow-actions carries no workflows-templates/ (pnpm release puts them in every release): the templates come from this flow instead',
    );
    expect(run.stderr).toContain(
      'warning: .github/workflows/rollback.yml uses hand/flow-actions/promote, hand/flow-actions/update-manifest, which v2.0.0 does not carry',
    );
    const rollback = (await workflows(checkout))['rollback.yml'] as string;
    expect(rollback).toContain(`uses: hand/flow-actions/promote@${sha} # v2.0.0`);
  });

  it('a flow-actions it cannot read, or a version it does not have: one line, exit 1, nothing written', async () => {
    const checkout = await productCheckout();
    const missing = await flow(checkout, '--flow-actions', join(dir, 'acme', 'nothing.git'), ...GHCR);
    expect(missing.exitCode).toBe(1);
    expect(missing.stderr.trim().split('\n')).toHaveLength(1);
    expect(missing.stderr).toMatch(
      /^flow init: --flow-actions \S+nothing\.git cannot be read \(.+\): name your flow-actions repository/,
    );
    const unknown = await flowFromAcme(checkout, ...GHCR, '--version', 'v3');
    expect(unknown.exitCode).toBe(1);
    expect(unknown.stderr.trim().split('\n').at(-1)).toMatch(
      /^flow init: acme\/flow-actions has no v3 release: the newest is v1\.[12]\.0\.$/,
    );
    await expect(readdir(join(checkout, '.github'))).rejects.toThrow(/ENOENT/);
  });
});
