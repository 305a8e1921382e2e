// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings hold workflow ${{ }} expressions, not JavaScript templates
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import type { Workflow } from '../templates';
import { adoptCopy } from './adopt';
import { Scheduler } from './concurrency';
import { condition, interpolate, interpolateString, type Scope } from './expressions';
import { type Outcome, type RunnerSettings, runWorkflow, type StandIn } from './runner';
import { globToRegExp, matchTrigger, type WorkflowEvent } from './triggers';

// The simulated runner decides what GitHub's runner decides: which workflows an event starts,
// which jobs and steps run, what each expression gives. These tables pin it down without any
// service, so a story that passes does so for the right reasons.

const scope = (contexts: Record<string, unknown>, failure = false): Scope => ({
  contexts,
  status: { success: !failure, failure },
});

describe('expressions (GitHub’s engine)', () => {
  const contexts = {
    github: { ref_name: 'rc-1', event: { pull_request: { draft: false, number: 7 } } },
    needs: { matrix: { outputs: { matrix: '{"include":[{"version":"1.0.0"}]}' }, result: 'success' } },
    inputs: { force: false },
    env: { IMAGE: 'registry/acme/api' },
  };

  it.each([
    ['${{ github.ref_name }}', 'rc-1'],
    ['pr-${{ github.event.pull_request.number }}', 'pr-7'],
    ['${{ env.IMAGE }}:${{ github.ref_name }}', 'registry/acme/api:rc-1'],
    ['${{ inputs.force }}', 'false'],
    ['no expression', 'no expression'],
    ['${{ github.event.nothing }}', ''],
  ])('%s → %s', (text, expected) => {
    expect(interpolateString(text, scope(contexts))).toBe(expected);
  });

  it('keeps the type of a value that is one expression: fromJSON gives the matrix object', () => {
    expect(interpolate('${{ fromJSON(needs.matrix.outputs.matrix) }}', scope(contexts))).toEqual({
      include: [{ version: '1.0.0' }],
    });
  });

  it.each([
    [undefined, false, true],
    [undefined, true, false],
    ["${{ startsWith(github.ref_name, 'rc-') }}", false, true],
    ["startsWith(github.ref_name, 'v')", false, false],
    ["${{ startsWith(github.ref_name, 'rc-') }}", true, false],
    ["${{ !cancelled() && needs.matrix.result == 'success' }}", true, true],
    ['${{ failure() }}', true, true],
    ['${{ always() }}', true, true],
    ['${{ !github.event.pull_request.draft }}', false, true],
  ] as const)('if: %s (something failed before: %s) → %s', (text, failed, expected) => {
    expect(condition(text, scope(contexts, failed))).toBe(expected);
  });

  it('rejects what GitHub rejects: an unknown function', () => {
    expect(() => interpolate('${{ frobnicate() }}', scope(contexts))).toThrow();
  });
});

