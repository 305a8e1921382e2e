// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings hold workflow ${{ }} expressions, not JavaScript templates
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { isConfigurationError } from '@flow-actions/action-kit';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AUTH_ACTION_PINS, GAR_AUTH_STEP, type RegistryLogin } from './login';
import {
  changeValueNames,
  type FlowActionsRelease,
  headerRepository,
  readWorkflow,
  renderWorkflow,
  updateWorkflow,
  type WorkflowSettings,
} from './workflow';

// The templates as the repository holds them: flow init must work from their text alone, so every
// edit a later template makes flows through.
const TEMPLATES_DIR = join(import.meta.dirname, '..', '..', '..', '..', 'workflows-templates');
const templates = Object.fromEntries(
  readdirSync(TEMPLATES_DIR)
    .filter((file) => file.endsWith('.yml'))
    .map((file) => [file.slice(0, -4), readFileSync(join(TEMPLATES_DIR, file), 'utf8')]),
) as Record<string, string>;
const names = Object.keys(templates).sort();

const V120: FlowActionsRelease = {
  repository: 'acme/flow-actions',
  version: 'v1.2.0',
  commit: 'a'.repeat(40),
};
const V130: FlowActionsRelease = {
  repository: 'acme/flow-actions',
  version: 'v1.3.0',
  commit: 'b'.repeat(40),
};

const VALUES = {
  REGISTRY: 'registry.acme.dev',
  IMAGE: 'registry.acme.dev/acme/api',
  DEVELOP_IMAGE: 'registry.acme.dev/acme/api-dev',
  MANIFEST_REPOSITORY: 'acme/deploy',
  STAGE_PATH: 'k8s/stage',
  DEMO_PATH: 'k8s/demo',
  PROD_PATH: 'k8s/prod',
  TEST_RUNNER_PACKAGE: '@acme/runner',
  NPM_REGISTRY: 'https://npm.acme.dev/',
};

const LOGINS: Record<RegistryLogin['kind'], RegistryLogin> = {
  'github-token': { kind: 'github-token' },
  password: {
    kind: 'password',
    username: '${{ secrets.REGISTRY_USERNAME }}',
    passwordSecret: 'REGISTRY_PASSWORD',
  },
  ecr: { kind: 'ecr', role: 'arn:aws:iam::123456789012:role/flow', region: 'eu-west-1' },
  gar: {
    kind: 'gar',
    workloadIdentityProvider: 'projects/42/locations/global/workloadIdentityPools/github/providers/acme',
    serviceAccount: 'flow@acme.iam.gserviceaccount.com',
  },
};
const kinds = Object.keys(LOGINS) as RegistryLogin['kind'][];

const settings = (login: RegistryLogin, release = V120): WorkflowSettings => ({
  release,
  values: VALUES,
  defaultBranch: 'trunk',
  login,
});

interface Step {
  id?: string;
  uses?: string;
  with?: Record<string, unknown>;
}
interface Job {
  permissions?: Record<string, string> | string;
  steps?: Step[];
}
interface Workflow {
  on: Record<string, { branches?: string[] } | null>;
  env?: Record<string, string>;
  jobs: Record<string, Job>;
}

/**
 * A workflow without the parts flow init owns: the values it sets, the branch, the login steps'
 * credentials and the cloud steps before them, the `packages`/`id-token` permissions of jobs that
 * log in, and the ref of each flow-actions step. What is left must be the template's, unchanged.
 */
