import { AUTH_ACTION_PINS } from '@flow-actions/flow-cli/init';
import { stringsIn } from './consistency';
import {
  environmentOf,
  expressionsIn,
  needsOf,
  OUR_ACTION,
  type Template,
  type Workflow,
  type WorkflowJob,
  type WorkflowStep,
} from './templates';

/** A third-party action pinned to a full commit sha, e.g. `actions/checkout@<40 hex>`. */
const PINNED = /^([\w.-]+\/[\w./-]+)@([0-9a-f]{40})$/;
/** The comment that names a pin's release: `# v7.0.1`. */
const VERSION_COMMENT = /^v\d+\.\d+\.\d+$/;
/** Every `uses:` line, with the comment after it: YAML parsers drop comments, the pin check needs them. */
const USES_LINE = /^[ \t]*(?:-[ \t]+)?uses:[ \t]*(\S+)[ \t]*(?:#[ \t]*(.*?))?[ \t]*$/gm;

/** A pin checked upstream: the tag's commit and what its action.yml runs on. */
export interface VerifiedPin {
  action: string;
  sha: string;
  version: string;
  using: string;
  checked: string;
}

export const VERIFIED_PINS_FILE = 'test/fixtures/templates/verified-pins.json';

/**
 * What a template gets wrong about the hardening rules of DESIGN §5, one line each (empty when
 * nothing): pull_request_target; a `run:` with any `${{ }}` in it (values reach scripts through
 * `env:`, so event text such as a branch name or a title is never spliced into shell code); a job
 * without its own `permissions:`; a third-party `uses:` not pinned to 40 hex with a `# vX.Y.Z`
 * comment, or pinned to a sha→version pair nobody checked upstream (`verified`); a job that
 * deploys to an environment outside a concurrency group for it that never cancels in progress; and
 * the rules of the jobs that decide merges (checkMergeRules) and of those that take commands from
 * comments and deploy (checkCommandRules).
 */
export function checkSecurity(template: Template, verified: readonly VerifiedPin[]): string[] {
  const problems: string[] = [];
  const { workflow, text } = template;
  const triggers = typeof workflow.on === 'string' ? [workflow.on] : Object.keys(workflow.on ?? {});
  if (triggers.includes('pull_request_target'))
    problems.push('on: pull_request_target runs fork code with a write token');
  // Steps and `uses:` lines come in the same document order: the n-th step with `uses:` is on the
  // n-th such line.
  const usesLines = [...text.matchAll(USES_LINE)];
  let line = 0;
  for (const [jobId, job] of Object.entries(workflow.jobs)) {
    if (job.permissions === undefined) problems.push(`jobs.${jobId}: no permissions:`);
    for (const [index, step] of (job.steps ?? []).entries()) {
      const where = `jobs.${jobId}.steps[${step.id ?? index}]`;
      if (step.run !== undefined) {
        for (const expression of expressionsIn(step.run))
          problems.push(`${where}: \${{ ${expression} }} inside run: (pass it through env:)`);
      }
      const uses = step.uses;
      if (uses === undefined) continue;
      const written = usesLines[line++];
      if (written?.[1] !== uses)
        throw new Error(`${where}: uses ${uses} is not on the next uses: line of the file`);
      if (uses.startsWith('./') || OUR_ACTION.test(uses)) continue;
      const problem = checkPin(uses, written[2], verified);
      if (problem) problems.push(`${where}: ${problem}`);
    }
    const environment = environmentOf(job);
    if (environment) {
      const concurrency = job.concurrency ?? workflow.concurrency;
      const group = typeof concurrency === 'string' ? concurrency : concurrency?.group;
      const cancels = typeof concurrency === 'object' ? concurrency['cancel-in-progress'] : false;
      if (!group?.includes(environment))
        problems.push(`jobs.${jobId}: deploys to ${environment} outside a concurrency group for it`);
      else if (cancels !== false)
        problems.push(`jobs.${jobId}: deploys to ${environment} with cancel-in-progress other than false`);
    }
  }
  return [...problems, ...checkMergeRules(workflow, triggers), ...checkCommandRules(workflow, triggers)];
}

/** What is wrong with a third-party `uses:` and its comment, or undefined when it is a verified pin. */
function checkPin(
  uses: string,
  comment: string | undefined,
  verified: readonly VerifiedPin[],
): string | undefined {
  const pinned = PINNED.exec(uses);
  if (!pinned) return `${uses} is not pinned to a full commit sha`;
  const [, action, sha] = pinned;
  if (!comment || !VERSION_COMMENT.test(comment))
    return `${uses} has no "# vX.Y.Z" comment naming its release (found ${comment ? `"# ${comment}"` : 'none'})`;
  const known = verified.find((pin) => pin.action === action && pin.sha === sha);
  if (!known)
    return `${uses} # ${comment} is not a verified pin: check the tag's commit and its action.yml runs.using upstream, then record it in ${VERIFIED_PINS_FILE}`;
  if (known.version !== comment)
    return `${uses} says # ${comment}, but that commit is ${known.version} (${VERIFIED_PINS_FILE})`;
  return undefined;
}

/**
 * Events whose runs get this repository's write token and secrets whoever caused them. A commit,
 * branch or repository such an event names may be a fork's pull request: checked out there, its
 * code runs with that token.
 */
const PRIVILEGED_EVENTS = [
  'pull_request_target',
  'workflow_run',
  'check_run',
  'check_suite',
  'status',
  'deployment_status',
  'issue_comment',
];

/** What a workflow's `if:` says to act only on this repository's own code, not a fork's. */
const OWN_HEAD_GUARD = 'github.event.workflow_run.head_repository.full_name == github.repository';

/** Expressions that name only this repository's own commits: the event's commit on the default branch, the base. */
const OWN_CODE =
  /^github\.(sha|ref|ref_name|repository|base_ref|event\.repository\.[\w.]+|event\.pull_request\.base\.[\w.]+)$/;

/** The check run each step of ours that posts one names by default (its action.yml `check-name`). */
export const OUR_CHECK_NAMES: Readonly<Record<string, string>> = { 'merge-gate': 'Merge gate', risk: 'Risk' };

/**
 * What a job running only merge-gate and risk may be granted at most: they read the pull request
 * through the API and write their own check run (risk also its labels), as their READMEs list under
 * permissions. The simulation shows these are enough: the GitHub fake grants exactly the job's.
 */
const GRANTS_OF: Readonly<Record<string, Readonly<Record<string, 'read' | 'write'>>>> = {
  'merge-gate': {
    checks: 'write',
    contents: 'read',
    'pull-requests': 'read',
    statuses: 'read',
    deployments: 'read',
  },
  risk: { checks: 'write', contents: 'read', 'pull-requests': 'read', issues: 'write' },
};

/** The GitHub App token step: its `token` output is the merge token. */
const APP_TOKEN_ACTION = 'actions/create-github-app-token';

/**
 * The one input of each step of ours that is made for a GitHub App's token: merge-gate's merge (a
 * merge by GITHUB_TOKEN starts no push workflow), propose's token of the product repository (which
 * the job's own token cannot reach) and release's token (a tag GITHUB_TOKEN creates starts no
 * promote.yml). Nothing else may read the token.
 */
export const APP_TOKEN_INPUTS: Readonly<Record<string, string>> = {
  'merge-gate': 'merge-token',
  propose: 'token',
  release: 'github-token',
};
const APP_TOKEN_READERS = Object.entries(APP_TOKEN_INPUTS)
  .map(([path, input]) => `${path}'s ${input}`)
  .join(', ');

/** Each event the gate listens to, and the expression that names the head commit it is about. */
const HEAD_OF_EVENT: Readonly<Record<string, string>> = {
  pull_request: 'github.event.pull_request.head.sha',
  pull_request_review: 'github.event.pull_request.head.sha',
  check_run: 'github.event.check_run.head_sha',
  check_suite: 'github.event.check_suite.head_sha',
  status: 'github.event.sha',
  deployment_status: 'github.event.deployment.sha',
  merge_group: 'github.event.merge_group.head_sha',
  workflow_run: 'github.event.workflow_run.head_sha',
};

const RANK = { none: 0, read: 1, write: 2 } as const;

/** One of our actions as a template names it (`org/flow-actions/<path>@v1`) or as flow init pins it (`<owner>/flow-actions/<path>@<sha>`). */
const OURS_ANY_PIN = /^[\w.-]+\/flow-actions\/([a-z0-9-]+)@\S+$/;

function ourPath(step: WorkflowStep): string | undefined {
  return OURS_ANY_PIN.exec(step.uses ?? '')?.[1];
}

function actionOf(step: WorkflowStep): string | undefined {
  return step.uses?.replace(/@.*$/, '');
}

/**
 * The rules of workflows that decide merges, one line each (empty when nothing):
 * - on a privileged event (PRIVILEGED_EVENTS), `actions/checkout` takes no commit, branch or
 *   repository the event names, unless the job (or a job it needs) runs only for this repository's
 *   own head (OWN_HEAD_GUARD) — the pull request's code never runs with the write token;
 * - no job is named like the check run a step of ours posts (`Merge gate`, `Risk`): a job's own
 *   check run would carry that name and pass for the gate;
 * - a job running only merge-gate and risk (and the App token step) is granted nothing beyond what
 *   those steps use (GRANTS_OF);
 * - a GitHub App token reaches only the input of a step of ours made for it (APP_TOKEN_INPUTS) in its job, the
 *   App's private key only the token step, and the token names the permissions it needs;
 * - a workflow running merge-gate keeps one concurrency group per head commit (reading the head of
 *   every event it listens to) that never cancels in progress, and on check_run skips the gate's own
 *   check run.
 */
export function checkMergeRules(workflow: Workflow, triggers: readonly string[]): string[] {
  const problems: string[] = [];
  const privileged = triggers.filter((trigger) => PRIVILEGED_EVENTS.includes(trigger));
  const checkNames = new Set(Object.values(OUR_CHECK_NAMES));
  for (const job of Object.values(workflow.jobs))
    for (const step of job.steps ?? []) {
      const name = step.with?.['check-name'];
      if (ourPath(step) && typeof name === 'string') checkNames.add(name);
    }
  const appTokenSteps = new Map<string, string>();
  for (const [jobId, job] of Object.entries(workflow.jobs))
    for (const step of job.steps ?? [])
      if (actionOf(step) === APP_TOKEN_ACTION && step.id) appTokenSteps.set(step.id, jobId);

  for (const [jobId, job] of Object.entries(workflow.jobs)) {
    if (job.name !== undefined && checkNames.has(job.name))
      problems.push(
        `jobs.${jobId}: is named "${job.name}", the check run a step of ours posts: its own check run would pass for it`,
      );
    const steps = job.steps ?? [];
    if (privileged.length > 0 && !ownHeadOnly(workflow, jobId)) {
      for (const [index, step] of steps.entries()) {
        if (actionOf(step) !== 'actions/checkout') continue;
        for (const input of ['ref', 'repository']) {
          const value = step.with?.[input];
          const foreign = expressionsIn(String(value ?? '')).filter(
            (expression) => !OWN_CODE.test(expression),
          );
          if (foreign.length > 0)
            problems.push(
              `jobs.${jobId}.steps[${step.id ?? index}]: checks out ${input}: \${{ ${foreign[0]} }} on ${privileged.join(', ')}, where the job has a write token: that code may be a fork's`,
            );
        }
      }
    }
    problems.push(...checkGrants(jobId, job, gateGrants));
    for (const [index, step] of steps.entries()) {
      const where = `jobs.${jobId}.steps[${step.id ?? index}]`;
      if (actionOf(step) === APP_TOKEN_ACTION) {
        if (!Object.keys(step.with ?? {}).some((input) => input.startsWith('permission-')))
          problems.push(
            `${where}: the App token has every permission of the installation: name the ones it needs (permission-<scope>)`,
          );
        const key = expressionsIn(String(step.with?.['private-key'] ?? ''));
        for (const expression of key) {
          const elsewhere = Object.entries(workflow.jobs).some(([otherId, other]) =>
            (other.steps ?? []).some(
              (candidate) =>
                (otherId !== jobId || candidate !== step) &&
                stringsIn(candidate).some((text) => expressionsIn(text).includes(expression)),
            ),
          );
          if (elsewhere)
            problems.push(`${where}: its private key \${{ ${expression} }} is read by another step too`);
        }
      }
    }
  }
  problems.push(...checkAppTokenReaders(workflow, appTokenSteps));
  if (
    Object.values(workflow.jobs).some((job) =>
      (job.steps ?? []).some((step) => ourPath(step) === 'merge-gate'),
    )
  )
    problems.push(...checkGateRuns(workflow, triggers));
  return problems;
}

/** Whether a job runs only for this repository's own head. */
function ownHeadOnly(workflow: Workflow, jobId: string): boolean {
  return runsOnlyIf(workflow, jobId, OWN_HEAD_GUARD);
}

/**
 * Whether a job runs only when `guard` holds: its `if:` says so, or it needs a job that does and
 * would be skipped with it (no status function lets it run regardless).
 */
function runsOnlyIf(workflow: Workflow, jobId: string, guard: string, seen = new Set<string>()): boolean {
  const job = workflow.jobs[jobId];
  if (!job || seen.has(jobId)) return false;
  seen.add(jobId);
  const condition = job.if ?? '';
  if (condition.includes(guard)) return true;
  if (/\b(always|failure|cancelled)\s*\(/.test(condition)) return false;
  return needsOf(job).some((need) => runsOnlyIf(workflow, need, guard, seen));
}

/** What the job token of a job must be granted for one step; undefined: a step the rules do not know. */
type StepGrants = (step: WorkflowStep) => Grants | undefined;
type Grants = Readonly<Record<string, 'read' | 'write'>>;

/** merge-gate's and risk's grants (GRANTS_OF); the App token step needs none of the job's token. */
const gateGrants: StepGrants = (step) => {
  const path = ourPath(step);
  if (path !== undefined) return GRANTS_OF[path];
  return actionOf(step) === APP_TOKEN_ACTION ? {} : undefined;
};

/** A job whose every step `grantsOf` knows, granted more than those steps use. */
function checkGrants(jobId: string, job: WorkflowJob, grantsOf: StepGrants): string[] {
  const steps = job.steps ?? [];
  const grants = steps.map(grantsOf);
  if (steps.length === 0 || grants.some((grant) => grant === undefined)) return [];
  if (typeof job.permissions === 'string')
    return [
      `jobs.${jobId}: permissions: ${job.permissions} grants what its steps never use: list each scope`,
    ];
  const allowed: Record<string, 'read' | 'write'> = {};
  for (const grant of grants)
    for (const [scope, level] of Object.entries(grant ?? {}))
      if (RANK[level] > RANK[allowed[scope] ?? 'none']) allowed[scope] = level;
  const used = [...new Set(steps.map(ourPath).filter((path) => path !== undefined))].join(' and ');
  return Object.entries(job.permissions ?? {})
    .filter(([scope, level]) => RANK[level as keyof typeof RANK] > RANK[allowed[scope] ?? 'none'])
    .map(
      ([scope, level]) =>
        `jobs.${jobId}: grants ${scope}: ${level}, beyond what ${used} use (${scope}: ${allowed[scope] ?? 'none'})`,
    );
}

/** Every place an App token is read, other than the input made for it of a step of ours in its job (APP_TOKEN_INPUTS). */
function checkAppTokenReaders(workflow: Workflow, appTokenSteps: ReadonlyMap<string, string>): string[] {
  const problems: string[] = [];
  const readsToken = (text: string) =>
    expressionsIn(text).flatMap((expression) =>
      [...expression.matchAll(/\bsteps\.([A-Za-z_][\w-]*)\.outputs\.token\b/g)]
        .map((match) => match[1] as string)
        .filter((id) => appTokenSteps.has(id)),
    );
  for (const [jobId, job] of Object.entries(workflow.jobs)) {
    for (const [name, value] of Object.entries(job.outputs ?? {}))
      if (readsToken(value).length > 0)
        problems.push(`jobs.${jobId}.outputs.${name}: hands the App token on to other jobs`);
    for (const [index, step] of (job.steps ?? []).entries()) {
      const where = `jobs.${jobId}.steps[${step.id ?? index}]`;
      const path = ourPath(step);
      const tokenInput = path === undefined ? undefined : APP_TOKEN_INPUTS[path];
      const allowed = tokenInput === undefined ? undefined : step.with?.[tokenInput];
      const places: [string, unknown][] = [
        [
          'with',
          Object.entries(step.with ?? {}).filter(([input]) => input !== tokenInput || allowed === undefined),
        ],
        ['env', step.env],
        ['run', step.run],
        ['if', step.if],
      ];
      for (const [place, value] of places)
        for (const text of stringsIn(value))
          for (const id of readsToken(text))
            problems.push(
              `${where}: reads the App token of step "${id}" in ${place}: only ${APP_TOKEN_READERS} may`,
            );
      if (typeof allowed === 'string')
        for (const id of readsToken(allowed))
          if (appTokenSteps.get(id) !== jobId)
            problems.push(`${where}: reads the App token of step "${id}", which is not in its job`);
    }
  }
  return problems;
}

/** A workflow running merge-gate: one concurrency group per head commit, never cancelled, and no loop on its own check. */
function checkGateRuns(workflow: Workflow, triggers: readonly string[]): string[] {
  // A workflow-wide group is one group for every job: each problem with it is said once.
  const problems = new Set<string>();
  const gateJobs = Object.entries(workflow.jobs).filter(([, job]) =>
    (job.steps ?? []).some((step) => ourPath(step) === 'merge-gate'),
  );
  for (const [jobId, job] of gateJobs) {
    const concurrency = job.concurrency ?? workflow.concurrency;
    const group = typeof concurrency === 'string' ? concurrency : concurrency?.group;
    const where = job.concurrency ? `jobs.${jobId}.concurrency` : 'concurrency';
    if (!group) {
      problems.add(
        `jobs.${jobId}: runs merge-gate outside a concurrency group: evaluations of one head pile up`,
      );
      continue;
    }
    const read = expressionsIn(group).join(' ');
    const unread = triggers.filter((trigger) => {
      const head = HEAD_OF_EVENT[trigger];
      return head !== undefined && !new RegExp(`${head.replaceAll('.', '\\.')}\\b`).test(read);
    });
    for (const trigger of unread)
      problems.add(
        `${where}: the group does not read ${HEAD_OF_EVENT[trigger]}: evaluations of ${trigger} events for different pull requests would replace each other`,
      );
    if (typeof concurrency !== 'object' || concurrency['cancel-in-progress'] !== false)
      problems.add(
        `${where}: cancel-in-progress must be false: an evaluation stopped halfway leaves its check or its merge undone`,
      );
    if (triggers.includes('check_run')) {
      const names = (job.steps ?? [])
        .filter((step) => ourPath(step) === 'merge-gate')
        .map((step) => String(step.with?.['check-name'] ?? OUR_CHECK_NAMES['merge-gate']));
      for (const name of new Set(names))
        if (!runsOnlyIf(workflow, jobId, `github.event.check_run.name != '${name}'`))
          problems.add(
            `jobs.${jobId}: on check_run, its if: must skip the gate's own check (github.event.check_run.name != '${name}'), or a check written with an App token starts the gate again`,
          );
    }
  }
  return [...problems];
}

/** The event a deploy command comes from: a new comment on an issue or a pull request. */
const COMMAND_EVENT = 'issue_comment';

/** What reads text someone wrote in the conversation: the comment, the issue's or pull request's title and body. */
const CONVERSATION_TEXT = /\bgithub\.event\.(comment(\.body)?|issue(\.(title|body))?)\b(?!\.)/;

/** What a `run:` script of a command workflow may not read: the event's fields and what steps or jobs made of them. */
const UNTRUSTED_IN_SCRIPTS = /\b(github\.event\.|(steps|needs)\.[\w-]+\.outputs\b)/;

/** The grants of deploy-command's phases: the reactions and replies, the policy file, the pull request. */
const COMMAND_GRANTS: Readonly<Record<string, Grants>> = {
  accept: { contents: 'read', issues: 'write', 'pull-requests': 'read' },
  report: { issues: 'write' },
};

/** `${{ secrets.GITHUB_TOKEN }}` or `${{ github.token }}`: the job's own token. */
const JOB_TOKEN = /^\s*\$\{\{\s*(secrets\.GITHUB_TOKEN|github\.token)\s*\}\}\s*$/;

/** `${{ secrets.NAME }}` alone: NAME. */
const SECRET = /^\s*\$\{\{\s*secrets\.([A-Za-z_][A-Za-z0-9_]*)\s*\}\}\s*$/;

/**
 * The grants each step of a deploy-command workflow uses: deploy-command's phase, promote's tags
 * (when the job logs in to ghcr.io with its own token) and deployment record, update-manifest
 * nothing (it pushes with its own token), a login with the job's token reads packages, the cloud
 * logins flow init writes take an OIDC token.
 */
function commandGrants(job: WorkflowJob): StepGrants {
  const logsInWithJobToken = (job.steps ?? []).some(
    (step) => actionOf(step) === 'docker/login-action' && JOB_TOKEN.test(String(step.with?.password ?? '')),
  );
  return (step) => {
    const path = ourPath(step);
    if (path === 'deploy-command') return COMMAND_GRANTS[String(step.with?.phase)];
    if (path === 'update-manifest') return {};
    if (path === 'promote')
      return {
        ...(logsInWithJobToken ? { packages: 'write' } : {}),
        ...(step.with?.environment ? { deployments: 'write' } : {}),
        ...(step.with?.['require-checks'] ? { checks: 'read', statuses: 'read' } : {}),
      };
    if (path !== undefined) return undefined;
    const action = actionOf(step) ?? '';
    if (action === 'docker/login-action')
      return JOB_TOKEN.test(String(step.with?.password ?? '')) ? { packages: 'read' } : {};
    if (action in AUTH_ACTION_PINS) return { 'id-token': 'write' };
    return undefined;
  };
}

/**
 * The rules of workflows that take commands from comments (deploy-command, or any workflow on
 * issue_comment), and of every deploy, one line each (empty when nothing):
 * - a workflow running deploy-command listens to new comments only (`issue_comment`, `types:
 *   [created]`): an edited comment must not run its command again;
 * - on issue_comment no step checks out code: the command needs none, and a pull request's code
 *   would run with the job's write token;
 * - the conversation's text (the comment, the issue's title and body) reaches no step but through
 *   an `if:`: the action reads the comment from the event itself; and no `run:` script reads the
 *   event or an output made from it;
 * - each job is granted no more than its steps use (commandGrants);
 * - the manifest repository's token is a secret of its own (never the job's token), read only by
 *   the `token` of update-manifest steps — in a command workflow, of one job;
 * - a job that deploys with update-manifest to an environment holds the group `deploy-<environment>`
 *   that every deploy workflow holds for it; in a command workflow it names its environment, so
 *   GitHub records the deployment;
 * - the job that reports (phase: report) runs always() after every job that deploys.
 */
export function checkCommandRules(workflow: Workflow, triggers: readonly string[]): string[] {
  const problems: string[] = [];
  const jobs = Object.entries(workflow.jobs);
  const stepsOf = (job: WorkflowJob) => job.steps ?? [];
  const commands = jobs.some(([, job]) => stepsOf(job).some((step) => ourPath(step) === 'deploy-command'));
  const onComments = triggers.includes(COMMAND_EVENT);
  if (commands) {
    for (const trigger of triggers)
      if (trigger !== COMMAND_EVENT)
        problems.push(`on: ${trigger}: a deploy command comes from a comment only (on: issue_comment)`);
    const types = (workflow.on?.[COMMAND_EVENT] as { types?: unknown } | null | undefined)?.types;
    const listed = Array.isArray(types) ? types.map(String) : types === undefined ? [] : [String(types)];
    if (onComments && (listed.length !== 1 || listed[0] !== 'created'))
      problems.push(
        `on.issue_comment: types must be [created] (found ${listed.length ? `[${listed.join(', ')}]` : 'none: every type'}): an edited comment would run its command again`,
      );
  }
  const manifestTokens = new Set<string>();
  const deployJobs: string[] = [];
  for (const [jobId, job] of jobs)
    for (const [index, step] of stepsOf(job).entries()) {
      if (ourPath(step) !== 'update-manifest') continue;
      if (!deployJobs.includes(jobId)) deployJobs.push(jobId);
      const token = String(step.with?.token ?? '');
      const secret = SECRET.exec(token)?.[1];
      if (JOB_TOKEN.test(token) || !secret)
        problems.push(
          `jobs.${jobId}.steps[${step.id ?? index}]: update-manifest's token must be a secret of its own that may push to the manifest repository (e.g. \${{ secrets.MANIFEST_TOKEN }}), not ${token ? `"${token}"` : 'the default'}`,
        );
      else manifestTokens.add(secret);
    }
  if (commands && deployJobs.length > 1)
    problems.push(
      `jobs ${deployJobs.join(', ')} each run update-manifest: the manifest repository's token belongs in one job`,
    );
  const readsManifestToken = (text: string) =>
    expressionsIn(text).some((expression) =>
      [...manifestTokens].some((name) => new RegExp(`\\bsecrets\\.${name}\\b`).test(expression)),
    );
  for (const text of stringsIn(workflow.env))
    if (readsManifestToken(text))
      problems.push(
        "env: hands the manifest repository's token to every step: only update-manifest's token may read it",
      );
  for (const [jobId, job] of jobs) {
    for (const text of stringsIn([job.env, job.outputs]))
      if (readsManifestToken(text))
        problems.push(
          `jobs.${jobId}: hands the manifest repository's token on (env: or outputs:): only update-manifest's token may read it`,
        );
    for (const [index, step] of stepsOf(job).entries()) {
      const where = `jobs.${jobId}.steps[${step.id ?? index}]`;
      const given = Object.entries(step.with ?? {}).filter(
        ([input]) => ourPath(step) !== 'update-manifest' || input !== 'token',
      );
      if (stringsIn([given, step.env, step.run, step.if]).some(readsManifestToken))
        problems.push(`${where}: reads the manifest repository's token: only update-manifest's token may`);
      if (!onComments) continue;
      if (actionOf(step) === 'actions/checkout')
        problems.push(
          `${where}: checks out code on issue_comment: a command needs none, and a pull request's code would run with the job's token`,
        );
      // A script's env: is the next rule's: it reads more than the comment.
      for (const text of stringsIn(step.run === undefined ? [step.with, step.env] : [step.with]))
        for (const expression of expressionsIn(text).filter((found) => CONVERSATION_TEXT.test(found)))
          problems.push(
            `${where}: passes \${{ ${expression} }} on: the comment is read by the action from the event, never handed to a step`,
          );
      if (step.run !== undefined)
        for (const expression of expressionsIn(stringsIn([step.env]).join('\n')).filter((found) =>
          UNTRUSTED_IN_SCRIPTS.test(found),
        ))
          problems.push(
            `${where}: its run: script reads \${{ ${expression} }}: text from the comment, or made from it, reaches a script`,
          );
    }
    for (const text of stringsIn([job.env, job.outputs]))
      for (const expression of expressionsIn(text).filter(
        (found) => onComments && CONVERSATION_TEXT.test(found),
      ))
        problems.push(
          `jobs.${jobId}: passes \${{ ${expression} }} on: the comment is read by the action from the event, never handed to a step`,
        );
    if (commands || onComments) problems.push(...checkGrants(jobId, job, commandGrants(job)));
    const environment = environmentOf(job);
    if (deployJobs.includes(jobId)) {
      const concurrency = job.concurrency ?? workflow.concurrency;
      const group = typeof concurrency === 'string' ? concurrency : concurrency?.group;
      if (environment === undefined) {
        if (commands)
          problems.push(
            `jobs.${jobId}: deploys without environment: GitHub records no deployment of it, and the environment's rules do not apply`,
          );
      } else if (group?.includes(environment) && group !== `deploy-${environment}`) {
        // A group that does not name the environment at all is checkSecurity's to report.
        problems.push(
          `jobs.${jobId}: deploys to ${environment} in the group ${group}: every deploy workflow holds deploy-${environment} for it`,
        );
      }
    }
  }
  if (commands)
    for (const [jobId, job] of jobs) {
      if (!stepsOf(job).some((step) => ourPath(step) === 'deploy-command' && step.with?.phase === 'report'))
        continue;
      if (!/\balways\s*\(\s*\)/.test(job.if ?? ''))
        problems.push(
          `jobs.${jobId}: reports without always() in its if:: a failed or cancelled deploy would get no reply`,
        );
      for (const deploy of deployJobs)
        if (deploy !== jobId && !needsOf(job).includes(deploy))
          problems.push(
            `jobs.${jobId}: reports without needing jobs.${deploy}: it would reply before the deploy ends`,
          );
    }
  return problems;
}
