import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repositoryRoot } from '../../scripts/release/actions';
import { systemPath } from '../support/cli-package';

// `pnpm flow` is flow from the sources, for developers of this repository. pnpm runs a script in
// the workspace root; flow must still work in the directory the command was typed in (INIT_CWD),
// on its checkout. pnpm prints a banner on stdout, so scripts use `pnpm -s flow … --json`.

let work: string;
let checkout: string;
let head: string;

/** `pnpm --dir <this repository> [-s] flow <args>` typed in `checkout`, as a developer would from elsewhere. */
function pnpmFlow(args: readonly string[], options: { silent: boolean }) {
  return exec(
    'npx',
    ['-y', 'pnpm@10.34.9', '--dir', repositoryRoot, ...(options.silent ? ['-s'] : []), 'flow', ...args],
    {
      cwd: checkout,
      // Nothing of the test runner's own pnpm call (INIT_CWD, npm_config_*): a developer's shell.
      env: { PATH: systemPath(), HOME: process.env.HOME, FLOW_ACTOR: 'alice' },
      allowFailure: true,
    },
  );
}

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'flow-dev-script-'));
  checkout = join(work, 'app');
  const git = (args: string[]) =>
    exec('git', ['-C', checkout, ...args], {
      env: {
        PATH: process.env.PATH,
        GIT_AUTHOR_NAME: 'Alice',
        GIT_AUTHOR_EMAIL: 'alice@example.com',
        GIT_COMMITTER_NAME: 'Alice',
        GIT_COMMITTER_EMAIL: 'alice@example.com',
      },
    });
  await exec('git', ['init', '-q', '-b', 'main', checkout]);
  await writeFile(join(checkout, 'app.zip'), 'bundle');
  await git(['add', 'app.zip']);
  await git(['commit', '-q', '-m', 'feat: first']);
  head = (await git(['rev-parse', 'HEAD'])).stdout.trim();
});
afterAll(() => rm(work, { recursive: true, force: true }));

describe('pnpm flow in this repository', { timeout: 120_000 }, () => {
  it('runs in the directory it was typed in, on that checkout; with -s, --json is all of stdout', async () => {
    const run = await pnpmFlow(
      ['build', '--image', 'oci:layout', '--kind', 'archive', '--path', 'app.zip', '--json'],
      {
        silent: true,
      },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, sha: head, tag: head.slice(0, 7) });
    // oci:layout is relative to where the command was typed, not to the workspace root.
    expect(existsSync(join(checkout, 'layout', 'oci-layout'))).toBe(true);
    expect(existsSync(join(repositoryRoot, 'layout'))).toBe(false);
  });

  it('without -s, pnpm puts its banner before the output: why scripts use pnpm -s flow', async () => {
    const run = await pnpmFlow(['inspect', 'oci:layout', head.slice(0, 7), '--json'], { silent: false });
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/^\s*> flow-actions@\S+ flow /);
    const json = run.stdout.slice(run.stdout.indexOf('{'));
    expect(JSON.parse(json)).toMatchObject({ ok: true, tags: [head.slice(0, 7)] });
  });
});
