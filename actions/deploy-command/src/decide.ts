import { ConfigurationError } from '@flow-actions/action-kit';
import type { CollaboratorPermission, PullRequestDetail } from '@flow-actions/github-api';
import { type Command, describeSource, quote, type Source } from './command';
import type { CommentEvent } from './event';
import { acceptsSource, describeSources, type EnvironmentPolicy, type Policy, parsePolicy } from './policy';
import {
  type Artifacts,
  environmentDigest,
  Refusal,
  type ResolvedArtifact,
  resolveCommit,
  resolvePreviousVersion,
  resolvePullRequestHead,
  resolveVersion,
} from './resolve';

// Who may run a command, and what it deploys: reads only. Every refusal is a Refusal whose message
// is the reply's first line; nothing has been written when one is thrown.

/**
 * The permissions that may deploy. GitHub folds maintain and custom roles built on write into
 * `permission: write`, and triage into read; `role_name` is only shown.
 */
export const DEPLOY_PERMISSIONS = ['admin', 'write'] as const;

/** What the accept phase reads, passed in so the core runs on plain values in tests. */
export interface DecideReads {
  getPermission(login: string): Promise<CollaboratorPermission | undefined>;
  getPullRequest(number: number): Promise<PullRequestDetail | undefined>;
  /** The policy file's text on the default branch; undefined when it is not there. */
  getPolicyText(): Promise<string | undefined>;
  /** Undefined when the step has no teams-token. */
  isTeamMember: ((team: string, login: string) => Promise<boolean>) | undefined;
  artifacts: Artifacts;
}

export interface Accepted {
  command: 'deploy' | 'rollback';
  environment: EnvironmentPolicy;
  /** pr-12, a sha, or a tag. */
  source: string;
  artifact: ResolvedArtifact;
  pullRequest?: number;
  /** What the environment's tag points at now, in the artifact's repository. */
  fromDigest?: string;
  /** For a rollback without `to`: the version the environment runs now. */
  fromVersion?: string;
}

export interface DecideContext {
  event: CommentEvent;
  policyFile: string;
}

/** Reads the policy, or refuses naming the file and the fix. */
export async function readPolicy(reads: DecideReads, context: DecideContext): Promise<Policy> {
  const { event, policyFile } = context;
  const branch = event.repository.default_branch;
  const text = await reads.getPolicyText();
  if (text === undefined)
    throw new Refusal(
      `There is no ${quote(policyFile)} on ${quote(branch)}, so no environment takes deploys from comments: add it there (see deploy-command’s README, “The policy file”).`,
    );
  try {
    return parsePolicy(text, policyFile, event.repository.owner.login);
  } catch (error) {
    if (!(error instanceof ConfigurationError)) throw error;
    throw new Refusal(`The policy on ${quote(branch)} is invalid, nothing was deployed: ${error.message}`);
  }
}