describe('triggers', () => {
  const push = (ref: string, changedFiles?: string[]): WorkflowEvent => ({
    name: 'push',
    ref,
    sha: 'a'.repeat(40),
    payload: {},
    ...(changedFiles ? { changedFiles } : {}),
  });
  const main = { push: { branches: ['main'], 'paths-ignore': ['**.md', 'docs/**'] } };
  const tags = { push: { tags: ['rc-*', 'v*'] } };
  // As GitHub reads a copied file: only an organization's "New workflow" page fills this in.
  const placeholder = { push: { branches: ['$default-branch'] } };

  it.each([
    [main, push('refs/heads/main', ['src/a.ts', 'README.md']), true],
    [placeholder, push('refs/heads/main', ['src/a.ts']), false],
    [placeholder, push('refs/heads/$default-branch', ['src/a.ts']), true],
    [main, push('refs/heads/main', ['README.md', 'docs/x/y.png']), false],
    [main, push('refs/heads/feature', ['src/a.ts']), false],
    [main, push('refs/tags/v1.0.0'), false],
    [tags, push('refs/tags/rc-1'), true],
    [tags, push('refs/tags/v1.2.3'), true],
    [tags, push('refs/tags/release-1'), false],
    [tags, push('refs/heads/main', ['src/a.ts']), false],
  ])('%j starts on %j: %s', (on, event, runs) => {
    expect(matchTrigger(on, event).runs).toBe(runs);
  });

  it('pull_request activity types, with GitHub’s defaults when none are listed', () => {
    const event = (action: string): WorkflowEvent => ({
      name: 'pull_request',
      ref: '',
      sha: '',
      payload: { action },
    });
    expect(matchTrigger({ pull_request: null }, event('opened')).runs).toBe(true);
    expect(matchTrigger({ pull_request: null }, event('ready_for_review')).runs).toBe(false);
    expect(
      matchTrigger({ pull_request: { types: ['ready_for_review'] } }, event('ready_for_review')).runs,
    ).toBe(true);
  });

  it.each([
    ['pull_request_review', 'submitted', null, true],
    ['pull_request_review', 'edited', null, true],
    ['pull_request_review', 'edited', { types: ['submitted', 'dismissed'] }, false],
    ['check_run', 'created', null, true],
    ['check_run', 'created', { types: ['completed'] }, false],
    ['check_run', 'completed', { types: ['completed'] }, true],
    ['check_suite', 'completed', null, true],
    ['check_suite', 'requested', null, false],
    ['merge_group', 'checks_requested', null, true],
    ['status', undefined, null, true],
    ['deployment_status', 'created', null, true],
    ['pull_request', 'labeled', null, false],
    ['pull_request', 'labeled', { types: ['labeled', 'unlabeled'] }, true],
  ] as const)(
    '%s %s under %j: runs %s (GitHub’s default types when none are listed)',
    (name, action, filters, runs) => {
      const event: WorkflowEvent = { name, ref: '', sha: '', payload: action ? { action } : {} };
      expect(matchTrigger({ [name]: filters }, event).runs).toBe(runs);
    },
  );

  it('workflow_dispatch: typed inputs with defaults; a missing required one or a bad boolean is an error', () => {
    const on = {
      workflow_dispatch: {
        inputs: {
          sha: { required: true, type: 'string' },
          force: { required: false, type: 'boolean', default: false },
        },
      },
    };
    const event = (inputs: Record<string, string>): WorkflowEvent => ({
      name: 'workflow_dispatch',
      ref: 'refs/heads/main',
      sha: '',
      payload: { inputs },
    });
    expect(matchTrigger(on, event({ sha: 'abc' }))).toEqual({
      runs: true,
      inputs: { sha: 'abc', force: false },
    });
    expect(matchTrigger(on, event({ sha: 'abc', force: 'true' }))).toEqual({
      runs: true,
      inputs: { sha: 'abc', force: true },
    });
    expect(() => matchTrigger(on, event({}))).toThrow('workflow_dispatch input "sha" is required.');
    expect(() => matchTrigger(on, event({ sha: 'a', force: 'yes' }))).toThrow(/is a boolean/);
    expect(() => matchTrigger(on, event({ sha: 'a', other: 'x' }))).toThrow(
      'workflow_dispatch has no input "other".',
    );
  });

  it('workflow_run: the named workflow, completed, on the listed branch', () => {
    const on = { workflow_run: { workflows: ['Main'], types: ['completed'], branches: ['main'] } };
    const event = (name: string, branch: string): WorkflowEvent => ({
      name: 'workflow_run',
      ref: 'refs/heads/main',
      sha: '',
      payload: { action: 'completed', workflow_run: { name, head_branch: branch } },
    });
    expect(matchTrigger(on, event('Main', 'main')).runs).toBe(true);
    expect(matchTrigger(on, event('Other', 'main')).runs).toBe(false);
    expect(matchTrigger(on, event('Main', 'feature')).runs).toBe(false);
    const placeholder = { workflow_run: { ...on.workflow_run, branches: ['$default-branch'] } };
    expect(matchTrigger(placeholder, event('Main', 'main'))).toEqual({
      runs: false,
      reason: 'branch main does not match on.workflow_run.branches',
    });
  });

  it.each([
    ['**.md', 'docs/a/b.md', true],
    ['*.md', 'docs/a.md', false],
    ['docs/**', 'docs/a/b.png', true],
    ['v*', 'v1.2.3', true],
    ['rc-*', 'rc-1/x', false],
  ])('glob %s matches %s: %s', (pattern, path, matches) => {
    expect(globToRegExp(pattern).test(path)).toBe(matches);
  });
});

