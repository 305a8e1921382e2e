import { mkdir, mkdtemp } from 'node:fs/promises';
import { join } from 'node:path';
import { type ActionRun, runAction } from '@flow-actions/runner-harness';
import { type Permissions, toPermissions } from '../../github-fake';
import { needsOf, OUR_ACTION, type Workflow, type WorkflowJob, type WorkflowStep } from '../templates';
import { type GroupMember, Scheduler } from './concurrency';
import { condition, interpolate, interpolateString, type Scope, type Status } from './expressions';
import { matchTrigger, type Trigger, type WorkflowEvent } from './triggers';

// A runner for the templates: jobs in the order their needs allow, `if:` decided with GitHub's
// expression engine, matrices expanded, concurrency groups kept as GitHub keeps them, every step
// of ours run as the runner runs it (the bundled action on Node 24 through the runner harness) and
// every other step handed to a stand-in that the story names — so the steps that were not really
// run are always listed.

/** A job's or step's result; `cancelled` only for a job its concurrency group cancelled. */
export type Outcome = 'success' | 'failure' | 'skipped' | 'cancelled';

/** What a step that is not one of our actions gets to work with. */
export interface StepContext {
  step: WorkflowStep;
  /** `with:`, evaluated. */
  with: Record<string, string>;
  /** Workflow, job and step `env:`, evaluated, plus the runner's GITHUB_* variables. */
  env: Record<string, string>;
  /** The job's checkout folder (`GITHUB_WORKSPACE`). */
  workspace: string;
  /** The job's home folder: a fresh runner's `~`. */
  home: string;
  event: WorkflowEvent;
  /** What the job's GITHUB_TOKEN is granted (`permissions:` of the job, else of the workflow). */
  permissions: Permissions;
}

/** Something that does a non-flow step's work, or says plainly that it does not. */
export interface StandIn {
  /** What stands in, as the run lists it. */
  description: string;
  /** The step's outcome; a step that sets outputs or reports errors says so too. */
  run(context: StepContext): Promise<Outcome | StandInResult>;
}

export interface StandInResult {
  outcome: Outcome;
  /** What it set as `steps.<id>.outputs`. */
  outputs: Record<string, string>;
  /** Its `::error::` messages. */
  errors?: string[];
}

/** Stand-ins by `uses:` without its version (`actions/checkout`) or, for `run:` steps, by `name:`. */
export type StandIns = Readonly<Record<string, StandIn>>;

export interface StepRun {
  /** The step's name, else its id, else its `uses:` without the version. */
  label: string;
  kind: 'flow' | 'stand-in';
  outcome: Outcome;
  /** What it set as `steps.<id>.outputs`. */
  outputs: Record<string, string>;
  /** For a step of ours: the inputs it received, evaluated. */
  inputs?: Record<string, string>;
  /** For a step of ours: the run, with outputs, summary, annotations and log. */
  action?: ActionRun;
  /** For any other step: what stood in for it. */
  standIn?: string;
  /** For any other step: the errors it reported. */
  errors?: string[];
}

export interface JobRun {
  id: string;
  /** The job's `name:`, evaluated (matrix legs differ by it): the check run GitHub shows. */
  name: string;
  matrix?: Record<string, unknown>;
  /** The job's `environment:` name, evaluated: GitHub records a deployment of each run of it. */
  environment?: string;
  result: Outcome;
  outputs: Record<string, string>;
  steps: StepRun[];
}

export interface WorkflowRun {
  /** `github.run_id`; the concurrency history names runs by it. */
  id: number;
  trigger: Trigger;
  /** Every job, matrix legs one by one, in the order they concluded (skipped ones included). */
  jobs: JobRun[];
  /** Why the run was cancelled while it waited in its concurrency group: none of its jobs ran. */
  cancelled?: string;
}

