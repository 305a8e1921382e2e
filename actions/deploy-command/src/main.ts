import { type FailureReport, SummaryBuilder } from '@flow-actions/action-kit';
import { type ActionContext, runAction } from '@flow-actions/action-kit/runner';
import { type CommentReaction, GitHubClient } from '@flow-actions/github-api';
import { githubRunUrl, openStore } from '@flow-actions/oci-store';
import { parseCommand } from './command';
import { type Accepted, type DecideReads, decide, readPolicy } from './decide';
import { type CommentEvent, readCommentEvent } from './event';
import { type AcceptInputs, getInputs, OUTPUTS, type ReportInputs } from './inputs';
import type { Policy } from './policy';
import { renderAccepted, renderHelp, renderInvalid, renderRefusal, renderReport } from './render';
import { type Artifacts, Refusal } from './resolve';

export const FAILURE_REPORT: FailureReport = {
  step: 'deploy-command',
  request: ['phase', 'image', 'develop-image', 'policy-file', 'outcome'],
  unchanged: 'Nothing was deployed by this step: it reads, reacts and replies; the deploy job does the rest.',
};

export function run(): Promise<void> {
  return runAction(FAILURE_REPORT, async (context) => {
    const inputs = getInputs(context.inputs, context.masker);
    const event = await readCommentEvent(process.env);
    context.describeRequest(
      'comment',
      `${event.repository.full_name}#${event.issue.number} by ${event.comment.user.login}`,
    );
    const github = new GitHubClient({
      token: inputs.githubToken,
      repository: event.repository.full_name,
      masker: context.masker,
      logger: context.logger,
    });
    if (inputs.phase === 'report') await report(context, inputs, event, github);
    else await accept(context, inputs, event, github);
  });
}

async function accept(
  context: ActionContext,
  inputs: AcceptInputs,
  event: CommentEvent,
  github: GitHubClient,
) {
  const outputs = (values: Partial<Record<keyof typeof OUTPUTS, string | number>>) => {
    for (const [key, name] of Object.entries(OUTPUTS))
      context.setOutput(name, String(values[key as keyof typeof OUTPUTS] ?? ''));
  };
  outputs({ accepted: 'false' });
  // An edit of a command comment must not run it again, nor run a command edited into it.
  if (event.action !== 'created') {
    context.logger.info(`Comment ${event.comment.id} was ${event.action}, not created: nothing to do.`);
    return;
  }
  const command = parseCommand(event.comment.body);
  if (!command) {
    context.logger.info(
      `Comment ${event.comment.id} does not start with /deploy or /rollback: nothing to do.`,
    );
    return;
  }
  const commentId = event.comment.id;
  await github.addCommentReaction(commentId, 'eyes');
  const reply = async (body: string, reaction?: CommentReaction) => {
    const created = await github.createIssueComment(event.issue.number, body);
    if (reaction) await github.addCommentReaction(commentId, reaction);
    return created.id;
  };
  const decideContext = { event, policyFile: inputs.policyFile };
  const reads = await createReads(context, inputs, event, github);
  const policyOrNote = (): Promise<{ policy?: Policy; note?: string }> =>
    readPolicy(reads, decideContext).then(
      (policy) => ({ policy }),
      (error: unknown) => {
        if (error instanceof Refusal) return { note: error.message };
        throw error;
      },
    );

  if (command.verb === 'help' || command.verb === 'invalid') {
    const { policy, note } = await policyOrNote();
    const body = command.verb === 'help' ? renderHelp(policy, note) : renderInvalid(command.problem, policy);
    const replyId = await reply(body, command.verb === 'invalid' ? 'confused' : undefined);
    outputs({
      accepted: 'false',
      command: command.verb,
      commentId,
      replyCommentId: replyId,
      reason: command.verb === 'invalid' ? command.problem : '',
    });
    await context.writeSummary(
      new SummaryBuilder().heading(`deploy-command: ${command.verb}`, 2).paragraph(body),
    );
    return;
  }

  let accepted: Accepted;
  try {
    accepted = await decide(command, reads, decideContext);
  } catch (error) {
    if (!(error instanceof Refusal)) {
      const replyId = await reply(
        renderRefusal(
          `the command could not be checked (${context.masker.redact(error instanceof Error ? error.message : String(error))}); see the run.`,
        ),
        'confused',
      ).catch((replyError: unknown) => context.logger.warning(`No reply written: ${String(replyError)}`));
      // Before failing: the report job runs on this failure and rewrites this reply, not a second one.
      outputs({ accepted: 'false', command: command.verb, commentId, replyCommentId: replyId ?? '' });
      throw error;
    }
    const replyId = await reply(renderRefusal(error.message), 'confused');
    context.logger.info(`Refused: ${error.message}`);
    outputs({
      accepted: 'false',
      command: command.verb,
      commentId,
      replyCommentId: replyId,
      reason: error.message,
    });
    await context.writeSummary(
      new SummaryBuilder().heading(`deploy-command: /${command.verb} refused`, 2).paragraph(error.message),
    );
    return;
  }
  const body = renderAccepted(accepted, githubRunUrl(process.env));
  const replyId = await reply(body);
  const { artifact } = accepted;
  context.logger.info(
    `Accepted: ${accepted.source} → ${accepted.environment.name}: ${artifact.image}@${artifact.digest} (commit ${artifact.commit}).`,
  );
  outputs({
    accepted: 'true',
    command: accepted.command,
    environment: accepted.environment.name,
    source: accepted.source,
    image: artifact.image,
    digest: artifact.digest,
    ref: `${artifact.image}@${artifact.digest}`,
    tag: artifact.tag,
    commit: artifact.commit,
    pullRequest: accepted.pullRequest ?? '',
    manifestPath: accepted.environment.manifestPath,
    fromDigest: accepted.fromDigest ?? '',
    commentId,
    replyCommentId: replyId,
  });
  await context.writeSummary(
    new SummaryBuilder().heading(`deploy-command: /${command.verb} accepted`, 2).paragraph(body),
  );
}

