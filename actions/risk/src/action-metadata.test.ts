import { join } from 'node:path';
import { InputReader, SecretMasker } from '@flow-actions/action-kit';
import { readActionMetadata } from '@flow-actions/runner-harness';
import { describe, expect, it } from 'vitest';
import { getRiskInputs, RISK_OUTPUTS } from './inputs';

const metadata = await readActionMetadata(join(import.meta.dirname, '..'));

describe('risk action.yml', () => {
  it('declares exactly the inputs the step reads, and the defaults parse', () => {
    const asked = new Set<string>();
    const masker = new SecretMasker();
    const inputs = getRiskInputs(
      new InputReader((name) => {
        asked.add(name);
        return metadata.inputs[name]?.default;
      }),
      masker,
    );
    expect([...asked].sort()).toEqual(Object.keys(metadata.inputs).sort());
    expect(inputs).toEqual({
      policyFile: '.github/flow-merge-gate.yml',
      policy: { checkName: 'Merge gate' },
      checkName: 'Risk',
      setLabels: true,
      githubToken: metadata.inputs['github-token']?.default,
    });
  });

  it('masks the token', () => {
    const masker = new SecretMasker();
    getRiskInputs(
      new InputReader((name) => (name === 'github-token' ? 'ghs_riskToken42' : undefined)),
      masker,
    );
    expect(masker.redact('token ghs_riskToken42')).toBe('token ***');
  });

  it('declares exactly the outputs the step sets, on node24', () => {
    expect(Object.keys(metadata.outputs).sort()).toEqual(Object.values(RISK_OUTPUTS).sort());
    expect(metadata.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });
});
