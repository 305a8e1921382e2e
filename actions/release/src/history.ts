/**
 * Git history as plain data, so the release core never runs git: a later step fills it from
 * `git log` or from GraphQL. Commits are looked up by sha; tags map a name to the commit it names
 * (an annotated tag already peeled to its commit).
 */
export interface HistoryCommit {
  sha: string;
  /** First parent first, as git lists them: the first-parent line is the branch the commit is on. */
  parents: readonly string[];
  subject: string;
  /** The message after the subject: body and footers (`BREAKING CHANGE: …`). */
  body: string;
  author: CommitAuthor;
  /** Paths the commit changed against its first parent. */
  paths: readonly string[];
}

export interface CommitAuthor {
  name: string;
  /** The GitHub login, when the source knows it (GraphQL does, `git log` does not). */
  login?: string;
}

export interface History {
  commits: ReadonlyMap<string, HistoryCommit>;
  /** Tag name → commit sha. */
  tags: ReadonlyMap<string, string>;
  /**
   * Branch name → tip sha: `main`, `release/1.4` (a remote-tracking `origin/main` under its branch
   * name, as a CI checkout has it). Default: none.
   */
  branches?: ReadonlyMap<string, string>;
}

export function createHistory(
  commits: Iterable<HistoryCommit>,
  tags: Iterable<readonly [string, string]>,
  branches: Iterable<readonly [string, string]> = [],
): History {
  return {
    commits: new Map([...commits].map((commit) => [commit.sha, commit])),
    tags: new Map(tags),
    branches: new Map(branches),
  };
}

/** `git rev-list --first-parent head`: the commits of head's branch, newest first. */
export function firstParentLine(history: History, head: string): HistoryCommit[] {
  const line: HistoryCommit[] = [];
  for (
    let commit = history.commits.get(head);
    commit;
    commit = history.commits.get(commit.parents[0] ?? '')
  ) {
    line.push(commit);
  }
  return line;
}

/** Every commit reachable from `head`, `head` first, breadth-first (nearer commits first). */
export function reachableFrom(history: History, head: string): HistoryCommit[] {
  return walkUntil(history, head, () => false).commits;
}

/** The whole message, as merge-gate's impacts (and backcompat-matrix's breaking check) read it. */
export function commitMessage(commit: HistoryCommit): string {
  return commit.body ? `${commit.subject}\n\n${commit.body}` : commit.subject;
}

/**
 * `git log head --not <boundaries>`: the commits reachable from `head` and from no commit for which
 * `isBoundary` holds, newest first (breadth-first), and the boundary commits met on the way. The
 * walk stops at each boundary; only when a merge brought in a branch forked before a boundary are
 * the boundaries' ancestors walked too, to drop the commits already released. A parent missing
 * from the history (a shallow source) ends that branch of the walk.
 */
export function walkUntil(
  history: History,
  head: string,
  isBoundary: (sha: string) => boolean,
): { commits: HistoryCommit[]; boundaries: string[] } {
  const commits: HistoryCommit[] = [];
  const boundaries: string[] = [];
  let merged = false;
  walk(history, [head], (commit) => {
    if (isBoundary(commit.sha)) {
      boundaries.push(commit.sha);
      return false;
    }
    commits.push(commit);
    merged ||= commit.parents.length > 1;
    return true;
  });
  if (!merged || boundaries.length === 0) return { commits, boundaries };
  const released = new Set<string>();
  walk(history, boundaries, (commit) => {
    released.add(commit.sha);
    return true;
  });
  return { commits: commits.filter((commit) => !released.has(commit.sha)), boundaries };
}

/** Every commit reachable from `head` and not from `base`: a component's commits between two pins. */
export function commitsBetween(history: History, base: string, head: string): HistoryCommit[] {
  return walkUntil(history, head, (sha) => sha === base).commits;
}

/** Breadth-first over parents, each commit once; `visit` returning false stops at that commit. */
function walk(history: History, starts: readonly string[], visit: (commit: HistoryCommit) => boolean): void {
  const seen = new Set<string>(starts);
  const queue = [...starts];
  for (let index = 0; index < queue.length; index++) {
    const commit = history.commits.get(queue[index] as string);
    if (!commit || !visit(commit)) continue;
    for (const parent of commit.parents) {
      if (!seen.has(parent)) {
        seen.add(parent);
        queue.push(parent);
      }
    }
  }
}
