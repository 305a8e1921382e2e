import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releasedAction } from '../e2e/release-tree';
import type { JsonRecord } from '../github-fake';
import {
  checkRunCompleted,
  deploymentStatus,
  type PullRequestRef,
  pullRequest,
  pullRequestReview,
  workflowRunCompleted,
} from './simulation/events';
import type { Outcome, StandIn, StandIns, WorkflowRun } from './simulation/runner';
import { checkout, dockerLogin, githubAppToken, pretend } from './simulation/stand-ins';
import { explain, job, listStandIns, readableOfOurSteps, results, step } from './simulation/story';
import type { WorkflowEvent } from './simulation/triggers';
import {
  GATE_POLICY,
  MERGE_APP_LOGIN,
  type OpenedPullRequest,
  POLICY_FILE,
  SECRETS,
  startWorld,
  TEST_LEG,
  type World,
} from './simulation/world';

// merge-gate.yml and pull-request.yml as an adopter runs them: each pull request is opened in the
// app repository and on GitHub (the fake), pull-request.yml runs its risk job and test legs, and
// merge-gate.yml runs on what GitHub would start it for — the finished run of Pull request, another
// app's check run, a deployment status, a review, a label — and on the run GitHub starts after each
// of its own runs for a pull request event. Every step of ours runs as the bundled action on Node 24;
// the gate's check is the one GitHub's branch protection requires (`Merge gate`, the fake's only
// required status check), and a merge needs it green.

let world: World;
/** main's head: GITHUB_SHA of every run the default branch's copy makes. */
let main: string;

beforeAll(async () => {
  world = await startWorld(releasedAction);
  const start = await world.commit(
    {
      Dockerfile: 'FROM scratch\nCOPY greeting.txt /greeting.txt\n',
      'greeting.txt': 'hi\n',
      'payments/charge.ts': 'export const currency = "USD";\n',
      'config/toggles.yml': 'dark-mode: { default: on }\n',
      [POLICY_FILE]: GATE_POLICY,
    },
    'chore: start the api',
  );
  main = start.sha;
  // Branch protection as the merge-gate README asks: the gate is the single required check and
  // decides the reviews itself; auto-merge is allowed.
  world.github.state.requiredStatusChecks = ['Merge gate'];
  world.github.state.requiredApprovingReviews = 0;
  world.github.state.repository.allow_auto_merge = true;
}, 180_000);
afterAll(async () => {
  await world?.stop();
});

/** The steps that are not ours, for every run of this file; each story lists those that ran. */
function standIns(test: StandIn = pretend('npm ci && npm test, the adopter’s CI')): StandIns {
  return {
    'actions/checkout': checkout(world.app),
    'docker/login-action': dockerLogin(SECRETS.GITHUB_TOKEN),
    'actions/setup-node': pretend('installs Node 22; the runner has Node already'),
    'actions/create-github-app-token': githubAppToken({
      clientId: SECRETS.MERGE_APP_CLIENT_ID,
      privateKey: SECRETS.MERGE_APP_PRIVATE_KEY,
      token: SECRETS.MERGE_APP_TOKEN,
    }),
    Test: test,
  };
}

/** How GitHub names a same-repository pull request in a check or workflow run's payload; a fork's it leaves out. */
function refsOf(pull: OpenedPullRequest): PullRequestRef[] {
  return pull.headRepository ? [] : [{ number: pull.number, headSha: pull.head.sha, branch: pull.branch }];
}

/**
 * merge-gate.yml for an event; for a pull request or review event also the run GitHub starts when
 * that one completes (workflow_run of Merge gate), which runs as main has the file.
 */
async function gate(event: WorkflowEvent, pull: OpenedPullRequest): Promise<WorkflowRun[]> {
  const first = await world.run('merge-gate', event, standIns());
  if (event.name !== 'pull_request' && event.name !== 'pull_request_review') return [first];
  const completed = first.jobs.some((done) => done.result === 'failure') ? 'failure' : 'success';
  const after = await world.run(
    'merge-gate',
    workflowRunCompleted('Merge gate', completed, pull.head, main, {
      event: event.name,
      headBranch: pull.branch,
      ...(pull.headRepository ? { headRepository: pull.headRepository } : {}),
      pullRequests: refsOf(pull),
    }),
    standIns(),
  );
  return [first, after];
}

