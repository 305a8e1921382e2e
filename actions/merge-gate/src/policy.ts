import {
  ConfigurationError,
  input,
  inputName,
  joinWordings,
  type WordingPart,
  words,
} from '@flow-actions/action-kit';
import {
  DEFAULT_EXPRESSION,
  type Expression,
  formatExpression,
  type LegName,
  legsOf,
  parseExpression,
} from './expression';
import { YamlValues } from './yaml-values';

/** Where the policy file is read from, on the base branch. */
export const DEFAULT_POLICY_FILE = '.github/flow-merge-gate.yml';
/** The gate's own check run. */
export const DEFAULT_CHECK_NAME = 'Merge gate';

/** Declared component sizes and computed change sizes, smallest first. */
export type Size = 'S' | 'M' | 'L' | 'XL';
export const SIZES: readonly Size[] = ['S', 'M', 'L', 'XL'];

export type RiskLevel = 'low' | 'medium' | 'high';
export const RISK_LEVELS: readonly RiskLevel[] = ['low', 'medium', 'high'];

/** In a check name: one check per leg of the toggle matrix (`test ({toggle})` → `test (new-ui-on)`, …). */
export const TOGGLE_PLACEHOLDER = '{toggle}';
/** In a check name or environment: the PR's number (`pr-{number}` → `pr-12`). */
export const NUMBER_PLACEHOLDER = '{number}';

/** The checks a leg expects by name: check runs or commit statuses on the head commit. */
export interface ChecksPolicy {
  /** Names, possibly with {toggle} and {number}. */
  checks: string[];
  /** Names among `checks` whose `skipped` conclusion counts as green. */
  allowedToSkip: string[];
}

export interface CdPolicy extends ChecksPolicy {
  /** Deployment environments the head commit must be deployed to successfully, possibly with {number}. */
  environments: string[];
}

export interface ReviewPolicy {
  /** Approvals needed, from people other than the author who can push to the repository. */
  approvals: number;
  /** Bot logins whose approval counts; other bots' approvals never do. */
  allowedBots: string[];
  /** Also require, for every changed file with owners, an approval by one of its owners (base CODEOWNERS). */
  codeowners: boolean;
  /** An approval survives pushes that only merge the base branch in, leaving the PR's diff as it was. */
  keepApprovalsOnBaseMerge: boolean;
}

/** What each risk level asks of the gate beyond the expression. */
export interface RiskRequirements {
  low: { autoMerge: boolean };
  /** Smoke checks (names, possibly with {toggle}) green on the head commit. */
  medium: { checks: string[]; autoMerge: boolean };
  /** Approvals by members of `team` (`org/team`); a high-risk change never auto-merges. */
  high: { team: string; approvals: number };
}

export interface Component {
  name: string;
  /** Path patterns: `**` any folders, `*` within a name; a pattern without `/` matches a name at any depth. */
  paths: string[];
  size: Size;
}

export interface RiskPolicy {
  /** Absent: risk is assessed and labelled, but asks nothing of the gate, and nothing auto-merges. */
  requirements?: RiskRequirements;
  components: Component[];
  /** The size of code in no declared component. */
  defaultComponentSize: Size;
  /** Upper bounds of S, M and L; above the last is XL. A change's size is the larger of the two. */
  changeSize: { lines: readonly [number, number, number]; files: readonly [number, number, number] };
  /** Paths that cannot change behaviour: a change only to these is not functional. */
  nonFunctionalPaths: string[];
  toggles: {
    /** A file listing the feature toggles; a PR that adds or changes an entry is tested with it on and off. */
    file?: string;
    /** Toggle coverage (percent) from which a toggled change's risk drops one level. */
    minCoverage: number;
  };
}

export interface Policy {
  /** The gate's own check run: never expected by a leg, so the gate cannot wait for itself. */
  checkName: string;
  expression: Expression;
  ci: ChecksPolicy;
  cd: CdPolicy;
  review: ReviewPolicy;
  risk: RiskPolicy;
  /** Logins whose labels count as inputs (toggle:, ft-coverage:, semver:); everyone else's are ignored. */
  trustedLabelActors: string[];
  /** The file it was read from, when there was one. */
  file?: string;
}

