import { ACTION_AUDIENCE, inlineCode, SummaryBuilder, wordingFor } from '@flow-actions/action-kit';
import { shortSha } from '@flow-actions/commit-identity';
import { plainText } from '@flow-actions/merge-gate/markdown';
import type { CutResult, ReleasePlan } from './release';

export interface ReleaseOutcome {
  plan: ReleasePlan;
  /** Undefined on a dry run or a refusal. */
  cut?: CutResult;
  dryRun: boolean;
  /** The tag was (or would be) created with the job's GITHUB_TOKEN. */
  workflowToken: boolean;
  /** The artifact's tags written by promote-now. */
  promoted?: string[];
}

const STATE = { pass: '✅ pass', fail: '❌ fail', skip: '➖ not checked' } as const;

/**
 * The job summary: what was released (or refused, or planned), one row per sanity check, the
 * GITHUB_TOKEN warning, and the release notes folded below.
 */
export function buildReleaseSummary(outcome: ReleaseOutcome): SummaryBuilder {
  const { plan } = outcome;
  const heading = plan.refusal
    ? `Release refused${plan.tag ? `: ${plan.tag}` : ''}`
    : outcome.dryRun
      ? `Release plan (dry run: nothing written): ${plan.tag}`
      : plan.released
        ? `Released already: ${plan.tag}`
        : `Released ${plan.tag}`;
  const summary = new SummaryBuilder().heading(heading);
  const source =
    plan.commitSource === 'newest-green' ? ', the newest commit with its stage checks green' : '';
  const version = plan.version
    ? ` Version ${inlineCode(plan.version)} (${plan.previousTag ? `after ${inlineCode(plan.previousTag)}` : 'first release'}, the commits call for ${plan.impact}).`
    : '';
  summary.paragraph(`Commit ${inlineCode(shortSha(plan.commit))}${source}.${version}`);
  if (plan.forced) summary.paragraph(`⚠️ Forced: ${plainText(plan.forced)}.`);
  summary.table(
    ['check', 'result', 'detail'],
    plan.checks.map((check) => [
      check.name,
      STATE[check.state],
      plainText(wordingFor(check.detail, ACTION_AUDIENCE)),
    ]),
  );
  if (outcome.cut && !outcome.cut.releaseCreated) {
    summary.paragraph(
      `${inlineCode(outcome.cut.tag)} and its release were there already (an earlier run): nothing written. ${outcome.cut.releaseUrl}`,
    );
  } else if (outcome.cut) {
    summary.paragraph(
      `${outcome.cut.tagCreated ? 'Created the annotated tag' : 'The annotated tag was there already (an earlier run):'} ${inlineCode(outcome.cut.tag)} on ${inlineCode(plan.commit)}; release: ${outcome.cut.releaseUrl}`,
    );
  }
  if (outcome.workflowToken && !plan.refusal) {
    summary.paragraph(
      outcome.promoted
        ? `⚠️ github-token is the job's GITHUB_TOKEN: the tag starts no workflow, so promote-now promoted the artifact in this job instead (${outcome.promoted.map(inlineCode).join(', ')}).`
        : `⚠️ github-token is the job's GITHUB_TOKEN: a tag it creates starts no workflow, so your promote workflow will not run for ${inlineCode(plan.tag ?? '')}. Set promote-now: true to promote in this job, or give github-token a GitHub App token.`,
    );
  } else if (outcome.promoted) {
    summary.paragraph(`Promoted the artifact: ${outcome.promoted.map(inlineCode).join(', ')}.`);
  }
  if (plan.changelog) summary.details('Release notes', plan.changelog);
  return summary;
}
