import { shortSha } from '@flow-actions/commit-identity';
import { COMMAND_FORMS, quote } from './command';
import type { Accepted } from './decide';
import type { ReportInputs } from './inputs';
import { describeSources, type Policy } from './policy';

// The replies in the conversation. What a commenter wrote appears only through quote() (a code
// span), so a reply never mentions, links or renders HTML from a comment.

/** The valid forms, and the environments when the policy could be read. */
export function renderForms(policy: Policy | undefined): string {
  const lines = ['| command | deploys |', '|---|---|'];
  for (const [form, meaning] of COMMAND_FORMS) lines.push(`| \`${form}\` | ${meaning} |`);
  if (policy) {
    lines.push('', '| environment | accepts | teams |', '|---|---|---|');
    for (const environment of policy.environments.values())
      lines.push(
        `| \`${environment.name}\` | ${describeSources(environment)} | ${environment.teams.join(', ') || 'any writer'} |`,
      );
  }
  return lines.join('\n');
}

export function renderHelp(policy: Policy | undefined, policyNote?: string): string {
  return [
    '**Deploy from a comment.** The first line of a comment is the command; the rest is not read.',
    '',
    renderForms(policy),
    ...(policyNote ? ['', policyNote] : []),
  ].join('\n');
}

export function renderInvalid(problem: string, policy: Policy | undefined): string {
  return [`**Not deployed:** ${problem}. Nothing was run. The valid forms:`, '', renderForms(policy)].join(
    '\n',
  );
}

export function renderRefusal(reason: string): string {
  return `**Not deployed:** ${reason}`;
}

/** The reply at acceptance, which the report phase rewrites with the result. */
export function renderAccepted(accepted: Accepted, runUrl: string | undefined): string {
  const { artifact, environment } = accepted;
  const doing =
    accepted.command === 'rollback'
      ? `Rolling ${quote(environment.name)} back to ${quote(accepted.source)}`
      : `Deploying ${quote(accepted.source)} to ${quote(environment.name)}`;
  return [
    `**${doing}** — resolved now, once: a push after this comment changes nothing.`,
    '',
    '| | |',
    '|---|---|',
    `| environment | \`${environment.name}\` (manifest \`${environment.manifestPath}\`) |`,
    `| from | ${accepted.fromDigest ? `\`${accepted.fromDigest}\`` : 'nothing yet'}${accepted.fromVersion ? ` (${quote(accepted.fromVersion)})` : ''} |`,
    `| to | \`${artifact.digest}\` |`,
    `| artifact | \`${artifact.image}:${artifact.tag}\`, built from \`${artifact.commit}\` |`,
    ...(runUrl ? [`| run | ${runUrl} |`] : []),
  ].join('\n');
}

/** The accept phase's outputs handed to report, what the deploy job did, and the run. */
export type ReportFacts = Omit<ReportInputs, 'phase' | 'githubToken' | 'replyCommentId'> & {
  runUrl: string | undefined;
};

/** The result table: environment, from → to digest, manifest commit, deployment link. */
export function renderReport(facts: ReportFacts): string {
  const what = `${quote(facts.source)} to ${quote(facts.environment)}`;
  // Without the accept phase's outputs (it failed before accepting), there is only the outcome to tell.
  const title = !facts.environment
    ? `**The deploy command did not finish (${facts.outcome})**: see the run.`
    : facts.outcome === 'success'
      ? `**Deployed ${what}.**`
      : `**The deploy of ${what} did not finish (${facts.outcome})**: see the run; the environment may still be on the “from” digest.`;
  const link = (url: string) => (/^https?:\/\/[^\s)]+$/.test(url) ? url : '');
  return [
    title,
    '',
    '| | |',
    '|---|---|',
    `| environment | ${facts.environment ? `\`${facts.environment}\`` : ''} |`,
    `| from → to | ${facts.fromDigest ? `\`${facts.fromDigest}\`` : 'nothing'} → ${facts.digest ? `\`${facts.digest}\`` : ''} |`,
    `| commit | ${facts.commit ? `\`${shortSha(facts.commit, 12)}\`` : ''} |`,
    `| manifest commit | ${facts.manifestCommit ? quote(facts.manifestCommit) : 'none'} |`,
    `| deployment | ${link(facts.deploymentUrl) || 'none'} |`,
    ...(facts.runUrl ? [`| run | ${facts.runUrl} |`] : []),
  ].join('\n');
}