export interface RunnerSettings {
  /** `owner/name` of the repository the workflow runs in. */
  repository: string;
  serverUrl: string;
  apiUrl: string;
  /** `github.token`, also `secrets.GITHUB_TOKEN`. */
  token: string;
  actor: string;
  runId: number;
  secrets: Readonly<Record<string, string>>;
  /** The folder of a released action by its `uses:` path (`promote`) and, when `ourAction` captures it, the ref it is pinned to. */
  actionDir(uses: string, ref?: string): string;
  /**
   * How a step names one of our actions: group 1 the released path, group 2 (if any) the ref.
   * Default: OUR_ACTION, the templates' `org/flow-actions/<path>@v1`; a copy `flow init` wrote pins
   * `<owner>/flow-actions/<path>@<release commit>`.
   */
  ourAction?: RegExp;
  standIns: StandIns;
  /** Where each job gets its workspace and home, as a fresh runner would. */
  temp: string;
  /**
   * The runner and the concurrency groups, shared by every run of one repository. Default: a
   * fresh one, for a run on its own.
   */
  scheduler?: Scheduler;
  /**
   * Jobs (by id) that take longer than the jobs queued with them, which therefore finish first: a
   * slow build of an older push. Default: none.
   */
  slowJobs?: readonly string[];
  /**
   * Told of each job before it runs, with what its GITHUB_TOKEN is granted and the environment it
   * names (`environment:`, evaluated), if any.
   */
  onJobStarted?(id: string, permissions: Permissions, environment?: string): Promise<void> | void;
  /** Told of each job as it concludes: GitHub records it as a check run named after it. */
  onJobConcluded?(job: JobRun, event: WorkflowEvent): Promise<void> | void;
}

/**
 * Runs a workflow for an event: nothing when `on:` does not match it, every job otherwise. Runs
 * that share a scheduler start in the order this is called, however long `workflow` takes to load.
 */
export function runWorkflow(
  workflow: Workflow | Promise<Workflow>,
  event: WorkflowEvent,
  settings: RunnerSettings,
): Promise<WorkflowRun> {
  const scheduler = settings.scheduler ?? new Scheduler();
  return new Promise((resolve, reject) => {
    scheduler.schedule(async () => {
      try {
        new SimulatedRun(await workflow, event, settings, scheduler, { resolve, reject }).begin();
      } catch (error) {
        reject(error);
      }
    });
  });
}

const PASSING: Status = { success: true, failure: false };

interface Concurrency {
  group: string;
  cancelInProgress: boolean;
}

/** A group a run or job holds or waits in, and how to leave it. */
interface Membership {
  group: string;
  member: GroupMember;
  /** Set when the group cancelled it: why. */
  cancelled?: string;
}

/**
 * One run, moved forward between jobs: every job whose needs have concluded is decided at once
 * (skipped, cancelled, or queued on the runner, through its concurrency group if it has one), so
 * the order of jobs on the shared runner never depends on timing.
 */
class SimulatedRun {
  private readonly record: WorkflowRun;
  private readonly results = new Map<string, JobRun[]>();
  private readonly decided = new Set<string>();
  private readonly reports: Promise<void>[] = [];
  private order: [string, WorkflowJob][] = [];
  private base: Record<string, unknown> = {};
  private workflowEnv: Record<string, string> = {};
  /** The run's own group, when `concurrency:` is set at the top. */
  private membership?: Membership;
  private started = false;
  private finished = false;

  constructor(
    private readonly workflow: Workflow,
    private readonly event: WorkflowEvent,
    private readonly settings: RunnerSettings,
    private readonly scheduler: Scheduler,
    private readonly outcome: { resolve(run: WorkflowRun): void; reject(error: unknown): void },
  ) {
    this.record = { id: settings.runId, trigger: matchTrigger(workflow.on, event), jobs: [] };
  }

  begin(): void {
    const { trigger } = this.record;
    if (!trigger.runs) {
      this.finish();
      return;
    }
    this.order = jobsInOrder(this.workflow);
    this.base = {
      github: githubContext(this.workflow, this.event, this.settings),
      inputs: trigger.inputs,
      // A fork's pull request and its reviews get no secret but the (read-only) GITHUB_TOKEN.
      secrets: {
        GITHUB_TOKEN: this.settings.token,
        ...(fromFork(this.event, this.settings.repository) ? {} : this.settings.secrets),
      },
      vars: {},
    };
    this.workflowEnv = evaluateEnv(this.workflow.env, {
      contexts: { ...this.base, env: {} },
      status: PASSING,
    });
    const concurrency = concurrencyOf(this.workflow.concurrency, { contexts: this.base, status: PASSING });
    if (!concurrency) {
      this.started = true;
      this.advance();
      return;
    }
    const membership: Membership = {
      group: concurrency.group,
      member: {
        label: `run ${this.settings.runId}`,
        start: () => {
          this.started = true;
          this.advance();
        },
        cancel: (reason) => {
          membership.cancelled = reason;
          this.advance();
        },
      },
    };
    this.membership = membership;
    this.scheduler.enter(concurrency.group, concurrency.cancelInProgress, membership.member);
  }

