import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readGitHistory } from './git-log';

const dir = mkdtempSync(join(tmpdir(), 'release-git-log-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const env = {
  ...process.env,
  GIT_AUTHOR_NAME: 'Ada Lovelace',
  GIT_AUTHOR_EMAIL: 'ada@example.com',
  GIT_COMMITTER_NAME: 'Ada Lovelace',
  GIT_COMMITTER_EMAIL: 'ada@example.com',
  GIT_CONFIG_GLOBAL: '/dev/null',
};
const git = (...args: string[]) =>
  execFileSync('git', ['-C', dir, ...args], { env, encoding: 'utf8' }).trim();

describe('readGitHistory', () => {
  git('init', '-q', '-b', 'main');
  const first = (() => {
    writeFileSync(join(dir, 'a.txt'), 'a');
    git('add', '-A');
    execFileSync('git', ['-C', dir, 'commit', '-q', '-m', 'feat: start'], { env });
    return git('rev-parse', 'HEAD');
  })();
  git('tag', '-a', 'v1.0.0', '-m', 'Release v1.0.0');
  git('checkout', '-q', '-b', 'side');
  writeFileSync(join(dir, 'b file.txt'), 'b');
  git('add', '-A');
  execFileSync('git', ['-C', dir, 'commit', '-q', '-F', '-'], {
    env,
    input: 'fix: b | <img src=x>\n\nBody line\n\nFlow-Source-Commit: abc',
  });
  const side = git('rev-parse', 'HEAD');
  git('checkout', '-q', 'main');
  writeFileSync(join(dir, 'c.txt'), 'c');
  git('add', '-A');
  execFileSync('git', ['-C', dir, 'commit', '-q', '-m', 'docs: c'], { env });
  execFileSync(
    'git',
    ['-C', dir, 'merge', '-q', '--no-ff', 'side', '-m', 'Merge pull request #4 from x/side'],
    { env },
  );
  const merge = git('rev-parse', 'HEAD');
  git('tag', 'light', first);

  it('reads commits with parents, subjects, bodies and authors; tags peeled; branches', async () => {
    const history = await readGitHistory(dir);
    expect(history.commits.size).toBe(4);
    expect(history.tags).toEqual(
      new Map([
        ['light', first],
        ['v1.0.0', first],
      ]),
    );
    expect(history.branches).toEqual(
      new Map([
        ['main', merge],
        ['side', side],
      ]),
    );
    expect(history.commits.get(side)).toEqual({
      sha: side,
      parents: [first],
      subject: 'fix: b | <img src=x>',
      body: 'Body line\n\nFlow-Source-Commit: abc',
      author: { name: 'Ada Lovelace' },
      paths: [],
    });
    expect(history.commits.get(merge)?.parents).toHaveLength(2);
  });

  it('with paths, lists the files each commit changed against its first parent (a merge: what it brought in)', async () => {
    const history = await readGitHistory(dir, { paths: true });
    expect(history.commits.get(side)?.paths).toEqual(['b file.txt']);
    expect(history.commits.get(first)?.paths).toEqual(['a.txt']);
    expect(history.commits.get(merge)?.paths).toEqual(['b file.txt']);
  });

  it('refuses a folder that is not a checkout, and a shallow clone, saying how to check out', async () => {
    const empty = mkdtempSync(join(tmpdir(), 'release-not-git-'));
    await expect(readGitHistory(empty, { label: 'the checkout' })).rejects.toThrow(
      /^the checkout is not a git checkout with history .*check it out with actions\/checkout and fetch-depth: 0\.$/,
    );
    const shallow = join(empty, 'shallow');
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${dir}`, shallow], { env });
    await expect(readGitHistory(shallow, { label: 'the checkout' })).rejects.toThrow(
      /^the checkout is a shallow clone, so the previous release and the commits since are unknown/,
    );
    rmSync(empty, { recursive: true, force: true });
  });
});
