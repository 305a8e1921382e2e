import {
  expressionsIn,
  needsOf,
  OUR_ACTION,
  type OurAction,
  type Workflow,
  type WorkflowJob,
} from './templates';

/** `steps.<id>.outputs.<name>` and `needs.<job>.outputs.<name>`, dot or bracket form. */
const OUTPUT_REFERENCE =
  /\b(steps|needs)\.([A-Za-z_][\w-]*)\.outputs(?:\.([A-Za-z_][\w-]*)|\[\s*'([^']+)'\s*\])/g;

/** Every string inside a value, however deep. */
export function stringsIn(value: unknown): string[] {
  if (typeof value === 'string') return [value];
  if (Array.isArray(value)) return value.flatMap(stringsIn);
  if (value && typeof value === 'object') return Object.values(value).flatMap(stringsIn);
  return [];
}

function outputReferences(job: WorkflowJob): { scope: string; id: string; output: string }[] {
  const references: { scope: string; id: string; output: string }[] = [];
  for (const text of stringsIn(job)) {
    for (const expression of expressionsIn(text)) {
      for (const match of expression.matchAll(OUTPUT_REFERENCE)) {
        references.push({ scope: match[1] ?? '', id: match[2] ?? '', output: match[3] ?? match[4] ?? '' });
      }
    }
  }
  return references;
}

/**
 * What a workflow gets wrong about our actions, one line each (empty when nothing): a step that
 * names an action we do not ship, passes an input its action.yml does not declare, leaves out a
 * required one, or an expression that reads an output that does not exist — through
 * `steps.<id>.outputs` or, via a job's `outputs:`, through `needs.<job>.outputs`.
 */
export function checkConsistency(workflow: Workflow, actions: ReadonlyMap<string, OurAction>): string[] {
  const problems: string[] = [];
  for (const [jobId, job] of Object.entries(workflow.jobs)) {
    const stepActions = new Map<string, OurAction | undefined>();
    for (const [index, step] of (job.steps ?? []).entries()) {
      const where = `jobs.${jobId}.steps[${step.id ?? index}]`;
      const uses = step.uses ?? '';
      if (uses.startsWith('org/flow-actions/')) {
        const match = OUR_ACTION.exec(uses);
        const action = match?.[1] ? actions.get(match[1]) : undefined;
        if (!action) {
          problems.push(`${where}: uses ${uses}, which is not one of our actions at @v1`);
          // The step exists; what it outputs is unknown, so reads of it are not reported again.
          if (step.id) stepActions.set(step.id, undefined);
          continue;
        }
        if (step.id) stepActions.set(step.id, action);
        const given = Object.keys(step.with ?? {});
        for (const input of given) {
          if (!(input in action.inputs))
            problems.push(`${where}: input "${input}" is not declared by ${action.uses}/action.yml`);
        }
        for (const [input, spec] of Object.entries(action.inputs)) {
          if (spec.required && spec.default === undefined && !given.includes(input))
            problems.push(`${where}: required input "${input}" of ${action.uses} is not passed`);
        }
      } else if (step.id) {
        stepActions.set(step.id, undefined);
      }
    }
    for (const { scope, id, output } of outputReferences(job)) {
      if (scope === 'steps') {
        if (!stepActions.has(id)) {
          problems.push(`jobs.${jobId}: reads steps.${id}.outputs.${output}, but there is no step "${id}"`);
          continue;
        }
        const action = stepActions.get(id);
        if (action && !(output in action.outputs))
          problems.push(
            `jobs.${jobId}: reads steps.${id}.outputs.${output}, but ${action.uses} has no output "${output}"`,
          );
      } else {
        const needed = workflow.jobs[id];
        if (!needsOf(job).includes(id) || !needed)
          problems.push(`jobs.${jobId}: reads needs.${id}.outputs.${output}, but does not need job "${id}"`);
        else if (!(output in (needed.outputs ?? {})))
          problems.push(
            `jobs.${jobId}: reads needs.${id}.outputs.${output}, but job "${id}" has no such output`,
          );
      }
    }
  }
  return problems;
}
