import { commitImpacts } from '@flow-actions/merge-gate/commits';
import {
  CHANGE_SIZE_LABEL,
  COVERAGE_LABEL,
  SEMVER_IMPACTS,
  SEMVER_LABEL,
  type SemverImpact,
  TOGGLE_LABEL,
} from '@flow-actions/merge-gate/labels';
import { fitMarkdown, link, plainText } from '@flow-actions/merge-gate/markdown';
import type { Size } from '@flow-actions/merge-gate/policy';
import { renderChangelog } from '@flow-actions/release/changelog';
import { commitMessage, type HistoryCommit } from '@flow-actions/release/history';
import { parseImageReference } from '@flow-actions/update-manifest/image-reference';
import type { FieldChange } from '@flow-actions/update-manifest/manifest-edit';
import { compareSemver, parseSemver, type Semver } from '@flow-actions/versions';

// The pure part of a proposal: the product's current pin, the labels, the title and the body.

/** Labels propose owns on its pull requests: set when they apply, removed when they no longer do. */
export const FUNCTIONAL_LABEL = 'functional';
export const NON_FUNCTIONAL_LABEL = 'non-functional';
/** `hotfix-to/v1.4.0`: the proposal fixes that product release, on its release branch. */
export const HOTFIX_LABEL = 'hotfix-to/';
const OWNED_PREFIXES = [SEMVER_LABEL, CHANGE_SIZE_LABEL, COVERAGE_LABEL, TOGGLE_LABEL, HOTFIX_LABEL];
const OWNED_NAMES = [FUNCTIONAL_LABEL, NON_FUNCTIONAL_LABEL];

/**
 * The hidden line that tells propose's own pull request for a component from every other, with
 * the version it proposes: `<!-- flow-actions/propose component=api version=v1.5.0 -->`.
 */
export function proposalMarker(component: string, version: string): string {
  return `<!-- flow-actions/propose component=${component} version=${version} -->`;
}

const MARKER = /<!-- flow-actions\/propose component=(\S+) version=(v\d+\.\d+\.\d+) -->/;

/** The component and version a pull request body's marker names, or undefined when it has none. */
export function readMarker(body: string): { component: string; version: string } | undefined {
  const match = MARKER.exec(body);
  return match?.[1] && match[2] ? { component: match[1], version: match[2] } : undefined;
}

/** Whether `version` is newer than `than` (both `vX.Y.Z`). */
export function isNewer(version: string, than: string): boolean {
  const a = parseSemver(version.slice(1));
  const b = parseSemver(than.slice(1));
  return a !== undefined && b !== undefined && compareSemver(a, b) > 0;
}

/** The product's pin before the bump: the version its file names, and the text as written. */
export interface Pin {
  /** `v1.4.0`: the component's tag for it. */
  tag: string;
  version: Semver;
  /** As the file wrote it: `1.4.0`, `v1.4.0@sha256:…`, `ghcr.io/acme/api:v1.4.0`. */
  written: string;
}

/**
 * The version the product pins now, read from the values the edit replaces: a tag field
 * (`newTag`, `image.tag`), a whole reference, or `tag@digest`. Undefined when no replaced value is
 * a version (a sha tag, a digest only, nothing pinned yet).
 */
export function currentPin(changes: readonly FieldChange[]): Pin | undefined {
  for (const change of changes) {
    if (!change.from) continue;
    const reference = change.from.includes('/') ? parseImageReference(change.from) : undefined;
    const tag = reference ? reference.tag : change.from.split('@')[0];
    if (!tag) continue;
    const text = tag.startsWith('v') ? tag.slice(1) : tag;
    const version = parseSemver(text);
    if (version && version.prerelease.length === 0 && /^\d+\.\d+\.\d+$/.test(text))
      return { tag: `v${text}`, version, written: change.from };
  }
  return undefined;
}