/** The policy's action inputs, as read; undefined or an empty list means not given. */
export interface PolicyInputs {
  checkName: string;
  expression?: string;
  ciChecks?: readonly string[];
  ciAllowedToSkip?: readonly string[];
  cdChecks?: readonly string[];
  cdEnvironments?: readonly string[];
  cdAllowedToSkip?: readonly string[];
  /** 1 to 20, as getInputs reads it. */
  approvals?: number;
  allowedBots?: readonly string[];
  codeowners?: boolean;
  keepApprovalsOnBaseMerge?: boolean;
  trustedLabelActors?: readonly string[];
}

/** Each setting that an input or the file may give: its input name and its key in the file. */
export const POLICY_SETTINGS = {
  expression: { input: 'expression', key: 'expression' },
  ciChecks: { input: 'ci-checks', key: 'ci.checks' },
  ciAllowedToSkip: { input: 'ci-allowed-to-skip', key: 'ci.allowed-to-skip' },
  cdChecks: { input: 'cd-checks', key: 'cd.checks' },
  cdEnvironments: { input: 'cd-environments', key: 'cd.environments' },
  cdAllowedToSkip: { input: 'cd-allowed-to-skip', key: 'cd.allowed-to-skip' },
  approvals: { input: 'approvals', key: 'review.approvals' },
  allowedBots: { input: 'allowed-bots', key: 'review.allowed-bots' },
  codeowners: { input: 'codeowners', key: 'review.codeowners' },
  keepApprovalsOnBaseMerge: {
    input: 'keep-approvals-on-base-merge',
    key: 'review.keep-approvals-on-base-merge',
  },
  trustedLabelActors: { input: 'trusted-label-actors', key: 'trusted-label-actors' },
} as const satisfies Record<Exclude<keyof PolicyInputs, 'checkName'>, { input: string; key: string }>;

type SettingName = keyof typeof POLICY_SETTINGS;
type SettingValue<Name extends SettingName> = NonNullable<PolicyInputs[Name]>;

/** A value and where it came from, for the messages that refuse it. */
interface Given<T> {
  value: T;
  subject: WordingPart;
}

const TOP_KEYS = [
  'expression',
  'ci',
  'cd',
  'review',
  'risk',
  'trusted-label-actors',
  'components',
  'default-component-size',
  'change-size',
  'non-functional-paths',
  'toggles',
] as const;

/** Docs, tests and text that no build ships: the defaults of `non-functional-paths`. */
export const DEFAULT_NON_FUNCTIONAL_PATHS = [
  '*.md',
  '*.mdx',
  '*.rst',
  '**/docs/**',
  '**/test/**',
  '**/tests/**',
  '**/__tests__/**',
  '*.test.*',
  '*.spec.*',
  'LICENSE',
  'LICENSE.*',
];
const DEFAULT_CHANGE_SIZE = { lines: [50, 250, 1000], files: [5, 20, 50] } as const;
const DEFAULT_MIN_COVERAGE = 80;

const LOGIN = /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})(?:\[bot\])?$/;
const TEAM = /^[A-Za-z0-9][A-Za-z0-9-]*\/[A-Za-z0-9][A-Za-z0-9._-]*$/;
const PLACEHOLDER = /\{([^{}]*)\}/g;

/**
 * Builds the one policy the gate and the risk step decide by, from the policy file (read by the
 * caller from the **base** branch, so a PR cannot loosen its own gate) and the action's inputs.
 * A setting may come from either, never both: that would leave a reader guessing which one
 * wins. Every refusal is a ConfigurationError in one line naming the input or the file and key,
 * the cause and the fix; unknown keys are refused with the closest known one.
 */
