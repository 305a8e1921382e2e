// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings hold workflow ${{ }} expressions, not JavaScript templates
import { createHash } from 'node:crypto';
import { relative, sep } from 'node:path';
import {
  ConfigurationError,
  forAudience,
  inputName,
  setInput,
  type Wording,
  words,
} from '@flow-actions/action-kit';
import {
  type CommitIdentity,
  type CommitSource,
  type ShaTagOptions,
  shaTag,
  shortSha,
  TAG_PATTERN,
} from '@flow-actions/commit-identity';

// DESIGN §8 rule 7: an artifact is built from exactly the commit it is tagged with; a dirty tree
// or a checkout of another commit is refused, never labelled. This module is the pure judgement,
// shared by the action and `flow build`; checkout.ts reads git and calls it.

/** One entry of `git status --porcelain`: an uncommitted change or an untracked file. */
export interface TreeChange {
  /** git's two-letter status, e.g. ` M`, `A `, `??`, `R `. */
  status: string;
  /** Relative to the checkout's top level, `/`-separated. */
  path: string;
  /** For a rename or copy, the path it came from. */
  from?: string;
}

export interface Checkout {
  /** The work tree's top level: an absolute real path. */
  root: string;
  /** HEAD's full sha. */
  head: string;
  /** Every change git reports; files git ignores are not among them. */
  changes: TreeChange[];
}

/** What one artifact is made of, which decides the changes that reach it. */
export type ArtifactSources =
  /** A Dockerfile build: a change under the context, or to the Dockerfile, reaches the image. */
  | { kind: 'build'; paths: string[] }
  /**
   * A file a tool made from the checkout (an archive; a layout without a revision label): any
   * change may have reached it. The output itself is excluded while git does not track it.
   */
  | { kind: 'output'; output: 'archive' | 'layout'; path: string }
  /** A ready layout labelled with a revision: the label speaks for it, checked when it is pushed. */
  | { kind: 'labelled' };

export interface SourceTarget {
  /** The repository the artifact goes to, for messages. */
  repository: string;
  sources: ArtifactSources;
  /** Where the checkout was looked for (the context, or the output's folder). */
  dir: string;
  /** The git checkout holding `dir`; absent when there is none. */
  checkout?: Checkout;
}

export type SourceVerdict =
  | { kind: 'clean' }
  /** Changes reach what is built: refused, or with allow-dirty built under a dirty tag. */
  | { kind: 'dirty'; changes: (TreeChange & { root: string })[] }
  | { kind: 'no-checkout'; target: SourceTarget }
  | { kind: 'other-commit'; target: SourceTarget; checkout: Checkout }
  | { kind: 'outside-checkout'; target: SourceTarget; checkout: Checkout; path: string };

/**
 * Judges whether every artifact would be built from exactly `sha`: each non-labelled artifact's
 * sources must lie in a git checkout whose HEAD is `sha`, and no change git reports may reach
 * them. The first refusal wins; the changes of every artifact are gathered.
 */
export function judgeSources(sha: string, targets: readonly SourceTarget[]): SourceVerdict {
  const changes = new Map<string, TreeChange & { root: string }>();
  for (const target of targets) {
    const { sources, checkout } = target;
    if (sources.kind === 'labelled') continue;
    if (!checkout) return { kind: 'no-checkout', target };
    if (checkout.head !== sha) return { kind: 'other-commit', target, checkout };
    const paths = sources.kind === 'build' ? sources.paths : [sources.path];
    const relativePaths: string[] = [];
    for (const path of paths) {
      const inside = relativeInside(checkout.root, path);
      if (inside === undefined) return { kind: 'outside-checkout', target, checkout, path };
      relativePaths.push(inside);
    }
    const reaches =
      sources.kind === 'build'
        ? // A changed folder (a submodule) holding the context reaches it as well.
          (change: TreeChange) =>
            touches(change, (path) => relativePaths.some((p) => isUnder(path, p) || isUnder(p, path)))
        : (change: TreeChange) =>
            !(change.status === '??' && isUnder(change.path, relativePaths[0] as string));
    for (const change of checkout.changes.filter(reaches)) {
      changes.set(`${checkout.root}\0${change.path}`, { ...change, root: checkout.root });
    }
  }
  if (changes.size > 0) {
    return {
      kind: 'dirty',
      changes: [...changes.values()].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0)),
    };
  }
  return { kind: 'clean' };
}

