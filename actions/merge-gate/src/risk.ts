import type { Commit } from '@flow-actions/backcompat-matrix/breaking';
import { compilePathPatterns } from '@flow-actions/retag-promote/path-patterns';
import { type CommitImpact, commitImpacts } from './commits';
import { plannedLabels, readTrustedLabels, SEMVER_IMPACTS, type SemverImpact } from './labels';
import { type Policy, RISK_LEVELS, type RiskLevel, type RiskPolicy, SIZES, type Size } from './policy';
import type { ChangedFile, SnapshotLabel } from './snapshot';
import {
  type ToggleMatrix,
  type TogglesFileChange,
  type TouchedToggle,
  toggleMatrix,
  touchedToggles,
} from './toggles';

export interface RiskInput {
  /** Every changed file of the PR, all pages. */
  files: readonly ChangedFile[];
  /** The PR's commits. */
  commits: readonly Commit[];
  /** The PR's labels, each with who added it. */
  labels: readonly SnapshotLabel[];
  /** The policy's toggles file at base and head, when the PR changes it. */
  togglesFile?: TogglesFileChange;
  /**
   * Toggle coverage from a source the caller trusts: a report a CI job wrote, or a file read from
   * the base branch — never a file of the PR's own head, which its author controls.
   */
  coverage?: { percent: number; source: string };
}

export interface RiskAssessment {
  level: RiskLevel;
  /** How the level was reached, step by step, e.g. `L component + M change → high`. */
  reasons: string[];
  lines: number;
  additions: number;
  deletions: number;
  files: number;
  /** From lines and files changed, whichever is larger. */
  changeSize: Size;
  /** The largest declared size among the components the functional files touch; undefined when none is functional. */
  componentSize?: Size;
  /** Components touched by functional files, largest first; `(no component)` for files in none. */
  components: { name: string; size: Size; files: number }[];
  functional: boolean;
  /** Changed files outside the non-functional paths. */
  functionalFiles: number;
  semver: { impact: SemverImpact; from: string };
  commits: CommitImpact[];
  toggles: TouchedToggle[];
  matrix: ToggleMatrix;
  /** The coverage that counted, if any. */
  coverage?: { percent: number; source: string };
  /** Labels of the input kinds that were not counted, and why. */
  ignoredLabels: { label: string; reason: string }[];
  /** The labels the PR should carry, and the changes that gets it there. */
  labels: { labels: string[]; add: string[]; remove: string[] };
}

const NO_COMPONENT = '(no component)';

/**
 * The risk of a change, from the change itself:
 *
 * 1. Not functional — every file in `non-functional-paths` and no commit declaring a feature,
 *    fix or break — is **low**, however large.
 * 2. A breaking change (a `!` or `BREAKING CHANGE:` commit, or a trusted `semver:major` label) is
 *    **high**.
 * 3. Otherwise size decides: S=0, M=1, L=2, XL=3 for the largest component touched plus the same
 *    for the change's size; 0–1 is **low**, 2–3 **medium**, 4 and up **high** (an S change to an
 *    L component is medium; an M change to an XL component high).
 * 4. A feature (`feat`, or a trusted `semver:minor`) is at least **medium**: new behaviour gets its
 *    smoke checks.
 * 5. A change behind a feature toggle whose coverage (a trusted `ft-coverage:` label or the
 *    caller's trusted report, the lowest if several) reaches `toggles.min-coverage` drops one
 *    level: it can be switched off without a deploy. A breaking change stays high.
 *
 * Labels count only from trusted actors (readTrustedLabels), and only raise what the commits say
 * — except coverage, which is a claim only a trusted actor or report can make.
 */
