import { join } from 'node:path';
import { InputReader, SecretMasker } from '@flow-actions/action-kit';
import { readActionMetadata } from '@flow-actions/runner-harness';
import { describe, expect, it } from 'vitest';
import { getInputs, OUTPUTS } from './inputs';
import { DEFAULT_POLICY_FILE } from './policy';

const metadata = await readActionMetadata(join(import.meta.dirname, '..'));
const DIGEST = `sha256:${'a'.repeat(64)}`;

/** Reads the inputs as the runner would give them: the value set here, else action.yml's default. */
function read(values: Record<string, string>) {
  const asked = new Set<string>();
  const masker = new SecretMasker();
  const inputs = getInputs(
    new InputReader((name) => {
      asked.add(name);
      return values[name] ?? metadata.inputs[name]?.default;
    }),
    masker,
  );
  return { inputs, asked, masker };
}

describe('action.yml', () => {
  it('declares exactly the inputs the two phases read, and the defaults parse', () => {
    const accept = read({ phase: 'accept', image: 'ghcr.io/acme/api', 'github-token': 'ghs_x' });
    const report = read({ phase: 'report', outcome: 'success', digest: DIGEST, 'github-token': 'ghs_x' });
    expect([...new Set([...accept.asked, ...report.asked])].sort()).toEqual(
      Object.keys(metadata.inputs).sort(),
    );
    expect(accept.inputs).toMatchObject({
      phase: 'accept',
      image: 'ghcr.io/acme/api',
      developImage: 'ghcr.io/acme/api',
      policyFile: DEFAULT_POLICY_FILE,
      sha: { shaLength: 7, tagPrefix: '' },
    });
    expect(report.inputs).toMatchObject({ phase: 'report', outcome: 'success', digest: DIGEST });
    expect(metadata.inputs['policy-file']?.default).toBe(DEFAULT_POLICY_FILE);
  });

  it('declares exactly the outputs the action sets, on node24', () => {
    expect(Object.keys(metadata.outputs).sort()).toEqual(Object.values(OUTPUTS).sort());
    expect(metadata.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
  });

  it('masks both tokens and the registry password', () => {
    const { masker } = read({
      phase: 'accept',
      image: 'ghcr.io/acme/api',
      'github-token': 'ghs_readToken123',
      'teams-token': 'ghs_teamsToken456',
      username: 'bot',
      password: 'registryPass789',
    });
    expect(masker.redact('ghs_readToken123 ghs_teamsToken456 registryPass789')).toBe('*** *** ***');
  });

  it.each([
    [
      {},
      'Input "phase" is required: accept in the job that reads the comment, report in the job after the deploy.',
    ],
    [{ phase: 'deploy' }, 'Input "phase" must be one of "accept", "report", got "deploy".'],
    [
      { phase: 'accept' },
      'Input "image" is required with phase accept: name the release repository, e.g. ghcr.io/acme/api.',
    ],
    [{ phase: 'accept', image: 'ghcr.io/acme/api:v1' }, 'Input "image" names a repository, not a version'],
    [
      { phase: 'accept', image: 'ghcr.io/acme/api', 'sha-length': '3' },
      'Input "sha-length" must be a whole number from 4 to 40',
    ],
    [{ phase: 'report' }, 'Input "outcome" is required with phase report'],
    [
      { phase: 'report', outcome: 'done' },
      'Input "outcome" must be one of "success", "failure", "cancelled", "skipped", got "done".',
    ],
    [
      { phase: 'report', outcome: 'success', 'reply-comment-id': '12; rm' },
      'Input "reply-comment-id" must be a comment id (a number), got "12; rm"',
    ],
    [
      { phase: 'report', outcome: 'success', digest: 'latest' },
      'Input "digest" must be a sha256: digest, got "latest"',
    ],
    [{ phase: 'accept', image: 'ghcr.io/acme/api', 'github-token': '' }, 'Input "github-token" is empty'],
  ])('refuses %j', (values, message) => {
    const given = { 'github-token': 'ghs_x', ...values } as Record<string, string>;
    const source = (name: string) =>
      name in given ? given[name] || undefined : metadata.inputs[name]?.default;
    expect(() => getInputs(new InputReader(source), new SecretMasker())).toThrow(message);
  });
});
