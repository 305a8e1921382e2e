// Benchmark (issue #18): the release core's next version and changelog over a 10,000-commit
// history with 2,000 release tags, against git itself doing the reachable-tag walk and the log
// (`git describe` then `git log <tag>..HEAD`) on the same history, imported with fast-import.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { renderChangelog } from '../../actions/release/src/changelog';
import { readGitHistory } from '../../actions/release/src/git-log';
import { createHistory, type HistoryCommit } from '../../actions/release/src/history';
import { testCommit } from '../../actions/release/src/test-history';
import { computeNextVersion } from '../../actions/release/src/version';
import { benchEnv, data, fastImport, median, ms, printTable, ratio, timeProcess } from './measure';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const COMMITS = 10_000;
const TAGS = 2_000;
/** The tags sit on the first 8,000 commits; the last 2,000 are the release being cut. */
const TAGGED_SPAN = 8_000;
/** Every MERGE_EVERY commits after the last tag, a pull request branch forked before that tag is merged. */
const MERGE_EVERY = 50;
const TYPES = ['feat', 'fix(api)', 'chore', 'docs', 'refactor(core)', 'test', 'perf', 'build(deps)'];

interface Synthetic {
  commits: HistoryCommit[];
  tags: [string, string][];
}

/**
 * Main's first-parent line of COMMITS commits, one release tag every TAGGED_SPAN / TAGS commits,
 * then untagged commits among which merge commits bring in an old branch tip — the case that
 * makes the walk read past the previous tag to leave released commits out.
 */
function syntheticHistory(): Synthetic {
  const commits: HistoryCommit[] = [];
  const tags: [string, string][] = [];
  const step = TAGGED_SPAN / TAGS;
  for (let index = 0; index < COMMITS; index++) {
    const sha = `c${index}`;
    const parents = index === 0 ? [] : [`c${index - 1}`];
    const merge = index > TAGGED_SPAN && index % MERGE_EVERY === 0;
    if (merge) parents.push(`c${index - 2 * MERGE_EVERY - TAGGED_SPAN / 2}`);
    const message = merge
      ? `Merge pull request #${index} from dev/branch-${index}\n\nfeat(ui): merged change ${index}`
      : `${TYPES[index % TYPES.length]}: change ${index} (#${index})`;
    commits.push(
      testCommit(sha, parents, message, { login: `dev${index % 17}`, paths: [`src/m${index % 40}.ts`] }),
    );
    if (index < TAGGED_SPAN && index % step === 0) tags.push([`v1.${index / step}.0`, sha]);
  }
  return { commits, tags };
}

function importStream({ commits, tags }: Synthetic): string {
  const parts: string[] = [];
  for (const [index, commit] of commits.entries()) {
    const [first, second] = commit.parents;
    parts.push(
      `commit refs/heads/main\nmark :${index + 1}\ncommitter Bench <bench@example.com> ${1_700_000_000 + index} +0000\n`,
      data(commit.body ? `${commit.subject}\n\n${commit.body}` : commit.subject),
      first ? `from :${Number(first.slice(1)) + 1}\n` : '',
      second ? `merge :${Number(second.slice(1)) + 1}\n` : '',
      `M 644 inline ${commit.paths[0]}\n`,
      data(String(index)),
    );
  }
  for (const [tag, sha] of tags) parts.push(`reset refs/tags/${tag}\nfrom :${Number(sha.slice(1)) + 1}\n\n`);
  return parts.join('');
}

export async function benchRelease(): Promise<void> {
  const synthetic = syntheticHistory();
  const head = `c${COMMITS - 1}`;
  const core: number[] = [];
  let released = '';
  let listed = 0;
  for (let run = 0; run < RUNS; run++) {
    const started = performance.now();
    const history = createHistory(synthetic.commits, synthetic.tags);
    const next = computeNextVersion(history, { head, kind: 'release' });
    const notes = renderChangelog(next.commits);
    core.push(performance.now() - started);
    released = `${next.previous?.tag} → ${next.tag}`;
    listed = next.commits.length;
    if (notes.length === 0) throw new Error('empty changelog');
  }

  const dir = await mkdtemp(join(tmpdir(), 'bench-release-'));
  try {
    const env = benchEnv();
    await timeProcess('git', ['init', '-q', '-b', 'main', dir], env);
    await fastImport(dir, importStream(synthetic));
    // The same from the repository: the history read with git (two processes), then the core.
    const fromGit: number[] = [];
    const fromGitWithPaths: number[] = [];
    for (let run = 0; run < RUNS; run++) {
      for (const [paths, times] of [
        [false, fromGit],
        [true, fromGitWithPaths],
      ] as const) {
        const started = performance.now();
        const history = await readGitHistory(dir, { paths });
        const next = computeNextVersion(history, {
          head: history.branches?.get('main') as string,
          kind: 'release',
        });
        renderChangelog(next.commits);
        times.push(performance.now() - started);
        if (`${next.previous?.tag} → ${next.tag}` !== released)
          throw new Error(`from git: ${next.tag}, not ${released}`);
      }
    }
    const git: number[] = [];
    const previous = synthetic.tags.at(-1)?.[0] as string;
    for (let run = 0; run < RUNS; run++) {
      git.push(
        (await timeProcess(
          'git',
          ['-C', dir, 'describe', '--tags', '--abbrev=0', '--match', 'v*', 'main'],
          env,
        )) +
          (await timeProcess(
            'git',
            ['-C', dir, 'log', '--format=%H%x1f%P%x1f%an%x1f%B%x1e', `${previous}..main`],
            env,
          )),
      );
    }
    printTable(
      `release: next version and changelog, ${COMMITS} commits, ${TAGS} tags (${released}, ${listed} commits listed), median of ${RUNS}`,
      ['what', 'time', 'ratio to git'],
      [
        [
          'release core (in process: index, walk, version, changelog)',
          ms(median(core)),
          ratio(median(core), median(git)),
        ],
        [
          'the action end to end: history read from git (git log + for-each-ref), then the core',
          ms(median(fromGit)),
          ratio(median(fromGit), median(git)),
        ],
        [
          'the same with the files of each commit (paths, components: --name-only)',
          ms(median(fromGitWithPaths)),
          ratio(median(fromGitWithPaths), median(git)),
        ],
        ['git describe + git log <tag>..main (two processes)', ms(median(git)), '1.00'],
      ],
    );
    if (median(core) >= 1000)
      throw new Error(`release core took ${ms(median(core))}: the target is under one second`);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
