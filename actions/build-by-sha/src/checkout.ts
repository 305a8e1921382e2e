import { existsSync } from 'node:fs';
import { lstat, mkdtemp, readFile, readlink, realpath, rm } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import {
  ConfigurationError,
  exec,
  forAudience,
  input,
  inputs,
  inputValue,
  type Logger,
  nullLogger,
  words,
} from '@flow-actions/action-kit';
import {
  type CommitIdentity,
  isFullSha,
  type ShaTagOptions,
  shaTag,
  shortSha,
} from '@flow-actions/commit-identity';
import { parseReference } from '@flow-actions/oci-store';
import type { Exec } from './builders';
import type { ImageTarget, Kind } from './inputs';
import {
  type Checkout,
  describeChanges,
  digestChanges,
  dirtyTag,
  judgeSources,
  parseStatus,
  refusalMessage,
  type SourceTarget,
  type TreeChange,
} from './source-check';

/** A build let through with uncommitted changes (allow-dirty): its tag and what differs. */
export interface DirtyBuild {
  /** `<prefix>dirty-<short sha>-<digest of the changes>`, written instead of the sha tag. */
  tag: string;
  changes: TreeChange[];
}

/**
 * The git checkout holding `dir`: its top level, HEAD and `git status`; undefined when `dir` is
 * in none. A submodule answers for its superproject, whose commit pins the submodule's and whose
 * status reports it. git refusing a checkout it does not trust is an error, not "no checkout".
 */
export async function readCheckout(dir: string, run: Exec = exec): Promise<Checkout | undefined> {
  const found = await run(
    'git',
    ['-C', dir, 'rev-parse', '--show-toplevel', 'HEAD', '--show-superproject-working-tree'],
    { allowFailure: true },
  ).catch((error: Error) => {
    throw new ConfigurationError(`Cannot run git to check what is built: ${error.message}`);
  });
  if (found.exitCode !== 0) {
    if (/dubious ownership|safe\.directory/.test(found.stderr)) {
      throw new ConfigurationError(
        words`git does not trust the checkout in ${dir} (another user owns it): mark it safe with git config --global --add safe.directory '${dir}'${forAudience({ action: ', as actions/checkout does', cli: '' })}.`,
      );
    }
    if (/ambiguous argument 'HEAD'|unknown revision/.test(found.stderr)) {
      throw new ConfigurationError(`The git checkout in ${dir} has no commit yet: commit, then build.`);
    }
    return undefined;
  }
  const [root = '', head = '', superproject] = found.stdout.trim().split('\n');
  if (superproject) return readCheckout(superproject, run);
  const status = await run('git', [
    '-C',
    root,
    '--no-optional-locks',
    'status',
    '--porcelain=v1',
    '-z',
    '--untracked-files=all',
  ]);
  return { root: await realpath(root), head, changes: parseStatus(status.stdout) };
}

export interface SourceCheckRequest {
  kind: Kind;
  images: readonly ImageTarget[];
  commit: CommitIdentity;
  allowDirty: boolean;
  extraTags: readonly string[];
  latest: boolean;
  sha: ShaTagOptions;
}

export interface SourceCheckOptions {
  /** The revision label of a ready layout (`oci:<dir>[:tag]`); undefined when it carries none. */
  readLayoutRevision(reference: string): Promise<string | undefined>;
  /** Where the loud allow-dirty warning goes. Default: nullLogger. */
  logger?: Logger;
  /** Default: the action kit's exec. */
  exec?: Exec;
}

/**
 * DESIGN §8 rule 7 before anything is looked up or built: every artifact's sources must be in
 * a git checkout of exactly the commit, with no change git reports reaching them (what git
 * ignores does not count). A ready layout labelled with a revision speaks for itself. Throws the
 * refusal; with allow-dirty, changes are let through under a dirty tag, returned here, with a
 * warning that says so.
 */
export async function checkSources(
  request: SourceCheckRequest,
  options: SourceCheckOptions,
): Promise<DirtyBuild | undefined> {
  const run = options.exec ?? exec;
  const checkouts = new Map<string, Promise<Checkout | undefined>>();
  const checkoutOf = (dir: string) => {
    let checkout = checkouts.get(dir);
    if (!checkout) {
      checkout = readCheckout(dir, run);
      checkouts.set(dir, checkout);
    }
    return checkout;
  };
  const targets: SourceTarget[] = [];
  for (const image of request.images) {
    const target = await describeTarget(image, request.kind, options);
    const checkout = target.sources.kind === 'labelled' ? undefined : await checkoutOf(target.dir);
    targets.push(checkout ? { ...target, checkout } : target);
  }

  const verdict = judgeSources(request.commit.sha, targets);
  if (verdict.kind === 'clean') return undefined;
  if (verdict.kind !== 'dirty' || !request.allowDirty) {
    throw new ConfigurationError(refusalMessage(verdict, request.commit));
  }
  const contents = await Promise.all(
    verdict.changes.map(async (change) => ({
      ...change,
      content: await readContent(join(change.root, change.path)),
    })),
  );
  const tag = dirtyTag(request.commit.sha, digestChanges(contents), request.sha);
  const extra = [...request.extraTags, ...(request.latest ? ['latest'] : [])];
  if (extra.length > 0) {
    throw new ConfigurationError(
      words`${inputs('extra-tags', 'latest')} are refused on a dirty build: it is tagged ${tag} only, and ${extra.join(', ')} would present it as a commit's build. Drop them, or commit the changes.`,
    );
  }
  (options.logger ?? nullLogger).warning(
    words`BUILDING UNCOMMITTED CHANGES (${inputValue('allow-dirty', true)}): ${describeChanges(verdict.changes)}. The artifact is tagged ${tag}, never ${shaTag(request.commit.sha, request.sha)}, and labelled revision ${request.commit.sha}-dirty: no lookup by commit finds it, so it is never promoted or deployed as commit ${shortSha(request.commit.sha)}.`,
  );
  return { tag, changes: verdict.changes.map(({ root: _root, ...change }) => change) };
}