export function parsePolicy(sources: {
  file?: { path: string; text: string };
  inputs: PolicyInputs;
}): Policy {
  const { inputs } = sources;
  const yaml = sources.file ? new YamlValues(sources.file.path) : undefined;
  const top = yaml
    ? (() => {
        const parsed = yaml.parse(sources.file?.text ?? '');
        return parsed === null ? new Map<string, unknown>() : yaml.mapping(parsed, '', TOP_KEYS);
      })()
    : new Map<string, unknown>();
  const section = (name: string, known: readonly string[]): Map<string, unknown> => {
    const value = top.get(name);
    return value === undefined || !yaml ? new Map() : yaml.mapping(value, name, known);
  };
  const ciFile = section('ci', ['checks', 'allowed-to-skip']);
  const cdFile = section('cd', ['checks', 'environments', 'allowed-to-skip']);
  const reviewFile = section('review', [
    'approvals',
    'allowed-bots',
    'codeowners',
    'keep-approvals-on-base-merge',
  ]);

  const fromFile: { [Name in SettingName]?: () => SettingValue<Name> } = yaml
    ? {
        expression: () => yaml.string(top.get('expression'), 'expression', DEFAULT_EXPRESSION),
        ciChecks: () => yaml.strings(ciFile.get('checks'), 'ci.checks', '[build, test]'),
        ciAllowedToSkip: () => yaml.strings(ciFile.get('allowed-to-skip'), 'ci.allowed-to-skip', '[docs]'),
        cdChecks: () => yaml.strings(cdFile.get('checks'), 'cd.checks', '[smoke]'),
        cdEnvironments: () => yaml.strings(cdFile.get('environments'), 'cd.environments', '[pr-{number}]'),
        cdAllowedToSkip: () => yaml.strings(cdFile.get('allowed-to-skip'), 'cd.allowed-to-skip', '[smoke]'),
        approvals: () => yaml.integer(reviewFile.get('approvals'), 'review.approvals', 1, 20),
        allowedBots: () =>
          yaml.strings(reviewFile.get('allowed-bots'), 'review.allowed-bots', "['renovate[bot]']"),
        codeowners: () => yaml.boolean(reviewFile.get('codeowners'), 'review.codeowners'),
        keepApprovalsOnBaseMerge: () =>
          yaml.boolean(reviewFile.get('keep-approvals-on-base-merge'), 'review.keep-approvals-on-base-merge'),
        trustedLabelActors: () =>
          yaml.strings(
            top.get('trusted-label-actors'),
            'trusted-label-actors',
            "[alice, 'release-bot[bot]']",
          ),
      }
    : {};
  const inFile = (name: SettingName): boolean => {
    const [head, key] = POLICY_SETTINGS[name].key.split('.') as [string, string | undefined];
    if (key === undefined) return top.has(head);
    return { ci: ciFile, cd: cdFile, review: reviewFile }[head]?.has(key) ?? false;
  };

  const given = <Name extends SettingName>(name: Name): Given<SettingValue<Name>> | undefined => {
    const setting = POLICY_SETTINGS[name];
    const raw = inputs[name] as PolicyInputs[Name];
    const fromInput = raw === undefined || (Array.isArray(raw) && raw.length === 0) ? undefined : raw;
    const read = fromFile[name];
    if (read && inFile(name)) {
      if (fromInput !== undefined)
        throw new ConfigurationError(
          words`${input(setting.input)} and ${setting.key} in ${sources.file?.path ?? ''} are both set: keep one of them (the file is read from the base branch, so a PR cannot change it).`,
        );
      return { value: read() as SettingValue<Name>, subject: `${sources.file?.path}: ${setting.key}` };
    }
    return fromInput === undefined
      ? undefined
      : { value: fromInput as SettingValue<Name>, subject: input(setting.input) };
  };

  const checkName = inputs.checkName.trim();
  if (checkName === '')
    throw new ConfigurationError(
      words`${input('check-name')} is empty: name the gate's check, e.g. ${DEFAULT_CHECK_NAME}.`,
    );
  const names = new CheckNames(checkName);

  const expressionGiven = given('expression');
  const expression = parseExpression(
    expressionGiven?.value ?? DEFAULT_EXPRESSION,
    expressionGiven?.subject ?? 'The default expression',
  );

  const ci = names.leg(given('ciChecks'), given('ciAllowedToSkip'));
  const cdChecks = names.leg(given('cdChecks'), given('cdAllowedToSkip'));
  const cd: CdPolicy = { ...cdChecks, environments: environments(given('cdEnvironments')) };

  const review: ReviewPolicy = {
    approvals: given('approvals')?.value ?? 1,
    allowedBots: logins(given('allowedBots')),
    codeowners: given('codeowners')?.value ?? false,
    keepApprovalsOnBaseMerge: given('keepApprovalsOnBaseMerge')?.value ?? true,
  };

  const policy: Policy = {
    checkName,
    expression,
    ci,
    cd,
    review,
    risk: readRiskPolicy(top, yaml, names),
    trustedLabelActors: logins(given('trustedLabelActors')),
    ...(sources.file ? { file: sources.file.path } : {}),
  };
  requireConfiguredLegs(policy, expressionGiven?.subject ?? 'The default expression', sources.file?.path);
  return policy;
}