/**
 * CI for the pull request's head: pull-request.yml (its jobs become check runs on the head), then
 * merge-gate.yml for that finished run, then the dependency audit — another app's check run — and
 * merge-gate.yml for it.
 */
async function ci(
  pull: OpenedPullRequest,
  options: { action?: 'opened' | 'synchronize'; test?: StandIn; audit?: string } = {},
): Promise<{ pr: WorkflowRun; gates: WorkflowRun[] }> {
  const pr = await world.run(
    'pull-request',
    pullRequest({ ...pull, action: options.action ?? 'opened' }),
    standIns(options.test),
  );
  const conclusion = pr.jobs.some((done) => done.result === 'failure') ? 'failure' : 'success';
  const afterCi = await gate(
    workflowRunCompleted('Pull request', conclusion, pull.head, main, {
      event: 'pull_request',
      headBranch: pull.branch,
      ...(pull.headRepository ? { headRepository: pull.headRepository } : {}),
      pullRequests: refsOf(pull),
    }),
    pull,
  );
  world.github.seed.checkRun({
    name: 'audit',
    head_sha: pull.head.sha,
    conclusion: options.audit ?? 'success',
  });
  const afterAudit = await gate(
    checkRunCompleted('audit', options.audit ?? 'success', pull.head.sha, main, refsOf(pull)),
    pull,
  );
  return { pr, gates: [...afterCi, ...afterAudit] };
}

/** CD deployed the head to pr-<number>: the deployment and its status on GitHub, and the event. */
async function deploy(
  pull: OpenedPullRequest,
  state: 'success' | 'failure' = 'success',
): Promise<WorkflowRun[]> {
  const environment = `pr-${pull.number}`;
  const deployment = world.github.seed.deployment({ ref: pull.branch, sha: pull.head.sha, environment });
  world.github.seed.deploymentStatus(Number(deployment.id), {
    state,
    environment_url: `https://${environment}.preview.example`,
  });
  return gate(deploymentStatus(environment, state, pull.head, pull.branch, Number(deployment.id)), pull);
}

/** A review on GitHub, and the pull_request_review event it starts. */
async function review(
  pull: OpenedPullRequest,
  reviewer: string,
  options: { onBehalfOf?: string[] } = {},
): Promise<WorkflowRun[]> {
  world.github.seed.review({
    pullNumber: pull.number,
    login: reviewer,
    state: 'APPROVED',
    commitId: pull.head.sha,
    ...(options.onBehalfOf ? { onBehalfOf: options.onBehalfOf } : {}),
  });
  return gate(pullRequestReview({ ...pull, action: 'submitted', reviewer, state: 'approved' }), pull);
}

/** A label added on GitHub by `actor`, and the pull_request labeled event it starts. */
async function label(pull: OpenedPullRequest, name: string, actor: string): Promise<WorkflowRun[]> {
  world.github.seed.label(pull.number, name, actor);
  return gate(pullRequest({ ...pull, action: 'labeled', label: name, sender: actor }), pull);
}

/** The gate's check as GitHub shows it on a commit: the newest run of its name. */
function shownGate(sha: string): JsonRecord | undefined {
  return world.github.state.checkRuns
    .filter((run) => run.head_sha === sha && run.name === 'Merge gate')
    .sort((a, b) => Number(a.id) - Number(b.id))
    .at(-1);
}

/** green, red or pending, as the check shows it. */
function verdictOf(sha: string): string {
  const shown = shownGate(sha);
  if (!shown) return 'missing';
  if (shown.status !== 'completed') return 'pending';
  return shown.conclusion === 'success' ? 'green' : 'red';
}

/** The outputs of the newest evaluation among runs (the gate job's step). */
function lastDecision(runs: readonly WorkflowRun[]): Record<string, string> {
  const evaluated = runs.filter((run) =>
    run.jobs.some((done) => done.id === 'gate' && done.result !== 'skipped'),
  );
  const last = evaluated.at(-1);
  if (!last) throw new Error('no evaluation ran');
  return step(last, 'gate', 'gate').outputs;
}

function expectEvaluated(runs: readonly WorkflowRun[]): void {
  for (const run of runs)
    expect(
      run.jobs.filter((done) => done.result === 'failure'),
      explain(run),
    ).toEqual([]);
}