/** What an image is made of, with real paths (git reports the checkout's real top level). */
async function describeTarget(
  image: ImageTarget,
  kind: Kind,
  options: SourceCheckOptions,
): Promise<SourceTarget> {
  const { repository } = image;
  if (kind === 'archive') {
    const path = await realpath(image.path as string);
    return { repository, dir: dirname(path), sources: { kind: 'output', output: 'archive', path } };
  }
  if (image.fromOciLayout) {
    if ((await options.readLayoutRevision(image.fromOciLayout)) !== undefined) {
      return { repository, dir: '', sources: { kind: 'labelled' } };
    }
    const reference = parseReference(image.fromOciLayout);
    const path = await realpath(reference.kind === 'layout' ? reference.path : image.fromOciLayout);
    return { repository, dir: path, sources: { kind: 'output', output: 'layout', path } };
  }
  const [context, file] = await Promise.all([realpath(image.context), realpath(image.file)]);
  return { repository, dir: context, sources: { kind: 'build', paths: [context, file] } };
}

/** A changed file's bytes for the dirty tag's digest: a link's target, a folder's name only. */
async function readContent(file: string): Promise<Buffer | string | undefined> {
  const info = await lstat(file).catch(() => undefined);
  if (!info) return undefined;
  if (info.isSymbolicLink()) return `link:${await readlink(file)}`;
  if (info.isFile()) return readFile(file);
  return 'folder';
}

/**
 * `flow build --sha X` while another commit is checked out: X's own files, in a clean temporary
 * worktree (`git worktree add --detach`), removed afterwards whatever happens.
 */
export async function withCommitTree<T>(
  checkout: Checkout,
  sha: string,
  tempDir: string,
  body: (tree: string) => Promise<T>,
  run: Exec = exec,
): Promise<T> {
  const dir = await mkdtemp(join(tempDir, 'flow-build-tree-'));
  try {
    const added = await run(
      'git',
      ['-C', checkout.root, 'worktree', 'add', '--quiet', '--detach', dir, sha],
      {
        allowFailure: true,
      },
    );
    if (added.exitCode !== 0) {
      throw new ConfigurationError(
        `Cannot check out commit ${shortSha(sha)} from ${checkout.root} to build it: ${added.stderr.trim().split('\n').at(-1)}. Fetch it first (git fetch origin ${sha}).`,
      );
    }
    return await body(await realpath(dir));
  } finally {
    await run('git', ['-C', checkout.root, 'worktree', 'remove', '--force', dir], { allowFailure: true });
    await rm(dir, { recursive: true, force: true });
    await run('git', ['-C', checkout.root, 'worktree', 'prune'], { allowFailure: true });
  }
}

/**
 * The images with their context, Dockerfile and archive taken from `tree` (a checkout of the
 * commit) where that commit has them at the same place; a path it lacks stays where it was, and
 * the source check then refuses it: an untracked archive was made from the other commit's files.
 * Layouts stay where they are: their revision label speaks for them, or they are refused.
 */
export async function mapIntoTree(
  images: readonly ImageTarget[],
  root: string,
  tree: string,
): Promise<ImageTarget[]> {
  const move = async (path: string) => {
    const rest = relative(root, await realpath(path));
    if (rest === '..' || rest.startsWith(`..${sep}`)) return path;
    const moved = join(tree, rest);
    return existsSync(moved) ? moved : path;
  };
  return Promise.all(
    images.map(async (image) => {
      if (image.fromOciLayout) return image;
      if (image.path) return { ...image, path: await move(image.path) };
      return { ...image, context: await move(image.context), file: await move(image.file) };
    }),
  );
}

/**
 * `--sha`'s commit as a full sha: a full sha as it is (a labelled layout needs no checkout),
 * anything else (abbreviated, a branch, a tag) through git in the checkout.
 */
export async function resolveCommitIn(
  value: string,
  checkout: Checkout | undefined,
  run: Exec = exec,
): Promise<string> {
  const lower = value.toLowerCase();
  if (isFullSha(lower)) return lower;
  if (!checkout) {
    throw new ConfigurationError(
      words`${input('sha')} value "${value}" is not a full 40-character commit sha, and there is no git checkout here to expand it: give the full sha.`,
    );
  }
  const result = await run(
    'git',
    ['-C', checkout.root, 'rev-parse', '--verify', '--quiet', '--end-of-options', `${value}^{commit}`],
    { allowFailure: true },
  );
  const sha = result.stdout.trim();
  if (result.exitCode !== 0 || !isFullSha(sha)) {
    throw new ConfigurationError(
      words`${input('sha')} value "${value}" is no commit of ${checkout.root}: give a commit sha, branch or tag it has (git fetch it first).`,
    );
  }
  return sha;
}
