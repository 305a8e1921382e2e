import { ConfigurationError, type WordingPart, words } from '@flow-actions/action-kit';
import { compare, parse, type SemVer } from 'semver';

/** A released version as the source spells it (`v1.2.3` or `1.2.3`) and as semver reads it. */
export interface SourceVersion {
  /** Normalised semver, no `v`, no build metadata: `1.2.3`, `2.0.0-rc.1`. */
  version: string;
  /** How the source names it: the registry tag, the git tag, the npm version. */
  tag: string;
  semver: SemVer;
}

export interface ParsedVersions {
  /** Oldest first, one entry per version. */
  versions: SourceVersion[];
  /** Names that are not semver (sha tags, `latest`, `1.2`), in the order given. */
  unparsed: string[];
  /** Names dropped because another name already stood for the same version (`v1.2.3` beside `1.2.3`). */
  duplicates: string[];
}

/** Reads a version with or without a leading `v`; undefined when it is not semver. */
export function parseVersion(name: string): SemVer | undefined {
  return parse(name.trim()) ?? undefined;
}

/**
 * Reads a version from an input or a file: semver with or without `v`, else a one-line
 * ConfigurationError naming where it came from.
 */
export function requireVersion(name: string, from: WordingPart): SemVer {
  const version = parseVersion(name);
  if (!version) {
    throw new ConfigurationError(
      words`${from} "${name}" is not a semantic version: write MAJOR.MINOR.PATCH, e.g. 1.4.0 or v1.4.0.`,
    );
  }
  return version;
}

/**
 * Sorts what a source lists into versions, oldest first. Duplicates (`v1.2.3` and `1.2.3`, or
 * the same version with different build metadata) keep one name: the exact `1.2.3` spelling
 * when present, else the first seen.
 */
export function parseVersions(names: readonly string[]): ParsedVersions {
  const byVersion = new Map<string, SourceVersion>();
  const unparsed: string[] = [];
  const duplicates: string[] = [];
  for (const name of names) {
    const semver = parseVersion(name);
    if (!semver) {
      unparsed.push(name);
      continue;
    }
    const version = semver.version;
    const existing = byVersion.get(version);
    if (!existing) {
      byVersion.set(version, { version, tag: name, semver });
    } else if (name === version && existing.tag !== version) {
      duplicates.push(existing.tag);
      byVersion.set(version, { version, tag: name, semver });
    } else {
      duplicates.push(name);
    }
  }
  const versions = [...byVersion.values()].sort((a, b) => compare(a.semver, b.semver));
  return { versions, unparsed, duplicates };
}
