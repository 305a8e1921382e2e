// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings hold workflow ${{ }} expressions, not JavaScript templates
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runAction } from '@flow-actions/runner-harness';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repositoryRoot } from '../../scripts/release/actions';
import { CLI_FOLDER, CLI_PACKAGE } from '../../scripts/release/cli-package';
import { toPermissions } from '../github-fake';
import { npmView, readAllFiles } from '../npm-publish-gate/support';
import { type RunningVerdaccio, startVerdaccio } from '../services';
import { cleanNpm, fetchPublished, filesOf, releasedCli, removeFetched } from '../support/cli-package';
import { interpolateString } from '../templates/simulation/expressions';
import { checkout } from '../templates/simulation/stand-ins';
import type { Workflow } from '../templates/templates';
import { makeWorld, ok, refused, removeScratch, scratchDir, treeFor } from './world';

// The flow CLI goes to npm from the release it belongs to: the cli/ folder the release commit
// holds, through the npm-publish gate, never rebuilt. Locally with `pnpm release --npm-registry`
// (and `pnpm release:npm` to finish one), in the workflow with the release's own npm-publish-gate
// action; both against verdaccio with the real npm.

let verdaccio: RunningVerdaccio;
beforeEach(async () => {
  await releasedCli();
  verdaccio = await startVerdaccio();
  return () => verdaccio.stop();
});
afterAll(() => Promise.all([removeScratch(), removeFetched()]));

const registry = () => `${verdaccio.url}/`;

/** The dist-tags of the CLI package on verdaccio, as npm reads them. */
const distTags = () => npmView(verdaccio.url, CLI_PACKAGE, 'dist-tags');

/** What npm serves for the CLI at `version` is the release tree's cli/ folder, byte for byte. */
async function expectPublishedAsReleased(version: string): Promise<void> {
  const published = await fetchPublished(verdaccio.url, `${CLI_PACKAGE}@${version}`);
  expect(await filesOf(published)).toEqual(await filesOf(join(await treeFor(version), CLI_FOLDER)));
}

// Each test runs several releases, each of them node, git and npm processes several times over.
const SLOW = { timeout: 240_000 };

describe('pnpm release --npm-registry', SLOW, () => {
  it('releases, then publishes the tree’s CLI through the gate when the release is its major’s newest: latest moves; an older minor’s patch stays off npm; a prerelease goes under its identifier', async () => {
    const world = await makeWorld();
    const env = { NPM_TOKEN: verdaccio.token };
    const release = async (version: string) =>
      ok(await world.release([version, '--tree', await treeFor(version), '--npm-registry', registry()], env));
    await world.land('feat: first');
    const first = await release('1.4.0');
    expect(first).toContain(
      `The npm-publish gate holds for ${CLI_PACKAGE}@1.4.0 on ${registry()} (dry run: would publish under latest).`,
    );
    expect(first).toMatch(/Released v1\.4\.0: commit [0-9a-f]{40}/);
    expect(first.trimEnd().split('\n').at(-1)).toBe(
      `Published ${CLI_PACKAGE}@1.4.0 to ${registry()} under latest.`,
    );
    await expectPublishedAsReleased('1.4.0');

    await world.land('feat: second');
    await release('1.5.0');
    await world.land('fix: for 1.4 users');
    expect(await release('1.4.1')).toContain(
      `${CLI_PACKAGE}@1.4.1 is not published: v1.5.0 is newer, and the CLI goes to npm only for the newest release of its major.`,
    );
    expect((await world.refs())['refs/tags/v1.4.1']).toBeDefined();
    await world.land('feat: preview');
    expect(await release('1.6.0-rc.1')).toContain(
      `Published ${CLI_PACKAGE}@1.6.0-rc.1 to ${registry()} under rc.`,
    );
    expect(await distTags()).toEqual({ latest: '1.5.0', rc: '1.6.0-rc.1' });
    await expectPublishedAsReleased('1.5.0');

    for (const file of await readAllFiles(verdaccio.storageDir))
      expect(file.text, file.path).not.toContain(verdaccio.token);
  });

  it('refuses before anything is pushed: no NPM_TOKEN, a token in the URL, a version npm has with other bytes', async () => {
    const world = await makeWorld();
    await world.land('feat: first');
    const tree = await treeFor('1.0.0');
    const before = await world.refs();

    expect(refused(await world.release(['1.0.0', '--tree', tree, '--npm-registry', registry()]))).toBe(
      `pnpm release refused: --npm-registry publishes ${CLI_PACKAGE} and needs a token: set NPM_TOKEN to an npm token with publish rights.`,
    );
    const withToken = `http://flow-npm:${verdaccio.token}@${verdaccio.host}/`;
    const inUrl = refused(
      await world.release(['1.0.0', '--tree', tree, '--npm-registry', withToken], {
        NPM_TOKEN: verdaccio.token,
      }),
    );
    expect(inUrl).toBe(
      `pnpm release refused: Input "--npm-registry" carries credentials in "http://flow-npm:***@${verdaccio.host}/": credentials never go in a URL, where logs and errors would show them; remove them and set NPM_TOKEN.`,
    );
    expect(inUrl).not.toContain(verdaccio.token);

    // Someone published 1.0.0 of the CLI by hand, with other files: the gate refuses it, and so
    // the release is not made at all.
    const impostor = await scratchDir('flow-impostor-');
    await writeFile(join(impostor, 'package.json'), JSON.stringify({ name: CLI_PACKAGE, version: '1.0.0' }));
    await writeFile(join(impostor, 'index.js'), 'console.log("not flow")\n');
    const npmrc = await verdaccio.writeNpmrc(join(impostor, '.npmrc'));
    expect((await cleanNpm(['publish', impostor, '--userconfig', npmrc], { home: impostor })).exitCode).toBe(
      0,
    );
    const taken = refused(
      await world.release(['1.0.0', '--tree', tree, '--npm-registry', registry()], {
        NPM_TOKEN: verdaccio.token,
      }),
    );
    expect(taken).toMatch(
      /^pnpm release refused: The npm-publish gate would not publish @flow-actions\/cli: flow publish: Nothing was published: @flow-actions\/cli@1\.0\.0 is already published with different content .*: a version never changes; bump the version; nothing was released: fix that, or release without --npm-registry to leave this version's CLI off npm\.$/,
    );
    expect(await world.refs()).toEqual(before);
  });

  it('a publish that fails after the push says the release is made, and pnpm release:npm finishes it from the release commit; again, a green skip', async () => {
    const world = await makeWorld();
    await world.land('feat: first');
    // A token the registry does not know: reading works (anyone may read), publishing does not.
    const failed = await world.release(
      ['1.0.0', '--tree', await treeFor('1.0.0'), '--npm-registry', registry()],
      {
        NPM_TOKEN: 'npm_notAValidToken0000000000000000000',
      },
    );
    expect(refused(failed)).toMatch(
      new RegExp(
        `^pnpm release failed: v1\\.0\\.0 is released on origin, but @flow-actions/cli was not published \\(.+\\): publish it from the release with pnpm release:npm 1\\.0\\.0 --remote origin --npm-registry ${registry().replace(/[.]/g, '\\.')} once that is fixed\\.$`,
      ),
    );
    expect(failed.stdout + failed.stderr).not.toContain('npm_notAValidToken');
    expect((await world.refs())['refs/tags/v1.0.0']).toBeDefined();
    expect(await distTags()).toBeUndefined();

    const env = { NPM_TOKEN: verdaccio.token };
    expect(ok(await world.releaseNpm(['1.0.0', '--npm-registry', registry()], env))).toBe(
      `Published ${CLI_PACKAGE}@1.0.0 to ${registry()} under latest.\n`,
    );
    await expectPublishedAsReleased('1.0.0');
    expect(ok(await world.releaseNpm(['v1.0.0', '--npm-registry', registry()], env))).toBe(
      `${CLI_PACKAGE}@1.0.0 is on ${registry()} already, with the same tarball: already published with the same tarball.\n`,
    );
    expect(refused(await world.releaseNpm(['1.1.0', '--npm-registry', registry()], env))).toBe(
      'pnpm release:npm refused: v1.1.0 is not released on origin: release it first (pnpm release 1.1.0).',
    );
    expect(refused(await world.releaseNpm(['1.0.0'], env))).toBe(
      'pnpm release:npm refused: --npm-registry is missing: name the npm registry to publish to, e.g. https://registry.npmjs.org/.',
    );
  });
});