/** Whether the product already pins a newer version than the one proposed: it moved past it. */
export function pinnedPast(pin: Pin | undefined, version: string): boolean {
  const proposed = parseSemver(version.slice(1));
  return pin !== undefined && proposed !== undefined && compareSemver(pin.version, proposed) > 0;
}

/** What the component's change amounts to, between the product's pin and the new version. */
export interface ChangeAssessment {
  impact: SemverImpact;
  /** Where the impact comes from: a commit, or the version numbers when the commits are unknown. */
  impactFrom: string;
  size?: { size: Size; lines: number; files: number };
  /** Undefined when the diff is unknown. */
  functional?: boolean;
}

/**
 * The semver impact of the commits (merge-gate's impacts: `type!:` or `BREAKING CHANGE:` major,
 * feat minor, fix/perf patch), the size of the diff, and whether any of it is functional: a
 * commit that declares a feature, fix or break, or a file outside the non-functional paths.
 */
export function assessChange(options: {
  commits?: readonly HistoryCommit[];
  from?: Pin;
  version: string;
  diff?: { lines: number; files: number; paths: readonly string[] };
  sizeOf: (change: { lines: number; files: number }) => Size;
  isNonFunctional: (path: string) => boolean;
}): ChangeAssessment {
  let impact: SemverImpact = 'none';
  let impactFrom = 'no commit declares a feature, fix or break';
  if (options.commits) {
    for (const commit of commitImpacts(
      options.commits.map((entry) => ({ sha: entry.sha, message: commitMessage(entry) })),
    )) {
      if (SEMVER_IMPACTS.indexOf(commit.impact) > SEMVER_IMPACTS.indexOf(impact)) {
        impact = commit.impact;
        impactFrom = `${commit.sha.slice(0, 7)} ${commit.subject}`;
      }
    }
  } else {
    const to = parseSemver(options.version.slice(1));
    const from = options.from?.version;
    impact = !from || !to ? 'minor' : versionImpact(from, to);
    impactFrom = from
      ? `the versions ${options.from?.tag} → ${options.version} (the commits between them are unknown)`
      : `no earlier version pinned (assumed minor)`;
  }
  const diff = options.diff;
  return {
    impact,
    impactFrom,
    ...(diff ? { size: { size: options.sizeOf(diff), lines: diff.lines, files: diff.files } } : {}),
    ...(diff
      ? { functional: impact !== 'none' || diff.paths.some((path) => !options.isNonFunctional(path)) }
      : {}),
  };
}

function versionImpact(from: Semver, to: Semver): SemverImpact {
  if (to.major !== from.major) return 'major';
  if (to.minor !== from.minor) return 'minor';
  return to.patch !== from.patch ? 'patch' : 'none';
}

/** The labels the proposal should carry, and which of the current ones to add and remove. */
export function plannedLabels(
  current: readonly string[],
  wanted: {
    assessment: ChangeAssessment;
    toggles: readonly string[];
    coverage?: number;
    hotfixTo?: string;
  },
): { labels: string[]; add: string[]; remove: string[] } {
  const { assessment } = wanted;
  const labels = [
    ...(assessment.impact === 'none' ? [] : [`${SEMVER_LABEL}${assessment.impact}`]),
    ...(assessment.size ? [`${CHANGE_SIZE_LABEL}${assessment.size.size}`] : []),
    ...(assessment.functional === undefined
      ? []
      : [assessment.functional ? FUNCTIONAL_LABEL : NON_FUNCTIONAL_LABEL]),
    ...wanted.toggles.map((toggle) => `${TOGGLE_LABEL}${toggle}`),
    ...(wanted.coverage === undefined ? [] : [`${COVERAGE_LABEL}${wanted.coverage}`]),
    ...(wanted.hotfixTo ? [`${HOTFIX_LABEL}${wanted.hotfixTo}`] : []),
  ];
  const owned = (name: string) =>
    OWNED_NAMES.includes(name) || OWNED_PREFIXES.some((prefix) => name.toLowerCase().startsWith(prefix));
  return {
    labels,
    add: labels.filter((label) => !current.includes(label)),
    remove: current.filter((name) => owned(name) && !labels.includes(name)),
  };
}

