import { shortDigest } from '@flow-actions/action-kit';
import semver from 'semver';
import {
  chooseDistTag,
  describeLine,
  highestOf,
  highestStable,
  isExactSemver,
  isRangeLikeTag,
  lineOf,
  versionsOnLine,
} from './versions';
import type { InternalDependency } from './workspace';

export type GateName =
  | 'valid version'
  | 'not yet published'
  | 'above its line'
  | 'dist-tag'
  | 'required checks'
  | 'internal dependencies'
  | 'provenance';

export type GateOutcome = 'pass' | 'fail' | 'skip';

export interface GateRow {
  gate: GateName;
  outcome: GateOutcome;
  /** Why, in a sentence fragment a user can act on. */
  reason: string;
}

/** What the registry knows about a package; `versions` is empty when it was never published. */
export interface RegistryState {
  versions: string[];
  distTags: Record<string, string>;
  /** `dist.integrity` of the version being gated, when it is published. */
  integrity?: string;
}

/** Everything the package gates read, gathered before any is evaluated. */
export interface PackageFacts {
  name: string;
  version: string;
  /** The packed tarball's `integrity` (sha512), from the staged copy. */
  integrity: string;
  /** `workspace:` ranges left in the staged package.json; must be empty. */
  workspaceLeft: string[];
  internal: InternalDependency[];
  registry: RegistryState;
}

export interface InternalDependencyState {
  /** Gated in this run and will be published before the dependent (or is already). */
  inRun: boolean;
  /** Versions of it the registry has. */
  published: readonly string[];
  /** Private packages are never published. */
  private: boolean;
}

export interface GateOptions {
  /** `auto` or a tag name (already checked not to be range-like). */
  distTag: string;
  /** The state of each internal dependency by name. */
  dependencies: ReadonlyMap<string, InternalDependencyState>;
}

export type Decision =
  | { action: 'publish'; tag: string }
  | { action: 'skip'; reason: string }
  | { action: 'fail'; reason: string };

export interface PackageVerdict {
  name: string;
  version: string;
  rows: GateRow[];
  decision: Decision;
}

/**
 * Evaluates gates 1–4 and 6 for one package. Every gate gets a row, so the summary shows why a
 * package was published, skipped or refused. An already published version with the same
 * tarball is a green skip; with other content it fails.
 */
export function evaluatePackage(facts: PackageFacts, options: GateOptions): PackageVerdict {
  const rows: GateRow[] = [];
  const verdict = (decision: Decision): PackageVerdict => ({
    name: facts.name,
    version: facts.version,
    rows,
    decision,
  });
  const at = `${facts.name}@${facts.version}`;

  if (!isExactSemver(facts.version)) {
    const normalised = semver.valid(facts.version);
    const reason = normalised
      ? `"${facts.version}" would be published by npm as ${normalised} (npm drops a leading v and +build metadata): set the version in package.json to ${normalised}`
      : `"${facts.version}" is not a semantic version (MAJOR.MINOR.PATCH[-prerelease]): fix the version in package.json`;
    rows.push({ gate: 'valid version', outcome: 'fail', reason });
    for (const gate of ['not yet published', 'above its line', 'dist-tag'] as const)
      rows.push({ gate, outcome: 'skip', reason: 'no valid version' });
    rows.push(gateInternal(facts, options));
    return verdict({ action: 'fail', reason: `${facts.name}: ${reason}` });
  }
  rows.push({ gate: 'valid version', outcome: 'pass', reason: facts.version });

  if (facts.registry.versions.includes(facts.version)) {
    const same = facts.registry.integrity === facts.integrity;
    if (same) {
      const reason = `${at} is already published with the same tarball (${shortDigest(facts.integrity)})`;
      rows.push({ gate: 'not yet published', outcome: 'pass', reason });
      rows.push({ gate: 'above its line', outcome: 'skip', reason: 'already published' });
      rows.push({ gate: 'dist-tag', outcome: 'skip', reason: 'already published; dist-tags untouched' });
      rows.push({ gate: 'internal dependencies', outcome: 'skip', reason: 'already published' });
      return verdict({ action: 'skip', reason: 'already published with the same tarball' });
    }
    const reason = `${at} is already published with different content (registry ${shortDigest(facts.registry.integrity ?? 'none')}, this build ${shortDigest(facts.integrity)}): a version never changes; bump the version`;
    rows.push({ gate: 'not yet published', outcome: 'fail', reason });
    rows.push({ gate: 'above its line', outcome: 'skip', reason: 'already published' });
    rows.push({ gate: 'dist-tag', outcome: 'skip', reason: 'already published' });
    rows.push(gateInternal(facts, options));
    return verdict({ action: 'fail', reason });
  }
  rows.push({
    gate: 'not yet published',
    outcome: 'pass',
    reason:
      facts.registry.versions.length === 0 ? 'first publish of this package' : `${facts.version} is new`,
  });

  const failures: string[] = [];
  const line = describeLine(lineOf(facts.version));
  const top = highestOf(versionsOnLine(facts.version, facts.registry.versions));
  if (top && semver.lt(facts.version, top)) {
    const reason = `${at} is below ${top}, the highest ${line} published: bump the version above ${top}`;
    rows.push({ gate: 'above its line', outcome: 'fail', reason });
    failures.push(reason);
  } else {
    rows.push({
      gate: 'above its line',
      outcome: 'pass',
      reason: top ? `above ${top}, the highest ${line}` : `first ${line} version`,
    });
  }

  const tag = gateDistTag(facts, options.distTag);
  rows.push(tag.row);
  if (tag.row.outcome === 'fail') failures.push(tag.row.reason);

  const internal = gateInternal(facts, options);
  rows.push(internal);
  if (internal.outcome === 'fail') failures.push(internal.reason);

  if (failures.length > 0) return verdict({ action: 'fail', reason: failures.join('; ') });
  return verdict({ action: 'publish', tag: tag.tag });
}