function withoutOwnedParts(text: string): Workflow {
  const workflow = parse(text) as Workflow;
  for (const name of Object.keys(VALUES)) delete workflow.env?.[name];
  for (const event of Object.values(workflow.on)) delete event?.branches;
  for (const job of Object.values(workflow.jobs)) {
    const logsIn = (job.steps ?? []).some((step) => step.uses?.startsWith('docker/login-action@'));
    if (logsIn && typeof job.permissions === 'object') {
      delete job.permissions.packages;
      delete job.permissions['id-token'];
    }
    job.steps = (job.steps ?? [])
      .filter((step) => !/^(aws-actions|google-github-actions)\//.test(step.uses ?? ''))
      .map((step) => {
        if (step.uses?.startsWith('docker/login-action@') && step.with) {
          delete step.with.username;
          delete step.with.password;
        }
        const ours = /^(?:org|acme)\/flow-actions\/([a-z-]+)@/.exec(step.uses ?? '');
        return ours ? { ...step, uses: `ours:${ours[1]}` } : step;
      });
  }
  return workflow;
}

/** The comment lines of a text, trimmed, but the ones above a login (the template's CHANGE, or flow init's). */
function comments(text: string): string[] {
  const lines = text.split('\n');
  return lines.flatMap((line, index) => {
    const next = lines.slice(index + 1).find((candidate) => !candidate.trim().startsWith('#')) ?? '';
    const aboveLogin =
      /^-\s+(id:\s+gcp-auth$|uses:\s+(docker\/login-action|aws-actions\/configure-aws-credentials|google-github-actions\/auth)@)/.test(
        next.trim(),
      );
    return line.trim().startsWith('#') && !aboveLogin ? [line.trim()] : [];
  });
}

function jobsThatLogIn(text: string): [string, Job][] {
  return Object.entries((parse(text) as Workflow).jobs).filter(([, job]) =>
    (job.steps ?? []).some((step) => step.uses?.startsWith('docker/login-action@')),
  );
}

describe('renderWorkflow: a release template as flow init writes it', () => {
  const cases = names.flatMap((name) => kinds.map((kind) => [name, kind] as const));

  it.each(cases)(
    '%s.yml with the %s login: only flow init’s parts differ from the template',
    (name, kind) => {
      const template = templates[name] as string;
      const text = renderWorkflow(template, settings(LOGINS[kind]), `${name}.yml`);
      expect(text.split('\n')[0]).toBe(
        '# flow init (acme/flow-actions) wrote this file: run flow init again to pin a newer release; your edits stay.',
      );
      expect(headerRepository(text)).toBe('acme/flow-actions');
      expect(withoutOwnedParts(text)).toEqual(withoutOwnedParts(template));
      // Comments stay, word for word and in order; only the login's is flow init's own.
      expect(comments(text).slice(1)).toEqual(comments(template));
    },
  );

  it.each(names)(
    '%s.yml: every flow-actions step is pinned to the release commit, the version in a comment',
    (name) => {
      const template = templates[name] as string;
      const text = renderWorkflow(template, settings(LOGINS['github-token']), `${name}.yml`);
      const placeholders = [...template.matchAll(/uses: org\/flow-actions\/([a-z-]+)@v1$/gm)].map(
        (m) => m[1],
      );
      const pins = [...text.matchAll(/uses: acme\/flow-actions\/([a-z-]+)@([0-9a-f]{40}) # (v[\d.]+)$/gm)];
      expect(placeholders.length).toBeGreaterThan(0);
      expect(pins.map((m) => m[1])).toEqual(placeholders);
      for (const pin of pins) expect([pin[2], pin[3]]).toEqual([V120.commit, 'v1.2.0']);
      expect(text).not.toContain('org/flow-actions');
    },
  );

  it.each(names)(
    '%s.yml: the values marked CHANGE are set, quoting kept; REQUIRED_CHECKS is the template’s',
    (name) => {
      const template = templates[name] as string;
      const text = renderWorkflow(template, settings(LOGINS['github-token']), `${name}.yml`);
      const env = (parse(text) as Workflow).env ?? {};
      const before = (parse(template) as Workflow).env ?? {};
      for (const key of Object.keys(before))
        expect([key, env[key]]).toEqual([
          key,
          key in VALUES ? VALUES[key as keyof typeof VALUES] : before[key],
        ]);
      if ('TEST_RUNNER_PACKAGE' in before) expect(text).toContain("  TEST_RUNNER_PACKAGE: '@acme/runner'\n");
    },
  );

  it('main.yml: the default branch goes where the template marks it CHANGE', () => {
    const text = renderWorkflow(templates.main as string, settings(LOGINS['github-token']), 'main.yml');
    expect((parse(text) as Workflow).on.push?.branches).toEqual(['trunk']);
    expect(text).toContain('    branches: [trunk]\n');
    for (const [branch, written] of [
      ['release/2026', '[release/2026]'],
      ['feature,x', '["feature,x"]'],
      ['yes', '["yes"]'],
    ])
      expect(
        renderWorkflow(
          templates.main as string,
          { ...settings(LOGINS.password), defaultBranch: branch },
          'main.yml',
        ),
      ).toContain(`    branches: ${written}\n`);
  });

  it.each(names.filter((name) => jobsThatLogIn(templates[name] as string).length > 0))(
    '%s.yml: each job that logs in gets the login and the permissions its registry needs, no more',
    (name) => {
      const template = templates[name] as string;
      const templateJobs = Object.fromEntries(jobsThatLogIn(template));
      for (const kind of kinds) {
        const text = renderWorkflow(template, settings(LOGINS[kind]), `${name}.yml`);
        for (const [id, job] of jobsThatLogIn(text)) {
          const permissions = job.permissions as Record<string, string>;
          const steps = job.steps ?? [];
          const at = steps.findIndex((step) => step.uses?.startsWith('docker/login-action@'));
          const login = steps[at] as Step;
          const before = steps[at - 1];
          const where = `${name}.yml jobs.${id} (${kind})`;
          const templatePermissions = templateJobs[id]?.permissions as Record<string, string>;
          expect(login.with?.registry, where).toBe('${{ env.REGISTRY }}');
          if (kind === 'github-token') {
            expect(permissions, where).toEqual(templatePermissions);
            expect(login.with, where).toMatchObject({
              username: '${{ github.actor }}',
              password: '${{ secrets.GITHUB_TOKEN }}',
            });
          } else {
            expect(permissions.packages, where).toBeUndefined();
          }
          if (kind === 'password')
            expect(login.with, where).toMatchObject({
              username: '${{ secrets.REGISTRY_USERNAME }}',
              password: '${{ secrets.REGISTRY_PASSWORD }}',
            });
          if (kind === 'ecr') {
            expect(login.with, where).toEqual({ registry: '${{ env.REGISTRY }}' });
            expect(before, where).toEqual({
              uses: `aws-actions/configure-aws-credentials@${AUTH_ACTION_PINS['aws-actions/configure-aws-credentials'].sha}`,
              with: { 'role-to-assume': 'arn:aws:iam::123456789012:role/flow', 'aws-region': 'eu-west-1' },
            });
          }
          if (kind === 'gar') {
            expect(login.with, where).toMatchObject({
              username: 'oauth2accesstoken',
              password: `\${{ steps.${GAR_AUTH_STEP}.outputs.access_token }}`,
            });
            expect(before?.id, where).toBe(GAR_AUTH_STEP);
            expect(before?.with, where).toMatchObject({ token_format: 'access_token' });
          }
          if (kind === 'ecr' || kind === 'gar') expect(permissions['id-token'], where).toBe('write');
          else expect(permissions['id-token'], where).toBeUndefined();
          // Everything else the job was granted, it still is.
          const others = Object.fromEntries(
            Object.entries(templatePermissions).filter(([key]) => key !== 'packages'),
          );
          expect(permissions, where).toMatchObject(others);
        }
      }
    },
  );

  it('a deeper comment ending the step before a login is that step’s, and stays', () => {
    const template = (templates.rollback as string).replace(
      '      # CHANGE: for another registry, its user and a secret of yours instead of the GITHUB_TOKEN.\n',
      '      - run: echo before\n        # CHANGE: the step before the login keeps this.\n',
    );
    expect(template).toContain('# CHANGE: the step before the login keeps this.');
    for (const kind of kinds) {
      const text = renderWorkflow(template, settings(LOGINS[kind]), 'rollback.yml');
      expect(text, kind).toContain(
        '      - run: echo before\n        # CHANGE: the step before the login keeps this.\n      # Registry login (flow init):',
      );
    }
  });

  it('a job whose only permission was packages: write gets permissions: {} for a password login, and id-token alone for ECR', () => {
    const password = renderWorkflow(templates.yank as string, settings(LOGINS.password), 'yank.yml');
    expect(password).toContain('    permissions: {}\n    steps:\n');
    const ecr = renderWorkflow(templates.yank as string, settings(LOGINS.ecr), 'yank.yml');
    expect(ecr).toContain(
      '    permissions:\n      id-token: write # the registry login (OIDC), set by flow init\n    steps:\n',
    );
  });
});

describe('updateWorkflow: a re-run on a file flow init wrote', () => {
  it.each(names)('%s.yml after a new release: only the flow-actions pins change', (name) => {
    const written = renderWorkflow(templates[name] as string, settings(LOGINS.password), `${name}.yml`);
    const updated = updateWorkflow(
      written,
      templates[name] as string,
      { release: V130, values: {} },
      `${name}.yml`,
    );
    const changed = (text: string) =>
      text.split('\n').filter((line, index) => line !== written.split('\n')[index]);
    expect(updated.split('\n')).toHaveLength(written.split('\n').length);
    const lines = changed(updated);
    expect(lines.length).toBeGreaterThan(0);
    for (const line of lines)
      expect(line).toMatch(/^ +(- )?uses: acme\/flow-actions\/[a-z-]+@b{40} # v1\.3\.0$/);
    expect(updated).toBe(written.replaceAll(`@${V120.commit} # v1.2.0`, `@${V130.commit} # v1.3.0`));
  });

  it('keeps the owner’s edits: their stage checks, steps, extra jobs, comments, login options', () => {
    const written = renderWorkflow(templates.main as string, settings(LOGINS['github-token']), 'main.yml');
    const edited = written
      .replace(
        / {6}- name: Stage checks \(replace me\)\n[\s\S]*?replace this step with yours\."\n/,
        [
          '      # Our smoke tests: /health must answer within 30 seconds of the rollout.',
          '      - name: Smoke tests',
          '        run: ./scripts/smoke.sh "https://stage.acme.dev"',
          '      - name: End-to-end suite',
          '        uses: acme/e2e-action@0123456789abcdef0123456789abcdef01234567 # v2.3.4',
          '',
        ].join('\n'),
      )
      .replace(
        '          registry: ${{ env.REGISTRY }}\n',
        '          registry: ${{ env.REGISTRY }}\n          logout: false\n',
      )
      .concat(
        [
          '',
          '  notify:',
          '    # Tell the team.',
          '    needs: stage-checks',
          '    runs-on: ubuntu-latest',
          '    permissions: {}',
          '    steps:',
          '      - run: echo done',
          '',
        ].join('\n'),
      );
    expect(edited).toContain('Smoke tests');
    const updated = updateWorkflow(
      edited,
      templates.main as string,
      { release: V130, values: {} },
      'main.yml',
    );
    expect(updated).toBe(edited.replaceAll(`@${V120.commit} # v1.2.0`, `@${V130.commit} # v1.3.0`));
  });

  it('sets only the values given, in the files that mark them CHANGE', () => {
    const written = renderWorkflow(templates.promote as string, settings(LOGINS.password), 'promote.yml');
    const updated = updateWorkflow(
      written,
      templates.promote as string,
      { release: V120, values: { PROD_PATH: 'k8s/production', TEST_RUNNER_PACKAGE: 'not-here' } },
      'promote.yml',
    );
    expect(updated).toBe(written.replace('  PROD_PATH: k8s/prod\n', '  PROD_PATH: k8s/production\n'));
  });

  it.each(names.flatMap((name) => kinds.flatMap((from) => kinds.map((to) => [name, from, to] as const))))(
    '%s.yml: a login changed from %s to %s is written as a fresh one would be',
    (name, from, to) => {
      const template = templates[name] as string;
      const written = renderWorkflow(template, settings(LOGINS[from]), `${name}.yml`);
      const updated = updateWorkflow(
        written,
        template,
        { release: V120, values: {}, login: LOGINS[to] },
        `${name}.yml`,
      );
      expect(updated).toBe(renderWorkflow(template, settings(LOGINS[to]), `${name}.yml`));
    },
  );

  it('an unchanged login is not rewritten: edits inside its steps stay, only its pins move', () => {
    const written = renderWorkflow(templates.build as string, settings(LOGINS.ecr), 'build.yml');
    const edited = written
      .replace(
        '          aws-region: eu-west-1\n',
        '          aws-region: eu-west-1\n          role-duration-seconds: 900\n',
      )
      .replace(AUTH_ACTION_PINS['aws-actions/configure-aws-credentials'].sha, 'c'.repeat(40));
    const updated = updateWorkflow(
      edited,
      templates.build as string,
      { release: V120, values: {}, login: LOGINS.ecr },
      'build.yml',
    );
    expect(updated).toContain('          role-duration-seconds: 900\n');
    expect(updated).toBe(
      edited.replace('c'.repeat(40), AUTH_ACTION_PINS['aws-actions/configure-aws-credentials'].sha),
    );
  });

  it('a login the owner changed is kept unless a login is given', () => {
    const written = renderWorkflow(
      templates.rollback as string,
      settings(LOGINS['github-token']),
      'rollback.yml',
    );
    const edited = written.replace('${{ secrets.GITHUB_TOKEN }}', '${{ secrets.GHCR_PAT }}');
    expect(
      updateWorkflow(edited, templates.rollback as string, { release: V120, values: {} }, 'rollback.yml'),
    ).toBe(edited);
  });

  it('a step copied in from a template (org/flow-actions/…@v1) is pinned too', () => {
    const written = renderWorkflow(templates.rollback as string, settings(LOGINS.password), 'rollback.yml');
    const edited = `${written}      - uses: org/flow-actions/yank-artifact@v1\n`;
    const updated = updateWorkflow(
      edited,
      templates.rollback as string,
      { release: V130, values: {} },
      'rollback.yml',
    );
    expect(updated.trimEnd().split('\n').at(-1)).toBe(
      `      - uses: acme/flow-actions/yank-artifact@${V130.commit} # v1.3.0`,
    );
  });

  it('a new flow-actions repository takes over the pins and the header', () => {
    const written = renderWorkflow(templates.yank as string, settings(LOGINS.password), 'yank.yml');
    const moved = { ...V130, repository: 'acme-platform/ci-flow' };
    const updated = updateWorkflow(
      written,
      templates.yank as string,
      { release: moved, values: {} },
      'yank.yml',
    );
    expect(headerRepository(updated)).toBe('acme-platform/ci-flow');
    expect(updated).not.toContain('acme/flow-actions');
    expect(updated).toContain(`uses: acme-platform/ci-flow/yank-artifact@${V130.commit} # v1.3.0`);
  });

  it('refuses a file flow init did not write', () => {
    expect(headerRepository(templates.main as string)).toBeUndefined();
    expect(() =>
      updateWorkflow(
        templates.main as string,
        templates.main as string,
        settings(LOGINS.password),
        'main.yml',
      ),
    ).toThrow('main.yml has no flow init header');
  });

  it('a file that is no longer YAML is refused with its line and column', () => {
    const written = renderWorkflow(templates.rollback as string, settings(LOGINS.password), 'rollback.yml');
    const broken = written.replace('    runs-on: ubuntu-latest\n', '    runs-on: [ubuntu-latest\n');
    let error: unknown;
    try {
      updateWorkflow(
        broken,
        templates.rollback as string,
        { release: V130, values: {} },
        '.github/workflows/rollback.yml',
      );
    } catch (caught) {
      error = caught;
    }
    expect(isConfigurationError(error)).toBe(true);
    expect((error as Error).message).toMatch(
      /^\.github\/workflows\/rollback\.yml:\d+:\d+ is not valid YAML \(.*\); fix the file first\.$/,
    );
  });
});

describe('readWorkflow: what a re-run reads back', () => {
  it.each(names.flatMap((name) => kinds.map((kind) => [name, kind] as const)))(
    '%s.yml (%s): the release, the values, the branch and the login it was written with',
    (name, kind) => {
      const template = templates[name] as string;
      const state = readWorkflow(
        renderWorkflow(template, settings(LOGINS[kind]), `${name}.yml`),
        `${name}.yml`,
      );
      // Each value marked CHANGE: the one given (settings), else the template's own (propose.yml's
      // product values have no flag: --set names them).
      const env = (parse(template) as Workflow).env ?? {};
      const marked = changeValueNames(template, `${name}.yml`);
      expect(state).toEqual({
        repository: 'acme/flow-actions',
        versions: ['v1.2.0'],
        values: Object.fromEntries(
          marked.map((key) => [key, key in VALUES ? VALUES[key as keyof typeof VALUES] : env[key]]),
        ),
        ...(name === 'main' ? { defaultBranch: 'trunk' } : {}),
        ...(jobsThatLogIn(template).length > 0 ? { login: LOGINS[kind] } : {}),
      });
    },
  );

  it('a file without the header is not flow init’s', () => {
    expect(readWorkflow(templates.main as string, 'main.yml')).toBeUndefined();
    expect(
      readWorkflow(
        `# copied\n${renderWorkflow(templates.main as string, settings(LOGINS.password), 'main.yml')}`,
        'x',
      ),
    ).toBeUndefined();
  });
});