/** Checks the commenter, the environment's policy and resolves what is deployed, in that order. */
export async function decide(
  command: Extract<Command, { verb: 'deploy' | 'rollback' }>,
  reads: DecideReads,
  context: DecideContext,
): Promise<Accepted> {
  const { event } = context;
  const login = event.comment.user.login;
  if (event.comment.user.type === 'Bot' || login.endsWith('[bot]'))
    throw new Refusal(`${quote(login)} is a bot: deploys from comments are for people with write access.`);

  const onPullRequest = event.issue.pull_request ? event.issue.number : undefined;
  const here = onPullRequest === undefined ? undefined : await reads.getPullRequest(onPullRequest);
  if (here && isFork(here) && here.user?.login === login)
    throw new Refusal(
      `${quote(login)} opened this pull request from the fork ${quote(here.head.repo?.full_name ?? 'unknown')}: deploys from comments are for people with write access to ${event.repository.full_name}.`,
    );

  const permission = await reads.getPermission(login);
  const role = permission?.role_name ?? 'no';
  if (!permission || !(DEPLOY_PERMISSIONS as readonly string[]).includes(permission.permission))
    throw new Refusal(
      `${quote(login)} has ${permission ? `${role} access` : 'no access'} to ${event.repository.full_name}: deploying from a comment needs write, maintain or admin.`,
    );

  const policy = await readPolicy(reads, context);
  const environment = policy.environments.get(command.environment.toLowerCase());
  if (!environment)
    throw new Refusal(
      `There is no environment ${quote(command.environment)} in ${quote(context.policyFile)} on ${quote(event.repository.default_branch)}: use one of ${[...policy.environments.values()].map((entry) => entry.name).join(', ')}.`,
    );

  const source: Source | undefined =
    command.verb === 'deploy' ? command.source : command.to ? { kind: 'tag', tag: command.to } : undefined;
  if (source && !acceptsSource(environment, source)) {
    const asked = describeSource(source, onPullRequest);
    throw new Refusal(
      `${quote(environment.name)} accepts ${describeSources(environment)} only; ${quote(asked)} is ${describeKind(source)}.`,
    );
  }
  await checkTeams(reads, environment, login);

  const { artifacts } = reads;
  if (command.verb === 'rollback' && !command.to) {
    const previous = await resolvePreviousVersion(artifacts, environment);
    return {
      command: 'rollback',
      environment,
      source: previous.artifact.tag,
      artifact: previous.artifact,
      fromDigest: previous.currentDigest,
      fromVersion: previous.current,
    };
  }
  const resolved = await resolveSource(reads, source as Source, onPullRequest, here);
  const fromDigest = await environmentDigest(
    resolved.artifact.image === artifacts.release.image ? artifacts.release : artifacts.develop,
    environment.name,
  );
  return {
    command: command.verb,
    environment,
    source: describeSource(source as Source, resolved.pullRequest),
    artifact: resolved.artifact,
    ...(resolved.pullRequest === undefined ? {} : { pullRequest: resolved.pullRequest }),
    ...(fromDigest ? { fromDigest } : {}),
  };
}

async function resolveSource(
  reads: DecideReads,
  source: Source,
  onPullRequest: number | undefined,
  here: PullRequestDetail | undefined,
): Promise<{ artifact: ResolvedArtifact; pullRequest?: number }> {
  switch (source.kind) {
    case 'this-pull-request':
    case 'pull-request': {
      const number = source.kind === 'pull-request' ? source.number : onPullRequest;
      if (number === undefined)
        throw new Refusal('On an issue, say which pull request to deploy: `/deploy pr-12 to <environment>`.');
      const pull = number === onPullRequest && here ? here : await reads.getPullRequest(number);
      if (!pull)
        throw new Refusal(`There is no pull request #${number} in this repository: check the number.`);
      if (isFork(pull))
        throw new Refusal(
          `Pull request #${number} comes from the fork ${quote(pull.head.repo?.full_name ?? 'unknown')}: its code is not deployed from a comment; push its branch to this repository first.`,
        );
      // The head now, once: a push after this comment does not change what is deployed.
      return {
        artifact: await resolvePullRequestHead(reads.artifacts, number, pull.head.sha),
        pullRequest: number,
      };
    }
    case 'commit':
      return { artifact: await resolveCommit(reads.artifacts, source.sha) };
    case 'tag':
      return { artifact: await resolveVersion(reads.artifacts, source.tag) };
  }
}

async function checkTeams(reads: DecideReads, environment: EnvironmentPolicy, login: string): Promise<void> {
  if (environment.teams.length === 0) return;
  const teams = environment.teams.join(', ');
  if (!reads.isTeamMember)
    throw new Refusal(
      `${quote(environment.name)} is for members of ${teams}, and this workflow cannot read team membership: give the deploy-command step a teams-token (organization members: read).`,
    );
  for (const team of environment.teams) if (await reads.isTeamMember(team, login)) return;
  throw new Refusal(
    `${quote(environment.name)} is for members of ${teams}; ${quote(login)} is not an active member.`,
  );
}

function isFork(pull: PullRequestDetail): boolean {
  return pull.head.repo === null || pull.head.repo.full_name !== pull.base.repo.full_name;
}

function describeKind(source: Source): string {
  switch (source.kind) {
    case 'pull-request':
    case 'this-pull-request':
      return 'a pull request';
    case 'commit':
      return 'a commit';
    case 'tag':
      return 'a tag it does not accept';
  }
}