/** A leg the expression reads must have something to check: an empty leg would be green by default. */
function requireConfiguredLegs(policy: Policy, subject: WordingPart, file: string | undefined): void {
  // Name the file's keys first when there is a file, the inputs first when there is none.
  const set = (keys: string, [first, ...others]: readonly string[]) => {
    const named = joinWordings([input(first ?? ''), ...others.map(inputName)], ' or ');
    return file
      ? words`set ${keys} in ${file} (or ${named})`
      : words`set ${named} (or ${keys} in ${DEFAULT_POLICY_FILE})`;
  };
  const empty: Partial<Record<LegName, WordingPart>> = {
    ...(policy.ci.checks.length === 0
      ? { ci: words`no CI checks are named: ${set('ci.checks', ['ci-checks'])}` }
      : {}),
    ...(policy.cd.checks.length + policy.cd.environments.length === 0
      ? {
          cd: words`no CD checks or environments are named: ${set('cd.checks or cd.environments', ['cd-checks', 'cd-environments'])}`,
        }
      : {}),
  };
  for (const leg of legsOf(policy.expression)) {
    const problem = empty[leg];
    if (problem)
      throw new ConfigurationError(
        words`${subject} "${formatExpression(policy.expression)}" reads ${leg}, but ${problem}, or leave ${leg} out of the expression.`,
      );
  }
}

/** Reads check names from either source, with the refusals they share. */
class CheckNames {
  constructor(readonly own: string) {}

  leg(
    checks: Given<readonly string[]> | undefined,
    allowedToSkip: Given<readonly string[]> | undefined,
  ): ChecksPolicy {
    const names = checks ? this.read(checks) : [];
    const skippable = allowedToSkip ? this.read(allowedToSkip) : [];
    for (const name of skippable)
      if (!names.includes(name))
        throw new ConfigurationError(
          words`${allowedToSkip?.subject ?? ''} names "${name}", which is not one of the expected checks (${names.join(', ') || 'none'}): add it to the checks, or correct the name.`,
        );
    return { checks: names, allowedToSkip: skippable };
  }

  /** Names, trimmed and each once; placeholders known; never the gate's own check. */
  read({ value, subject }: Given<readonly string[]>): string[] {
    const names = [...new Set(value.map((name) => name.trim()).filter(Boolean))];
    for (const name of names) {
      const placeholder = unknownPlaceholder(name, [TOGGLE_PLACEHOLDER, NUMBER_PLACEHOLDER]);
      if (placeholder)
        throw new ConfigurationError(
          words`${subject} has "${name}" with the placeholder ${placeholder}: the placeholders are ${TOGGLE_PLACEHOLDER} (each leg of the toggle matrix) and ${NUMBER_PLACEHOLDER} (the PR's number).`,
        );
      if (name.toLowerCase() === this.own.toLowerCase())
        throw new ConfigurationError(
          words`${subject} names "${name}", the gate's own check: the gate would wait for itself; remove it, or give the gate another ${input('check-name')}.`,
        );
    }
    return names;
  }
}