describe('release.yml, publish-cli', SLOW, () => {
  it('runs as written: the release commit checked out with contents: read, its own npm-publish-gate publishes its cli/, nothing rebuilt', async () => {
    const world = await makeWorld();
    const source = await world.land('feat: first');
    const released = ok(await world.release(['1.0.0', '--tree', await treeFor('1.0.0')]));
    const commit = /Released v1\.0\.0: commit ([0-9a-f]{40})/.exec(released)?.[1] as string;

    const workflow = parse(
      await readFile(join(repositoryRoot, '.github', 'workflows', 'release.yml'), 'utf8'),
    ) as Workflow;
    const job = workflow.jobs['publish-cli'];
    const [checkoutStep, gateStep] = job?.steps ?? [];
    if (!checkoutStep?.with || !gateStep?.uses || !gateStep.with)
      throw new Error('publish-cli has changed shape');
    const scope = {
      contexts: {
        needs: { release: { result: 'success', outputs: { version: '1.0.0', tag: 'v1.0.0', commit } } },
        secrets: { NPM_TOKEN: verdaccio.token },
        github: { token: '' },
      },
      status: { success: true, failure: false },
    };
    const evaluate = (values: Record<string, string | number | boolean>) =>
      Object.fromEntries(
        Object.entries(values).map(([key, value]) => [key, interpolateString(value, scope)]),
      );

    const workspace = await scratchDir('flow-publish-cli-job-');
    const folder = join(workspace, String(checkoutStep.with.path));
    await mkdir(folder);
    const checkedOut = await checkout(world.remote).run({
      step: checkoutStep,
      with: evaluate(checkoutStep.with),
      env: {},
      workspace: folder,
      home: workspace,
      event: { name: 'push', sha: source, ref: 'refs/tags/source/v1.0.0', payload: {} },
      permissions: toPermissions(job?.permissions),
    });
    expect(checkedOut).toMatchObject({ outcome: 'success', outputs: { commit } });

    // The registry is the one input the test sets: the job publishes to npm's default registry.
    const run = await runAction({
      actionDir: join(workspace, gateStep.uses),
      inputs: { ...evaluate(gateStep.with), registry: registry() },
      workspace,
      sha: source,
      ref: 'refs/tags/source/v1.0.0',
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.outputs.published ?? '[]')).toEqual([
      expect.objectContaining({ name: CLI_PACKAGE, version: '1.0.0', tag: 'latest' }),
    ]);
    expect(run.log).not.toContain(verdaccio.token);
    await expectPublishedAsReleased('1.0.0');
  });
});