  /** Decides every job whose needs have concluded; finishes the run when none is left. */
  private advance(): void {
    if (this.finished) return;
    if (!this.started) {
      // Replaced while it waited for its group: GitHub cancels the run before any job.
      if (this.membership?.cancelled) {
        this.record.cancelled = this.membership.cancelled;
        this.finish();
      }
      return;
    }
    for (let progressed = true; progressed; ) {
      progressed = false;
      for (const [id, job] of this.order) {
        if (this.decided.has(id) || !needsOf(job).every((need) => this.results.has(need))) continue;
        this.decided.add(id);
        progressed = true;
        this.decide(id, job);
      }
    }
    if (this.order.every(([id]) => this.results.has(id))) this.finish();
  }

  private decide(id: string, job: WorkflowJob): void {
    const needs = Object.fromEntries(
      needsOf(job).map((need) => [need, needContext(this.results.get(need) ?? [], this.workflow.jobs[need])]),
    );
    const status = jobStatus(id, this.workflow, this.results, this.membership?.cancelled !== undefined);
    const scope: Scope = {
      contexts: { ...this.base, env: this.workflowEnv, needs, matrix: {} },
      status,
    };
    if (this.membership?.cancelled || !condition(job.if, scope)) {
      this.conclude(id, job, scope, this.membership?.cancelled ? 'cancelled' : 'skipped');
      return;
    }
    // A job's permissions replace the workflow's; with neither, the repository default (read). A
    // fork's pull request and its reviews get read at most, whatever the file asks.
    const asked = toPermissions(job.permissions ?? this.workflow.permissions ?? 'read-all');
    const permissions = fromFork(this.event, this.settings.repository) ? readOnly(asked) : asked;
    const environment = environmentName(job, scope);
    const queue = (membership?: Membership) => {
      const toRun = { id, job, matrix: undefined, permissions, ...(environment ? { environment } : {}) };
      this.scheduler.schedule(
        () => this.execute(toRun, scope, membership).catch((error) => this.fail(error)),
        {
          slow: this.settings.slowJobs?.includes(id) ?? false,
        },
      );
    };
    const concurrency = concurrencyOf(job.concurrency, scope);
    if (!concurrency) {
      queue();
      return;
    }
    let inProgress = false;
    const membership: Membership = {
      group: concurrency.group,
      member: {
        label: `run ${this.settings.runId} job ${id}`,
        start: () => {
          inProgress = true;
          queue(membership);
        },
        cancel: (reason) => {
          membership.cancelled = reason;
          // Replaced while pending: it never runs. In progress: its turn on the runner ends it.
          if (inProgress) return;
          this.conclude(id, job, scope, 'cancelled');
          this.advance();
        },
      },
    };
    this.scheduler.enter(concurrency.group, concurrency.cancelInProgress, membership.member);
  }

  /** A job's turn on the runner: each matrix leg in turn, unless its group cancelled it meanwhile. */
  private async execute(toRun: JobToRun, scope: Scope, membership?: Membership): Promise<void> {
    try {
      if (membership?.cancelled || this.membership?.cancelled) {
        this.conclude(toRun.id, toRun.job, scope, 'cancelled');
      } else {
        const legs: JobRun[] = [];
        for (const matrix of matrixLegs(toRun.job, scope)) {
          const legScope: Scope = { ...scope, contexts: { ...scope.contexts, matrix } };
          await this.settings.onJobStarted?.(toRun.id, toRun.permissions, toRun.environment);
          legs.push(await runJob({ ...toRun, matrix }, legScope, this.event, this.settings));
        }
        this.record.jobs.push(...legs);
        this.results.set(toRun.id, legs);
        for (const leg of legs) this.report(leg);
      }
    } finally {
      if (membership) this.scheduler.leave(membership.group, membership.member);
    }
    this.advance();
  }

  /** A job that never ran: skipped by its `if:`, or cancelled by its group or its run's. */
  private conclude(id: string, job: WorkflowJob, scope: Scope, result: 'skipped' | 'cancelled'): void {
    // GitHub leaves a skipped job's name as written, expressions and all (actions/runner#1215).
    const name = result === 'skipped' ? (job.name ?? id) : jobName(id, job, scope);
    const done: JobRun = { id, name, result, outputs: {}, steps: [] };
    this.record.jobs.push(done);
    this.results.set(id, [done]);
    this.report(done);
  }

  private report(job: JobRun): void {
    this.reports.push(Promise.resolve(this.settings.onJobConcluded?.(job, this.event)));
  }

