import { chmod, mkdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repositoryRoot } from '../../scripts/release/actions';
import { listTree } from '../../scripts/release/assemble';
import { CLI_FOLDER } from '../../scripts/release/cli-package';
import { gitIn } from '../../scripts/release/git';
import { startGitHubFake, toPermissions } from '../github-fake';
import { startGitServer } from '../services';
import { makeWorld, ok, refused, removeScratch, scratchDir, trailer, treeFor } from './world';

// `pnpm release` as a real process against real bare repositories: what it pushes is read back
// with git, as an adopter's runner reads `org/flow-actions/<action>@v1`.

afterAll(removeScratch);

describe('pnpm release against a bare repository', () => {
  it('two releases: one orphan line releases/v1, a commit each with its source in a trailer; v1 moves to the newer', async () => {
    const world = await makeWorld();
    const first = await world.land('feat: first');
    expect(ok(await world.release(['1.0.0', '--tree', await treeFor('1.0.0')]))).toContain(
      'Released v1.0.0: commit ',
    );
    const second = await world.land('fix: second');
    const out = ok(await world.release(['v1.1.0', '--tree', await treeFor('1.1.0')]));
    expect(out).toMatch(/v1 moves from [0-9a-f]{12} to it; notes since v1\.0\.0/);

    const refs = await world.refs();
    const [v100, v110] = [refs['refs/tags/v1.0.0'], refs['refs/tags/v1.1.0']] as [string, string];
    expect(refs['refs/tags/v1']).toBe(v110);
    expect(refs['refs/heads/releases/v1']).toBe(v110);
    expect(v100).not.toBe(v110);
    // Lightweight tags: `git ls-remote` gives the release commit itself, the sha a pin names.
    expect(refs['refs/tags/v1.1.0^{}']).toBeUndefined();

    const remote = gitIn(world.remote);
    expect((await remote(['rev-list', '--parents', '-n', '1', v110])).trim()).toBe(`${v110} ${v100}`);
    expect((await remote(['rev-list', '--parents', '-n', '1', v100])).trim()).toBe(v100);
    expect(await remote(['merge-base', 'main', 'releases/v1'], { allowFailure: true })).toBe('');
    expect(await trailer(remote, v100, 'Flow-Source-Commit')).toBe(first);
    expect(await trailer(remote, v110, 'Flow-Source-Commit')).toBe(second);
    expect(await trailer(remote, v110, 'Flow-Release-Version')).toBe('1.1.0');
  });

  it('what an adopter fetches at @v1 and @v1.0.0 is the tested tree, byte for byte: each action.yml and dist/index.js', async () => {
    const world = await makeWorld();
    await world.land('feat: first');
    ok(await world.release(['1.0.0', '--tree', await treeFor('1.0.0')]));
    const tree = await treeFor('1.0.0');
    const files = await listTree(tree);
    // Every bundle: each action's, and the flow CLI's (cli/), which has no action.yml.
    const bundles = files
      .filter((file) => /^[^/]+\/dist\/index\.js$/.test(file))
      .map((file) => file.split('/')[0] as string);
    expect(bundles.length).toBeGreaterThan(0);
    for (const ref of ['v1', 'v1.0.0']) {
      const clone = join(await scratchDir('flow-adopter-'), 'flow-actions');
      await exec('git', [
        'clone',
        '--quiet',
        '--depth',
        '1',
        '--branch',
        ref,
        `file://${world.remote}`,
        clone,
      ]);
      await rm(join(clone, '.git'), { recursive: true });
      expect(await listTree(clone)).toEqual(files);
      for (const folder of bundles) {
        expect(await readFile(join(clone, folder, 'dist', 'index.js'))).toEqual(
          await readFile(join(tree, folder, 'dist', 'index.js')),
        );
      }
      for (const uses of bundles.filter((folder) => folder !== CLI_FOLDER)) {
        expect(parse(await readFile(join(clone, uses, 'action.yml'), 'utf8')).runs).toMatchObject({
          using: 'node24',
          main: 'dist/index.js',
        });
      }
    }
  }, 180_000);

  it('a patch of an older minor goes on releases/v1 and leaves v1 on the newer release; a new major opens its own line', async () => {
    const world = await makeWorld();
    await world.land('feat: first');
    ok(await world.release(['1.4.0', '--tree', await treeFor('1.4.0')]));
    await world.land('feat: second');
    ok(await world.release(['1.5.0', '--tree', await treeFor('1.5.0')]));
    await world.land('fix: the patch');
    const out = ok(await world.release(['1.4.1', '--tree', await treeFor('1.4.1')]));
    expect(out).toMatch(/v1 stays at [0-9a-f]{12} \(v1\.5\.0 is newer\)/);
    let refs = await world.refs();
    expect(refs['refs/tags/v1']).toBe(refs['refs/tags/v1.5.0']);
    expect(refs['refs/heads/releases/v1']).toBe(refs['refs/tags/v1.4.1']);

    await world.land('feat!: a new major');
    ok(await world.release(['2.0.0', '--tree', await treeFor('2.0.0')]));
    await world.land('fix: for 1.x users');
    ok(await world.release(['1.5.1', '--tree', await treeFor('1.5.1')]));
    refs = await world.refs();
    expect(refs['refs/tags/v2']).toBe(refs['refs/tags/v2.0.0']);
    expect(refs['refs/heads/releases/v2']).toBe(refs['refs/tags/v2.0.0']);
    expect(refs['refs/tags/v1']).toBe(refs['refs/tags/v1.5.1']);
    const remote = gitIn(world.remote);
    expect((await remote(['rev-list', '--count', 'releases/v2'])).trim()).toBe('1');
    expect((await remote(['rev-list', '--count', 'releases/v1'])).trim()).toBe('4');
  });

  it('an existing version, or a new minor below the newest, is refused in one line and nothing is pushed', async () => {
    const world = await makeWorld();
    await world.land('feat: first');
    ok(await world.release(['1.0.0', '--tree', await treeFor('1.0.0')]));
    await world.land('feat: second');
    ok(await world.release(['1.2.0', '--tree', await treeFor('1.2.0')]));
    const before = await world.refs();
    expect(refused(await world.release(['1.0.0', '--tree', await treeFor('1.0.0')]))).toMatch(
      /^pnpm release refused: v1\.0\.0 is already released \(release commit [0-9a-f]{12}\): a version is released once, never replaced/,
    );
    expect(refused(await world.release(['1.1.0', '--tree', await treeFor('1.1.0')]))).toBe(
      'pnpm release refused: v1.1.0 would open the minor line 1.1 below v1.2.0: below the newest release only a patch of a released minor is allowed; release v1.3.0 instead.',
    );
    expect(await world.refs()).toEqual(before);
  });

  it('a dirty checkout, or a commit main does not hold, is refused before anything is written; --allow-… records it', async () => {
    const world = await makeWorld();
    await world.land('feat: first');
    const checkout = world.source.cwd;
    await writeFile(join(checkout, 'notes.txt'), 'not committed');
    expect(refused(await world.release(['1.0.0', '--tree', await treeFor('1.0.0')]))).toBe(
      'pnpm release refused: The checkout has uncommitted or untracked changes (notes.txt), which would go into the release tree but are in no commit: commit or stash them, or pass --allow-dirty to release them anyway (the release commit says so).',
    );
    expect(await world.refs()).not.toHaveProperty(['refs/tags/v1.0.0']);
    ok(await world.release(['1.0.0', '--tree', await treeFor('1.0.0'), '--allow-dirty']));
    const refs = await world.refs();
    expect(await trailer(gitIn(world.remote), refs['refs/tags/v1.0.0'] as string, 'Flow-Source-Dirty')).toBe(
      'true',
    );
    await rm(join(checkout, 'notes.txt'));

    // A commit not pushed to main, then one main holds only as a merge's second parent.
    await world.source(['commit', '--quiet', '--allow-empty', '-m', 'feat: local only']);
    const local = (await world.source(['rev-parse', 'HEAD'])).trim();
    expect(refused(await world.release(['1.1.0', '--tree', await treeFor('1.1.0')]))).toBe(
      `pnpm release refused: HEAD ${local.slice(0, 12)} is not on the first-parent line of main on origin (now ${refs['refs/heads/main']?.slice(0, 12)}): release a commit main holds (push it first), or pass --allow-off-main for a hotfix of an older line.`,
    );
    await world.source(['branch', 'topic']);
    await world.source(['reset', '--quiet', '--hard', 'HEAD~1']);
    await world.source(['merge', '--quiet', '--no-ff', '-m', 'Merge topic', 'topic']);
    await world.source(['push', '--quiet', 'origin', 'HEAD:refs/heads/main']);
    await world.source(['checkout', '--quiet', 'topic']);
    expect(refused(await world.release(['1.1.0', '--tree', await treeFor('1.1.0')]))).toContain(
      `HEAD ${local.slice(0, 12)} is not on the first-parent line of main`,
    );
    ok(await world.release(['1.1.0', '--tree', await treeFor('1.1.0'), '--allow-off-main']));
    expect((await world.refs())['refs/tags/v1.1.0']).toBeDefined();
  });

  it('a shallow checkout is refused: whether HEAD is on main cannot be told from it', async () => {
    const world = await makeWorld();
    await world.land('feat: first');
    await world.land('feat: second');
    const shallow = join(await scratchDir('flow-shallow-'), 'flow-actions');
    await exec('git', ['clone', '--quiet', '--depth', '1', `file://${world.remote}`, shallow]);
    const result = await exec(
      join(repositoryRoot, 'node_modules', '.bin', 'tsx'),
      [join(repositoryRoot, 'scripts', 'release.ts'), '1.0.0', '--dry-run'],
      { cwd: shallow, allowFailure: true },
    );
    expect(refused(result)).toBe(
      'pnpm release refused: The checkout is shallow, so git cannot tell whether HEAD is on main: fetch the whole history (git fetch --unshallow; in a workflow, actions/checkout with fetch-depth: 0).',
    );
  });

  it('--dry-run checks and prints the plan, and writes nothing anywhere', async () => {
    const world = await makeWorld();
    await world.land('feat: first');
    const localRefs = await world.source(['for-each-ref']);
    const out = ok(await world.release(['1.0.0', '--dry-run']));
    expect(out).toContain(
      'one commit on releases/v1 (parent none: a new line), tagged v1.0.0; v1 is created to it',
    );
    expect(out).toContain('Dry run: nothing written.');
    expect(Object.keys(await world.refs()).sort()).toEqual(['HEAD', 'refs/heads/main']);
    expect(await world.source(['for-each-ref'])).toBe(localRefs);
  });

  it('two releases at once: the atomic push of the one that lands second fails whole, and nothing of it remains', async () => {
    const world = await makeWorld();
    await world.land('feat: first');
    ok(await world.release(['1.0.0', '--tree', await treeFor('1.0.0')]));
    await world.land('feat: second');
    // The remote holds the first push to arrive until the test lets it go, after a second release
    // has landed: the first then finds every ref it leased moved on.
    const hold = join(world.remote, 'hold');
    await mkdir(hold);
    const hook = join(world.remote, 'hooks', 'pre-receive');
    await writeFile(
      hook,
      [
        '#!/bin/sh',
        'cat >/dev/null',
        `if mkdir "${hold}/first" 2>/dev/null; then`,
        `  touch "${hold}/arrived"`,
        '  n=0',
        `  while [ ! -e "${hold}/go" ] && [ $n -lt 600 ]; do sleep 0.05; n=$((n+1)); done`,
        'fi',
      ].join('\n'),
    );
    await chmod(hook, 0o755);
    const slow = world.release(['1.1.0', '--tree', await treeFor('1.1.0')]);
    await waitFor(join(hold, 'arrived'));
    ok(await world.release(['1.2.0', '--tree', await treeFor('1.2.0')]));
    const landed = await world.refs();
    const localRefs = await world.source(['for-each-ref']);
    await writeFile(join(hold, 'go'), '');

    expect(refused(await slow)).toMatch(
      /^pnpm release failed: The push to origin was refused as a whole, so nothing was written \(.*refs\/tags\/v1\.1\.0.*\): another release or push changed the line since it was read — run pnpm release again; it plans on top of what is there now\.$/,
    );
    expect(await world.refs()).toEqual(landed);
    expect(landed).not.toHaveProperty(['refs/tags/v1.1.0']);
    expect(landed['refs/tags/v1']).toBe(landed['refs/tags/v1.2.0']);
    expect(landed['refs/heads/releases/v1']).toBe(landed['refs/tags/v1.2.0']);
    expect(await world.source(['for-each-ref'])).toBe(localRefs);
    // Run again, it plans on top of v1.2.0: 1.1.0 is now a new minor below the newest.
    expect(refused(await world.release(['1.1.0', '--tree', await treeFor('1.1.0')]))).toContain(
      'release v1.3.0 instead',
    );
  });

  it('--require-checks reads the commit’s CI from GitHub with the release job’s permissions: red is refused, green released', async () => {
    const world = await makeWorld();
    const commit = await world.land('feat: first');
    const token = 'ghs_releaseJobToken000000000000000000';
    const github = await startGitHubFake({ token, repository: 'acme/flow-actions' });
    try {
      const workflow = parse(
        await readFile(join(repositoryRoot, '.github', 'workflows', 'release.yml'), 'utf8'),
      );
      github.permissions = toPermissions(workflow.jobs.release.permissions);
      const env = { GITHUB_TOKEN: token, GITHUB_REPOSITORY: 'acme/flow-actions', GITHUB_API_URL: github.url };
      github.seed.checkRun({ name: 'CI', head_sha: commit, conclusion: 'failure' });
      const red = refused(
        await world.release(['1.0.0', '--tree', await treeFor('1.0.0'), '--require-checks', 'CI'], env),
      );
      expect(red).toMatch(
        /^pnpm release refused: [0-9a-f]{12} is not released: 1 of 1 required check\(s\) not green: did not pass: `CI` \(check run failure/,
      );
      expect(red).not.toContain(token);
      expect(await world.refs()).not.toHaveProperty(['refs/tags/v1.0.0']);

      github.seed.checkRun({ name: 'CI', head_sha: commit, conclusion: 'success' });
      ok(await world.release(['1.0.0', '--tree', await treeFor('1.0.0'), '--require-checks', 'CI'], env));
      expect(await world.refs()).toHaveProperty(['refs/tags/v1.0.0']);
      expect(github.schemaViolations).toEqual([]);
    } finally {
      await github.stop();
    }
  });

  it('in the release job, git pushes with the step’s GITHUB_TOKEN through the helper the workflow configures, never stored', async () => {
    const token = 'ghs_releasePushToken00000000000000000000';
    const server = await startGitServer({ token });
    try {
      const repo = await server.createBareRepository('flow-actions', { files: { CHANGES: 'first\n' } });
      const checkout = join(await scratchDir('flow-release-job-'), 'flow-actions');
      await exec('git', [
        '-c',
        `http.extraHeader=Authorization: Bearer ${token}`,
        'clone',
        '--quiet',
        repo.url,
        checkout,
      ]);
      const workflow = parse(
        await readFile(join(repositoryRoot, '.github', 'workflows', 'release.yml'), 'utf8'),
      );
      const configure = (workflow.jobs.release.steps as { name?: string; run?: string }[]).find(
        (step) => step.name === "Let git use the step's token",
      )?.run as string;
      await exec('bash', ['-e', '-c', configure], { cwd: checkout });
      const git = gitIn(checkout);
      const identity = {
        GIT_AUTHOR_NAME: 'bot',
        GIT_AUTHOR_EMAIL: 'bot@example.com',
        GIT_COMMITTER_NAME: 'bot',
        GIT_COMMITTER_EMAIL: 'bot@example.com',
      };
      const tree = await treeFor('1.0.0');
      const release = (env: NodeJS.ProcessEnv) =>
        exec(
          join(repositoryRoot, 'node_modules', '.bin', 'tsx'),
          [join(repositoryRoot, 'scripts', 'release.ts'), '1.0.0', '--tree', tree],
          {
            cwd: checkout,
            env: { ...process.env, GITHUB_TOKEN: undefined, GIT_TERMINAL_PROMPT: '0', ...identity, ...env },
            allowFailure: true,
          },
        );

      // A step without the token (the test step) cannot reach the repository.
      expect(refused(await release({}))).toMatch(/^pnpm release refused: --remote origin cannot be read/);
      const pushed = await release({ GITHUB_TOKEN: token });
      expect(pushed.stderr).toBe('');
      expect(pushed.stdout).toContain('Released v1.0.0');
      expect(pushed.stdout + pushed.stderr).not.toContain(token);
      expect(
        server.requests.some((r) => r.service === 'git-receive-pack' && r.authenticated && r.status === 200),
      ).toBe(true);
      expect(
        (await git(['ls-remote', '--tags', 'origin'], { env: { ...process.env, GITHUB_TOKEN: token } }))
          .split('\n')
          .map((line) => line.split('\t')[1]),
      ).toEqual(expect.arrayContaining(['refs/tags/v1', 'refs/tags/v1.0.0']));
      expect(await readFile(join(checkout, '.git', 'config'), 'utf8')).not.toContain(token);
    } finally {
      await server.stop();
    }
  });

  it('a tree assembled for another version, or without the CLI package, is refused before anything is written', async () => {
    const world = await makeWorld();
    await world.land('feat: first');
    const tree = await treeFor('1.0.0');
    expect(refused(await world.release(['1.1.0', '--tree', tree]))).toBe(
      `pnpm release refused: --tree ${tree} holds @flow-actions/cli@1.0.0, not @flow-actions/cli@1.1.0: assemble the tree for this version (pnpm release:assemble <dir> --version 1.1.0), test it, and release that.`,
    );
    const noCli = await scratchDir('flow-tree-without-cli-');
    await writeFile(join(noCli, 'README.md'), '# flow-actions\n');
    expect(refused(await world.release(['1.1.0', '--tree', noCli]))).toBe(
      `pnpm release refused: --tree ${noCli} has no cli/package.json, so no flow CLI package: pass the folder pnpm release:assemble wrote.`,
    );
    expect(await world.refs()).toEqual({ HEAD: expect.any(String), 'refs/heads/main': expect.any(String) });
  });

  it('bad arguments are usage errors (exit 2) before anything is read', async () => {
    const world = await makeWorld();
    await world.land('feat: first');
    for (const args of [[], ['1.0.0', '2.0.0'], ['1.0.0', '--frobnicate']]) {
      const result = await world.release(args);
      expect(result.exitCode, args.join(' ')).toBe(2);
      expect(result.stderr).toMatch(/^pnpm release: .*\n\nusage: pnpm release <version>/);
    }
    expect(refused(await world.release(['1.0', '--tree', await treeFor('1.0.0')]))).toBe(
      'pnpm release refused: <version> "1.0" is not a release version: write MAJOR.MINOR.PATCH, e.g. 1.4.0 (or v1.4.0; a prerelease as 2.0.0-rc.1).',
    );
    expect(refused(await world.release(['1.0.0', '--tree', join(world.remote, 'nothing-here')]))).toContain(
      'is not a folder: pass the folder pnpm release:assemble wrote.',
    );
    expect(refused(await world.release(['1.0.0', '--main', 'trunk']))).toBe(
      'pnpm release refused: --remote origin has no branch trunk: pass --main with the branch releases are made from.',
    );
    expect(refused(await world.release(['1.0.0', '--remote', join(world.remote, 'missing.git')]))).toMatch(
      /^pnpm release refused: --remote \S+missing\.git cannot be read \(.*\): name a configured remote \(git remote -v\) or a repository URL git can reach\.$/,
    );
    expect(await world.refs()).toEqual({ HEAD: expect.any(String), 'refs/heads/main': expect.any(String) });
  });
});

async function waitFor(path: string): Promise<void> {
  for (let attempt = 0; attempt < 400; attempt++) {
    if (
      await stat(path).then(
        () => true,
        () => false,
      )
    )
      return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`${path} never appeared`);
}