/** `path` relative to `root`, `/`-separated ('' for the root itself); undefined outside it. */
function relativeInside(root: string, path: string): string | undefined {
  const rest = relative(root, path);
  if (rest === '..' || rest.startsWith(`..${sep}`) || rest.startsWith(sep)) return undefined;
  return rest.split(sep).join('/');
}

function isUnder(path: string, folder: string): boolean {
  return folder === '' || path === folder || path.startsWith(`${folder}/`);
}

function touches(change: TreeChange, test: (path: string) => boolean): boolean {
  return test(change.path) || (change.from !== undefined && test(change.from));
}

/**
 * Parses `git status --porcelain=v1 -z`: `XY path` entries separated by NUL, a rename or copy
 * followed by its source path.
 */
export function parseStatus(output: string): TreeChange[] {
  const fields = output.split('\0');
  const changes: TreeChange[] = [];
  for (let index = 0; index < fields.length; index++) {
    const field = fields[index] as string;
    if (field.length < 4) continue;
    const status = field.slice(0, 2);
    const change: TreeChange = { status, path: field.slice(3) };
    if (status.includes('R') || status.includes('C')) change.from = fields[++index];
    changes.push(change);
  }
  return changes;
}

/** How many changed files a message lists before "and N more". */
const LISTED_CHANGES = 5;

/** `Dockerfile (modified), src/new.ts (untracked) and 3 more`. */
export function describeChanges(changes: readonly TreeChange[]): string {
  const listed = changes
    .slice(0, LISTED_CHANGES)
    .map((change) => `${change.path} (${describeStatus(change)})`)
    .join(', ');
  const more = changes.length - LISTED_CHANGES;
  return more > 0 ? `${listed} and ${more} more` : listed;
}

function describeStatus(change: TreeChange): string {
  const { status } = change;
  if (status === '??') return 'untracked';
  if (status.includes('U') || status === 'AA' || status === 'DD') return 'unmerged';
  if (status.includes('D')) return 'deleted';
  if (status.includes('R')) return `renamed from ${change.from}`;
  if (status.includes('C')) return `copied from ${change.from}`;
  if (status.includes('A')) return 'added';
  return 'modified';
}

/**
 * The tag of a build with uncommitted changes: `<prefix>dirty-<short sha>-<12 hex of the changes>`.
 * "dirty-" after the prefix is not hex, so it never matches a sha tag (`<prefix><hex>`), which
 * promote, yank and build look up by exact name, nor the immutable `v*` and `rc-*`; it is a moving
 * tag. The digest of the changes tells two dirty builds of one commit apart, and gives the same
 * tag to the same changes again.
 */
export function dirtyTag(sha: string, changesDigest: string, options: ShaTagOptions = {}): string {
  shaTag(sha, options);
  const tag = `${options.tagPrefix ?? ''}dirty-${shortSha(sha, options.shaLength)}-${changesDigest.slice(0, 12)}`;
  if (!TAG_PATTERN.test(tag)) {
    throw new ConfigurationError(
      words`The dirty tag "${tag}" is longer than a tag may be (128 characters): lower ${inputName('sha-length')} or shorten ${inputName('tag-prefix')}.`,
    );
  }
  return tag;
}

/** The digest of changed files: each change's status, path and current bytes (absent: deleted). */
export function digestChanges(changes: readonly (TreeChange & { content?: Buffer | string })[]): string {
  const hash = createHash('sha256');
  for (const change of changes) {
    hash.update(`${change.status}\0${change.path}\0${change.from ?? ''}\0`);
    hash.update(change.content === undefined ? '\u0001absent' : change.content);
    hash.update('\0');
  }
  return hash.digest('hex');
}

/**
 * The one-line refusal for a verdict other than clean (and dirty only without allow-dirty). It
 * names what was found, and the fix in the reader's terms: the checkout step's `ref:` in a
 * workflow, git and flags on a terminal.
 */