  private finish(): void {
    if (this.finished) return;
    this.finished = true;
    if (this.membership && this.started) this.scheduler.leave(this.membership.group, this.membership.member);
    Promise.all(this.reports).then(
      () => this.outcome.resolve(this.record),
      (error: unknown) => this.outcome.reject(error),
    );
  }

  private fail(error: unknown): void {
    this.finished = true;
    if (this.membership) this.scheduler.leave(this.membership.group, this.membership.member);
    this.outcome.reject(error);
  }
}

interface JobToRun {
  id: string;
  job: WorkflowJob;
  matrix: Record<string, unknown> | undefined;
  permissions: Permissions;
  environment?: string;
}

async function runJob(
  { id, job, matrix, permissions, environment }: JobToRun,
  scope: Scope,
  event: WorkflowEvent,
  settings: RunnerSettings,
): Promise<JobRun> {
  const folder = await mkdtemp(join(settings.temp, `job-${id}-`));
  const workspace = join(folder, 'workspace');
  const home = join(folder, 'home');
  await Promise.all([mkdir(workspace), mkdir(home)]);
  const github = { ...(scope.contexts.github as Record<string, unknown>), job: id, workspace };
  const jobEnv = { ...(scope.contexts.env as Record<string, string>), ...evaluateEnv(job.env, scope) };
  const steps: Record<string, { outputs: Record<string, string>; outcome: Outcome; conclusion: Outcome }> =
    {};
  const record: JobRun = {
    id,
    name: jobName(id, job, scope),
    ...(matrix ? { matrix } : {}),
    ...(environment ? { environment } : {}),
    result: 'success',
    outputs: {},
    steps: [],
  };
  for (const [index, step] of (job.steps ?? []).entries()) {
    const failed = record.steps.some((done) => done.outcome === 'failure');
    const stepScope: Scope = {
      contexts: { ...scope.contexts, github, env: jobEnv, steps },
      status: { success: !failed, failure: failed },
    };
    const label = step.name ?? step.id ?? step.uses?.replace(/@.*$/, '') ?? `step ${index + 1}`;
    let done: StepRun;
    if (!condition(step.if, stepScope)) {
      const kind = (settings.ourAction ?? OUR_ACTION).test(step.uses ?? '') ? 'flow' : 'stand-in';
      done = { label, kind, outcome: 'skipped', outputs: {} };
    } else {
      const env = { ...jobEnv, ...evaluateEnv(step.env, stepScope) };
      const inputs = Object.fromEntries(
        Object.entries(step.with ?? {}).map(([name, value]) => [name, interpolateString(value, stepScope)]),
      );
      const runnerEnv = { ...env, ...runnerVariables(github, id), HOME: home };
      done = await runStep(step, label, inputs, runnerEnv, { workspace, home, event, permissions }, settings);
    }
    record.steps.push(done);
    if (step.id) steps[step.id] = { outputs: done.outputs, outcome: done.outcome, conclusion: done.outcome };
  }
  if (record.steps.some((done) => done.outcome === 'failure')) record.result = 'failure';
  const outputScope: Scope = { contexts: { ...scope.contexts, github, env: jobEnv, steps }, status: PASSING };
  for (const [name, value] of Object.entries(job.outputs ?? {}))
    record.outputs[name] = interpolateString(value, outputScope);
  return record;
}

async function runStep(
  step: WorkflowStep,
  label: string,
  inputs: Record<string, string>,
  env: Record<string, string>,
  job: Pick<StepContext, 'workspace' | 'home' | 'event' | 'permissions'>,
  settings: RunnerSettings,
): Promise<StepRun> {
  const ours = (settings.ourAction ?? OUR_ACTION).exec(step.uses ?? '');
  if (ours?.[1]) {
    const action = await runAction({
      actionDir: settings.actionDir(ours[1], ours[2]),
      inputs,
      eventName: job.event.name,
      payload: job.event.payload,
      sha: job.event.sha,
      ref: job.event.ref,
      repository: settings.repository,
      serverUrl: settings.serverUrl,
      apiUrl: settings.apiUrl,
      runId: String(settings.runId),
      githubToken: settings.token,
      actor: settings.actor,
      workspace: job.workspace,
      env,
      timeoutMs: 90_000,
    });
    const outcome = action.exitCode === 0 ? 'success' : 'failure';
    return { label, kind: 'flow', outcome, outputs: action.outputs, inputs, action };
  }
  const key = step.uses ? step.uses.replace(/@.*$/, '') : (step.name ?? '');
  const standIn = settings.standIns[key];
  if (!standIn) throw new Error(`No stand-in for step "${label}": give one under "${key}".`);
  const done = await standIn.run({ ...job, step, with: inputs, env });
  const { outcome, outputs, errors = [] } = typeof done === 'string' ? { outcome: done, outputs: {} } : done;
  return { label, kind: 'stand-in', outcome, outputs, standIn: standIn.description, errors };
}

