// Benchmark: one evaluation of the bundled merge-gate (whole process: Node 24 start, bundle load,
// the GitHub round trips) for a pull request with 50 checks and 20 reviews, against the GitHub
// fake behind a counting proxy: requests (GraphQL and REST, reads and writes), bytes, time.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runAction } from '@flow-actions/runner-harness';
import { readActionPackage } from '../../scripts/release/actions';
import { assembleRelease } from '../../scripts/release/assemble';
import { type ProxiedRequest, startFaultProxy } from '../fault-proxy';
import { startGitHubFake } from '../github-fake';
import { median, ms, printTable } from './measure';

const RUNS = 5;
const CHECKS = 50;
const REVIEWS = 20;
const TOKEN = 'ghs_benchMergeGateToken0123456789';

export async function benchMergeGate(): Promise<void> {
  const tree = await mkdtemp(join(tmpdir(), 'bench-tree-'));
  const github = await startGitHubFake({ token: TOKEN, repository: 'acme/api' });
  const proxy = await startFaultProxy({ target: github.url });
  try {
    const action = await readActionPackage(join(import.meta.dirname, '..', '..', 'actions', 'merge-gate'));
    const built = await assembleRelease({ outDir: tree, actions: [action] });
    const actionDir = built.actions['merge-gate'] as string;

    // 48 CI checks (a test matrix), one status, the deployment's smoke check: 50 reports in all.
    const ci = Array.from(
      { length: CHECKS - 2 },
      (_, index) => `test (${index % 4 === 0 ? 'node 22' : 'node 24'}, shard ${index})`,
    );
    github.seed.ref('main');
    github.seed.file(
      'main',
      '.github/flow-merge-gate.yml',
      `ci:\n  checks:\n${ci.map((name) => `    - '${name}'`).join('\n')}\n    - ci/legacy\ncd:\n  checks: [smoke]\n  environments: ['pr-{number}']\nreview:\n  approvals: 2\n`,
    );
    const pull = github.seed.pullRequest({
      title: 'feat: checkout',
      body: null,
      head: 'feature',
      base: 'main',
      author: 'alice',
      files: Array.from({ length: 40 }, (_, index) => ({
        path: `src/checkout/${index}.ts`,
        additions: 12,
        deletions: 3,
      })),
      commits: Array.from({ length: 8 }, (_, index) => ({ message: `feat: step ${index}` })),
    });
    const head = String((pull.head as { sha: string }).sha);
    for (const name of ci) github.seed.checkRun({ name, head_sha: head });
    github.seed.checkRun({ name: 'smoke', head_sha: head });
    github.seed.status(head, { context: 'ci/legacy', state: 'success' });
    const deployment = github.seed.deployment({ ref: head, sha: head, environment: `pr-${pull.number}` });
    github.seed.deploymentStatus(Number(deployment.id), { state: 'success' });
    for (let index = 0; index < REVIEWS; index++)
      github.seed.review({
        pullNumber: Number(pull.number),
        login: `reviewer-${index}`,
        state: index % 5 === 4 ? 'COMMENTED' : 'APPROVED',
        commitId: head,
      });

    const payload = { action: 'synchronize', number: pull.number, pull_request: { number: pull.number } };
    console.log(
      `merge-gate benchmark: one evaluation of a pull request with ${CHECKS} checks (${CHECKS - 2} check runs, a status, a deployment's smoke check), ${REVIEWS} reviews, 40 files, 8 commits; median of ${RUNS} runs; NODE_EXTRA_CA_CERTS unset.`,
    );
    const rows: string[][] = [];
    for (const settle of ['1', '0']) {
      const times: number[] = [];
      let requests: ProxiedRequest[] = [];
      for (let run = 0; run < RUNS; run++) {
        proxy.reset();
        const result = await runAction({
          actionDir,
          repository: 'acme/api',
          apiUrl: proxy.url,
          githubToken: TOKEN,
          eventName: 'pull_request',
          payload,
          inputs: { 'settle-seconds': settle },
          env: { NODE_EXTRA_CA_CERTS: '' },
        });
        if (result.exitCode !== 0 || result.outputs.verdict !== 'green')
          throw new Error(`merge-gate failed: ${result.errors.join('; ') || result.outputs.verdict}`);
        times.push(result.durationMs);
        requests = [...proxy.requests];
      }
      if (github.schemaViolations.length > 0)
        throw new Error(`the fake saw schema violations: ${JSON.stringify(github.schemaViolations)}`);
      const graphql = requests.filter((request) => request.path.startsWith('/graphql'));
      const rest = requests.filter((request) => !request.path.startsWith('/graphql'));
      const writes = rest.filter((request) => request.method !== 'GET');
      const bytes = (list: readonly ProxiedRequest[]) =>
        `${(list.reduce((sum, request) => sum + request.bytesIn, 0) / 1024).toFixed(1)} KB up, ${(list.reduce((sum, request) => sum + request.bytesOut, 0) / 1024).toFixed(1)} KB down`;
      rows.push([
        `settle-seconds: ${settle}`,
        String(graphql.length),
        String(rest.length - writes.length),
        String(writes.length),
        bytes(requests),
        ms(median(times)),
        requests
          .map(
            (request) =>
              `${request.method} ${request.path.split('?')[0]?.replace(/\/[0-9a-f]{40}\//, '/<sha>/')}`,
          )
          .join(', '),
      ]);
    }
    printTable(
      'one evaluation (the check exists after the first run: each run updates it)',
      ['run', 'GraphQL queries', 'REST reads', 'REST writes', 'bytes', 'time (median)', 'requests'],
      rows,
    );
    console.log(
      '\nTarget: one GraphQL query for the state plus one write for the check. The one REST read is the read-back after the write (two evaluations at once: the newest state must win, and GitHub has no compare-and-swap for check runs). Time includes the 1 s Octokit waits between a process’s GraphQL query and its first write (GitHub asks for 1 s between writes; the throttling plugin counts every GraphQL request as one), and the settle time before the read-back.',
    );
  } finally {
    await proxy.stop();
    await github.stop();
    await rm(tree, { recursive: true, force: true });
  }
}
