import { describe, expect, it } from 'vitest';
import {
  DEFAULT_NON_FUNCTIONAL_PATHS,
  type Policy,
  type PolicyInputs,
  parsePolicy,
  parseRiskSettings,
} from './policy';

const PATH = '.github/flow-merge-gate.yml';
const inputs = (extra: Partial<PolicyInputs> = {}): PolicyInputs => ({ checkName: 'Merge gate', ...extra });
const fromFile = (text: string, extra: Partial<PolicyInputs> = {}) =>
  parsePolicy({ file: { path: PATH, text }, inputs: inputs(extra) });

const FULL = `
expression: ci && (cd || review)
ci:
  checks: [build, 'test ({toggle})']
  allowed-to-skip: [build]
cd:
  checks: [smoke]
  environments: ['pr-{number}']
review:
  approvals: 2
  allowed-bots: ['renovate[bot]']
  codeowners: true
  keep-approvals-on-base-merge: false
risk:
  low: { auto-merge: true }
  medium: { checks: ['smoke ({toggle})'], auto-merge: false }
  high: { team: '@Acme/Release-Managers', approvals: 2 }
trusted-label-actors: [alice, '@release-bot[bot]']
components:
  payments: { paths: ['services/payments/**'], size: XL }
  site: { paths: [site/**, '*.css'], size: S }
default-component-size: L
change-size:
  lines: [10, 100, 500]
  files: [2, 10, 30]
non-functional-paths: ['docs/**']
toggles:
  file: config/toggles.yml
  min-coverage: 90
`;

describe('parsePolicy', () => {
  it('reads every key of the file', () => {
    const policy = fromFile(FULL);
    expect(policy).toEqual({
      checkName: 'Merge gate',
      expression: {
        kind: 'and',
        operands: [
          { kind: 'leg', leg: 'ci' },
          {
            kind: 'or',
            operands: [
              { kind: 'leg', leg: 'cd' },
              { kind: 'leg', leg: 'review' },
            ],
          },
        ],
      },
      ci: { checks: ['build', 'test ({toggle})'], allowedToSkip: ['build'] },
      cd: { checks: ['smoke'], allowedToSkip: [], environments: ['pr-{number}'] },
      review: {
        approvals: 2,
        allowedBots: ['renovate[bot]'],
        codeowners: true,
        keepApprovalsOnBaseMerge: false,
      },
      risk: {
        requirements: {
          low: { autoMerge: true },
          medium: { checks: ['smoke ({toggle})'], autoMerge: false },
          high: { team: 'acme/release-managers', approvals: 2 },
        },
        components: [
          { name: 'payments', paths: ['services/payments/**'], size: 'XL' },
          { name: 'site', paths: ['site/**', '*.css'], size: 'S' },
        ],
        defaultComponentSize: 'L',
        changeSize: { lines: [10, 100, 500], files: [2, 10, 30] },
        nonFunctionalPaths: ['docs/**'],
        toggles: { file: 'config/toggles.yml', minCoverage: 90 },
      },
      trustedLabelActors: ['alice', 'release-bot[bot]'],
      file: PATH,
    } satisfies Policy);
  });

  it('takes the policy from inputs alone, with the defaults', () => {
    const policy = parsePolicy({
      inputs: inputs({ ciChecks: ['build', ' test ', 'build'], cdEnvironments: ['pr-{number}'] }),
    });
    expect(policy).toEqual({
      checkName: 'Merge gate',
      expression: expect.objectContaining({ kind: 'and' }),
      ci: { checks: ['build', 'test'], allowedToSkip: [] },
      cd: { checks: [], allowedToSkip: [], environments: ['pr-{number}'] },
      review: { approvals: 1, allowedBots: [], codeowners: false, keepApprovalsOnBaseMerge: true },
      risk: {
        components: [],
        defaultComponentSize: 'M',
        changeSize: { lines: [50, 250, 1000], files: [5, 20, 50] },
        nonFunctionalPaths: DEFAULT_NON_FUNCTIONAL_PATHS,
        toggles: { minCoverage: 80 },
      },
      trustedLabelActors: [],
    });
  });

  it('mixes the file and inputs, each setting from one of them', () => {
    const policy = fromFile('ci:\n  allowed-to-skip: [lint]\n', {
      ciChecks: ['lint', 'test'],
      cdChecks: ['smoke'],
      approvals: 3,
    });
    expect(policy.ci).toEqual({ checks: ['lint', 'test'], allowedToSkip: ['lint'] });
    expect(policy.review.approvals).toBe(3);
  });

  it('an empty or comment-only file is no policy of its own', () => {
    for (const text of ['', '# nothing yet\n'])
      expect(fromFile(text, { ciChecks: ['ci'], cdChecks: ['smoke'] }).ci.checks).toEqual(['ci']);
  });

  it('an expression without cd needs no cd leg', () => {
    expect(parsePolicy({ inputs: inputs({ expression: 'ci && review', ciChecks: ['ci'] }) }).cd).toEqual({
      checks: [],
      allowedToSkip: [],
      environments: [],
    });
  });
});

