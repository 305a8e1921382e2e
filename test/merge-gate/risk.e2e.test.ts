import { describe, expect, it } from 'vitest';
import type { GitHubFake, JsonRecord } from '../github-fake';
import {
  ciChecks,
  expectClean,
  headOf,
  openPull,
  pullRequestEvent,
  runStep,
  shownGate,
  startWorld,
} from './world';

// The bundled risk step, and the gate's own reading of risk: every changed file across pages,
// labels as outputs, labels as inputs only from trusted actors, the toggles file, a fork's token.
const POLICY = [
  'expression: ci',
  'ci:',
  "  checks: [build, 'test ({toggle})']",
  'trusted-label-actors: [alice]',
  'toggles:',
  '  file: config/toggles.yml',
  '',
].join('\n');

const labelsOf = (world: GitHubFake, number: number) =>
  ((world.state.pullRequests.find((pull) => pull.number === number)?.labels as JsonRecord[]) ?? []).map(
    (label) => label.name,
  );

describe('risk, from the change itself', () => {
  it('300 changed files: every page is read, by the risk step and by the gate', async () => {
    const github = await startWorld(`${POLICY}review:\n  codeowners: true\n`);
    github.seed.file('main', '.github/CODEOWNERS', '/docs/last/ @carol\n');
    const files = Array.from({ length: 300 }, (_, index) => ({
      path: index === 299 ? 'docs/last/file-299.md' : `src/module-${String(index).padStart(3, '0')}.ts`,
      additions: 1,
      deletions: 0,
    }));
    const pull = openPull(github, { files });
    const risk = await runStep('risk', github, { payload: pullRequestEvent(pull) });
    expect(risk.errors).toEqual([]);
    expect(risk.outputs).toMatchObject({
      'change-size': 'XL',
      risk: 'high',
      labels: '["risk:high","size:XL"]',
    });
    expect(risk.summary).toContain('| lines changed | 300 (+300 −0) in 300 files |');
    const pages = github.requests.filter((request) => request.operationId === 'pulls/list-files');
    expect(pages.map((request) => new URL(request.url, github.url).searchParams.get('page') ?? '1')).toEqual([
      '1',
      '2',
      '3',
    ]);
    expect(labelsOf(github, Number(pull.number))).toEqual(['risk:high', 'size:XL']);
    expectClean(risk, github);

    // The gate reads the same 300 files: the owner of the last one must approve.
    ciChecks(github, headOf(pull));
    github.seed.checkRun({ name: 'test (default)', head_sha: headOf(pull) });
    const gate = await runStep('merge-gate', github, { payload: pullRequestEvent(pull) });
    expect(gate.outputs).toMatchObject({ risk: 'high', ci: 'green' });
    expect(gate.summary).toContain('owners of docs/last/file-299.md (@carol)');
    expectClean(gate, github);
  });

  it('sets risk: and size: labels, and removes a stale one (its name encoded in the path)', async () => {
    const github = await startWorld(POLICY);
    const pull = openPull(github);
    const number = Number(pull.number);
    github.seed.label(number, 'risk:high', 'someone');
    github.seed.label(number, 'needs-docs', 'someone');
    // The permissions its README asks for are enough: no checks, statuses or deployments are read.
    github.permissions = { contents: 'read', 'pull-requests': 'read', checks: 'write', issues: 'write' };
    const run = await runStep('risk', github, { payload: pullRequestEvent(pull) });
    expect(run.outputs).toMatchObject({ risk: 'low', labels: '["risk:low","size:S"]' });
    expect(labelsOf(github, number)).toEqual(['needs-docs', 'risk:low', 'size:S']);
    const removed = github.requests.find((request) => request.operationId === 'issues/remove-label');
    expect(removed?.url).toBe(`/repos/acme/api/issues/${number}/labels/risk%3Ahigh`);
    expect(shownGate(github, headOf(pull), 'Risk')).toMatchObject({
      status: 'completed',
      conclusion: 'neutral',
    });
    expectClean(run, github);
    // Again: nothing to change, no label request.
    const before = github.requests.length;
    const again = await runStep('risk', github, { payload: pullRequestEvent(pull) });
    expect(github.requests.slice(before).filter((request) => request.url.includes('/labels'))).toEqual([]);
    expectClean(again, github);
  });

  it('labels added by an untrusted actor change nothing; the same labels by a trusted one do', async () => {
    const github = await startWorld(POLICY);
    const pull = openPull(github);
    const number = Number(pull.number);
    const plain = await runStep('risk', github, {
      payload: pullRequestEvent(pull),
      inputs: { 'set-labels': 'false' },
    });
    for (const label of ['toggle:new-ui', 'semver:major', 'ft-coverage:100'])
      github.seed.label(number, label, 'mallory');
    const untrusted = await runStep('risk', github, {
      payload: pullRequestEvent(pull),
      inputs: { 'set-labels': 'false' },
    });
    const { 'check-run-url': _plainUrl, ...plainOutputs } = plain.outputs;
    const { 'check-run-url': _untrustedUrl, ...untrustedOutputs } = untrusted.outputs;
    expect(untrustedOutputs).toEqual(plainOutputs);
    expect(untrusted.outputs).toMatchObject({
      risk: 'low',
      'semver-impact': 'patch',
      'toggle-matrix': '{"toggle":["default"]}',
    });
    expect(untrusted.summary).toContain('- toggle&#58;new-ui: added by @mallory, not a trusted label actor');
    expectClean(untrusted, github);

    // The gate too: CI needs only the default leg, and it is green.
    github.seed.checkRun({ name: 'build', head_sha: headOf(pull) });
    github.seed.checkRun({ name: 'test (default)', head_sha: headOf(pull) });
    expect((await runStep('merge-gate', github, { payload: pullRequestEvent(pull) })).outputs.verdict).toBe(
      'green',
    );

    // alice is trusted: her toggle label puts the change behind new-ui, tested on and off.
    github.seed.label(number, 'toggle:new-ui', 'alice');
    const trusted = await runStep('risk', github, {
      payload: pullRequestEvent(pull),
      inputs: { 'set-labels': 'false' },
    });
    expect(trusted.outputs).toMatchObject({
      toggles: '["new-ui"]',
      'toggle-matrix': '{"toggle":["new-ui-on","new-ui-off"]}',
    });
    const gate = await runStep('merge-gate', github, { payload: pullRequestEvent(pull) });
    expect(gate.outputs.verdict).toBe('pending');
    expect(JSON.parse(gate.outputs.missing ?? '[]')).toEqual([
      'ci: test (new-ui-on) (not reported yet): wait for it; if it never comes, check the name for a typo and that its workflow runs on pull requests',
      'ci: test (new-ui-off) (not reported yet): wait for it; if it never comes, check the name for a typo and that its workflow runs on pull requests',
    ]);
    expectClean(gate, github);
  });

  it('a toggle the pull request adds to the toggles file is tested on and off', async () => {
    const github = await startWorld(POLICY);
    github.seed.file('main', 'config/toggles.yml', 'new-ui: { default: off }\n');
    const pull = openPull(github, {
      files: [
        { path: 'config/toggles.yml', additions: 1, deletions: 0 },
        { path: 'src/cart.ts', additions: 30, deletions: 4 },
      ],
    });
    github.seed.file(
      headOf(pull),
      'config/toggles.yml',
      'new-ui: { default: off }\nfast-cart: { default: off }\n',
    );
    const run = await runStep('risk', github, { payload: pullRequestEvent(pull) });
    expect(run.outputs).toMatchObject({
      toggles: '["fast-cart"]',
      'toggle-matrix': '{"toggle":["fast-cart-on","fast-cart-off"]}',
    });
    expect(run.summary).toContain('fast-cart (config/toggles.yml adds it)');
    expect(github.requests.map((request) => request.operationId)).toContain('graphql MergeGateFileAt');
    expectClean(run, github);
  });

  it('a fork’s read-only token: the outputs and the summary, and plain words on why nothing was written', async () => {
    const github = await startWorld(POLICY);
    const pull = openPull(github, { forkOwner: 'mallory', author: 'mallory' });
    github.permissions = { checks: 'read', contents: 'read', 'pull-requests': 'read', issues: 'read' };
    const run = await runStep('risk', github, { payload: pullRequestEvent(pull, 'opened', 'mallory') });
    expect(run.exitCode).toBe(0);
    expect(run.outputs).toMatchObject({ risk: 'low', labels: '["risk:low","size:S"]', 'check-run-url': '' });
    expect(run.warnings).toEqual([
      "The Risk check run could not be written (checks: write): this pull request comes from a fork, and GitHub gives a fork’s events a read-only GITHUB_TOKEN. The risk is in this step's summary and outputs.",
      'The labels could not be set (issues: write): this pull request comes from a fork, and GitHub gives a fork’s events a read-only GITHUB_TOKEN. They are in the labels output.',
    ]);
    expect(labelsOf(github, Number(pull.number))).toEqual([]);
    expectClean(run, github);
  });
});
