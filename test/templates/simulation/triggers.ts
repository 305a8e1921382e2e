// Whether an event starts a workflow, decided from its `on:` the way GitHub documents it: branch and
// tag filters, path filters (never for tags), activity types with each event's defaults (pull
// requests, reviews, check runs and suites, the merge queue, issue comments), workflow_run's
// workflows/types/branches, and workflow_dispatch's inputs with their types and defaults.

/** An event as the simulated runner receives it. */
export interface WorkflowEvent {
  /** `push`, `pull_request`, `pull_request_review`, `workflow_dispatch`, `workflow_run`, `check_run`, `status`, … */
  name: string;
  payload: Record<string, unknown>;
  /** `GITHUB_SHA`. */
  sha: string;
  /** `GITHUB_REF`, e.g. `refs/heads/main`, `refs/tags/v1.0.0`, `refs/pull/7/merge`. */
  ref: string;
  /** For push: the paths the pushed commits changed (path filters need them). */
  changedFiles?: readonly string[];
}

export type Trigger =
  | { runs: true; inputs: Record<string, string | boolean> }
  | { runs: false; reason: string };

interface DispatchInput {
  required?: boolean;
  type?: string;
  default?: string | boolean;
  options?: string[];
}

type Filters = Record<string, string[] | string | undefined> & {
  inputs?: Record<string, DispatchInput>;
};

/**
 * The default branch of every simulated repository. A filter that says `$default-branch` matches
 * nothing, as on GitHub: only the "New workflow" page of an organization fills that in, and only
 * in the copy it makes.
 */
export const DEFAULT_BRANCH = 'main';

export function matchTrigger(written: unknown, event: WorkflowEvent): Trigger {
  const on = triggersOf(written);
  if (!(event.name in on)) return { runs: false, reason: `on: has no ${event.name}` };
  const filters = (on[event.name] ?? {}) as Filters;
  switch (event.name) {
    case 'push':
      return matchPush(filters, event);
    case 'pull_request':
      return matchTypes(filters, String(event.payload.action), ['opened', 'synchronize', 'reopened']);
    case 'pull_request_review':
      return matchTypes(filters, String(event.payload.action), ['submitted', 'edited', 'dismissed']);
    case 'check_run':
      return matchTypes(filters, String(event.payload.action), [
        'created',
        'rerequested',
        'completed',
        'requested_action',
      ]);
    // Of a check suite, workflows see only `completed`.
    case 'check_suite':
      return matchTypes(filters, String(event.payload.action), ['completed']);
    case 'merge_group':
      return matchTypes(filters, String(event.payload.action), ['checks_requested']);
    case 'issue_comment':
      return matchTypes(filters, String(event.payload.action), ['created', 'edited', 'deleted']);
    case 'workflow_run':
      return matchWorkflowRun(filters, event.payload.workflow_run as Record<string, unknown>, event);
    case 'workflow_dispatch':
      return dispatchInputs(filters.inputs ?? {}, (event.payload.inputs ?? {}) as Record<string, unknown>);
    default:
      return { runs: true, inputs: {} };
  }
}

/** `on: push`, `on: [push, pull_request]` and the mapping form, as one mapping. */
function triggersOf(written: unknown): Record<string, unknown> {
  if (typeof written === 'string') return { [written]: null };
  if (Array.isArray(written)) return Object.fromEntries(written.map((name) => [String(name), null]));
  if (written && typeof written === 'object') return written as Record<string, unknown>;
  throw new Error(`on: must name events, not ${JSON.stringify(written)}.`);
}

function matchPush(filters: Filters, event: WorkflowEvent): Trigger {
  const tag = event.ref.startsWith('refs/tags/') ? event.ref.slice('refs/tags/'.length) : undefined;
  const branch = event.ref.startsWith('refs/heads/') ? event.ref.slice('refs/heads/'.length) : undefined;
  const hasBranchFilter = filters.branches !== undefined || filters['branches-ignore'] !== undefined;
  const hasTagFilter = filters.tags !== undefined || filters['tags-ignore'] !== undefined;
  if (tag !== undefined) {
    // Only branch filters: tag pushes do not run it. Path filters are not evaluated for tags.
    if (hasBranchFilter && !hasTagFilter)
      return { runs: false, reason: `tag ${tag}: on.push filters branches only` };
    if (!passes(tag, filters.tags, filters['tags-ignore']))
      return { runs: false, reason: `tag ${tag} does not match on.push.tags` };
    return { runs: true, inputs: {} };
  }
  if (branch === undefined) return { runs: false, reason: `${event.ref} is neither a branch nor a tag` };
  if (hasTagFilter && !hasBranchFilter)
    return { runs: false, reason: `branch ${branch}: on.push filters tags only` };
  if (!passes(branch, filters.branches, filters['branches-ignore']))
    return { runs: false, reason: `branch ${branch} does not match on.push.branches` };
  return matchPaths(filters, event.changedFiles);
}