describe('parsePolicy refusals: one line naming the key or input, the cause and the fix', () => {
  it.each([
    [
      'a typo at the top',
      'reviews:\n  approvals: 1\n',
      `${PATH}: unknown key "reviews" at the top level: did you mean "review"? (known keys: expression, ci, cd, review, risk, trusted-label-actors, components, default-component-size, change-size, non-functional-paths, toggles).`,
    ],
    [
      'a typo in a section',
      'review:\n  aprovals: 1\n',
      `${PATH}: unknown key "aprovals" in review: did you mean "approvals"? (known keys: approvals, allowed-bots, codeowners, keep-approvals-on-base-merge).`,
    ],
    [
      'snake case',
      'ci:\n  checks: [a]\n  allowed_to_skip: [a]\n',
      `${PATH}: unknown key "allowed_to_skip" in ci: did you mean "allowed-to-skip"? (known keys: checks, allowed-to-skip).`,
    ],
    [
      'a risk level typo',
      'risk:\n  hihg: { team: a/b }\n',
      `${PATH}: unknown key "hihg" in risk: did you mean "high"? (known keys: low, medium, high).`,
    ],
    [
      'a key nothing is close to',
      'deploy-on-friday: true\n',
      `${PATH}: unknown key "deploy-on-friday" at the top level: remove it or correct its name (known keys: expression, ci, cd, review, risk, trusted-label-actors, components, default-component-size, change-size, non-functional-paths, toggles).`,
    ],
    [
      '__proto__ is a key like any other',
      '__proto__: { ci: 1 }\n',
      `${PATH}: unknown key "__proto__" at the top level: remove it or correct its name (known keys: expression, ci, cd, review, risk, trusted-label-actors, components, default-component-size, change-size, non-functional-paths, toggles).`,
    ],
    [
      'a bad expression',
      'expression: ci && constructor\n',
      `${PATH}: expression "ci && constructor" names "constructor" at column 7, which is not a leg: write ci, cd and review combined with &&, ||, ! and parentheses, e.g. ci && (cd || review).`,
    ],
    [
      'an expression that is not a string',
      'expression: [ci, cd]\n',
      `${PATH}: expression must be a non-empty string, got a list: write e.g. ci && (cd || review).`,
    ],
    [
      'approvals as a word',
      'review:\n  approvals: two\n',
      `${PATH}: review.approvals must be a whole number from 1 to 20, got "two": write e.g. approvals: 1.`,
    ],
    [
      'no approvals',
      'review:\n  approvals: 0\n',
      `${PATH}: review.approvals must be a whole number from 1 to 20, got 0: write e.g. approvals: 1.`,
    ],
    [
      'a YAML 1.1 boolean',
      'review:\n  codeowners: yes\n',
      `${PATH}: review.codeowners must be true or false, got "yes": write true or false (YAML 1.2: yes, no, on and off are strings).`,
    ],
    [
      'a section that is a list',
      'ci: [build]\n',
      `${PATH}: ci must be a mapping, got a list: write its keys under it (checks, allowed-to-skip).`,
    ],
    [
      'checks that are a number',
      'ci:\n  checks: 5\n',
      `${PATH}: ci.checks must be a list of strings, got 5: write e.g. [build, test].`,
    ],
    [
      'an empty check name',
      "ci:\n  checks: [build, '']\n",
      `${PATH}: ci.checks[1] must be a non-empty string, got "": write e.g. [build, test].`,
    ],
    [
      'a component size that does not exist',
      'components:\n  payments: { paths: [pay/**], size: XXL }\n',
      `${PATH}: components.payments.size must be one of S, M, L, XL, got "XXL": did you mean XL?`,
    ],
    [
      'a component without paths',
      'components:\n  payments: { size: L }\n',
      `${PATH}: components.payments.paths is missing: write e.g. payments: { paths: [services/payments/**], size: L }.`,
    ],
    [
      'change sizes that do not grow',
      'change-size:\n  lines: [100, 50, 200]\n',
      `${PATH}: change-size.lines is [100, 50, 200], not growing: write e.g. lines: [50, 250, 1000] (the largest S, M and L).`,
    ],
    [
      'a high risk that would auto-merge',
      'risk:\n  high: { team: acme/leads, auto-merge: true }\n',
      `${PATH}: risk.high.auto-merge is set: a high-risk change never merges by itself; remove the key.`,
    ],
    [
      'a high risk without its team',
      'risk:\n  low: { auto-merge: true }\n',
      `${PATH}: risk.high.team is missing: name the team whose approval a high-risk change needs, e.g. team: acme/release-managers.`,
    ],
    [
      'a team that is a login',
      'risk:\n  high: { team: alice }\n',
      `${PATH}: risk.high.team is "alice", not a team: write org/team-slug, e.g. acme/release-managers.`,
    ],
    [
      'a duplicate key',
      'ci:\n  checks: [a]\nci:\n  checks: [b]\n',
      `${PATH}: line 3, column 1: Map keys must be unique: fix the YAML there.`,
    ],
    [
      'broken YAML',
      'ci:\n  checks: [a,\n',
      `${PATH}: line 3, column 1: Flow sequence in block collection must be sufficiently indented and end with a ]: fix the YAML there.`,
    ],
    [
      'a list at the top',
      '- ci\n',
      `${PATH}: the file must be a mapping, got a list: write its keys under it (expression, ci, cd, review, risk, trusted-label-actors, components, default-component-size, change-size, non-functional-paths, toggles).`,
    ],
    [
      'a placeholder unquoted in a flow list',
      'ci:\n  checks: [test ({toggle})]\n',
      `${PATH}: line 2, column 18: Missing , or : between flow sequence items: fix the YAML there (inside [ ], quote a value that has [ ] or { }: ['renovate[bot]', 'test ({toggle})']).`,
    ],
    [
      'an unknown placeholder in a check',
      'ci:\n  checks:\n    - test ({branch})\n',
      `${PATH}: ci.checks has "test ({branch})" with the placeholder {branch}: the placeholders are {toggle} (each leg of the toggle matrix) and {number} (the PR's number).`,
    ],
    [
      'a toggle in an environment',
      "ci:\n  checks: [a]\ncd:\n  environments: ['pr-{toggle}']\n",
      `${PATH}: cd.environments has "pr-{toggle}" with the placeholder {toggle}: an environment may use only {number}, the PR's number (e.g. pr-{number}).`,
    ],
    [
      "the gate's own check",
      'ci:\n  checks: [build, merge gate]\n',
      `${PATH}: ci.checks names "merge gate", the gate's own check: the gate would wait for itself; remove it, or give the gate another input "check-name".`,
    ],
    [
      "the gate's own check among the smoke checks",
      'ci:\n  checks: [a]\nrisk:\n  medium: { checks: [Merge gate] }\n  high: { team: a/b }\n',
      `${PATH}: risk.medium.checks names "Merge gate", the gate's own check: the gate would wait for itself; remove it, or give the gate another input "check-name".`,
    ],
    [
      'a skip allowed for a check nobody expects',
      'ci:\n  checks: [build]\n  allowed-to-skip: [biuld]\n',
      `${PATH}: ci.allowed-to-skip names "biuld", which is not one of the expected checks (build): add it to the checks, or correct the name.`,
    ],
    [
      'a leg the expression reads but nothing configures',
      'ci:\n  checks: [build]\n',
      `The default expression "ci && (cd || review)" reads cd, but no CD checks or environments are named: set cd.checks or cd.environments in ${PATH} (or input "cd-checks" or "cd-environments"), or leave cd out of the expression.`,
    ],
    [
      'a team where a login belongs',
      'ci:\n  checks: [a]\ncd:\n  checks: [b]\ntrusted-label-actors: [acme/leads]\n',
      `${PATH}: trusted-label-actors has "acme/leads", which is not a GitHub login: write logins such as alice or renovate[bot] (teams are not read here).`,
    ],
  ])('%s', (_, text, message) => {
    expect(() => fromFile(text)).toThrow(message);
    try {
      fromFile(text);
    } catch (error) {
      expect((error as Error).name).toBe('ConfigurationError');
      expect((error as Error).message).not.toContain('\n');
    }
  });

  it.each([
    [
      'a setting given twice',
      { ciChecks: ['build'] },
      'ci:\n  checks: [test]\n',
      `Input "ci-checks" and ci.checks in ${PATH} are both set: keep one of them (the file is read from the base branch, so a PR cannot change it).`,
    ],
    [
      'an expression input that reads an empty leg',
      { expression: 'ci && cd', ciChecks: ['build'] },
      undefined,
      'Input "expression" "ci && cd" reads cd, but no CD checks or environments are named: set input "cd-checks" or "cd-environments" (or cd.checks or cd.environments in .github/flow-merge-gate.yml), or leave cd out of the expression.',
    ],
    [
      'no policy at all',
      {},
      undefined,
      'The default expression "ci && (cd || review)" reads ci, but no CI checks are named: set input "ci-checks" (or ci.checks in .github/flow-merge-gate.yml), or leave ci out of the expression.',
    ],
    [
      'an expression input with an unknown name',
      { expression: 'ci && deploy', ciChecks: ['a'] },
      undefined,
      'Input "expression" "ci && deploy" names "deploy" at column 7, which is not a leg: write ci, cd and review combined with &&, ||, ! and parentheses, e.g. ci && (cd || review).',
    ],
    [
      "the gate's own check as an input",
      { ciChecks: ['Merge gate'] },
      undefined,
      'Input "ci-checks" names "Merge gate", the gate\'s own check: the gate would wait for itself; remove it, or give the gate another input "check-name".',
    ],
    [
      'a bot login with a stray character',
      { ciChecks: ['a'], cdChecks: ['b'], allowedBots: ['renovate bot'] },
      undefined,
      'Input "allowed-bots" has "renovate bot", which is not a GitHub login: write logins such as alice or renovate[bot] (teams are not read here).',
    ],
    [
      'an empty check name',
      { checkName: '  ', ciChecks: ['a'] },
      undefined,
      'Input "check-name" is empty: name the gate\'s check, e.g. Merge gate.',
    ],
  ])('%s', (_, extra, text, message) => {
    const read = () =>
      parsePolicy({ ...(text === undefined ? {} : { file: { path: PATH, text } }), inputs: inputs(extra) });
    expect(read).toThrow(message);
  });
});

describe('parseRiskSettings: what propose sizes a change by', () => {
  it('reads the risk keys of a file whose legs are not complete, and the defaults without one', () => {
    const risk = parseRiskSettings({
      path: '.github/flow-merge-gate.yml',
      text: 'ci: { checks: [test] }\nchange-size: { lines: [10, 40, 200] }\nnon-functional-paths: [docs/**]\n',
    });
    expect(risk.changeSize).toEqual({ lines: [10, 40, 200], files: [5, 20, 50] });
    expect(risk.nonFunctionalPaths).toEqual(['docs/**']);
    expect(parseRiskSettings().changeSize).toEqual({ lines: [50, 250, 1000], files: [5, 20, 50] });
  });
  it('refuses an unknown key as the gate does', () => {
    expect(() => parseRiskSettings({ path: 'p.yml', text: 'change-sise: {}\n' })).toThrow(/change-size/);
  });
});