async function open(
  number: number,
  branch: string,
  files: Record<string, string>,
  subject: string,
  options: { forkOwner?: string } = {},
): Promise<OpenedPullRequest> {
  return world.openPullRequest({ number, branch, commits: [{ files, subject }], ...options });
}

describe('merge-gate.yml and pull-request.yml, simulated on the bundled actions', () => {
  it('CI green, no review, no CD: the gate is pending on the head (never on main); CD green: green', async () => {
    const pull = await open(21, 'french', { 'greeting.txt': 'bonjour\n' }, 'feat(api): greet in French');
    const { pr, gates } = await ci(pull);
    expect(results(pr), explain(pr)).toEqual({ risk: 'success', [TEST_LEG]: 'success', build: 'success' });
    expectEvaluated(gates);
    expect(lastDecision(gates)).toMatchObject({
      verdict: 'pending',
      ci: 'green',
      cd: 'pending',
      review: 'pending',
    });
    expect(verdictOf(pull.head.sha)).toBe('pending');
    // The workflow_run trap: the run is on main, the gate's check is on the pull request's head.
    expect(shownGate(main)).toBeUndefined();
    expect(
      world.github.state.checkRuns.some(
        (run) => run.head_sha === main && run.name === 'Evaluate the merge gate',
      ),
    ).toBe(true);

    const deployed = await deploy(pull);
    expectEvaluated(deployed);
    expect(lastDecision(deployed)).toMatchObject({
      verdict: 'green',
      cd: 'green',
      risk: 'medium',
      'auto-merge': 'off',
    });
    expect(verdictOf(pull.head.sha)).toBe('green');
    // Medium risk does not merge by itself: nothing was merged, the merge job never ran.
    expect(world.github.state.merges).toEqual([]);
    expect(
      deployed
        .flatMap((run) => run.jobs)
        .filter((done) => done.id === 'merge')
        .map((done) => done.result),
    ).toEqual(['skipped']);
    expect(listStandIns(pr)).toEqual([
      `${TEST_LEG}: actions/checkout — git fetch from the local app repository (all history and tags when fetch-depth is 0)`,
      `${TEST_LEG}: actions/setup-node — not run: installs Node 22; the runner has Node already (success)`,
      `${TEST_LEG}: Test — not run: npm ci && npm test, the adopter’s CI (success)`,
      'build: actions/checkout — git fetch from the local app repository (all history and tags when fetch-depth is 0)',
      'build: docker/login-action — writes the registry credentials to ~/.docker/config.json, as docker login does',
    ]);
    expect(gates.concat(deployed).flatMap(listStandIns)).toEqual([]);
  });

  it('an approval by the author leaves it pending; one by someone else makes it green; a push after it, pending again', async () => {
    let pull = await open(22, 'shout', { 'greeting.txt': 'HI\n' }, 'feat(api): greet loudly');
    expectEvaluated((await ci(pull)).gates);

    const own = await review(pull, pull.author);
    expectEvaluated(own);
    expect(lastDecision(own)).toMatchObject({ verdict: 'pending', review: 'pending' });
    expect(verdictOf(pull.head.sha)).toBe('pending');

    const other = await review(pull, 'rev');
    expectEvaluated(other);
    expect(lastDecision(other)).toMatchObject({ verdict: 'green', review: 'green' });
    expect(verdictOf(pull.head.sha)).toBe('green');

    pull = await world.pushToPullRequest(pull, { 'greeting.txt': 'HI THERE\n' }, 'feat(api): greet louder');
    const pushed = await gate(pullRequest({ ...pull, action: 'synchronize' }), pull);
    expectEvaluated(pushed);
    // On the new head: rev approved the old one, and the diff changed since.
    expect(lastDecision(pushed)).toMatchObject({ verdict: 'pending', review: 'pending' });
    expect(verdictOf(pull.head.sha)).toBe('pending');
    const afterCi = await ci(pull, { action: 'synchronize' });
    expect(lastDecision(afterCi.gates)).toMatchObject({ verdict: 'pending', ci: 'green', review: 'pending' });
    expect(JSON.parse(lastDecision(afterCi.gates).missing ?? '[]').join('\n')).toMatch(/approv/i);
  });

  it('an expected check that was skipped keeps the gate pending, even with CD green', async () => {
    const pull = await open(23, 'quiet', { 'greeting.txt': 'hi.\n' }, 'feat(api): greet quietly');
    const { gates } = await ci(pull, { audit: 'skipped' });
    expectEvaluated(gates);
    const deployed = await deploy(pull);
    expect(lastDecision(deployed)).toMatchObject({ verdict: 'pending', ci: 'pending', cd: 'green' });
    expect(JSON.parse(lastDecision(deployed).missing ?? '[]').join('\n')).toContain('audit');
    expect(verdictOf(pull.head.sha)).toBe('pending');
  });

  it('a low-risk pull request merges by itself, through the App’s token, once someone else approved it', async () => {
    const pull = await open(24, 'trim', { 'greeting.txt': 'hey\n' }, 'fix(api): a shorter greeting');
    const { gates } = await ci(pull);
    expectEvaluated(gates);
    expect(lastDecision(gates)).toMatchObject({ verdict: 'pending', risk: 'low' });
    expect(world.github.state.merges).toEqual([]);

    const [reviewed, after] = (await review(pull, 'rev')) as [WorkflowRun, WorkflowRun];
    expectEvaluated([reviewed, after]);
    // The review's run is the pull request's own copy of the file: it decides, and never merges.
    expect(results(reviewed)).toMatchObject({ gate: 'success', merge: 'skipped' });
    expect(step(reviewed, 'gate', 'gate').outputs).toMatchObject({ verdict: 'green', 'auto-merge': 'ready' });
    // The run after it is main's copy: the App's token merges.
    expect(results(after), explain(after)).toMatchObject({ gate: 'success', merge: 'success' });
    expect(step(after, 'merge', 'merge').outputs['auto-merge']).toBe('merged');
    expect(world.github.state.merges).toEqual([
      expect.objectContaining({ number: 24, actor: MERGE_APP_LOGIN }),
    ]);
    expect(listStandIns(after)).toEqual([
      "merge: app-token — mints the App's installation token, which the GitHub fake accepts as the App",
    ]);
  });

  it('a high-risk pull request waits for its team, and even then does not merge by itself', async () => {
    const pull = await open(
      25,
      'euros',
      { 'payments/charge.ts': 'export const currency = "EUR";\n' },
      'feat(payments)!: charge in euros',
    );
    expectEvaluated((await ci(pull)).gates);
    expectEvaluated(await deploy(pull));
    const reviewed = await review(pull, 'rev');
    expectEvaluated(reviewed);
    expect(lastDecision(reviewed)).toMatchObject({
      verdict: 'pending',
      risk: 'high',
      review: 'green',
      'auto-merge': 'off',
    });
    expect(JSON.parse(lastDecision(reviewed).missing ?? '[]').join('\n')).toContain('acme/release-managers');

    const team = await review(pull, 'boss', { onBehalfOf: ['acme/release-managers'] });
    expectEvaluated(team);
    expect(lastDecision(team)).toMatchObject({ verdict: 'green', risk: 'high', 'auto-merge': 'off' });
    expect(verdictOf(pull.head.sha)).toBe('green');
    expect(
      team
        .flatMap((run) => run.jobs)
        .filter((done) => done.id === 'merge')
        .map((done) => done.result),
    ).toEqual(['skipped', 'skipped']);
    expect(world.github.state.merges.map((merge) => merge.number)).not.toContain(25);
  });

  it('a label added by someone the policy does not trust changes nothing; the same label by a trusted one does', async () => {
    const pull = await open(26, 'cart', { 'greeting.txt': 'welcome\n' }, 'feat(api): welcome shoppers');
    const before = await ci(pull);
    expect(lastDecision(before.gates)).toMatchObject({ verdict: 'pending', ci: 'green' });

    const untrusted = await label(pull, 'toggle:new-cart', 'eve');
    expectEvaluated(untrusted);
    expect(lastDecision(untrusted)).toMatchObject({ verdict: 'pending', ci: 'green', risk: 'medium' });
    // merge-gate.yml's risk job ran for the label: the toggle is not counted.
    const risk = step(untrusted[0] as WorkflowRun, 'risk', 'risk');
    expect(risk.outputs).toMatchObject({
      toggles: '[]',
      'toggle-matrix': '{"toggle":["default"]}',
      risk: 'medium',
    });

    const trusted = await label(pull, 'toggle:new-cart', 'lead');
    expectEvaluated(trusted);
    expect(step(trusted[0] as WorkflowRun, 'risk', 'risk').outputs).toMatchObject({
      toggles: '["new-cart"]',
      'toggle-matrix': '{"toggle":["new-cart-on","new-cart-off"]}',
    });
    // Now the gate wants both legs of the toggle, which CI has not run yet.
    expect(lastDecision(trusted)).toMatchObject({ verdict: 'pending', ci: 'pending' });
    expect(JSON.parse(lastDecision(trusted).missing ?? '[]').join('\n')).toContain(
      'test (new-cart-on, node 22)',
    );
  });

  it('a change to a toggle is tested on and off, under stable names, and the gate requires both legs', async () => {
    let pull = await open(
      27,
      'fast-checkout',
      { 'config/toggles.yml': 'dark-mode: { default: on }\nfast-checkout: { default: off }\n' },
      'feat(api): fast checkout behind a toggle',
    );
    const seen: string[] = [];
    const failsWhenOn: StandIn = {
      description: 'npm test with FEATURE_TOGGLE: fails with fast-checkout on',
      run: async ({ env }): Promise<Outcome> => {
        seen.push(env.FEATURE_TOGGLE ?? '');
        return env.FEATURE_TOGGLE === 'fast-checkout-on' ? 'failure' : 'success';
      },
    };
    const first = await ci(pull, { test: failsWhenOn });
    expect(results(first.pr)).toEqual({
      risk: 'success',
      'test (fast-checkout-on, node 22)': 'failure',
      'test (fast-checkout-off, node 22)': 'success',
      build: 'skipped',
    });
    expect(seen).toEqual(['fast-checkout-on', 'fast-checkout-off']);
    expect(job(first.pr, 'risk').outputs['toggle-matrix']).toBe(
      '{"toggle":["fast-checkout-on","fast-checkout-off"]}',
    );
    expect(lastDecision(first.gates)).toMatchObject({ verdict: 'red', ci: 'red' });

    pull = await world.pushToPullRequest(
      pull,
      { 'config/toggles.yml': 'dark-mode: { default: on }\nfast-checkout: { default: off, fixed: true }\n' },
      'fix(api): fast checkout works when on',
    );
    const fixed = await ci(pull, { action: 'synchronize' });
    expect(results(fixed.pr)).toMatchObject({
      'test (fast-checkout-on, node 22)': 'success',
      'test (fast-checkout-off, node 22)': 'success',
    });
    expect(lastDecision(fixed.gates)).toMatchObject({ ci: 'green' });
  });

  it('a fork’s pull request: its own runs cannot write the check, and the run after each writes it', async () => {
    const pull = await open(
      28,
      'fork-hello',
      { 'greeting.txt': 'hello from eve\n' },
      'feat(api): greet from a fork',
      {
        forkOwner: 'eve',
      },
    );
    const { pr, gates } = await ci(pull);
    // Read-only: the risk step reports instead of labelling; no build of a fork's head.
    expect(results(pr), explain(pr)).toEqual({ risk: 'success', [TEST_LEG]: 'success', build: 'skipped' });
    expect(verdictOf(pull.head.sha)).toBe('pending');
    const [own, after] = (await review(pull, 'rev')) as [WorkflowRun, WorkflowRun];
    expectEvaluated([own, after]);
    expect(step(own, 'gate', 'gate').action?.warnings.join('\n')).toContain('fork');
    expect(step(own, 'gate', 'gate').outputs.verdict).toBe('green');
    expect(verdictOf(pull.head.sha)).toBe('green');
    expect(step(after, 'gate', 'gate').action?.warnings ?? []).toEqual([]);
    expect(gates.length).toBeGreaterThan(0);
  });

  it('no secret appears in any log, output, summary or error of any step of ours; the fake saw no schema violation', async () => {
    const secrets = [
      SECRETS.GITHUB_TOKEN,
      SECRETS.MERGE_APP_TOKEN,
      SECRETS.MERGE_APP_PRIVATE_KEY,
      SECRETS.MERGE_APP_CLIENT_ID,
    ];
    const steps = readableOfOurSteps(world.runs);
    expect(steps.length).toBeGreaterThan(20);
    for (const { label, text } of steps)
      for (const secret of secrets) expect(text, label).not.toContain(secret);
    expect(world.github.schemaViolations).toEqual([]);
  });
});
