import { expect } from 'vitest';
import type { JobRun, StepRun, WorkflowRun } from './runner';

// Reading a simulated run the way a story asserts on it: a job by its id, a matrix leg by its
// name, a step by its label, and the errors of what failed.

/** The one run of a job (a matrix job with one leg counts as one). */
export function job(run: WorkflowRun, id: string): JobRun {
  const found = run.jobs.filter((candidate) => candidate.id === id);
  if (found.length !== 1) throw new Error(`expected one run of job ${id}, got ${found.length}`);
  return found[0] as JobRun;
}

export function step(run: WorkflowRun, jobId: string, label: string): StepRun {
  const found = job(run, jobId).steps.find((candidate) => candidate.label === label);
  if (!found) throw new Error(`job ${jobId} has no step ${label}`);
  return found;
}

/** A job by its id, a matrix leg by its name (`Test with 1.0.0`). */
export const jobKey = (done: JobRun) => (done.matrix ? done.name : done.id);

/** The outcome of each job. */
export function results(run: WorkflowRun): Record<string, string> {
  return Object.fromEntries(run.jobs.map((done) => [jobKey(done), done.result]));
}

/** The steps that were stood in for, as `job: step — what stood in`. */
export function listStandIns(run: WorkflowRun): string[] {
  return run.jobs.flatMap((done) =>
    done.steps
      .filter((candidate) => candidate.kind === 'stand-in' && candidate.outcome !== 'skipped')
      .map((candidate) => `${jobKey(done)}: ${candidate.label} — ${candidate.standIn}`),
  );
}

/** The errors of a failed step of ours, for messages when an expectation fails. */
export function explain(run: WorkflowRun): string {
  return run.jobs
    .flatMap((done) => done.steps)
    .filter((candidate) => candidate.outcome === 'failure' && candidate.action)
    .map(
      (candidate) =>
        `${candidate.label}: ${candidate.action?.errors.join(' | ')}\n${candidate.action?.stderr}`,
    )
    .join('\n');
}

/**
 * What a person or a later step can read of each step of ours in the runs: its log, stderr,
 * summary, outputs and errors — where no secret may ever appear.
 */
export function readableOfOurSteps(runs: readonly WorkflowRun[]): { label: string; text: string }[] {
  return runs
    .flatMap((run) => run.jobs.flatMap((done) => done.steps))
    .filter((done) => done.action)
    .map((done) => {
      const run = done.action;
      return {
        label: done.label,
        text: [
          run?.log,
          run?.stderr,
          run?.summary,
          JSON.stringify(run?.outputs),
          run?.errors.join('\n'),
        ].join('\n'),
      };
    });
}

/**
 * No secret shows in any log, stderr, summary or output of any step of ours in `runs`, and every
 * secret a step was given as an input was masked. Returns how many steps were looked at.
 */
export function expectSecretsKept(runs: readonly WorkflowRun[], secrets: readonly string[]): number {
  const ours = runs.flatMap((run) => run.jobs.flatMap((done) => done.steps)).filter((done) => done.action);
  for (const done of ours) {
    const action = done.action;
    if (!action) continue;
    const visible = [action.log, action.stderr, action.summary, JSON.stringify(action.outputs)].join('\n');
    for (const secret of secrets) expect(visible).not.toContain(secret);
    for (const value of Object.values(done.inputs ?? {}))
      if (secrets.includes(value)) expect(action.masks).toContain(value);
  }
  return ours.length;
}
