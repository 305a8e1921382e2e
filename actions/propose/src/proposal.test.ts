import type { HistoryCommit } from '@flow-actions/release/history';
import { describe, expect, it } from 'vitest';
import {
  assessChange,
  currentPin,
  pinnedPast,
  plannedLabels,
  proposalBody,
  proposalMarker,
  proposalTitle,
  readMarker,
} from './proposal';

const change = (from: string | undefined, field = 'images[ghcr.io/acme/api].newTag') => ({
  file: 'deploy/prod/kustomization.yaml',
  field,
  ...(from === undefined ? {} : { from }),
  to: 'v1.5.0',
});
const commit = (sha: string, subject: string, body = ''): HistoryCommit => ({
  sha: sha.repeat(40).slice(0, 40),
  parents: [],
  subject,
  body,
  author: { name: 'Ada' },
  paths: [],
});
const SIZES = (change: { lines: number; files: number }) =>
  change.lines > 250 ? 'L' : change.lines > 50 ? 'M' : 'S';
const assess = (options: Partial<Parameters<typeof assessChange>[0]>) =>
  assessChange({
    version: 'v1.5.0',
    sizeOf: SIZES,
    isNonFunctional: (path) => path.endsWith('.md'),
    ...options,
  });

describe('currentPin: the version the product pins, from the value the edit replaces', () => {
  it.each([
    ['v1.4.0', 'v1.4.0'],
    ['1.4.0', 'v1.4.0'],
    [`v1.4.0@sha256:${'a'.repeat(64)}`, 'v1.4.0'],
    ['ghcr.io/acme/api:v1.4.0', 'v1.4.0'],
    [`registry.local:5000/acme/api:1.4.0@sha256:${'b'.repeat(64)}`, 'v1.4.0'],
  ])('%s → %s', (from, tag) => {
    expect(currentPin([change(from)])?.tag).toBe(tag);
  });
  it.each([['1a2b3c4'], ['v1.4'], ['v1.4.0-rc.1'], [`sha256:${'a'.repeat(64)}`], [undefined]])(
    '%s is no version',
    (from) => {
      expect(currentPin([change(from)])).toBeUndefined();
    },
  );
  it('a newer pin is past the proposal; the same one is not', () => {
    expect(pinnedPast(currentPin([change('v1.6.0')]), 'v1.5.0')).toBe(true);
    expect(pinnedPast(currentPin([change('v1.5.0')]), 'v1.5.0')).toBe(false);
    expect(pinnedPast(currentPin([change('v1.4.9')]), 'v1.5.0')).toBe(false);
    expect(pinnedPast(undefined, 'v1.5.0')).toBe(false);
  });
});

describe('assessChange', () => {
  const diff = { lines: 120, files: 3, paths: ['src/a.ts', 'README.md'] };
  it.each([
    [[commit('a', 'feat!: drop v1 routes')], 'major'],
    [[commit('a', 'refactor: x', 'BREAKING CHANGE: the config moved')], 'major'],
    [[commit('a', 'fix: a'), commit('b', 'feat(api): b')], 'minor'],
    [[commit('a', 'fix: a'), commit('b', 'docs: b')], 'patch'],
    [[commit('a', 'perf: faster')], 'patch'],
    [[commit('a', 'chore: deps'), commit('b', 'docs: b')], 'none'],
  ])('%# the commits decide: %s', (commits, impact) => {
    expect(assess({ commits, diff }).impact).toBe(impact);
  });
  it('names the commit that decided, with the size and functional from the diff', () => {
    expect(assess({ commits: [commit('c', 'feat!: drop v1')], diff })).toEqual({
      impact: 'major',
      impactFrom: 'ccccccc feat!: drop v1',
      size: { size: 'M', lines: 120, files: 3 },
      functional: true,
    });
  });
  it('docs only, no declared change: not functional', () => {
    expect(
      assess({ commits: [commit('a', 'docs: x')], diff: { lines: 4, files: 1, paths: ['README.md'] } }),
    ).toMatchObject({ impact: 'none', functional: false, size: { size: 'S' } });
  });
  it('without the commits, the version numbers decide and the size is unknown', () => {
    const from = currentPin([change('v1.4.0')]);
    expect(assess({ ...(from ? { from } : {}), version: 'v2.0.0' })).toEqual({
      impact: 'major',
      impactFrom: 'the versions v1.4.0 → v2.0.0 (the commits between them are unknown)',
    });
    expect(assess({}).impact).toBe('minor');
  });
});