/** The `github` context: what the expressions of a template read about the run and its event. */
export function githubContext(
  workflow: Pick<Workflow, 'name'>,
  event: WorkflowEvent,
  settings: Pick<RunnerSettings, 'repository' | 'serverUrl' | 'apiUrl' | 'runId' | 'actor' | 'token'>,
) {
  const pull = event.payload.pull_request as { head?: { ref?: string }; base?: { ref?: string } } | undefined;
  const refName = event.ref.replace(/^refs\/(heads|tags)\//, '').replace(/^refs\//, '');
  return {
    event_name: event.name,
    event: event.payload,
    sha: event.sha,
    ref: event.ref,
    ref_name: refName,
    ref_type: event.ref.startsWith('refs/tags/') ? 'tag' : 'branch',
    head_ref: pull?.head?.ref ?? '',
    base_ref: pull?.base?.ref ?? '',
    repository: settings.repository,
    repository_owner: settings.repository.split('/')[0],
    server_url: settings.serverUrl,
    api_url: settings.apiUrl,
    run_id: String(settings.runId),
    run_number: '1',
    run_attempt: '1',
    actor: settings.actor,
    triggering_actor: settings.actor,
    workflow: workflow.name,
    token: settings.token,
  };
}

/** Events GitHub runs with a read-only token and no secrets when the pull request's head is a fork's. */
const FORK_RESTRICTED = ['pull_request', 'pull_request_review', 'pull_request_review_comment'];

/** Whether the event is a fork's pull request (or its review), which GitHub runs read-only. */
export function fromFork(event: WorkflowEvent, repository: string): boolean {
  const pull = event.payload.pull_request as { head?: { repo?: { full_name?: string } } } | undefined;
  const head = pull?.head?.repo?.full_name;
  return FORK_RESTRICTED.includes(event.name) && head !== undefined && head !== repository;
}

/** What a fork's run is granted of `asked`: each scope read at most (id-token none). */
function readOnly(asked: Permissions): Permissions {
  return Object.fromEntries(
    Object.entries(asked)
      .filter(([scope]) => scope !== 'id-token')
      .map(([scope, level]) => [scope, level === 'none' ? 'none' : 'read']),
  );
}

/** The GITHUB_* variables the harness does not set itself from the run options. */
function runnerVariables(github: Record<string, unknown>, jobId: string): Record<string, string> {
  return {
    GITHUB_WORKFLOW: String(github.workflow),
    GITHUB_JOB: jobId,
    GITHUB_REF_NAME: String(github.ref_name),
    GITHUB_REF_TYPE: String(github.ref_type),
    GITHUB_HEAD_REF: String(github.head_ref),
    GITHUB_BASE_REF: String(github.base_ref),
  };
}

function evaluateEnv(env: Record<string, string> | undefined, scope: Scope): Record<string, string> {
  const evaluated: Record<string, string> = {};
  for (const [name, value] of Object.entries(env ?? {})) evaluated[name] = interpolateString(value, scope);
  return evaluated;
}

/** A job's `environment:` name (`name:` of its mapping form), evaluated; undefined without one. */
function environmentName(job: WorkflowJob, scope: Scope): string | undefined {
  const written = typeof job.environment === 'string' ? job.environment : job.environment?.name;
  return written === undefined ? undefined : interpolateString(written, scope);
}

function jobName(id: string, job: WorkflowJob, scope: Scope): string {
  return job.name === undefined ? id : interpolateString(job.name, scope);
}

/** Jobs in declaration order, each after everything it needs; a cycle or unknown need is an error. */
function jobsInOrder(workflow: Workflow): [string, WorkflowJob][] {
  const ordered: [string, WorkflowJob][] = [];
  const placed = new Set<string>();
  const visit = (id: string, path: string[]) => {
    if (placed.has(id)) return;
    const job = workflow.jobs[id];
    if (!job) throw new Error(`jobs.${path.at(-1)} needs "${id}", which is not a job.`);
    if (path.includes(id)) throw new Error(`jobs form a cycle: ${[...path, id].join(' → ')}.`);
    for (const need of needsOf(job)) visit(need, [...path, id]);
    placed.add(id);
    ordered.push([id, job]);
  };
  for (const id of Object.keys(workflow.jobs)) visit(id, []);
  return ordered;
}

/** `needs.<job>`: its result (the worst leg's) and its outputs (the last leg that set each). */
function needContext(legs: readonly JobRun[], job: WorkflowJob | undefined) {
  const result = legs.some((leg) => leg.result === 'failure')
    ? 'failure'
    : legs.some((leg) => leg.result === 'cancelled')
      ? 'cancelled'
      : legs.every((leg) => leg.result === 'skipped')
        ? 'skipped'
        : 'success';
  const outputs: Record<string, string> = {};
  for (const name of Object.keys(job?.outputs ?? {}))
    for (const leg of legs) if (leg.outputs[name]) outputs[name] = leg.outputs[name];
  return { result, outputs };
}

/**
 * What the status functions answer for a job: success() when every job it needs succeeded,
 * failure() when any job before it, however far up, failed, cancelled() when the run or any job
 * before it was cancelled.
 */
function jobStatus(
  id: string,
  workflow: Workflow,
  results: ReadonlyMap<string, JobRun[]>,
  runCancelled: boolean,
): Status {
  const direct = needsOf(workflow.jobs[id] as WorkflowJob);
  const success = direct.every((need) => (results.get(need) ?? []).every((leg) => leg.result === 'success'));
  const ancestors = new Set<string>();
  const collect = (job: string) => {
    for (const need of needsOf(workflow.jobs[job] as WorkflowJob)) {
      ancestors.add(need);
      collect(need);
    }
  };
  collect(id);
  const before = [...ancestors].flatMap((job) => results.get(job) ?? []);
  return {
    success,
    failure: before.some((leg) => leg.result === 'failure'),
    cancelled: runCancelled || before.some((leg) => leg.result === 'cancelled'),
  };
}

/** A workflow's or job's `concurrency:`, evaluated; undefined without one. */
function concurrencyOf(written: WorkflowJob['concurrency'], scope: Scope): Concurrency | undefined {
  if (written === undefined) return undefined;
  if (typeof written === 'string')
    return { group: interpolateString(written, scope), cancelInProgress: false };
  const cancel = written['cancel-in-progress'];
  const cancelInProgress = typeof cancel === 'string' ? interpolate(cancel, scope) : cancel;
  return {
    group: interpolateString(written.group, scope),
    cancelInProgress: cancelInProgress === true || cancelInProgress === 'true',
  };
}

/**
 * The legs of a job: one without a matrix; the matrix's combinations, or its `include` list. The
 * matrix, or any axis of it, may be an expression (`toggle: ${{ fromJSON(…).toggle }}`).
 */
function matrixLegs(job: WorkflowJob, scope: Scope): (Record<string, unknown> | undefined)[] {
  const written = job.strategy?.matrix;
  if (written === undefined) return [undefined];
  const evaluated = typeof written === 'string' ? interpolate(written, scope) : written;
  const matrix = (
    evaluated && typeof evaluated === 'object' && !Array.isArray(evaluated)
      ? Object.fromEntries(
          Object.entries(evaluated).map(([axis, values]) => [
            axis,
            typeof values === 'string' ? interpolate(values, scope) : values,
          ]),
        )
      : evaluated
  ) as Record<string, unknown>;
  if (!matrix || typeof matrix !== 'object')
    throw new Error(`strategy.matrix is not an object: ${String(matrix)}.`);
  const { include, exclude, ...axes } = matrix as { include?: Record<string, unknown>[]; exclude?: unknown };
  if (exclude !== undefined) throw new Error('The simulated runner does not expand matrix exclude.');
  let legs: Record<string, unknown>[] = [{}];
  for (const [axis, values] of Object.entries(axes)) {
    if (!Array.isArray(values)) throw new Error(`strategy.matrix.${axis} is not a list.`);
    legs = legs.flatMap((leg) => values.map((value) => ({ ...leg, [axis]: value })));
  }
  if (include !== undefined) {
    if (Object.keys(axes).length > 0)
      throw new Error('The simulated runner expands include only without axes.');
    legs = include;
  }
  if (legs.length === 0 || (legs.length === 1 && Object.keys(legs[0] ?? {}).length === 0))
    throw new Error('strategy.matrix expands to no job: GitHub fails such a run.');
  return legs;
}