function gateDistTag(facts: PackageFacts, requested: string): { row: GateRow; tag: string } {
  const at = `${facts.name}@${facts.version}`;
  if (requested === 'auto') {
    const choice = chooseDistTag(facts.version, facts.registry.versions, facts.registry.distTags);
    return {
      row: { gate: 'dist-tag', outcome: 'pass', reason: `${choice.tag}: ${choice.reason}` },
      tag: choice.tag,
    };
  }
  // Checked with the inputs too; kept here so the core never publishes under a range-like tag.
  if (isRangeLikeTag(requested)) {
    const reason = `dist-tag "${requested}" reads as a semver range to npm: choose a word such as next or latest-1`;
    return { row: { gate: 'dist-tag', outcome: 'fail', reason }, tag: requested };
  }
  const latest = facts.registry.distTags.latest;
  if (requested === 'latest') {
    const top = highestStable([...facts.registry.versions, ...(latest ? [latest] : [])]);
    if (latest && semver.valid(latest) && semver.lt(facts.version, latest)) {
      const reason = `${at} would move latest backwards from ${latest}: let the tag be chosen (auto) or use a line tag such as latest-${lineOf(facts.version)}`;
      return { row: { gate: 'dist-tag', outcome: 'fail', reason }, tag: requested };
    }
    if (top && semver.lt(facts.version, top)) {
      const reason = `${at} is below ${top}, the highest stable published, so it cannot be latest: let the tag be chosen (auto) or use latest-${lineOf(facts.version)}`;
      return { row: { gate: 'dist-tag', outcome: 'fail', reason }, tag: requested };
    }
  }
  const from = facts.registry.distTags[requested];
  return {
    row: {
      gate: 'dist-tag',
      outcome: 'pass',
      reason: `${requested} (as asked${from ? `; was ${from}` : ''})`,
    },
    tag: requested,
  };
}

function gateInternal(facts: PackageFacts, options: GateOptions): GateRow {
  if (facts.workspaceLeft.length > 0)
    return {
      gate: 'internal dependencies',
      outcome: 'fail',
      reason: `the packed package.json still says ${facts.workspaceLeft.join(', ')}: each workspace: range must name a package of this workspace`,
    };
  const runtime = facts.internal.filter((dep) => dep.field !== 'devDependencies');
  if (runtime.length === 0) return { gate: 'internal dependencies', outcome: 'pass', reason: 'none' };
  const problems: string[] = [];
  const fine: string[] = [];
  for (const dep of runtime) {
    const state = options.dependencies.get(dep.name);
    const at = `${dep.name}@${dep.version}`;
    if (state?.inRun) fine.push(`${at} (this run, first)`);
    else if (state?.published.includes(dep.version)) fine.push(`${at} (published)`);
    else if (state?.private)
      problems.push(`${at} is private and never published: make it public or move it to devDependencies`);
    else problems.push(`${at} is not published and not in this run: publish it in this run too, or first`);
  }
  if (problems.length > 0)
    return {
      gate: 'internal dependencies',
      outcome: 'fail',
      reason: `${facts.name} needs ${problems.join('; ')}`,
    };
  return { gate: 'internal dependencies', outcome: 'pass', reason: fine.join(', ') };
}
