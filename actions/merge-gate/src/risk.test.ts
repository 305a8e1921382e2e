import { describe, expect, it } from 'vitest';
import { commitImpacts } from './commits';
import { readTrustedLabels } from './labels';
import { parsePolicy } from './policy';
import { classifyRisk, type RiskInput } from './risk';
import type { ChangedFile, SnapshotLabel } from './snapshot';

const policy = parsePolicy({
  file: {
    path: '.github/flow-merge-gate.yml',
    text: `
ci: { checks: [build] }
cd: { checks: [smoke] }
trusted-label-actors: [lead, 'propose-bot[bot]']
components:
  payments: { paths: ['services/payments/**'], size: XL }
  core: { paths: ['services/core/**'], size: L }
  site: { paths: ['site/**'], size: S }
toggles: { file: config/toggles.yml, min-coverage: 80 }
`,
  },
  inputs: { checkName: 'Merge gate' },
});

const file = (path: string, lines = 10, previousPath?: string): ChangedFile => ({
  path,
  additions: lines,
  deletions: 0,
  ...(previousPath ? { previousPath } : {}),
});
const many = (count: number, prefix: string, lines = 1) =>
  Array.from({ length: count }, (_, index) => file(`${prefix}/f${index}.ts`, lines));
const commit = (message: string, sha = 'a'.repeat(40)) => ({ sha, message });
const label = (name: string, addedBy?: string): SnapshotLabel => ({ name, ...(addedBy ? { addedBy } : {}) });

const classify = (input: Partial<RiskInput>) =>
  classifyRisk({ files: [], commits: [commit('fix: a bug')], labels: [], ...input }, policy);

