import { environmentOf, expressionsIn, OUR_ACTION, type Template } from './templates';

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
 * deploys to an environment outside a concurrency group for it that never cancels in progress.
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
  return problems;
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
