import { join } from 'node:path';
import { InputReader, SecretMasker } from '@flow-actions/action-kit';
import { readActionMetadata } from '@flow-actions/runner-harness';
import { describe, expect, it } from 'vitest';
import { getInputs, OUTPUTS } from './inputs';

const metadata = await readActionMetadata(join(import.meta.dirname, '..'));

describe('action.yml', () => {
  it('declares exactly the inputs the action reads, and the defaults parse', () => {
    const asked = new Set<string>();
    const values: Record<string, string> = {
      token: 'npm_metadataTest1234',
      'github-token': 'ghs_metadataTest1234',
    };
    const source = (name: string) => {
      asked.add(name);
      return values[name] ?? metadata.inputs[name]?.default;
    };
    const inputs = getInputs(new InputReader(source), new SecretMasker());
    expect([...asked].sort()).toEqual(Object.keys(metadata.inputs).sort());
    expect(inputs).toMatchObject({ registry: 'https://registry.npmjs.org/', distTag: 'auto', dryRun: false });
  });

  it('declares exactly the outputs the action sets, on node24', () => {
    expect(Object.keys(metadata.outputs).sort()).toEqual(Object.values(OUTPUTS).sort());
    expect(metadata.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });
});