describe('classifyRisk over a table of changes', () => {
  it.each([
    [
      'docs only',
      [file('README.md'), file('docs/guide.md')],
      [commit('docs: explain')],
      [],
      'low',
      'S',
      false,
    ],
    [
      'a huge docs change is still low',
      many(60, 'docs', 100),
      [commit('docs: rewrite')],
      [],
      'low',
      'XL',
      false,
    ],
    [
      'tests only',
      [file('test/a.test.ts'), file('src/b.spec.ts')],
      [commit('test: cover')],
      [],
      'low',
      'S',
      false,
    ],
    ['a small fix in an S component', [file('site/index.ts')], [commit('fix: typo')], [], 'low', 'S', true],
    [
      'a small fix outside any component (M by default)',
      [file('lib/x.ts')],
      [commit('fix: x')],
      [],
      'low',
      'S',
      true,
    ],
    [
      'a small fix in an XL component',
      [file('services/payments/charge.ts')],
      [commit('fix: rounding')],
      [],
      'medium',
      'S',
      true,
    ],
    [
      'an M change in an L component',
      [file('services/core/a.ts', 100)],
      [commit('fix: x')],
      [],
      'medium',
      'M',
      true,
    ],
    [
      'an L change in an L component',
      [file('services/core/a.ts', 600)],
      [commit('fix: x')],
      [],
      'high',
      'L',
      true,
    ],
    ['many files make a large change', many(60, 'site'), [commit('fix: x')], [], 'medium', 'XL', true],
    [
      'a feature is at least medium',
      [file('site/new.ts')],
      [commit('feat(site): a banner')],
      [],
      'medium',
      'S',
      true,
    ],
    [
      'a break is high, however small',
      [file('site/api.ts', 1)],
      [commit('fix(api)!: drop v1')],
      [],
      'high',
      'S',
      true,
    ],
    [
      'a BREAKING CHANGE footer is high',
      [file('site/api.ts', 1)],
      [commit('refactor: rename\n\nBREAKING CHANGE: the config key moved')],
      [],
      'high',
      'S',
      true,
    ],
    [
      'a feat commit makes a docs change functional',
      [file('docs/a.md')],
      [commit('feat: describe it')],
      [],
      'medium',
      'S',
      true,
    ],
    [
      'a rename out of a component touches it',
      [file('site/moved.ts', 2, 'services/payments/moved.ts')],
      [commit('chore: move')],
      [],
      'medium',
      'S',
      true,
    ],
    [
      'a trusted semver:major label raises it',
      [file('site/a.ts')],
      [commit('chore: bump')],
      [label('semver:major', 'propose-bot[bot]')],
      'high',
      'S',
      true,
    ],
    [
      'an untrusted semver:major label changes nothing',
      [file('site/a.ts')],
      [commit('fix: a')],
      [label('semver:major', 'mallory')],
      'low',
      'S',
      true,
    ],
    [
      'a trusted semver:patch label never lowers a feature',
      [file('site/a.ts')],
      [commit('feat: a')],
      [label('semver:patch', 'lead')],
      'medium',
      'S',
      true,
    ],
    [
      'a trusted change-size:XL label (propose: the component diff behind a one-line bump) raises it',
      [file('deploy/api.yaml', 2)],
      [commit('fix(api): bump api to v1.4.1')],
      [label('change-size:XL', 'propose-bot[bot]')],
      'high',
      'XL',
      true,
    ],
    [
      'an untrusted change-size:XL label changes nothing',
      [file('deploy/api.yaml', 2)],
      [commit('fix(api): bump api to v1.4.1')],
      [label('change-size:XL', 'mallory')],
      'low',
      'S',
      true,
    ],
    [
      'a trusted change-size:S label never lowers what the diff shows',
      [file('services/core/a.ts', 600)],
      [commit('fix: x')],
      [label('change-size:S', 'lead')],
      'high',
      'L',
      true,
    ],
    [
      'a risk:low label changes nothing, even from a trusted actor: risk labels are outputs',
      [file('services/core/a.ts', 600)],
      [commit('fix: x')],
      [label('risk:low', 'lead')],
      'high',
      'L',
      true,
    ],
  ] as const)('%s → %s', (_, files, commits, labels, level, changeSize, functional) => {
    const risk = classify({ files, commits, labels });
    expect([risk.level, risk.changeSize, risk.functional]).toEqual([level, changeSize, functional]);
    expect(risk.reasons.at(-1)).toMatch(new RegExp(`${level}$`));
  });

  it('counts every file it is given, all pages: 300 files', () => {
    const risk = classify({ files: many(300, 'services/core', 2) });
    expect(risk).toMatchObject({
      files: 300,
      lines: 600,
      changeSize: 'XL',
      componentSize: 'L',
      level: 'high',
    });
  });

  it('shows the inputs: lines, files, components touched largest first, the commit that set the impact', () => {
    const risk = classify({
      files: [
        file('site/a.ts', 30),
        file('services/payments/b.ts', 5),
        file('lib/c.ts', 5),
        file('README.md', 40),
      ],
      commits: [commit('docs: x', '1'.repeat(40)), commit('feat(pay): instalments', '2'.repeat(40))],
    });
    expect(risk).toMatchObject({
      lines: 80,
      additions: 80,
      deletions: 0,
      files: 4,
      functionalFiles: 3,
      changeSize: 'M',
      componentSize: 'XL',
      components: [
        { name: 'payments', size: 'XL', files: 1 },
        { name: '(no component)', size: 'M', files: 1 },
        { name: 'site', size: 'S', files: 1 },
      ],
      semver: { impact: 'minor', from: '2222222 feat(pay): instalments' },
      level: 'high',
      reasons: ['XL component + M change → high'],
    });
  });

  it('sets risk and size labels, and removes stale ones whoever added them', () => {
    const risk = classify({
      files: [file('site/a.ts')],
      labels: [
        label('risk:high', 'github-actions[bot]'),
        label('size:S', 'github-actions[bot]'),
        label('bug', 'alice'),
      ],
    });
    expect(risk.labels).toEqual({ labels: ['risk:low', 'size:S'], add: ['risk:low'], remove: ['risk:high'] });
  });
});

