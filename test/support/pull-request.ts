import type {
  PullRequestSnapshot,
  SnapshotCheckRun,
  SnapshotDeployment,
  SnapshotReview,
  SnapshotStatus,
} from '../../actions/merge-gate/src/snapshot';
import type { Verdict } from '../../actions/merge-gate/src/verdict';

/** The head commit of the PR the builders describe, and two earlier heads. */
export const HEAD = '5f0c6a4e9d3b2a1f8e7d6c5b4a39281706f5e4d3';
export const EARLIER = '1a2b3c4d5e6f708192a3b4c5d6e7f80910a1b2c3';
export const BEFORE_MERGE = '9e8d7c6b5a4f3e2d1c0b9a8f7e6d5c4b3a291807';

let nextId = 1000;
const id = () => nextId++;

/** Minutes after a fixed moment, as GitHub writes times: a later minute is a newer report. */
export function at(minute: number): string {
  return new Date(Date.UTC(2026, 10, 20, 10, minute)).toISOString();
}

/** A PR by @author, head HEAD, with nothing reported yet. */
export function pullRequest(overrides: Partial<PullRequestSnapshot> = {}): PullRequestSnapshot {
  return {
    number: 12,
    author: 'author',
    headSha: HEAD,
    baseRef: 'main',
    checkRuns: [],
    statuses: [],
    deployments: [],
    reviews: [],
    onlyBaseMergedSince: [],
    labels: [],
    files: [{ path: 'src/app.ts', additions: 10, deletions: 2 }],
    commits: [{ sha: HEAD, message: 'fix: handle an empty cart' }],
    ...overrides,
  };
}

/**
 * A check run on the head: `conclusion` for a completed one, or a status such as `in_progress`.
 */
export function checkRun(
  name: string,
  outcome: string,
  options: { minute?: number; headSha?: string } = {},
): SnapshotCheckRun {
  const runId = id();
  const completed = !['queued', 'in_progress', 'waiting', 'requested', 'pending'].includes(outcome);
  return {
    id: runId,
    name,
    headSha: options.headSha ?? HEAD,
    status: completed ? 'completed' : outcome,
    conclusion: completed ? outcome : null,
    startedAt: at(options.minute ?? 0),
    completedAt: completed ? at((options.minute ?? 0) + 1) : null,
    url: `https://github.com/acme/shop/actions/runs/7/job/${runId}`,
  };
}

export function commitStatus(context: string, state: string, minute = 0): SnapshotStatus {
  const statusId = id();
  return {
    id: statusId,
    context,
    state,
    description: `${context} is ${state}`,
    targetUrl: `https://ci.example.com/builds/${statusId}`,
    updatedAt: at(minute),
  };
}

export function deployment(
  environment: string,
  states: readonly string[],
  options: { sha?: string; minute?: number } = {},
): SnapshotDeployment {
  const deploymentId = id();
  return {
    id: deploymentId,
    environment,
    sha: options.sha ?? HEAD,
    createdAt: at(options.minute ?? 0),
    statuses: states.map((state, index) => ({
      id: id(),
      state,
      createdAt: at((options.minute ?? 0) + index + 1),
      environmentUrl: state === 'success' ? `https://${environment}.preview.example.com` : null,
      logUrl: `https://github.com/acme/shop/actions/runs/9/deployment/${deploymentId}`,
    })),
  };
}

export function review(
  author: string,
  state: string,
  options: {
    commit?: string;
    minute?: number;
    bot?: boolean;
    canPush?: boolean;
    association?: string;
    onBehalfOf?: string[];
  } = {},
): SnapshotReview {
  const reviewId = id();
  return {
    id: reviewId,
    author,
    authorIsBot: options.bot ?? false,
    authorCanPush: options.canPush ?? true,
    association: options.association ?? 'MEMBER',
    state,
    commitId: options.commit ?? HEAD,
    submittedAt: at(options.minute ?? 30),
    url: `https://github.com/acme/shop/pull/12#pullrequestreview-${reviewId}`,
    ...(options.onBehalfOf ? { onBehalfOf: options.onBehalfOf } : {}),
  };
}

const LETTER: Record<string, Verdict> = { g: 'green', p: 'pending', r: 'red' };

/** `'g p r'` → the verdicts of ci, cd and review: green, pending, red. */
export function legVerdicts(state: string): { ci: Verdict; cd: Verdict; review: Verdict } {
  const [ci, cd, review] = state.split(' ').map((letter) => LETTER[letter]);
  if (!ci || !cd || !review) throw new Error(`"${state}" is not three of g, p and r`);
  return { ci, cd, review };
}

/**
 * `ci && (cd || review)` in three-valued logic, worked out by hand for every state of the legs
 * (ci cd review → the expression's verdict): the table both the expression and the decision are
 * held to.
 */
export const DEFAULT_EXPRESSION_TABLE: readonly (readonly [string, Verdict])[] = [
  ['g g g', 'green'],
  ['g g p', 'green'],
  ['g g r', 'green'],
  ['g p g', 'green'],
  ['g p p', 'pending'],
  ['g p r', 'pending'],
  ['g r g', 'green'],
  ['g r p', 'pending'],
  ['g r r', 'red'],
  ['p g g', 'pending'],
  ['p g p', 'pending'],
  ['p g r', 'pending'],
  ['p p g', 'pending'],
  ['p p p', 'pending'],
  ['p p r', 'pending'],
  ['p r g', 'pending'],
  ['p r p', 'pending'],
  ['p r r', 'red'],
  ['r g g', 'red'],
  ['r g p', 'red'],
  ['r g r', 'red'],
  ['r p g', 'red'],
  ['r p p', 'red'],
  ['r p r', 'red'],
  ['r r g', 'red'],
  ['r r p', 'red'],
  ['r r r', 'red'],
];