export function refusalMessage(
  verdict: Exclude<SourceVerdict, { kind: 'clean' }>,
  commit: CommitIdentity,
): Wording {
  const short = shortSha(commit.sha);
  switch (verdict.kind) {
    case 'dirty':
      return words`${verdict.changes.length} change(s) not in commit ${short} reach what is built: ${describeChanges(verdict.changes)}. Commit them (build outputs belong in .gitignore), or ${setInput('allow-dirty', true)} to build them anyway under a dirty-${short}-… tag, which no lookup by commit finds.`;
    case 'no-checkout': {
      const { target } = verdict;
      const what = describeSources(target);
      return words`${target.dir} is not in a git checkout, so nothing shows that ${what} for ${target.repository} is commit ${short}'s: ${forAudience(
        {
          action: `check the commit out before this step with actions/checkout (${checkoutRef(commit)}), with git on the runner's PATH so that it clones, and build there; a ready image may instead carry the label org.opencontainers.image.revision=${commit.sha} (from-oci-layout).`,
          cli: `run flow build in a checkout of ${short}, or push a ready image labelled org.opencontainers.image.revision=${commit.sha} with --from-oci-layout.`,
        },
      )}`;
    }
    case 'other-commit': {
      const { target, checkout } = verdict;
      const found = `${checkout.root} has commit ${shortSha(checkout.head)} checked out, not ${short} (${commit.source})`;
      if (target.sources.kind === 'output') {
        const label =
          target.sources.output === 'layout'
            ? `The layout for ${target.repository} carries no org.opencontainers.image.revision and ${found}: label the image with org.opencontainers.image.revision=${commit.sha}, or make it`
            : `${found}, and the archive for ${target.repository} was made there: make it again`;
        return words`${label} ${forAudience({
          action: `after checking out ${short} with actions/checkout (${checkoutRef(commit)}).`,
          cli: `in a checkout of ${short} (git switch --detach ${short}).`,
        })}`;
      }
      return words`${found}: ${target.repository} would be built from another commit's files. ${forAudience({
        action: `${pullRequestNote(commit)}Check out the commit itself: actions/checkout with ${checkoutRef(commit)}.`,
        cli: `Check out ${short} there (git switch --detach ${short}).`,
      })}`;
    }
    case 'outside-checkout':
      return words`${verdict.path} is outside the git checkout ${verdict.checkout.root} that holds the rest of what ${verdict.target.repository} is built from: keep the context, the Dockerfile and the archive in one checkout of ${short}.`;
  }
}

function describeSources(target: SourceTarget): string {
  if (target.sources.kind === 'output') {
    return target.sources.output === 'archive'
      ? 'the archive'
      : 'the layout (it carries no org.opencontainers.image.revision)';
  }
  return 'the build context';
}

/** The expression of the event's commit, for `actions/checkout`'s `ref:`. */
const CHECKOUT_REFS: Record<CommitSource, string> = {
  'pull_request.head.sha': '${{ github.event.pull_request.head.sha }}',
  'workflow_run.head_sha': '${{ github.event.workflow_run.head_sha }}',
  'merge_group.head_sha': '${{ github.event.merge_group.head_sha }}',
  'head_commit.id': '${{ github.event.head_commit.id }}',
  'peeled tag': '${{ github.ref }}',
  GITHUB_SHA: '${{ github.sha }}',
  input: '',
};

function checkoutRef(commit: CommitIdentity): string {
  const expression = CHECKOUT_REFS[commit.source];
  return expression ? `"ref: ${expression}"` : `"ref: ${commit.sha}"`;
}

/** Why a pull request's build met another commit: only a workflow has a merge commit checked out. */
function pullRequestNote(commit: CommitIdentity): string {
  if (commit.source !== 'pull_request.head.sha') return '';
  const merge =
    commit.pullRequest === undefined ? 'refs/pull/<n>/merge' : `refs/pull/${commit.pullRequest}/merge`;
  return `Without a ref, actions/checkout checks out the merge commit ${merge} of a pull request, while the artifact is the head's. `;
}