/** The reads of the accept phase: the API through the job's token, teams through teams-token, the registry. */
async function createReads(
  context: ActionContext,
  inputs: AcceptInputs,
  event: CommentEvent,
  github: GitHubClient,
): Promise<DecideReads> {
  const open = (image: string, inputName: string) =>
    openStore(image, { ...inputs.registry, masker: context.masker, logger: context.logger, inputName });
  const release = { image: inputs.image, store: await open(inputs.image, 'image') };
  const develop =
    inputs.developImage === inputs.image
      ? release
      : { image: inputs.developImage, store: await open(inputs.developImage, 'develop-image') };
  const artifacts: Artifacts = { release, develop, sha: inputs.sha };
  const teams = inputs.teamsToken
    ? new GitHubClient({ token: inputs.teamsToken, masker: context.masker, logger: context.logger })
    : undefined;
  return {
    getPermission: (login) => github.getCollaboratorPermission(login),
    getPullRequest: (number) =>
      github.getPullRequest(number).catch((error: unknown) => {
        if ((error as { status?: number }).status === 404) return undefined;
        throw error;
      }),
    // Always the default branch, named: a pull request cannot loosen the policy it is judged by.
    getPolicyText: () => github.getFileText(inputs.policyFile, event.repository.default_branch),
    isTeamMember: teams
      ? (team, login) => {
          const [org = '', slug = ''] = team.split('/');
          return teams.isActiveTeamMember(org, slug, login);
        }
      : undefined,
    artifacts,
  };
}

async function report(
  context: ActionContext,
  inputs: ReportInputs,
  event: CommentEvent,
  github: GitHubClient,
) {
  const body = renderReport({ ...inputs, runUrl: githubRunUrl(process.env) });
  const reply = inputs.replyCommentId
    ? await github.updateIssueComment(inputs.replyCommentId, body)
    : await github.createIssueComment(event.issue.number, body);
  await github.addCommentReaction(event.comment.id, inputs.outcome === 'success' ? 'rocket' : 'confused');
  context.setOutput(OUTPUTS.replyCommentId, String(reply.id));
  await context.writeSummary(new SummaryBuilder().heading('deploy-command: result', 2).paragraph(body));
}
