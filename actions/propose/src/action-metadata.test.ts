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
      repository: 'acme/product',
      token: 'ghs_metadataTest1234',
      component: 'api',
      version: 'v1.5.0',
      image: 'ghcr.io/acme/api',
      path: 'deploy/prod',
      'hotfix-to': 'v1.4.0',
      toggles: 'new-cart',
      'toggle-coverage': '90',
    };
    const source = (name: string) => {
      asked.add(name);
      return values[name] ?? metadata.inputs[name]?.default;
    };
    getInputs(new InputReader(source), new SecretMasker(), { workspace: '/work/space' });
    expect([...asked].sort()).toEqual(Object.keys(metadata.inputs).sort());
  });

  it('declares exactly the outputs the action sets, on node24', () => {
    expect(Object.keys(metadata.outputs).sort()).toEqual(Object.values(OUTPUTS).sort());
    expect(metadata.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });
});