describe('runWorkflow', () => {
  let temp: string;
  beforeAll(async () => {
    temp = await mkdtemp(join(tmpdir(), 'flow-runner-unit-'));
  });
  afterAll(() => rm(temp, { recursive: true, force: true }));

  /** A stand-in that records what it saw and ends as told. */
  function recorder(seen: string[], outcome: Outcome = 'success'): StandIn {
    return {
      description: `records (${outcome})`,
      run: async ({ env, step }) => {
        seen.push(`${step.name}:${env.WHO ?? ''}`);
        return outcome;
      },
    };
  }

  function settings(standIns: Record<string, StandIn>): RunnerSettings {
    return {
      repository: 'acme/api',
      serverUrl: 'http://127.0.0.1:9',
      apiUrl: 'http://127.0.0.1:9',
      token: 'token',
      actor: 'dev',
      runId: 1,
      secrets: {},
      actionDir: () => {
        throw new Error('no action of ours in this workflow');
      },
      standIns,
      temp,
    };
  }

  const event: WorkflowEvent = { name: 'push', ref: 'refs/heads/main', sha: 'a'.repeat(40), payload: {} };

  it('orders jobs by needs, skips dependants of a failure, runs failure() jobs, expands include matrices', async () => {
    const workflow = parse(`
name: t
on: push
jobs:
  last:
    needs: [legs, cleanup]
    if: \${{ always() }}
    runs-on: x
    steps: [{ name: last, run: x }]
  first:
    runs-on: x
    steps:
      - { name: fails, run: x }
      - { name: never, run: x }
      - { name: after-failure, if: failure(), run: x }
  legs:
    needs: first
    runs-on: x
    strategy: { matrix: { include: [{ who: a }, { who: b }] } }
    name: Leg \${{ matrix.who }}
    env: { WHO: '\${{ matrix.who }}' }
    steps: [{ name: leg, run: x }]
  cleanup:
    needs: first
    if: \${{ failure() }}
    runs-on: x
    steps: [{ name: cleanup, run: x }]
`) as Workflow;
    const seen: string[] = [];
    const run = await runWorkflow(
      workflow,
      event,
      settings({
        fails: recorder(seen, 'failure'),
        never: recorder(seen),
        'after-failure': recorder(seen),
        leg: recorder(seen),
        cleanup: recorder(seen),
        last: recorder(seen),
      }),
    );
    expect(run.jobs.map((job) => [job.id, job.result])).toEqual([
      ['first', 'failure'],
      ['legs', 'skipped'],
      ['cleanup', 'success'],
      ['last', 'success'],
    ]);
    expect(seen).toEqual(['fails:', 'after-failure:', 'cleanup:', 'last:']);
    expect(run.jobs[0]?.steps.map((step) => step.outcome)).toEqual(['failure', 'skipped', 'success']);
    // A skipped job's check run keeps its name as written: GitHub does not evaluate it.
    expect(run.jobs[1]?.name).toBe('Leg ${{ matrix.who }}');

    const passing = await runWorkflow(
      workflow,
      event,
      settings({ fails: recorder([]), never: recorder([]), leg: recorder(seen), last: recorder([]) }),
    );
    // In the order they concluded: cleanup is skipped the moment first succeeds.
    expect(passing.jobs.map((job) => [job.name, job.result])).toEqual([
      ['first', 'success'],
      ['cleanup', 'skipped'],
      ['Leg a', 'success'],
      ['Leg b', 'success'],
      ['last', 'success'],
    ]);
    expect(seen.slice(-2)).toEqual(['leg:a', 'leg:b']);
  });

  it('expands a matrix axis written as an expression of a job it needs, each leg named by it', async () => {
    const workflow = parse(`
name: t
on: push
jobs:
  risk:
    runs-on: x
    outputs: { matrix: '\${{ steps.risk.outputs.matrix }}' }
    steps: [{ id: risk, name: risk, run: x }]
  test:
    needs: risk
    if: \${{ !cancelled() }}
    name: test (\${{ matrix.toggle }}, node \${{ matrix.node }})
    runs-on: x
    strategy:
      matrix:
        node: [22, 24]
        toggle: \${{ fromJSON(needs.risk.outputs.matrix || '{"toggle":["default"]}').toggle }}
    env: { WHO: '\${{ matrix.toggle }}' }
    steps: [{ name: leg, run: x }]
`) as Workflow;
    const risk = (outcome: Outcome, matrix?: string): StandIn => ({
      description: 'gives the toggle matrix',
      run: async () => ({ outcome, outputs: matrix ? { matrix } : ({} as Record<string, string>) }),
    });
    const seen: string[] = [];
    const toggled = await runWorkflow(
      workflow,
      event,
      settings({ risk: risk('success', '{"toggle":["cart-on","cart-off"]}'), leg: recorder(seen) }),
    );
    expect(toggled.jobs.map((job) => job.name)).toEqual([
      'risk',
      'test (cart-on, node 22)',
      'test (cart-off, node 22)',
      'test (cart-on, node 24)',
      'test (cart-off, node 24)',
    ]);
    expect(seen).toEqual(['leg:cart-on', 'leg:cart-off', 'leg:cart-on', 'leg:cart-off']);
    // The risk job failed (no policy yet): the tests still run, once per version, as "default".
    const failed = await runWorkflow(workflow, event, settings({ risk: risk('failure'), leg: recorder([]) }));
    expect(failed.jobs.map((job) => [job.name, job.result])).toEqual([
      ['risk', 'failure'],
      ['test (default, node 22)', 'success'],
      ['test (default, node 24)', 'success'],
    ]);
  });

  it('gives each job what its permissions: grant, the job’s replacing the workflow’s', async () => {
    const workflow = parse(`
name: t
on: push
permissions: { contents: read, checks: read }
jobs:
  own:
    runs-on: x
    permissions: { deployments: write }
    steps: [{ name: look, run: x }]
  inherited:
    runs-on: x
    steps: [{ name: look, run: x }]
`) as Workflow;
    const granted: Record<string, unknown> = {};
    const started: string[] = [];
    await runWorkflow(workflow, event, {
      ...settings({
        look: {
          description: 'records the permissions',
          run: async ({ permissions, env }) => {
            granted[env.GITHUB_JOB ?? ''] = permissions;
            return 'success';
          },
        },
      }),
      onJobStarted: (id) => {
        started.push(id);
      },
    });
    expect(granted).toEqual({
      own: { deployments: 'write' },
      inherited: { contents: 'read', checks: 'read' },
    });
    expect(started).toEqual(['own', 'inherited']);
  });

  it('runs a fork’s pull request and its reviews as GitHub does: read at most, and no secret but GITHUB_TOKEN', async () => {
    const workflow = parse(`
name: t
on: [pull_request, pull_request_review]
jobs:
  gate:
    runs-on: x
    permissions: { checks: write, contents: read, id-token: write }
    env: { WHO: '\${{ secrets.APP_KEY }}' }
    steps: [{ name: look, run: x }]
`) as Workflow;
    const seen: Record<string, unknown>[] = [];
    const look: StandIn = {
      description: 'records the permissions and the secret',
      run: async ({ permissions, env }) => {
        seen.push({ permissions, secret: env.WHO });
        return 'success';
      },
    };
    const pull = (name: string, head: string): WorkflowEvent => ({
      name,
      ref: 'refs/pull/7/merge',
      sha: 'a'.repeat(40),
      payload: {
        action: name === 'pull_request' ? 'opened' : 'submitted',
        pull_request: { head: { repo: { full_name: head } } },
      },
    });
    const run = (event: WorkflowEvent) =>
      runWorkflow(workflow, event, { ...settings({ look }), secrets: { APP_KEY: 'key' } });
    await run(pull('pull_request', 'acme/api'));
    await run(pull('pull_request', 'eve/api'));
    await run(pull('pull_request_review', 'eve/api'));
    expect(seen).toEqual([
      { permissions: { checks: 'write', contents: 'read', 'id-token': 'write' }, secret: 'key' },
      { permissions: { checks: 'read', contents: 'read' }, secret: '' },
      { permissions: { checks: 'read', contents: 'read' }, secret: '' },
    ]);
  });

  it('refuses a step nobody stands in for, naming it', async () => {
    const workflow = parse(
      'name: t\non: push\njobs:\n  a:\n    runs-on: x\n    steps: [{ name: Deploy, run: x }]\n',
    );
    await expect(runWorkflow(workflow as Workflow, event, settings({}))).rejects.toThrow(
      'No stand-in for step "Deploy": give one under "Deploy".',
    );
  });

  it('an event the workflow does not listen to runs nothing, and says why', async () => {
    expect(matchTrigger(['push', 'pull_request'], event).runs).toBe(true);
    expect(matchTrigger('pull_request', event)).toEqual({ runs: false, reason: 'on: has no push' });
    const workflow = parse(
      'name: t\non: { push: { tags: [v*] } }\njobs:\n  a:\n    runs-on: x\n    steps: []\n',
    );
    const run = await runWorkflow(workflow as Workflow, event, settings({}));
    expect(run).toEqual({
      id: 1,
      trigger: { runs: false, reason: 'branch main: on.push filters tags only' },
      jobs: [],
    });
  });

  describe('concurrency groups, as GitHub keeps them: one in progress, one pending, a newcomer replaces the pending one', () => {
    /** Records `<step> <first letter of the commit>` for each step run, in order. */
    function sequence(seen: string[]): StandIn {
      return {
        description: 'records the step and the commit',
        run: async ({ step, event, env }) => {
          seen.push(`${step.name} ${event.sha[0]}${env.RESULT ? ` ${env.RESULT}` : ''}`);
          return 'success';
        },
      };
    }
    const commit = (letter: string): WorkflowEvent => ({ ...event, sha: letter.repeat(40) });
    /** A group's history when runs 1, 2 and 3 arrive together: 2 is replaced while pending. */
    const middleReplaced = (member: (run: number) => string) => [
      `${member(1)} in progress`,
      `${member(2)} pending`,
      `${member(3)} pending`,
      `${member(2)} cancelled`,
      `${member(1)} done`,
      `${member(3)} in progress`,
      `${member(3)} done`,
    ];

    /**
     * Starts one run per commit, one after another without waiting: three pushes in quick
     * succession. `slowInFirst` are the jobs of the first run that take longer than the others.
     */
    function pushes(
      workflow: Workflow,
      seen: string[],
      letters = ['a', 'b', 'c'],
      slowInFirst: string[] = [],
    ) {
      const scheduler = new Scheduler();
      const stand = sequence(seen);
      const runs = letters.map((letter, index) =>
        runWorkflow(workflow, commit(letter), {
          ...settings({ build: stand, deploy: stand, always: stand, unlessCancelled: stand }),
          runId: index + 1,
          scheduler,
          ...(index === 0 ? { slowJobs: slowInFirst } : {}),
        }),
      );
      return { scheduler, runs: Promise.all(runs) };
    }

    /** Builds in parallel, deploys one at a time; after-deploy and report watch the deploy. */
    const deployJobOnly = parse(`
name: t
on: push
jobs:
  build: { runs-on: x, steps: [{ name: build, run: x }] }
  deploy:
    needs: build
    runs-on: x
    concurrency: { group: deploy-stage, cancel-in-progress: false }
    steps: [{ name: deploy, run: x }]
  after-deploy:
    needs: deploy
    if: \${{ !cancelled() }}
    runs-on: x
    steps: [{ name: unlessCancelled, run: x }]
  report:
    needs: deploy
    if: \${{ always() }}
    runs-on: x
    env: { RESULT: '\${{ needs.deploy.result }}' }
    steps: [{ name: always, run: x }]
`) as Workflow;

    it('workflow-wide, cancel-in-progress: false: the middle push is cancelled before it builds anything', async () => {
      const workflow = parse(`
name: t
on: push
concurrency: { group: deploy-stage, cancel-in-progress: false }
jobs:
  build: { runs-on: x, steps: [{ name: build, run: x }] }
  deploy: { needs: build, runs-on: x, steps: [{ name: deploy, run: x }] }
`) as Workflow;
      const seen: string[] = [];
      const { scheduler, runs } = pushes(workflow, seen);
      const [first, middle, last] = await runs;
      expect(seen).toEqual(['build a', 'deploy a', 'build c', 'deploy c']);
      expect(middle).toMatchObject({
        jobs: [],
        cancelled: "Canceling since a higher priority waiting request for 'deploy-stage' exists",
      });
      expect([first, last].map((run) => run?.jobs.map((job) => job.result))).toEqual([
        ['success', 'success'],
        ['success', 'success'],
      ]);
      expect(scheduler.history).toEqual(middleReplaced((run) => `deploy-stage: run ${run}`));
    });

    it('on the deploy job only: every push builds; the deploy replaced while pending is cancelled, and what needs it sees so', async () => {
      const seen: string[] = [];
      const { scheduler, runs } = pushes(deployJobOnly, seen);
      const [first, middle, last] = await runs;
      expect(seen.filter((line) => line.startsWith('build'))).toEqual(['build a', 'build b', 'build c']);
      expect(seen.filter((line) => line.startsWith('deploy'))).toEqual(['deploy a', 'deploy c']);
      expect(seen).toContain('always b cancelled');
      expect(seen).not.toContain('unlessCancelled b');
      const results = (run: typeof first) =>
        Object.fromEntries(run?.jobs.map((job) => [job.id, job.result]) ?? []);
      expect(results(middle)).toEqual({
        build: 'success',
        deploy: 'cancelled',
        'after-deploy': 'skipped',
        report: 'success',
      });
      for (const run of [first, last])
        expect(results(run)).toEqual({
          build: 'success',
          deploy: 'success',
          'after-deploy': 'success',
          report: 'success',
        });
      expect(scheduler.history).toEqual(middleReplaced((run) => `deploy-stage: run ${run} job deploy`));
    });

    it('a slow build of the older push finishes after the newer one: its deploy then waits behind the newer deploy', async () => {
      const seen: string[] = [];
      const { scheduler, runs } = pushes(deployJobOnly, seen, ['a', 'b'], ['build']);
      const [older, newer] = await runs;
      expect(seen.filter((line) => /^(build|deploy) /.test(line))).toEqual([
        'build b',
        'build a',
        'deploy b',
        'deploy a',
      ]);
      expect(scheduler.history).toEqual([
        'deploy-stage: run 2 job deploy in progress',
        'deploy-stage: run 1 job deploy pending',
        'deploy-stage: run 2 job deploy done',
        'deploy-stage: run 1 job deploy in progress',
        'deploy-stage: run 1 job deploy done',
      ]);
      for (const run of [older, newer])
        expect(run?.jobs.map((job) => job.result)).toEqual(['success', 'success', 'success', 'success']);
    });

    it('cancel-in-progress: true cancels the run in progress too; the newcomer runs when it has stopped', async () => {
      const workflow = parse(`
name: t
on: push
concurrency: { group: pr-7, cancel-in-progress: true }
jobs:
  build: { runs-on: x, steps: [{ name: build, run: x }] }
  deploy: { needs: build, runs-on: x, steps: [{ name: deploy, run: x }] }
`) as Workflow;
      const seen: string[] = [];
      const { runs } = pushes(workflow, seen, ['a', 'b']);
      const [older, newer] = await runs;
      expect(seen).toEqual(['build b', 'deploy b']);
      expect(older?.jobs.map((job) => [job.id, job.result])).toEqual([
        ['build', 'cancelled'],
        ['deploy', 'cancelled'],
      ]);
      expect(newer?.jobs.map((job) => job.result)).toEqual(['success', 'success']);
    });
  });
});