function environments(given: Given<readonly string[]> | undefined): string[] {
  if (!given) return [];
  const names = [...new Set(given.value.map((name) => name.trim()).filter(Boolean))];
  for (const name of names) {
    const placeholder = unknownPlaceholder(name, [NUMBER_PLACEHOLDER]);
    if (placeholder)
      throw new ConfigurationError(
        words`${given.subject} has "${name}" with the placeholder ${placeholder}: an environment may use only ${NUMBER_PLACEHOLDER}, the PR's number (e.g. pr-${NUMBER_PLACEHOLDER}).`,
      );
  }
  return names;
}

function unknownPlaceholder(name: string, known: readonly string[]): string | undefined {
  return [...name.matchAll(PLACEHOLDER)].map(([whole]) => whole).find((whole) => !known.includes(whole));
}

function logins(given: Given<readonly string[]> | undefined): string[] {
  if (!given) return [];
  return given.value.map((raw) => {
    const login = raw.trim().replace(/^@/, '');
    if (!LOGIN.test(login))
      throw new ConfigurationError(
        words`${given.subject} has "${raw}", which is not a GitHub login: write logins such as alice or renovate[bot] (teams are not read here).`,
      );
    return login;
  });
}

/**
 * Only the risk settings of a policy file — components, change size, non-functional paths,
 * toggles — as the gate reads them: what propose sizes a component's change by, without the
 * file's legs having to be complete. No file: the defaults.
 */
export function parseRiskSettings(file?: { path: string; text: string }): RiskPolicy {
  const names = new CheckNames(DEFAULT_CHECK_NAME);
  if (!file) return readRiskPolicy(new Map(), undefined, names);
  const yaml = new YamlValues(file.path);
  const parsed = yaml.parse(file.text);
  return readRiskPolicy(parsed === null ? new Map() : yaml.mapping(parsed, '', TOP_KEYS), yaml, names);
}

function readRiskPolicy(
  top: Map<string, unknown>,
  yaml: YamlValues | undefined,
  names: CheckNames,
): RiskPolicy {
  const defaults: RiskPolicy = {
    components: [],
    defaultComponentSize: 'M',
    changeSize: DEFAULT_CHANGE_SIZE,
    nonFunctionalPaths: DEFAULT_NON_FUNCTIONAL_PATHS,
    toggles: { minCoverage: DEFAULT_MIN_COVERAGE },
  };
  if (!yaml) return defaults;
  const risk = top.get('risk');
  const components = top.get('components');
  const changeSize = top.get('change-size');
  const nonFunctional = top.get('non-functional-paths');
  const defaultSize = top.get('default-component-size');
  const toggles =
    top.get('toggles') === undefined
      ? undefined
      : yaml.mapping(top.get('toggles'), 'toggles', ['file', 'min-coverage']);
  return {
    ...(risk === undefined ? {} : { requirements: readRequirements(yaml, risk, names) }),
    components: components === undefined ? [] : readComponents(yaml, components),
    defaultComponentSize:
      defaultSize === undefined
        ? defaults.defaultComponentSize
        : yaml.choice(defaultSize, 'default-component-size', SIZES),
    changeSize: changeSize === undefined ? defaults.changeSize : readChangeSize(yaml, changeSize),
    nonFunctionalPaths:
      nonFunctional === undefined
        ? defaults.nonFunctionalPaths
        : yaml.strings(nonFunctional, 'non-functional-paths', "['docs/**', '*.md']"),
    toggles: {
      ...(toggles?.has('file')
        ? { file: yaml.string(toggles.get('file'), 'toggles.file', 'config/toggles.yml') }
        : {}),
      minCoverage: toggles?.has('min-coverage')
        ? yaml.integer(toggles.get('min-coverage'), 'toggles.min-coverage', 0, 100)
        : DEFAULT_MIN_COVERAGE,
    },
  };
}