export function classifyRisk(
  input: RiskInput,
  { risk: policy, trustedLabelActors }: Pick<Policy, 'risk' | 'trustedLabelActors'>,
): RiskAssessment {
  const trusted = readTrustedLabels(input.labels, trustedLabelActors);
  const isNonFunctional = compilePathPatterns(policy.nonFunctionalPaths);
  const functionalFiles = input.files.filter(
    (file) =>
      !isNonFunctional(file.path) || (file.previousPath !== undefined && !isNonFunctional(file.previousPath)),
  );
  const additions = sum(input.files.map((file) => file.additions));
  const deletions = sum(input.files.map((file) => file.deletions));
  const lines = additions + deletions;
  const diffSize = sizeOfChange({ lines, files: input.files.length }, policy.changeSize);
  const changeSize = largest([diffSize, ...(trusted.changeSize ? [trusted.changeSize.size] : [])]);
  const components = touchedComponents(functionalFiles, policy);
  const componentSize =
    components.length > 0 ? largest(components.map((component) => component.size)) : undefined;

  const commits = commitImpacts(input.commits);
  const fromCommits = strongest(commits);
  const semver =
    trusted.semver && rank(SEMVER_IMPACTS, trusted.semver.impact) > rank(SEMVER_IMPACTS, fromCommits.impact)
      ? { impact: trusted.semver.impact, from: `label ${trusted.semver.label} by @${trusted.semver.addedBy}` }
      : fromCommits;
  const functional = functionalFiles.length > 0 || semver.impact !== 'none';
  const toggles = touchedToggles(trusted, input.togglesFile);
  const coverage = lowest([
    ...(trusted.coverage
      ? [
          {
            percent: trusted.coverage.percent,
            source: `label ${trusted.coverage.label} by @${trusted.coverage.addedBy}`,
          },
        ]
      : []),
    ...(input.coverage ? [input.coverage] : []),
  ]);

  const reasons: string[] = [];
  let level: RiskLevel;
  if (!functional) {
    level = 'low';
    reasons.push(
      'not functional: only non-functional paths, and no commit declares a feature, fix or break → low',
    );
  } else if (semver.impact === 'major') {
    level = 'high';
    reasons.push(`a breaking change (${semver.from}) → high`);
  } else {
    const component = componentSize ?? policy.defaultComponentSize;
    const score = rank(SIZES, component) + rank(SIZES, changeSize);
    level = score <= 1 ? 'low' : score <= 3 ? 'medium' : 'high';
    const touched = componentSize ? `${component} component` : `${component} (default) component`;
    const claimed =
      trusted.changeSize && changeSize !== diffSize
        ? ` (label ${trusted.changeSize.label} by @${trusted.changeSize.addedBy}; the diff is ${diffSize})`
        : '';
    reasons.push(`${touched} + ${changeSize} change${claimed} → ${level}`);
    if (semver.impact === 'minor' && level === 'low') {
      level = 'medium';
      reasons.push(`a new feature (${semver.from}) → at least medium`);
    }
    if (toggles.length > 0 && coverage && coverage.percent >= policy.toggles.minCoverage && level !== 'low') {
      level = RISK_LEVELS[rank(RISK_LEVELS, level) - 1] as RiskLevel;
      reasons.push(
        `behind ${toggles.map((toggle) => toggle.name).join(', ')} with ${coverage.percent}% toggle coverage (${coverage.source}), at least ${policy.toggles.minCoverage}% → one level lower, ${level}`,
      );
    }
  }

  return {
    level,
    reasons,
    lines,
    additions,
    deletions,
    files: input.files.length,
    changeSize,
    ...(componentSize ? { componentSize } : {}),
    components,
    functional,
    functionalFiles: functionalFiles.length,
    semver,
    commits,
    toggles,
    matrix: toggleMatrix(toggles),
    ...(coverage ? { coverage } : {}),
    ignoredLabels: trusted.ignored,
    labels: plannedLabels(input.labels, level, changeSize),
  };
}

/** Every component a functional file (or, for a rename, its old path) falls in; files in none count as `(no component)`. */
function touchedComponents(
  files: readonly ChangedFile[],
  policy: Pick<RiskPolicy, 'components' | 'defaultComponentSize'>,
): RiskAssessment['components'] {
  const matchers = policy.components.map((component) => ({
    component,
    matches: compilePathPatterns(component.paths),
  }));
  const touched = new Map<string, { name: string; size: Size; files: number }>();
  const count = (name: string, size: Size) => {
    const entry = touched.get(name) ?? { name, size, files: 0 };
    entry.files++;
    touched.set(name, entry);
  };
  for (const file of files) {
    const paths = [file.path, ...(file.previousPath ? [file.previousPath] : [])];
    const hits = matchers.filter(({ matches }) => paths.some(matches));
    for (const { component } of hits) count(component.name, component.size);
    if (hits.length === 0) count(NO_COMPONENT, policy.defaultComponentSize);
  }
  return [...touched.values()].sort((a, b) => rank(SIZES, b.size) - rank(SIZES, a.size) || b.files - a.files);
}

/** The size of a change: from its lines and files changed, whichever is larger. */
export function sizeOfChange(
  change: { lines: number; files: number },
  bounds: RiskPolicy['changeSize'],
): Size {
  return largest([sizeFor(change.lines, bounds.lines), sizeFor(change.files, bounds.files)]);
}

/** S up to the first bound, M up to the second, L up to the third, XL above. */
function sizeFor(value: number, bounds: readonly [number, number, number]): Size {
  const index = bounds.findIndex((bound) => value <= bound);
  return SIZES[index < 0 ? SIZES.length - 1 : index] as Size;
}

function strongest(commits: readonly CommitImpact[]): { impact: SemverImpact; from: string } {
  const top = commits.reduce<CommitImpact | undefined>(
    (best, commit) =>
      !best || rank(SEMVER_IMPACTS, commit.impact) > rank(SEMVER_IMPACTS, best.impact) ? commit : best,
    undefined,
  );
  if (!top || top.impact === 'none')
    return { impact: 'none', from: 'no commit declares a feature, fix or break' };
  return { impact: top.impact, from: `${top.sha.slice(0, 7)} ${top.subject}` };
}

function lowest<T extends { percent: number }>(items: readonly T[]): T | undefined {
  return items.reduce<T | undefined>(
    (low, item) => (!low || item.percent < low.percent ? item : low),
    undefined,
  );
}

function largest(sizes: readonly Size[]): Size {
  return sizes.reduce((big, size) => (rank(SIZES, size) > rank(SIZES, big) ? size : big), 'S');
}

function rank<T>(order: readonly T[], value: T): number {
  return order.indexOf(value);
}

function sum(values: readonly number[]): number {
  return values.reduce((total, value) => total + value, 0);
}