describe('a copy, adopted as the README says', () => {
  const template = [
    'name: Main',
    'on:',
    '  push:',
    '    # CHANGE: your default branch, if it is not main.',
    '    branches: [main]',
    'env:',
    '  # CHANGE: yours.',
    '  IMAGE: ghcr.io/acme/api',
    "  TEST_RUNNER_PACKAGE: '@acme/test-runner'",
    'jobs:',
    '  build:',
    '    env:',
    '      IMAGE: not-at-the-top',
    '',
  ].join('\n');

  it('changes only the values marked CHANGE at the top, byte for byte everywhere else', () => {
    const copy = adoptCopy(template, {
      IMAGE: '127.0.0.1:5000/acme/api',
      TEST_RUNNER_PACKAGE: '@acme/test-runner',
      UNUSED: 'x',
    });
    expect(copy).toBe(template.replace('  IMAGE: ghcr.io/acme/api', '  IMAGE: 127.0.0.1:5000/acme/api'));
    expect(adoptCopy(template, { TEST_RUNNER_PACKAGE: '@other/runner' })).toContain(
      '  TEST_RUNNER_PACKAGE: "@other/runner"\n',
    );
  });

  it('a repository whose default branch is trunk sets it in on.push.branches, and its pushes start the copy', () => {
    const copy = parse(adoptCopy(template, {}, 'trunk')) as Workflow;
    const pushTo = (branch: string): WorkflowEvent => ({ ...push(branch), changedFiles: ['src/a.ts'] });
    expect(matchTrigger(copy.on, pushTo('refs/heads/trunk')).runs).toBe(true);
    expect(matchTrigger(copy.on, pushTo('refs/heads/main')).runs).toBe(false);
    // The copy left as it was never runs for trunk.
    expect(matchTrigger((parse(template) as Workflow).on, pushTo('refs/heads/trunk')).runs).toBe(false);
  });
});

function push(ref: string): WorkflowEvent {
  return { name: 'push', ref, sha: 'a'.repeat(40), payload: {} };
}