describe('plannedLabels', () => {
  const assessment = {
    impact: 'major',
    impactFrom: 'x',
    size: { size: 'L', lines: 300, files: 9 },
    functional: true,
  } as const;
  it('the labels the product’s risk policy reads, and propose’s own', () => {
    expect(
      plannedLabels([], { assessment, toggles: ['new-cart'], coverage: 90, hotfixTo: 'v1.4.0' }).labels,
    ).toEqual([
      'semver:major',
      'change-size:L',
      'functional',
      'toggle:new-cart',
      'ft-coverage:90',
      'hotfix-to/v1.4.0',
    ]);
  });
  it('replaces its own stale labels and leaves everyone else’s', () => {
    const plan = plannedLabels(['semver:minor', 'change-size:L', 'functional', 'needs-qa', 'risk:medium'], {
      assessment: { ...assessment, impact: 'patch', functional: false },
      toggles: [],
    });
    expect(plan).toEqual({
      labels: ['semver:patch', 'change-size:L', 'non-functional'],
      add: ['semver:patch', 'non-functional'],
      remove: ['semver:minor', 'functional'],
    });
  });
  it('no impact: no semver label', () => {
    expect(plannedLabels([], { assessment: { impact: 'none', impactFrom: '' }, toggles: [] }).labels).toEqual(
      [],
    );
  });
});

describe('title and body', () => {
  it.each([
    ['major', 'feat(api)!: bump api to v2.0.0'],
    ['minor', 'feat(api): bump api to v2.0.0'],
    ['patch', 'fix(api): bump api to v2.0.0'],
    ['none', 'chore(api): bump api to v2.0.0'],
  ] as const)('a %s change is a Conventional Commit: %s', (impact, title) => {
    expect(proposalTitle('api', 'v2.0.0', impact)).toBe(title);
  });

  it('carries the marker, the digest with its link, the changelog, and commit text as plain text', () => {
    const body = proposalBody({
      component: 'api',
      version: 'v1.5.0',
      base: 'main',
      paths: ['deploy/prod'],
      image: 'ghcr.io/acme/api',
      digest: `sha256:${'d'.repeat(64)}`,
      artifactUrl: 'https://github.com/acme/api/releases/tag/v1.5.0',
      from: currentPin([change('v1.4.0')]),
      commits: [
        commit('e', 'feat: <img src=x onerror=alert(1)> **bold** (#12)'),
        commit('f', 'fix: a crash'),
      ],
      assessment: {
        impact: 'minor',
        impactFrom: 'eeeeeee feat: <img>',
        size: { size: 'S', lines: 10, files: 2 },
        functional: true,
      },
      changes: [change('v1.4.0')],
      componentUrl: 'https://github.com/acme/api',
    });
    expect(body.split('\n')[0]).toBe(proposalMarker('api', 'v1.5.0'));
    expect(readMarker(body)).toEqual({ component: 'api', version: 'v1.5.0' });
    expect(body).toContain(
      `| artifact | [\`ghcr.io/acme/api@sha256:${'d'.repeat(64)}\`](https://github.com/acme/api/releases/tag/v1.5.0) |`,
    );
    expect(body).toContain('Bumps **api** from v1.4.0 to **v1.5.0** on main.');
    expect(body).toContain('### Features');
    expect(body).toContain('([#12](https://github.com/acme/api/pull/12))');
    expect(body).not.toContain('<img');
    expect(body).toContain('| semver impact | minor (eeeeeee feat&#58; &#60;img&#62;) |');
    expect(body).toContain(
      '- deploy/prod/kustomization.yaml: images&#91;ghcr.io/acme/api&#93;.newTag v1.4.0 → v1.5.0',
    );
  });
});

describe('readMarker', () => {
  it('reads the component and version of propose’s marker, and nothing else', () => {
    expect(readMarker(`text\n${proposalMarker('web.ui', 'v10.0.1')}\n`)).toEqual({
      component: 'web.ui',
      version: 'v10.0.1',
    });
    expect(readMarker('<!-- flow-actions/propose component=api -->')).toBeUndefined();
    expect(readMarker('<!-- flow-actions/propose component=api version=v1.5 -->')).toBeUndefined();
    expect(readMarker('bump api')).toBeUndefined();
  });
});