function matchPaths(filters: Filters, changed: readonly string[] | undefined): Trigger {
  if (filters.paths === undefined && filters['paths-ignore'] === undefined) return { runs: true, inputs: {} };
  if (!changed) throw new Error('This push needs changedFiles: the workflow filters on paths.');
  const ignore = list(filters['paths-ignore']).map(globToRegExp);
  const only = filters.paths === undefined ? undefined : list(filters.paths).map(globToRegExp);
  const relevant = changed.filter(
    (path) => !ignore.some((pattern) => pattern.test(path)) && (!only || only.some((p) => p.test(path))),
  );
  return relevant.length > 0
    ? { runs: true, inputs: {} }
    : { runs: false, reason: `every changed path is filtered out (${changed.join(', ')})` };
}

function matchTypes(filters: Filters, action: string, defaults: string[]): Trigger {
  const types = filters.types === undefined ? defaults : list(filters.types);
  return types.includes(action)
    ? { runs: true, inputs: {} }
    : { runs: false, reason: `activity type ${action} is not in ${types.join(', ')}` };
}

function matchWorkflowRun(filters: Filters, run: Record<string, unknown>, event: WorkflowEvent): Trigger {
  const workflows = list(filters.workflows);
  if (!workflows.includes(String(run.name)))
    return { runs: false, reason: `workflow "${String(run.name)}" is not in ${workflows.join(', ')}` };
  const types = matchTypes(filters, String(event.payload.action), ['completed', 'requested']);
  if (!types.runs) return types;
  return passes(String(run.head_branch), filters.branches, filters['branches-ignore'])
    ? { runs: true, inputs: {} }
    : { runs: false, reason: `branch ${String(run.head_branch)} does not match on.workflow_run.branches` };
}

/** The `inputs` context of a dispatch: given values typed as declared, defaults filled in. */
function dispatchInputs(declared: Record<string, DispatchInput>, given: Record<string, unknown>): Trigger {
  for (const name of Object.keys(given))
    if (!(name in declared)) throw new Error(`workflow_dispatch has no input "${name}".`);
  const inputs: Record<string, string | boolean> = {};
  for (const [name, spec] of Object.entries(declared)) {
    const value = given[name] ?? spec.default;
    if (value === undefined || value === '') {
      if (spec.required) throw new Error(`workflow_dispatch input "${name}" is required.`);
      inputs[name] = spec.type === 'boolean' ? false : '';
      continue;
    }
    if (spec.type === 'boolean') {
      if (String(value) !== 'true' && String(value) !== 'false')
        throw new Error(`workflow_dispatch input "${name}" is a boolean, not "${String(value)}".`);
      inputs[name] = String(value) === 'true';
    } else if (spec.type === 'choice' && !spec.options?.includes(String(value))) {
      throw new Error(`workflow_dispatch input "${name}" must be one of ${spec.options?.join(', ')}.`);
    } else {
      inputs[name] = String(value);
    }
  }
  return { runs: true, inputs };
}

function passes(name: string, include: Filters[string], exclude: Filters[string]): boolean {
  if (include !== undefined && !list(include).some((pattern) => globToRegExp(pattern).test(name)))
    return false;
  return !list(exclude).some((pattern) => globToRegExp(pattern).test(name));
}

function list(value: string[] | string | undefined): string[] {
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** GitHub's filter patterns: `**` any characters, `*` any but `/`, `?` one or none of the previous. */
export function globToRegExp(pattern: string): RegExp {
  let source = '';
  for (let index = 0; index < pattern.length; index++) {
    const char = pattern[index] as string;
    if (char === '*' && pattern[index + 1] === '*') {
      source += '.*';
      index++;
    } else if (char === '*') source += '[^/]*';
    else if (char === '?') source += '?';
    else source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${source}$`);
}
