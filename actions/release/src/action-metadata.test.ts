import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { InputReader, SecretMasker } from '@flow-actions/action-kit';
import { readActionMetadata } from '@flow-actions/runner-harness';
import { describe, expect, it } from 'vitest';
import { getInputs } from './inputs';

const metadata = await readActionMetadata(join(import.meta.dirname, '..'));

describe('action.yml', () => {
  it('declares exactly the inputs the action reads, and the defaults parse', () => {
    const asked = new Set<string>();
    const given: Record<string, string> = {
      'stage-checks': 'stage-smoke',
      scheme: 'calver',
      'github-token': 'ghs_x',
    };
    const inputs = getInputs(
      new InputReader((name) => {
        asked.add(name);
        return given[name] ?? metadata.inputs[name]?.default;
      }),
      new SecretMasker(),
    );
    expect([...asked].sort()).toEqual(Object.keys(metadata.inputs).sort());
    expect(inputs.request).toMatchObject({
      kind: 'release',
      branch: 'main',
      stageChecks: ['stage-smoke'],
      scheme: { kind: 'calver', format: 'YYYY.MM.MICRO' },
      sha: { shaLength: 7, tagPrefix: '' },
      fallback: 'none',
    });
    expect(inputs).toMatchObject({
      promoteNow: false,
      dryRun: false,
      immutableTags: ['<sha>', 'v*', 'rc-*'],
    });
  });

  it('declares exactly the outputs the action sets', async () => {
    const main = await readFile(join(import.meta.dirname, 'main.ts'), 'utf8');
    const set = [...main.matchAll(/setOutput\(\s*'([a-z-]+)'/g)].map((match) => match[1]);
    expect([...new Set(set)].sort()).toEqual(Object.keys(metadata.outputs).sort());
  });

  it('masks both tokens, whatever characters they hold', () => {
    const values: Record<string, string> = {
      'stage-checks': 'stage-smoke',
      'github-token': 'ghs_a$b"c\'d',
      'workflow-token': 'ghs_job%0A|x',
    };
    const masker = new SecretMasker();
    const inputs = getInputs(new InputReader((name) => values[name]), masker);
    expect(masker.redact('ghs_a$b"c\'d and ghs_job%0A|x')).toBe('*** and ***');
    expect(inputs.workflowToken).toBe(false);
  });

  it.each([
    ['kind', { kind: 'rc' }, 'rc'],
    ['kind', { kind: '2.0.0' }, { version: '2.0.0' }],
  ])('reads %s', (_, values, kind) => {
    const inputs = getInputs(
      new InputReader(
        (name) => (({ 'stage-checks': 'x', 'github-token': 't', ...values }) as Record<string, string>)[name],
      ),
      new SecretMasker(),
    );
    expect(inputs.request.kind).toEqual(kind);
  });

  it.each<[string, Record<string, string>, RegExp]>([
    [
      'promote-now without image',
      { 'promote-now': 'true' },
      /^Input "promote-now" tags the artifact with the version, so it needs "image"/,
    ],
    [
      'an image with a tag',
      { image: 'ghcr.io/acme/api:v1' },
      /^Input "image" names a repository, not a version/,
    ],
    [
      'a component line without paths',
      { components: 'api components/api' },
      /^Input "components" line "api components\/api" is not/,
    ],
    ['no token', { 'github-token': '' }, /^Input "github-token" is required/],
  ])('refuses %s', (_, values, message) => {
    const source = { 'stage-checks': 'x', 'github-token': 't', ...values } as Record<string, string>;
    expect(() => getInputs(new InputReader((name) => source[name] || undefined), new SecretMasker())).toThrow(
      message,
    );
  });
});
