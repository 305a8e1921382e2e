import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, exec, messageFor, RecordingLogger } from '@flow-actions/action-kit';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  checkSources,
  mapIntoTree,
  readCheckout,
  resolveCommitIn,
  type SourceCheckRequest,
  withCommitTree,
} from './checkout';
import type { ImageTarget } from './inputs';

// The source check against real git repositories in temporary folders: what git reports is
// what the check judges.

const GIT_ENV = {
  ...process.env,
  GIT_CONFIG_NOSYSTEM: '1',
  GIT_AUTHOR_NAME: 't',
  GIT_AUTHOR_EMAIL: 't@example.com',
  GIT_COMMITTER_NAME: 't',
  GIT_COMMITTER_EMAIL: 't@example.com',
};

let temp: string;
beforeAll(async () => {
  temp = await realpath(await mkdtemp(join(tmpdir(), 'build-by-sha-checkout-')));
});
afterAll(() => rm(temp, { recursive: true, force: true }));

async function git(dir: string, ...args: string[]): Promise<string> {
  return (await exec('git', ['-C', dir, ...args], { env: GIT_ENV })).stdout.trim();
}

/** A repository with a Dockerfile context and a .gitignore, one commit; returns its sha. */
async function repository(name: string): Promise<{ dir: string; sha: string }> {
  const dir = join(temp, name);
  await mkdir(join(dir, 'app'), { recursive: true });
  await writeFile(join(dir, 'app', 'Dockerfile'), 'FROM scratch\nCOPY hello.txt /\n');
  await writeFile(join(dir, 'app', 'hello.txt'), 'one\n');
  await writeFile(join(dir, 'README.md'), 'readme\n');
  await writeFile(join(dir, '.gitignore'), 'node_modules/\n*.log\n');
  await git(dir, 'init', '-q', '-b', 'main');
  await git(dir, 'add', '-A');
  await git(dir, 'commit', '-q', '-m', 'one');
  return { dir, sha: await git(dir, 'rev-parse', 'HEAD') };
}

const image = (dir: string, extra: Partial<ImageTarget> = {}): ImageTarget => ({
  repository: 'ghcr.io/acme/app',
  context: join(dir, 'app'),
  file: join(dir, 'app', 'Dockerfile'),
  buildArgs: [],
  platforms: [],
  ...extra,
});

function request(
  sha: string,
  images: ImageTarget[],
  extra: Partial<SourceCheckRequest> = {},
): SourceCheckRequest {
  return {
    kind: 'image',
    images,
    commit: { sha, source: 'GITHUB_SHA' },
    allowDirty: false,
    extraTags: [],
    latest: false,
    sha: { shaLength: 7, tagPrefix: '' },
    ...extra,
  };
}

const noLabel = async () => undefined;

describe('readCheckout', () => {
  it('reads the top level, HEAD and what git reports, without what git ignores', async () => {
    const { dir, sha } = await repository('read');
    await mkdir(join(dir, 'node_modules', 'x'), { recursive: true });
    await writeFile(join(dir, 'node_modules', 'x', 'index.js'), '');
    await writeFile(join(dir, 'build.log'), '');
    await writeFile(join(dir, 'app', 'hello.txt'), 'two\n');
    await mkdir(join(dir, 'new', 'deep'), { recursive: true });
    await writeFile(join(dir, 'new', 'deep', 'file.txt'), '');
    expect(await readCheckout(join(dir, 'app'))).toEqual({
      root: dir,
      head: sha,
      changes: [
        { status: ' M', path: 'app/hello.txt' },
        { status: '??', path: 'new/deep/file.txt' },
      ],
    });
  });

  it('a submodule answers for its superproject, which pins its commit', async () => {
    const inner = await repository('inner');
    const { dir } = await repository('outer');
    await git(dir, '-c', 'protocol.file.allow=always', 'submodule', 'add', '-q', inner.dir, 'vendor/inner');
    await git(dir, 'commit', '-q', '-m', 'add the submodule');
    const head = await git(dir, 'rev-parse', 'HEAD');
    expect(await readCheckout(join(dir, 'vendor', 'inner', 'app'))).toEqual({ root: dir, head, changes: [] });
    await writeFile(join(dir, 'vendor', 'inner', 'app', 'hello.txt'), 'changed\n');
    expect((await readCheckout(join(dir, 'vendor', 'inner')))?.changes).toEqual([
      { status: ' M', path: 'vendor/inner' },
    ]);
  });

  it('is undefined outside a checkout and for a folder that does not exist', async () => {
    const plain = join(temp, 'plain');
    await mkdir(plain);
    expect(await readCheckout(plain)).toBeUndefined();
    expect(await readCheckout(join(temp, 'missing'))).toBeUndefined();
  });

  it('a repository without a commit is a clear error', async () => {
    const empty = join(temp, 'empty');
    await mkdir(empty);
    await git(empty, 'init', '-q');
    await expect(readCheckout(empty)).rejects.toThrow(`The git checkout in ${empty} has no commit yet`);
  });
});

