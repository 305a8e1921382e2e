import { environmentOf, expressionsIn, OUR_ACTION, type Template } from './templates';

/** A third-party action pinned to a full commit sha, e.g. `actions/checkout@<40 hex>`. */
const PINNED = /^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/;

/**
 * What a template gets wrong about the hardening rules of DESIGN §5, one line each (empty when
 * nothing): pull_request_target; a `run:` with any `${{ }}` in it (values reach scripts through
 * `env:`, so event text such as a branch name or a title is never spliced into shell code); a job
 * without its own `permissions:`; a third-party `uses:` not pinned to 40 hex with a `# v…`
 * comment; a job that deploys to an environment outside a concurrency group for it that
 * never cancels in progress.
 */
export function checkSecurity(template: Template): string[] {
  const problems: string[] = [];
  const { workflow, text } = template;
  const triggers = typeof workflow.on === 'string' ? [workflow.on] : Object.keys(workflow.on ?? {});
  if (triggers.includes('pull_request_target'))
    problems.push('on: pull_request_target runs fork code with a write token');
  for (const [jobId, job] of Object.entries(workflow.jobs)) {
    if (job.permissions === undefined) problems.push(`jobs.${jobId}: no permissions:`);
    for (const [index, step] of (job.steps ?? []).entries()) {
      const where = `jobs.${jobId}.steps[${step.id ?? index}]`;
      if (step.run !== undefined) {
        for (const expression of expressionsIn(step.run))
          problems.push(`${where}: \${{ ${expression} }} inside run: (pass it through env:)`);
      }
      const uses = step.uses;
      if (uses === undefined || uses.startsWith('./') || OUR_ACTION.test(uses)) continue;
      if (!PINNED.test(uses)) problems.push(`${where}: ${uses} is not pinned to a full commit sha`);
      else if (!new RegExp(`uses: ${uses.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')} # v\\d`).test(text))
        problems.push(`${where}: ${uses} has no "# vX" comment naming its version`);
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
  return problems;
}
