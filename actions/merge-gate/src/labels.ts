import { type RiskLevel, SIZES, type Size } from './policy';
import { type SnapshotLabel, sameLogin } from './snapshot';

/** A label `toggle:<name>`: the change is behind that feature toggle. */
export const TOGGLE_LABEL = 'toggle:';
/** A label `ft-coverage:<0-100>`: the share of the change behind its toggles, in percent. */
export const COVERAGE_LABEL = 'ft-coverage:';
/** A label `semver:<major|minor|patch>`: the change's impact, e.g. set by `propose` on a product PR. */
export const SEMVER_LABEL = 'semver:';
/**
 * A label `change-size:<S|M|L|XL>`: the size of a change the pull request's own diff does not show,
 * e.g. the component diff behind `propose`'s one-line version bump. It can only raise the size.
 */
export const CHANGE_SIZE_LABEL = 'change-size:';
/** The labels the risk step sets: outputs, never read back as inputs. */
export const RISK_LABEL = 'risk:';
export const SIZE_LABEL = 'size:';

export type SemverImpact = 'major' | 'minor' | 'patch' | 'none';
/** Impacts from the least to the most. */
export const SEMVER_IMPACTS: readonly SemverImpact[] = ['none', 'patch', 'minor', 'major'];
const LABEL_IMPACTS = ['patch', 'minor', 'major'] as const;

/** A toggle name that a job name and an environment variable can carry as it is. */
export const TOGGLE_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]{0,62}$/;

/** What the labels say, counting only those a trusted actor added. */
export interface TrustedLabels {
  toggles: { name: string; label: string; addedBy: string }[];
  /** The lowest coverage any trusted label claims. */
  coverage?: { percent: number; label: string; addedBy: string };
  /** The highest impact any trusted label claims. */
  semver?: { impact: Exclude<SemverImpact, 'none'>; label: string; addedBy: string };
  /** The largest change size any trusted label claims. */
  changeSize?: { size: Size; label: string; addedBy: string };
  /** Labels of these kinds that count for nothing, and why: shown so nobody wonders. */
  ignored: { label: string; reason: string }[];
}

/**
 * Reads the input labels (`toggle:`, `ft-coverage:`, `semver:`, `change-size:`) of a PR. Labels anyone with
 * triage rights can edit must not decide a merge, so a label counts only when the actor who added
 * it (the newest `labeled` event) is in `trustedActors`; the others are listed as ignored. Risk and
 * size labels are the risk step's outputs and are never read here.
 */
export function readTrustedLabels(
  labels: readonly SnapshotLabel[],
  trustedActors: readonly string[],
): TrustedLabels {
  const result: TrustedLabels = { toggles: [], ignored: [] };
  for (const { name: label, addedBy } of labels) {
    const kind = [TOGGLE_LABEL, COVERAGE_LABEL, SEMVER_LABEL, CHANGE_SIZE_LABEL].find((prefix) =>
      label.toLowerCase().startsWith(prefix),
    );
    if (!kind) continue;
    if (!addedBy || !trustedActors.some((actor) => sameLogin(actor, addedBy))) {
      const who = addedBy ? `@${addedBy}` : 'an unknown actor';
      result.ignored.push({ label, reason: `added by ${who}, not a trusted label actor` });
      continue;
    }
    const value = label.slice(kind.length).trim();
    if (kind === TOGGLE_LABEL) {
      if (TOGGLE_NAME.test(value)) result.toggles.push({ name: value, label, addedBy });
      else result.ignored.push({ label, reason: 'not a toggle name (letters, digits, ".", "_", "-")' });
    } else if (kind === COVERAGE_LABEL) {
      const percent = /^\d{1,3}%?$/.test(value) ? Number.parseInt(value, 10) : Number.NaN;
      if (!(percent >= 0 && percent <= 100))
        result.ignored.push({ label, reason: 'not a percentage from 0 to 100' });
      else if (!result.coverage || percent < result.coverage.percent)
        result.coverage = { percent, label, addedBy };
    } else if (kind === CHANGE_SIZE_LABEL) {
      const size = SIZES.find((known) => known === value.toUpperCase());
      if (!size) result.ignored.push({ label, reason: 'not S, M, L or XL' });
      else if (!result.changeSize || SIZES.indexOf(size) > SIZES.indexOf(result.changeSize.size))
        result.changeSize = { size, label, addedBy };
    } else {
      const impact = LABEL_IMPACTS.find((known) => known === value.toLowerCase());
      if (!impact) result.ignored.push({ label, reason: 'not major, minor or patch' });
      else if (
        !result.semver ||
        SEMVER_IMPACTS.indexOf(impact) > SEMVER_IMPACTS.indexOf(result.semver.impact)
      )
        result.semver = { impact, label, addedBy };
    }
  }
  return result;
}

/**
 * The labels a PR of this risk and size should carry, and which of its current risk and size
 * labels to remove: `risk:<level>` and `size:<size>`, whoever added the old ones.
 */
export function plannedLabels(
  current: readonly SnapshotLabel[],
  risk: RiskLevel,
  size: Size,
): { labels: string[]; add: string[]; remove: string[] } {
  const labels = [`${RISK_LABEL}${risk}`, `${SIZE_LABEL}${size}`];
  const names = current.map((label) => label.name);
  const ours = (name: string) => name.startsWith(RISK_LABEL) || name.startsWith(SIZE_LABEL);
  return {
    labels,
    add: labels.filter((label) => !names.includes(label)),
    remove: names.filter((name) => ours(name) && !labels.includes(name)),
  };
}
