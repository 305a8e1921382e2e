import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseReleaseVersion } from '@flow-actions/versions';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repositoryRoot } from '../../scripts/release/actions';
import { releaseNotes } from '../../scripts/release/notes';
import { startGitHubFake, toPermissions } from '../github-fake';
import { makeWorld, ok, refused, removeScratch, treeFor } from './world';

afterAll(removeScratch);

const sha = (n: number) => String(n).padStart(40, '0');
const commit = (n: number, message: string) => ({ sha: sha(n), message });

describe('release notes', () => {
  it('group the Conventional Commits: breaking changes, features, fixes, other', () => {
    const notes = releaseNotes({
      release: parseReleaseVersion('1.5.0'),
      source: 'b'.repeat(40),
      previous: { tag: 'v1.4.0', source: 'a'.repeat(40) },
      commits: [
        commit(1, 'feat(promote): settle-seconds'),
        commit(2, 'fix: a typo in the summary'),
        commit(3, 'feat(update-manifest)!: path is required'),
        commit(4, 'refactor(oci-store): one client\n\nBREAKING CHANGE: openStore takes options'),
        commit(5, 'docs: the release line'),
        commit(6, 'Update README.md'),
        commit(7, 'fix(build-by-sha): push by digest'),
      ],
    });
    expect(notes).toBe(
      [
        'Changes since v1.4.0 (source aaaaaaa..bbbbbbb).',
        '',
        '### Breaking changes',
        '',
        '- feat(update-manifest)!: path is required (0000000)',
        '- refactor(oci-store): one client (0000000)',
        '',
        '### Features',
        '',
        '- feat(promote): settle-seconds (0000000)',
        '',
        '### Fixes',
        '',
        '- fix: a typo in the summary (0000000)',
        '- fix(build-by-sha): push by digest (0000000)',
        '',
        '### Other',
        '',
        '- docs: the release line (0000000)',
        '- Update README.md (0000000)',
        '',
      ].join('\n'),
    );
  });

  it('say when they begin at the first release, and when nothing changed', () => {
    expect(
      releaseNotes({
        release: parseReleaseVersion('1.0.0'),
        source: 'c'.repeat(40),
        commits: [commit(1, 'feat: x')],
      }),
    ).toBe('The first release, from source ccccccc.\n\n### Features\n\n- feat: x (0000000)\n');
    expect(
      releaseNotes({
        release: parseReleaseVersion('1.0.1'),
        source: 'c'.repeat(40),
        previous: { tag: 'v1.0.0', source: 'c'.repeat(40) },
        commits: [],
      }),
    ).toBe('Changes since v1.0.0 (source ccccccc..ccccccc).\n\nNo commits in between.\n');
  });
});

describe('pnpm release:notes', () => {
  it('reads the span from the release commits’ trailers and publishes the GitHub release once, with the job’s permissions', async () => {
    const world = await makeWorld();
    await world.land('feat: first');
    ok(await world.release(['1.0.0', '--tree', await treeFor('1.0.0')]));
    const fix = await world.land('fix(promote): the patch');
    const feature = await world.land('feat(flow-cli): flow init');
    ok(await world.release(['1.1.0', '--tree', await treeFor('1.1.0')]));

    const printed = ok(await world.notes(['1.1.0']));
    expect(printed).toBe(
      [
        `Changes since v1.0.0 (source ${(await world.source(['rev-parse', '--short=7', 'HEAD~2'])).trim()}..${feature.slice(0, 7)}).`,
        '',
        '### Features',
        '',
        `- feat(flow-cli): flow init (${feature.slice(0, 7)})`,
        '',
        '### Fixes',
        '',
        `- fix(promote): the patch (${fix.slice(0, 7)})`,
        '',
      ].join('\n'),
    );

    const token = 'ghs_notesJobToken0000000000000000000000';
    const github = await startGitHubFake({ token, repository: 'acme/flow-actions' });
    try {
      const workflow = parse(
        await readFile(join(repositoryRoot, '.github', 'workflows', 'release.yml'), 'utf8'),
      );
      github.permissions = toPermissions(workflow.jobs['github-release'].permissions);
      const env = { GITHUB_TOKEN: token, GITHUB_REPOSITORY: 'acme/flow-actions', GITHUB_API_URL: github.url };
      expect(ok(await world.notes(['v1.1.0', '--publish'], env))).toMatch(
        /^GitHub release v1\.1\.0 created: https:/,
      );
      // A re-run of the job finds it there and leaves it.
      expect(ok(await world.notes(['v1.1.0', '--publish'], env))).toBe(
        'GitHub release v1.1.0 exists already: left as it is.\n',
      );
      // A patch of the older line is released, but is not the repository's latest release.
      await world.land('fix: for 1.0 users');
      ok(await world.release(['1.0.1', '--tree', await treeFor('1.0.1')]));
      ok(await world.notes(['1.0.1', '--publish'], env));

      expect(
        github.state.releases.map((release) => [release.tag_name, release.name, release.prerelease]),
      ).toEqual([
        ['v1.1.0', 'flow-actions v1.1.0', false],
        ['v1.0.1', 'flow-actions v1.0.1', false],
      ]);
      expect(github.state.releases[0]?.body).toBe(printed);
      const posted = github.requests.filter((request) => request.method === 'POST');
      expect(posted.map((request) => JSON.parse(request.body).make_latest)).toEqual([
        'true',
        'true',
        'false',
      ]);
      expect(github.schemaViolations).toEqual([]);
    } finally {
      await github.stop();
    }
  });

  it('refuses a version that is not released, and --publish without a token, in one line each', async () => {
    const world = await makeWorld();
    await world.land('feat: first');
    expect(refused(await world.notes(['2.0.0']))).toBe(
      'pnpm release:notes refused: v2.0.0 is not released on origin: release it first (pnpm release 2.0.0).',
    );
    expect(refused(await world.notes(['2.0.0', '--publish']))).toBe(
      'pnpm release:notes refused: --publish creates the GitHub release: set GITHUB_TOKEN (contents: write) and GITHUB_REPOSITORY (owner/name).',
    );
  });
});
