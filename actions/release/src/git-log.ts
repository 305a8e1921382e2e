import {
  ConfigurationError,
  exec,
  forAudience,
  type Logger,
  oneLine,
  type SecretMasker,
  words,
} from '@flow-actions/action-kit';
import { createHistory, type History, type HistoryCommit } from './history';

export interface ReadGitHistoryOptions {
  /**
   * Read the files each commit changed (against its first parent), for a component's `paths` and
   * for pins kept in files. Costs a diff per commit. Default: false.
   */
  paths?: boolean;
  /** Where the git command lines go (debug). Default: nowhere. */
  logger?: Logger;
  masker?: SecretMasker;
  /** What the checkout is, for messages: `the checkout`, `component api`. Default: the folder. */
  label?: string;
}

// One record per commit: a record separator, then NUL-separated fields; with -z, git ends the
// format with a NUL and lists the changed files after it, each NUL-terminated.
const FORMAT = '%x1e%H%x00%P%x00%an%x00%s%x00%b%x00';
const REF_FORMAT = '%(refname)%00%(objectname)%00%(*objectname)';

/**
 * The history of the git checkout at `dir` as the release core reads it: every commit reachable
 * from a branch, remote-tracking branch or tag (`git log` with parents, author, subject and body,
 * and with `paths` the files changed against the first parent), tags peeled to their commit, and
 * branches — `origin/<name>` as `<name>` (what the remote has), else the local branch. Two git
 * processes, whatever the size. A shallow checkout is refused: it cannot tell which release
 * came before.
 */
export async function readGitHistory(dir: string, options: ReadGitHistoryOptions = {}): Promise<History> {
  const label = options.label ?? dir;
  const git = async (args: string[]) => {
    const result = await exec('git', ['-C', dir, ...args], {
      allowFailure: true,
      ...(options.logger ? { logger: options.logger } : {}),
      ...(options.masker ? { masker: options.masker } : {}),
    }).catch((error: Error) => {
      throw new ConfigurationError(`git cannot run to read ${label}'s history: ${error.message}`);
    });
    if (result.exitCode !== 0) {
      throw new ConfigurationError(
        words`${label} is not a git checkout with history (git ${args[0] ?? ''}: ${oneLine(result.stderr.trim()) || `exit ${result.exitCode}`}): ${forAudience({ action: 'check it out with actions/checkout and fetch-depth: 0', cli: 'run it in a clone of the repository' })}.`,
      );
    }
    return result.stdout;
  };
  const [shallow, refs] = await Promise.all([
    git(['rev-parse', '--is-shallow-repository']),
    git(['for-each-ref', `--format=${REF_FORMAT}`, 'refs/heads', 'refs/remotes/origin', 'refs/tags']),
  ]);
  if (shallow.trim() === 'true') {
    throw new ConfigurationError(
      words`${label} is a shallow clone, so the previous release and the commits since are unknown: ${forAudience({ action: 'check it out with actions/checkout and fetch-depth: 0', cli: 'fetch the whole history (git fetch --unshallow --tags)' })}.`,
    );
  }
  const log = await git([
    'log',
    '--branches',
    '--tags',
    '--remotes=origin',
    `--format=${FORMAT}`,
    '-z',
    ...(options.paths ? ['--name-only', '--diff-merges=first-parent', '--no-renames'] : []),
  ]);
  return createHistory(parseLog(log), ...parseRefs(refs));
}

/** Commits from `git log -z --format=FORMAT [--name-only]`. */
export function parseLog(output: string): HistoryCommit[] {
  const commits: HistoryCommit[] = [];
  for (const record of output.split('\x1e')) {
    if (!record) continue;
    const [sha = '', parents = '', author = '', subject = '', body = '', , first, ...rest] =
      record.split('\0');
    const paths = first === undefined ? [] : [first.replace(/^\n/, ''), ...rest].filter(Boolean);
    commits.push({
      sha,
      parents: parents ? parents.split(' ') : [],
      subject,
      body: body.trim(),
      author: { name: author },
      paths,
    });
  }
  return commits;
}

/** Tags (peeled) and branches from `git for-each-ref --format=REF_FORMAT`. */
function parseRefs(output: string): [tags: [string, string][], branches: [string, string][]] {
  const tags: [string, string][] = [];
  const local = new Map<string, string>();
  const remote = new Map<string, string>();
  for (const line of output.split('\n')) {
    const [ref = '', object = '', peeled = ''] = line.split('\0');
    if (ref.startsWith('refs/tags/')) tags.push([ref.slice('refs/tags/'.length), peeled || object]);
    else if (ref.startsWith('refs/heads/')) local.set(ref.slice('refs/heads/'.length), object);
    else if (ref.startsWith('refs/remotes/origin/') && ref !== 'refs/remotes/origin/HEAD')
      remote.set(ref.slice('refs/remotes/origin/'.length), object);
  }
  return [tags, [...new Map([...local, ...remote])]];
}