function readRequirements(yaml: YamlValues, value: unknown, names: CheckNames): RiskRequirements {
  const risk = yaml.mapping(value, 'risk', RISK_LEVELS);
  const low = yaml.mapping(risk.get('low') ?? new Map(), 'risk.low', ['auto-merge']);
  const medium = yaml.mapping(risk.get('medium') ?? new Map(), 'risk.medium', ['checks', 'auto-merge']);
  const high = yaml.mapping(risk.get('high') ?? new Map(), 'risk.high', ['team', 'approvals', 'auto-merge']);
  if (high.has('auto-merge'))
    yaml.fail('risk.high.auto-merge', 'is set', 'a high-risk change never merges by itself; remove the key');
  if (!high.has('team'))
    yaml.fail(
      'risk.high.team',
      'is missing',
      'name the team whose approval a high-risk change needs, e.g. team: acme/release-managers',
    );
  const team = yaml.string(high.get('team'), 'risk.high.team', 'acme/release-managers').replace(/^@/, '');
  if (!TEAM.test(team))
    yaml.fail(
      'risk.high.team',
      `is "${team}", not a team`,
      'write org/team-slug, e.g. acme/release-managers',
    );
  const autoMerge = (section: Map<string, unknown>, key: string) =>
    section.has('auto-merge') ? yaml.boolean(section.get('auto-merge'), key) : true;
  return {
    low: { autoMerge: autoMerge(low, 'risk.low.auto-merge') },
    medium: {
      checks: medium.has('checks')
        ? names.read({
            value: yaml.strings(medium.get('checks'), 'risk.medium.checks', "['smoke ({toggle})']"),
            subject: `${yaml.path}: risk.medium.checks`,
          })
        : [],
      autoMerge: autoMerge(medium, 'risk.medium.auto-merge'),
    },
    high: {
      team: team.toLowerCase(),
      approvals: high.has('approvals')
        ? yaml.integer(high.get('approvals'), 'risk.high.approvals', 1, 20)
        : 1,
    },
  };
}

function readComponents(yaml: YamlValues, value: unknown): Component[] {
  const example = 'payments: { paths: [services/payments/**], size: L }';
  return [...yaml.namedMapping(value, 'components', example)].map(([name, entry]) => {
    const key = `components.${name}`;
    const component = yaml.mapping(entry, key, ['paths', 'size']);
    if (!component.has('paths')) yaml.fail(`${key}.paths`, 'is missing', `write e.g. ${example}`);
    if (!component.has('size')) yaml.fail(`${key}.size`, 'is missing', 'declare one of S, M, L, XL');
    return {
      name,
      paths: yaml.strings(component.get('paths'), `${key}.paths`, '[services/payments/**]'),
      size: yaml.choice(component.get('size'), `${key}.size`, SIZES),
    };
  });
}

function readChangeSize(yaml: YamlValues, value: unknown): RiskPolicy['changeSize'] {
  const sizes = yaml.mapping(value, 'change-size', ['lines', 'files']);
  const bounds = (key: 'lines' | 'files'): readonly [number, number, number] => {
    const entry = sizes.get(key);
    if (entry === undefined) return DEFAULT_CHANGE_SIZE[key];
    const example = `${key}: [${DEFAULT_CHANGE_SIZE[key].join(', ')}] (the largest S, M and L)`;
    if (!Array.isArray(entry) || entry.length !== 3)
      yaml.fail(`change-size.${key}`, 'must list three growing numbers', `write e.g. ${example}`);
    const [s, m, l] = entry.map((bound, index) =>
      yaml.integer(bound, `change-size.${key}[${index}]`, 0, 1_000_000),
    );
    if (!(s !== undefined && m !== undefined && l !== undefined && s < m && m < l))
      return yaml.fail(
        `change-size.${key}`,
        `is [${entry.join(', ')}], not growing`,
        `write e.g. ${example}`,
      );
    return [s, m, l];
  };
  return { lines: bounds('lines'), files: bounds('files') };
}
