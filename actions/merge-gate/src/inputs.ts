import type { InputReader, SecretMasker } from '@flow-actions/action-kit';
import { DEFAULT_CHECK_NAME, DEFAULT_POLICY_FILE, POLICY_SETTINGS, type PolicyInputs } from './policy';

export interface Inputs {
  /** The policy file's path in the repository, read from the base branch. */
  policyFile: string;
  policy: PolicyInputs;
  githubToken?: string;
  /** For enabling auto-merge or merging: an App token, so that the merge starts main's push workflow. */
  mergeToken?: string;
  /** Seconds to wait after writing the check before reading it back (race with another evaluation). */
  settleSeconds: number;
}

/** Output names, defined once: action.yml is checked against them. */
export const OUTPUTS = {
  verdict: 'verdict',
  ci: 'ci',
  cd: 'cd',
  review: 'review',
  risk: 'risk',
  missing: 'missing',
  autoMerge: 'auto-merge',
  checkRunUrl: 'check-run-url',
} as const;

/** Reads every input of merge-gate; the policy's inputs are checked by parsePolicy with the file. */
export function getInputs(inputs: InputReader, masker: SecretMasker): Inputs {
  const githubToken = inputs.optional('github-token');
  masker.add(githubToken);
  const mergeToken = inputs.optional('merge-token');
  masker.add(mergeToken);
  return {
    policyFile: inputs.optional('policy-file') ?? DEFAULT_POLICY_FILE,
    policy: { checkName: inputs.optional('check-name') ?? DEFAULT_CHECK_NAME, ...readPolicyInputs(inputs) },
    ...(githubToken ? { githubToken } : {}),
    ...(mergeToken ? { mergeToken } : {}),
    settleSeconds: inputs.integer('settle-seconds', { default: 1, min: 0, max: 60 }),
  };
}

/**
 * The policy's inputs, shared by merge-gate and risk so that both read one policy alike. Unset
 * inputs stay undefined: parsePolicy then takes the file's value, or the default.
 */
export function readPolicyInputs(inputs: InputReader): Omit<PolicyInputs, 'checkName'> {
  const names = POLICY_SETTINGS;
  const list = (name: string) => {
    const values = inputs.list(name);
    return values.length > 0 ? values : undefined;
  };
  // One check name per line: a matrix job's name has commas in it, `test (22, ubuntu-latest)`.
  const lines = (name: string) => {
    const values = inputs.multiline(name);
    return values.length > 0 ? values : undefined;
  };
  const given = (name: string) => inputs.optional(name) !== undefined;
  const read: Omit<PolicyInputs, 'checkName'> = {
    expression: inputs.optional(names.expression.input),
    ciChecks: lines(names.ciChecks.input),
    ciAllowedToSkip: lines(names.ciAllowedToSkip.input),
    cdChecks: lines(names.cdChecks.input),
    cdEnvironments: list(names.cdEnvironments.input),
    cdAllowedToSkip: lines(names.cdAllowedToSkip.input),
    approvals: given(names.approvals.input)
      ? inputs.integer(names.approvals.input, { default: 1, min: 1, max: 20 })
      : undefined,
    allowedBots: list(names.allowedBots.input),
    codeowners: given(names.codeowners.input) ? inputs.boolean(names.codeowners.input, false) : undefined,
    keepApprovalsOnBaseMerge: given(names.keepApprovalsOnBaseMerge.input)
      ? inputs.boolean(names.keepApprovalsOnBaseMerge.input, true)
      : undefined,
    trustedLabelActors: list(names.trustedLabelActors.input),
  };
  return Object.fromEntries(Object.entries(read).filter(([, value]) => value !== undefined));
}
