import {
  ConfigurationError,
  type InputReader,
  input,
  inputName,
  type SecretMasker,
  words,
} from '@flow-actions/action-kit';
import { getRegistryInputs, getShaTagInputs, type RegistryInputs } from '@flow-actions/artifact-protocol';
import type { ShaTagOptions } from '@flow-actions/commit-identity';
import { hasVersion, isDigest, parseReference } from '@flow-actions/oci-store';
import { DEFAULT_POLICY_FILE } from './policy';

export const PHASES = ['accept', 'report'] as const;
export const OUTCOMES = ['success', 'failure', 'cancelled', 'skipped'] as const;
export type Outcome = (typeof OUTCOMES)[number];

export interface AcceptInputs {
  phase: 'accept';
  image: string;
  /** Where pull request builds are; image when not given. */
  developImage: string;
  policyFile: string;
  githubToken: string;
  teamsToken?: string;
  registry: RegistryInputs;
  sha: Required<ShaTagOptions>;
}

/** The accept phase's outputs handed back, and what the deploy job did. */
export interface ReportInputs {
  phase: 'report';
  githubToken: string;
  replyCommentId?: number;
  outcome: Outcome;
  environment: string;
  source: string;
  digest: string;
  commit: string;
  fromDigest: string;
  manifestCommit: string;
  deploymentUrl: string;
}

export type Inputs = AcceptInputs | ReportInputs;

/** Output names, defined once: action.yml is checked against them. */
export const OUTPUTS = {
  accepted: 'accepted',
  command: 'command',
  environment: 'environment',
  source: 'source',
  image: 'image',
  digest: 'digest',
  ref: 'ref',
  tag: 'tag',
  commit: 'commit',
  pullRequest: 'pull-request',
  manifestPath: 'manifest-path',
  fromDigest: 'from-digest',
  commentId: 'comment-id',
  replyCommentId: 'reply-comment-id',
  reason: 'reason',
} as const;

/** Reads the phase's inputs and checks them before anything is read or written. */
export function getInputs(inputs: InputReader, masker: SecretMasker): Inputs {
  const githubToken = inputs.optional('github-token');
  masker.add(githubToken);
  const teamsToken = inputs.optional('teams-token');
  masker.add(teamsToken);
  const phase = inputs.optional('phase');
  if (phase === undefined)
    throw new ConfigurationError(
      words`${input('phase')} is required: accept in the job that reads the comment, report in the job after the deploy.`,
    );
  const chosen = inputs.choice('phase', PHASES, 'accept');
  if (!githubToken)
    throw new ConfigurationError(
      words`${input('github-token')} is empty: the step reacts and replies through the GitHub API (the default is github.token).`,
    );
  if (chosen === 'report') return getReportInputs(inputs, githubToken);

  const image = inputs.optional('image');
  if (!image)
    throw new ConfigurationError(
      words`${input('image')} is required with phase accept: name the release repository, e.g. ghcr.io/acme/api.`,
    );
  const developImage = inputs.optional('develop-image') ?? image;
  const registry = getRegistryInputs(inputs, masker, [image, developImage]);
  for (const [name, value] of [
    ['image', image],
    ['develop-image', developImage],
  ] as const)
    if (hasVersion(parseReference(value, { inputName: name })))
      throw new ConfigurationError(
        words`${input(name)} names a repository, not a version: drop the tag or digest from "${value}"; the comment says what to deploy.`,
      );
  return {
    phase: 'accept',
    image,
    developImage,
    policyFile: inputs.optional('policy-file') ?? DEFAULT_POLICY_FILE,
    githubToken,
    ...(teamsToken ? { teamsToken } : {}),
    registry,
    sha: getShaTagInputs(inputs),
  };
}

function getReportInputs(inputs: InputReader, githubToken: string): ReportInputs {
  const replyId = inputs.optional('reply-comment-id');
  if (replyId !== undefined && !/^[1-9]\d{0,15}$/.test(replyId))
    throw new ConfigurationError(
      words`${input('reply-comment-id')} must be a comment id (a number), got "${replyId}": pass the accept step's reply-comment-id output.`,
    );
  if (inputs.optional('outcome') === undefined)
    throw new ConfigurationError(
      words`${input('outcome')} is required with phase report: pass the deploy job's result, needs.<job>.result.`,
    );
  for (const name of ['digest', 'from-digest'] as const) {
    const value = inputs.optional(name);
    if (value !== undefined && !isDigest(value))
      throw new ConfigurationError(
        words`${input(name)} must be a sha256: digest, got "${value}": pass the accept step's ${inputName(name)} output.`,
      );
  }
  return {
    phase: 'report',
    githubToken,
    ...(replyId ? { replyCommentId: Number(replyId) } : {}),
    outcome: inputs.choice('outcome', OUTCOMES, 'failure'),
    environment: inputs.optional('environment') ?? '',
    source: inputs.optional('source') ?? '',
    digest: inputs.optional('digest') ?? '',
    commit: inputs.optional('commit') ?? '',
    fromDigest: inputs.optional('from-digest') ?? '',
    manifestCommit: inputs.optional('manifest-commit') ?? '',
    deploymentUrl: inputs.optional('deployment-url') ?? '',
  };
}
