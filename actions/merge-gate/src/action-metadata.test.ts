import { join } from 'node:path';
import { InputReader, SecretMasker } from '@flow-actions/action-kit';
import { readActionMetadata } from '@flow-actions/runner-harness';
import { describe, expect, it } from 'vitest';
import { getInputs, OUTPUTS } from './inputs';
import { POLICY_SETTINGS } from './policy';

const metadata = await readActionMetadata(join(import.meta.dirname, '..'));
const risk = await readActionMetadata(join(import.meta.dirname, '..', '..', 'risk'));

describe('action.yml', () => {
  it('declares exactly the inputs the action reads, and the defaults parse', () => {
    const asked = new Set<string>();
    const source = (name: string) => {
      asked.add(name);
      return metadata.inputs[name]?.default;
    };
    const masker = new SecretMasker();
    const inputs = getInputs(new InputReader(source), masker);
    expect([...asked].sort()).toEqual(Object.keys(metadata.inputs).sort());
    expect(inputs).toEqual({
      policyFile: '.github/flow-merge-gate.yml',
      policy: { checkName: 'Merge gate' },
      githubToken: metadata.inputs['github-token']?.default,
      settleSeconds: 1,
    });
  });

  it('masks both tokens', () => {
    const values: Record<string, string> = {
      'github-token': 'ghs_readToken123',
      'merge-token': 'ghs_appToken456',
    };
    const masker = new SecretMasker();
    getInputs(new InputReader((name) => values[name]), masker);
    expect(masker.redact('ghs_readToken123 ghs_appToken456')).toBe('*** ***');
  });

  it('reads the policy inputs typed, and leaves unset ones to the file', () => {
    const values: Record<string, string> = {
      'ci-checks': 'build\ntest ({toggle}, node 22)\n# a comment',
      approvals: '2',
      codeowners: 'true',
      'trusted-label-actors': 'alice\nrenovate[bot]',
    };
    const { policy } = getInputs(new InputReader((name) => values[name]), new SecretMasker());
    expect(policy).toEqual({
      checkName: 'Merge gate',
      ciChecks: ['build', 'test ({toggle}, node 22)'],
      approvals: 2,
      codeowners: true,
      trustedLabelActors: ['alice', 'renovate[bot]'],
    });
  });

  it.each([
    ['approvals', '0', 'Input "approvals" must be a whole number from 1 to 20, got "0".'],
    ['codeowners', 'yes', 'Input "codeowners" must be true or false, got "yes".'],
    ['settle-seconds', '61', 'Input "settle-seconds" must be a whole number from 0 to 60, got "61".'],
  ])('refuses %s: %s', (name, value, message) => {
    expect(() =>
      getInputs(new InputReader((asked) => (asked === name ? value : undefined)), new SecretMasker()),
    ).toThrow(message);
  });

  it('declares exactly the outputs the action sets, on node24', () => {
    expect(Object.keys(metadata.outputs).sort()).toEqual(Object.values(OUTPUTS).sort());
    expect(metadata.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });

  it('risk reads the same policy inputs, with the same defaults: one contract for both steps', () => {
    for (const { input } of Object.values(POLICY_SETTINGS)) {
      expect(risk.inputs[input], input).toBeDefined();
      expect(risk.inputs[input]?.default, input).toBe(metadata.inputs[input]?.default);
    }
    expect(risk.inputs['policy-file']?.default).toBe(metadata.inputs['policy-file']?.default);
    expect(risk.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });
});
