import {
  ConfigurationError,
  ExecError,
  exec,
  forAudience,
  input,
  type Logger,
  nullLogger,
  words,
} from '@flow-actions/action-kit';
import { commitsBetween, createHistory, type HistoryCommit } from '@flow-actions/release/history';

/** What propose reads of the component's own repository: its release tags, commits and diff. */
export interface ComponentHistory {
  /** The commit a tag names (an annotated tag peeled), or undefined when the checkout has no such tag. */
  tagCommit(tag: string): Promise<string | undefined>;
  /** `git log to --not from`, newest first. */
  commitsBetween(from: string, to: string): Promise<HistoryCommit[]>;
  /** Lines and files of `git diff from to`, and the paths changed. */
  diffStat(from: string, to: string): Promise<DiffStat>;
}

export interface DiffStat {
  lines: number;
  files: number;
  paths: string[];
}

// Fields and records of `git log`: separators no commit message carries.
const FIELD = '\x1f';
const RECORD = '\x1e';

/**
 * The component's checkout at `dir`, read with the git CLI over argument arrays. A shallow
 * checkout has no history between two releases: it is refused with the fix, before any write.
 */
export async function openComponentHistory(
  dir: string,
  logger: Logger = nullLogger,
): Promise<ComponentHistory> {
  const git = async (args: string[], allowFailure = false) =>
    exec('git', ['-C', dir, ...args], { logger, allowFailure }).catch((error: unknown) => {
      if (error instanceof ExecError && error.exitCode === -1)
        throw new ConfigurationError(
          'git is not installed or not on PATH: install it (apt-get install -y git).',
        );
      throw error;
    });
  const probe = await git(['rev-parse', '--is-shallow-repository'], true);
  if (probe.exitCode !== 0) {
    throw new ConfigurationError(
      words`${input('component-path')} ${dir} is not a git checkout: ${forAudience({ action: 'check the component out with actions/checkout (fetch-depth: 0) first', cli: 'run it in the component’s clone' })}.`,
    );
  }
  if (probe.stdout.trim() === 'true') {
    throw new ConfigurationError(
      words`The component checkout at ${dir} is shallow, so the commits between two releases are unknown: ${forAudience({ action: 'check it out with actions/checkout and fetch-depth: 0', cli: 'fetch the whole history (git fetch --unshallow --tags)' })}.`,
    );
  }
  return {
    async tagCommit(tag) {
      const result = await git(['rev-parse', '--verify', '--quiet', `refs/tags/${tag}^{commit}`], true);
      return result.exitCode === 0 ? result.stdout.trim() : undefined;
    },
    async commitsBetween(from, to) {
      const format = ['%H', '%P', '%an', '%s', '%b'].join('%x1f');
      const { stdout } = await git(['log', `--format=${format}%x1e`, to, '--not', from, '--']);
      const commits = stdout
        .split(RECORD)
        .map((record) => record.replace(/^\n/, ''))
        .filter((record) => record.trim() !== '')
        .map((record): HistoryCommit => {
          const [sha = '', parents = '', author = '', subject = '', body = ''] = record.split(FIELD);
          return {
            sha,
            parents: parents.split(' ').filter(Boolean),
            subject,
            body: body.trim(),
            author: { name: author },
            paths: [],
          };
        });
      // The walk stops where the history read ends: at `from` and what it reaches.
      return commitsBetween(createHistory(commits, []), from, to);
    },
    async diffStat(from, to) {
      const { stdout } = await git(['diff', '--numstat', '--no-renames', '-z', from, to, '--']);
      let lines = 0;
      const paths: string[] = [];
      for (const entry of stdout.split('\0').filter(Boolean)) {
        const [added = '', deleted = '', ...path] = entry.split('\t');
        // A binary file counts as a file, with no lines.
        lines += (Number(added) || 0) + (Number(deleted) || 0);
        paths.push(path.join('\t'));
      }
      return { lines, files: paths.length, paths };
    },
  };
}