describe('feature toggles and coverage', () => {
  const toggledChange = { files: [file('services/core/a.ts', 100)], commits: [commit('fix: x')] };

  it('a change behind a toggle with enough trusted coverage drops one level', () => {
    const risk = classify({
      ...toggledChange,
      labels: [label('toggle:new-cart', 'lead'), label('ft-coverage:90', 'lead')],
    });
    expect(risk.level).toBe('low');
    expect(risk.reasons).toEqual([
      'L component + M change → medium',
      'behind new-cart with 90% toggle coverage (label ft-coverage:90 by @lead), at least 80% → one level lower, low',
    ]);
    expect(risk.matrix).toEqual({ toggle: ['new-cart-on', 'new-cart-off'] });
  });

  it.each([
    ['coverage below the minimum', [label('toggle:new-cart', 'lead'), label('ft-coverage:79', 'lead')]],
    ['coverage without a toggle', [label('ft-coverage:100', 'lead')]],
    [
      'coverage claimed by someone untrusted',
      [label('toggle:new-cart', 'lead'), label('ft-coverage:100', 'mallory')],
    ],
  ])('%s leaves the level', (_, labels) => {
    expect(classify({ ...toggledChange, labels }).level).toBe('medium');
  });

  it('the lowest coverage claimed counts, from a label or the caller’s trusted report', () => {
    const risk = classify({
      ...toggledChange,
      labels: [label('toggle:new-cart', 'lead'), label('ft-coverage:95', 'lead')],
      coverage: { percent: 60, source: 'coverage report of run 77' },
    });
    expect(risk.coverage).toEqual({ percent: 60, source: 'coverage report of run 77' });
    expect(risk.level).toBe('medium');
  });

  it('a breaking change stays high behind a toggle', () => {
    const risk = classify({
      files: [file('site/a.ts')],
      commits: [commit('feat!: new checkout')],
      labels: [label('toggle:new-checkout', 'lead'), label('ft-coverage:100', 'lead')],
    });
    expect(risk.level).toBe('high');
  });

  it('toggles from the toggles file the PR changes', () => {
    const risk = classify({
      files: [file('config/toggles.yml', 2), file('site/a.ts')],
      togglesFile: {
        path: 'config/toggles.yml',
        base: 'old-banner: { default: on }\n',
        head: 'old-banner: { default: on }\nnew-cart: { default: off }\n',
      },
    });
    expect(risk.toggles).toEqual([{ name: 'new-cart', source: 'config/toggles.yml adds it' }]);
    expect(risk.matrix).toEqual({ toggle: ['new-cart-on', 'new-cart-off'] });
  });
});

describe('readTrustedLabels: hostile and odd labels', () => {
  it.each([
    [
      label('toggle:<img src=x onerror=alert(1)>', 'lead'),
      'not a toggle name (letters, digits, ".", "_", "-")',
    ],
    [label('toggle:a|b', 'lead'), 'not a toggle name (letters, digits, ".", "_", "-")'],
    [label('toggle:', 'lead'), 'not a toggle name (letters, digits, ".", "_", "-")'],
    [label('ft-coverage:1000', 'lead'), 'not a percentage from 0 to 100'],
    [label('ft-coverage:-5', 'lead'), 'not a percentage from 0 to 100'],
    [label('ft-coverage:0x50', 'lead'), 'not a percentage from 0 to 100'],
    [label('semver:huge', 'lead'), 'not major, minor or patch'],
    [label('toggle:new-ui', 'Mallory'), 'added by @Mallory, not a trusted label actor'],
    [label('toggle:new-ui'), 'added by an unknown actor, not a trusted label actor'],
  ])('%j is ignored: %s', (given, reason) => {
    const read = readTrustedLabels([given], ['lead']);
    expect(read.ignored).toEqual([{ label: given.name, reason }]);
    expect(read.toggles).toEqual([]);
  });

  it('reads prefixes in any case, logins without case, and percent signs', () => {
    const read = readTrustedLabels(
      [label('Toggle:New-UI', 'LEAD'), label('FT-Coverage:85%', 'lead'), label('SEMVER:Minor', 'lead')],
      ['lead'],
    );
    expect(read.toggles).toEqual([{ name: 'New-UI', label: 'Toggle:New-UI', addedBy: 'LEAD' }]);
    expect(read.coverage?.percent).toBe(85);
    expect(read.semver?.impact).toBe('minor');
  });

  it('ignores labels of other kinds entirely', () => {
    expect(readTrustedLabels([label('bug', 'mallory'), label('risk:low', 'mallory')], [])).toEqual({
      toggles: [],
      ignored: [],
    });
  });
});

describe('commitImpacts', () => {
  it.each([
    ['feat: a', 'minor'],
    ['feat(ui): a', 'minor'],
    ['fix: a', 'patch'],
    ['perf: a', 'patch'],
    ['Fix: a', 'patch'],
    ['feat!: a', 'major'],
    ['chore(deps)!: drop node 18', 'major'],
    ['fix: a\n\nBREAKING CHANGE: b', 'major'],
    ['fix: a\n\nBREAKING-CHANGE: b', 'major'],
    ['docs: a', 'none'],
    ['chore: a', 'none'],
    ["Merge branch 'main' into feature", 'none'],
    ['feature: not a type', 'none'],
    ['BREAKING CHANGE: in the subject is no footer', 'none'],
  ])('%j → %s', (message, impact) => {
    expect(commitImpacts([{ sha: 'b'.repeat(40), message }])[0]?.impact).toBe(impact);
  });
});