describe('checkSources', () => {
  it('a clean checkout of the commit passes; git-ignored files do not count', async () => {
    const { dir, sha } = await repository('clean');
    await mkdir(join(dir, 'app', 'node_modules'), { recursive: true });
    await writeFile(join(dir, 'app', 'node_modules', 'dep.js'), '');
    await writeFile(join(dir, 'app', 'debug.log'), '');
    expect(await checkSources(request(sha, [image(dir)]), { readLayoutRevision: noLabel })).toBe(undefined);
  });

  it('a change outside the context does not reach the image', async () => {
    const { dir, sha } = await repository('elsewhere');
    await writeFile(join(dir, 'README.md'), 'edited\n');
    expect(await checkSources(request(sha, [image(dir)]), { readLayoutRevision: noLabel })).toBe(undefined);
  });

  it('refuses a modified and an untracked file in the context, naming them', async () => {
    const { dir, sha } = await repository('dirty');
    await writeFile(join(dir, 'app', 'hello.txt'), 'two\n');
    await writeFile(join(dir, 'app', 'extra.txt'), 'new\n');
    const run = checkSources(request(sha, [image(dir)]), { readLayoutRevision: noLabel });
    await expect(run).rejects.toThrow(ConfigurationError);
    await expect(run).rejects.toThrow(
      `2 change(s) not in commit ${sha.slice(0, 7)} reach what is built: app/extra.txt (untracked), app/hello.txt (modified). Commit them`,
    );
  });

  it('with allow-dirty: a dirty tag named after the changes, and a loud warning', async () => {
    const { dir, sha } = await repository('allowed');
    await writeFile(join(dir, 'app', 'hello.txt'), 'two\n');
    const logger = new RecordingLogger();
    const options = { readLayoutRevision: noLabel, logger };
    const dirty = await checkSources(request(sha, [image(dir)], { allowDirty: true }), options);
    expect(dirty?.tag).toMatch(new RegExp(`^dirty-${sha.slice(0, 7)}-[0-9a-f]{12}$`));
    expect(dirty?.changes).toEqual([{ status: ' M', path: 'app/hello.txt' }]);
    const warning = logger.entries.find((entry) => entry.level === 'warning')?.message ?? '';
    expect(warning).toContain('BUILDING UNCOMMITTED CHANGES (allow-dirty: true): app/hello.txt (modified)');
    expect(warning).toContain(`never ${sha.slice(0, 7)}`);
    // The same changes again: the same tag. Other bytes: another one.
    expect((await checkSources(request(sha, [image(dir)], { allowDirty: true }), options))?.tag).toBe(
      dirty?.tag,
    );
    await writeFile(join(dir, 'app', 'hello.txt'), 'three\n');
    expect((await checkSources(request(sha, [image(dir)], { allowDirty: true }), options))?.tag).not.toBe(
      dirty?.tag,
    );
  });

  it('allow-dirty never lets extra tags or latest onto a dirty build', async () => {
    const { dir, sha } = await repository('dirty-extra');
    await writeFile(join(dir, 'app', 'hello.txt'), 'two\n');
    await expect(
      checkSources(request(sha, [image(dir)], { allowDirty: true, extraTags: ['pr-7'], latest: true }), {
        readLayoutRevision: noLabel,
      }),
    ).rejects.toThrow(
      /^Inputs "extra-tags" and "latest" are refused on a dirty build: it is tagged dirty-[0-9a-f]{7}-[0-9a-f]{12} only, and pr-7, latest would present it/,
    );
  });

  it('allow-dirty does not let another commit through', async () => {
    const { dir } = await repository('other');
    await expect(
      checkSources(request('a'.repeat(40), [image(dir)], { allowDirty: true }), {
        readLayoutRevision: noLabel,
      }),
    ).rejects.toThrow(/has commit [0-9a-f]{7} checked out, not aaaaaaa/);
  });

  it('an archive: its own untracked file is fine, any other change in the tree is not', async () => {
    const { dir, sha } = await repository('archive');
    await mkdir(join(dir, '.serverless'));
    await writeFile(join(dir, '.serverless', 'api.zip'), 'PK');
    const archive = request(sha, [image(dir, { path: join(dir, '.serverless', 'api.zip') })], {
      kind: 'archive',
    });
    const options = { readLayoutRevision: noLabel };
    expect(await checkSources(archive, options)).toBeUndefined();
    await writeFile(join(dir, 'README.md'), 'edited\n');
    await expect(checkSources(archive, options)).rejects.toThrow('README.md (modified)');
  });

  it('a layout: its label speaks for it without a checkout; without one it needs a clean checkout', async () => {
    const plain = join(temp, 'layouts');
    await mkdir(join(plain, 'out'), { recursive: true });
    const target = image(plain, { fromOciLayout: `oci:${join(plain, 'out')}:1` });
    const sha = 'b'.repeat(40);
    expect(
      await checkSources(request(sha, [target]), { readLayoutRevision: async () => sha }),
    ).toBeUndefined();
    await expect(checkSources(request(sha, [target]), { readLayoutRevision: noLabel })).rejects.toThrow(
      `${join(plain, 'out')} is not in a git checkout, so nothing shows that the layout (it carries no org.opencontainers.image.revision) for ghcr.io/acme/app is commit bbbbbbb's`,
    );
    const { dir, sha: head } = await repository('layout-checkout');
    await mkdir(join(dir, 'out'));
    await writeFile(join(dir, 'out', 'index.json'), '{}');
    const inCheckout = image(dir, { fromOciLayout: `oci:${join(dir, 'out')}` });
    expect(await checkSources(request(head, [inCheckout]), { readLayoutRevision: noLabel })).toBeUndefined();
  });

  it('outside any checkout, a Dockerfile build is refused', async () => {
    const plain = join(temp, 'no-git');
    await mkdir(join(plain, 'app'), { recursive: true });
    await writeFile(join(plain, 'app', 'Dockerfile'), 'FROM scratch\n');
    await expect(
      checkSources(request('c'.repeat(40), [image(plain)]), {
        readLayoutRevision: noLabel,
      }),
    ).rejects.toThrow(`${join(plain, 'app')} is not in a git checkout`);
  });
});