/**
 * A Conventional Commit subject, so that the product's merge gate reads the impact from the
 * commit as it reads any other (and the product's release counts it): `feat(api)!:` for a
 * breaking change, `feat` for a feature, `fix` for a fix, `chore` for the rest.
 */
export function proposalTitle(
  component: string,
  version: string,
  impact: SemverImpact,
  hotfixTo?: string,
): string {
  const type = { major: 'feat', minor: 'feat', patch: 'fix', none: 'chore' }[impact];
  const bang = impact === 'major' ? '!' : '';
  const hotfix = hotfixTo ? ` (hotfix of ${hotfixTo})` : '';
  return `${type}(${component})${bang}: bump ${component} to ${version}${hotfix}`;
}

export interface BodyOptions {
  component: string;
  version: string;
  base: string;
  paths: readonly string[];
  image: string;
  digest?: string;
  /** Where the digest links to: the component's release page. */
  artifactUrl?: string;
  from?: Pin;
  /** The commits, or why they are unknown. */
  commits: readonly HistoryCommit[] | { unknown: string };
  assessment: ChangeAssessment;
  changes: readonly FieldChange[];
  /** `https://github.com/acme/api`: the changelog links pull requests there. */
  componentUrl?: string;
  hotfixTo?: string;
}

/** GitHub refuses a body above 65,536 characters; the changelog is cut first. */
const BODY_LIMIT = 60_000;

/**
 * The body: the hidden marker, what moves where, the assessment, the artifact's digest, and the
 * component's changelog for the range. Every text from a commit or an input is plain text.
 */
export function proposalBody(options: BodyOptions): string {
  const { assessment } = options;
  const from = options.from ? `from ${plainText(options.from.tag)} ` : '';
  const target = options.hotfixTo ? ` — a hotfix of ${plainText(options.hotfixTo)}` : '';
  const artifact = options.digest
    ? link(`\`${options.image}@${options.digest}\``, options.artifactUrl)
    : link(`\`${options.image}:${options.version}\``, options.artifactUrl);
  const rows = [
    ['semver impact', `${assessment.impact} (${plainText(assessment.impactFrom)})`],
    [
      'size',
      assessment.size
        ? `${assessment.size.size}: ${assessment.size.lines} lines in ${assessment.size.files} files of ${plainText(options.component)}`
        : 'unknown',
    ],
    ['functional', assessment.functional === undefined ? 'unknown' : assessment.functional ? 'yes' : 'no'],
    ['artifact', artifact],
  ];
  const moves = options.changes.map(
    (change) =>
      `- ${plainText(change.file)}: ${plainText(change.field)} ${plainText(change.from ?? '(unset)')} → ${plainText(change.to ?? '(removed)')}`,
  );
  const changelog =
    'unknown' in options.commits
      ? `_${plainText(options.commits.unknown)}_\n`
      : renderChangelog(options.commits, [], {
          headingLevel: 3,
          ...(options.componentUrl ? { repositoryUrl: options.componentUrl } : {}),
        });
  const text = [
    proposalMarker(options.component, options.version),
    `Bumps **${plainText(options.component)}** ${from}to **${plainText(options.version)}** on ${plainText(options.base)}${target}.`,
    ['| | |', '|---|---|', ...rows.map(([key, value]) => `| ${key} | ${value} |`)].join('\n'),
    moves.join('\n'),
    `## Changes in ${plainText(options.component)}${options.from ? ` ${plainText(options.from.tag)}…${plainText(options.version)}` : ''}`,
    changelog.trimEnd(),
    '_Opened by flow-actions/propose; a newer release of the component updates this pull request._',
  ];
  return `${fitMarkdown(text.join('\n\n'), BODY_LIMIT)}\n`;
}
