import type { InputReader, SecretMasker } from '@flow-actions/action-kit';
import { readPolicyInputs } from '@flow-actions/merge-gate/inputs';
import { DEFAULT_CHECK_NAME, DEFAULT_POLICY_FILE, type PolicyInputs } from '@flow-actions/merge-gate/policy';

export interface RiskInputs {
  policyFile: string;
  /** The policy's inputs; checked against the gate's own check name, as the gate checks them. */
  policy: PolicyInputs;
  /** The risk check run's name. */
  checkName: string;
  setLabels: boolean;
  githubToken?: string;
}

/** Output names, defined once: action.yml is checked against them. */
export const RISK_OUTPUTS = {
  risk: 'risk',
  changeSize: 'change-size',
  componentSize: 'component-size',
  semverImpact: 'semver-impact',
  functional: 'functional',
  toggles: 'toggles',
  toggleMatrix: 'toggle-matrix',
  labels: 'labels',
  checkRunUrl: 'check-run-url',
} as const;

export const DEFAULT_RISK_CHECK_NAME = 'Risk';

/** Reads every input of risk: merge-gate's policy inputs, read alike, and its own. */
export function getRiskInputs(inputs: InputReader, masker: SecretMasker): RiskInputs {
  const githubToken = inputs.optional('github-token');
  masker.add(githubToken);
  return {
    policyFile: inputs.optional('policy-file') ?? DEFAULT_POLICY_FILE,
    // The gate's check name is the gate's input: the policy is refused here exactly as the gate
    // with its default name refuses it, so one policy passes or fails both steps alike.
    policy: { checkName: DEFAULT_CHECK_NAME, ...readPolicyInputs(inputs) },
    checkName: inputs.optional('check-name') ?? DEFAULT_RISK_CHECK_NAME,
    setLabels: inputs.boolean('set-labels', true),
    ...(githubToken ? { githubToken } : {}),
  };
}