describe('withCommitTree and mapIntoTree', () => {
  let repo: { dir: string; sha: string };
  let second: string;
  beforeEach(async () => {
    repo = await repository(`tree-${Date.now()}`);
    await writeFile(join(repo.dir, 'app', 'hello.txt'), 'two\n');
    await git(repo.dir, 'commit', '-q', '-am', 'two');
    second = await git(repo.dir, 'rev-parse', 'HEAD');
  });

  it("builds from the commit's own files, and the worktree is gone afterwards", async () => {
    const checkout = await readCheckout(repo.dir);
    if (!checkout) throw new Error('no checkout');
    const seen = await withCommitTree(checkout, repo.sha, temp, async (tree) => {
      const [mapped] = await mapIntoTree([image(repo.dir)], checkout.root, tree);
      expect(mapped?.context).toBe(join(tree, 'app'));
      expect(mapped?.file).toBe(join(tree, 'app', 'Dockerfile'));
      return { tree, content: await readFile(join(mapped?.context ?? '', 'hello.txt'), 'utf8') };
    });
    expect(seen.content).toBe('one\n');
    expect(existsSync(seen.tree)).toBe(false);
    expect(await git(repo.dir, 'worktree', 'list', '--porcelain')).not.toContain(seen.tree);
    expect(await git(repo.dir, 'rev-parse', 'HEAD')).toBe(second);
  });

  it('removes the worktree when the build fails too', async () => {
    const checkout = await readCheckout(repo.dir);
    if (!checkout) throw new Error('no checkout');
    let tree = '';
    await expect(
      withCommitTree(checkout, repo.sha, temp, async (dir) => {
        tree = dir;
        throw new Error('build failed');
      }),
    ).rejects.toThrow('build failed');
    expect(existsSync(tree)).toBe(false);
    expect(await git(repo.dir, 'worktree', 'list', '--porcelain')).not.toContain(tree);
  });

  it('an archive the commit does not track stays where it was, and is then refused', async () => {
    await writeFile(join(repo.dir, 'app.zip'), 'made from HEAD');
    const checkout = await readCheckout(repo.dir);
    if (!checkout) throw new Error('no checkout');
    await withCommitTree(checkout, repo.sha, temp, async (tree) => {
      const images = await mapIntoTree(
        [image(repo.dir, { path: join(repo.dir, 'app.zip') })],
        checkout.root,
        tree,
      );
      expect(images[0]?.path).toBe(join(repo.dir, 'app.zip'));
      const refused = await checkSources(request(repo.sha, images, { kind: 'archive' }), {
        readLayoutRevision: noLabel,
      }).catch((error: unknown) => error);
      expect(messageFor(refused, { kind: 'cli', flags: {} })).toContain(
        `has commit ${second.slice(0, 7)} checked out, not ${repo.sha.slice(0, 7)} (GITHUB_SHA), and the archive for ghcr.io/acme/app was made there: make it again in a checkout of ${repo.sha.slice(0, 7)}`,
      );
    });
  });

  it('a commit the repository does not have is a clear error, and nothing is left behind', async () => {
    const checkout = await readCheckout(repo.dir);
    if (!checkout) throw new Error('no checkout');
    await expect(withCommitTree(checkout, 'd'.repeat(40), temp, async () => 'never')).rejects.toThrow(
      `Cannot check out commit ddddddd from ${repo.dir} to build it`,
    );
    expect(await git(repo.dir, 'worktree', 'list', '--porcelain')).not.toContain(
      temp.concat('/flow-build-tree-'),
    );
  });
});

describe('resolveCommitIn', () => {
  it('expands an abbreviated sha or a branch in the checkout; a full sha stands as it is', async () => {
    const { dir, sha } = await repository('resolve');
    const checkout = await readCheckout(dir);
    expect(await resolveCommitIn(sha.slice(0, 9), checkout)).toBe(sha);
    expect(await resolveCommitIn('main', checkout)).toBe(sha);
    expect(await resolveCommitIn('E'.repeat(40), undefined)).toBe('e'.repeat(40));
    await expect(resolveCommitIn('nope', checkout)).rejects.toThrow(
      `Input "sha" value "nope" is no commit of ${dir}`,
    );
    await expect(resolveCommitIn('abc1234', undefined)).rejects.toThrow(
      'Input "sha" value "abc1234" is not a full 40-character commit sha, and there is no git checkout here',
    );
  });
});
