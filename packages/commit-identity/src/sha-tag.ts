import { ConfigurationError, input, words } from '@flow-actions/action-kit';

export const DEFAULT_SHA_LENGTH = 7;
const FULL_SHA = /^[0-9a-f]{40}$/;
const ABBREVIATED_SHA = /^[0-9a-f]{4,40}$/;
/** The OCI distribution tag grammar. */
export const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;

export interface ShaTagOptions {
  /** How many hex characters of the sha the tag keeps. Default: 7. Range 4 to 40. */
  shaLength?: number;
  /** Put before the short sha, e.g. `sha-`. Default: none. */
  tagPrefix?: string;
}

export function isFullSha(value: string): boolean {
  return FULL_SHA.test(value);
}

export function isAbbreviatedSha(value: string): boolean {
  return ABBREVIATED_SHA.test(value);
}

export function shortSha(sha: string, length: number = DEFAULT_SHA_LENGTH): string {
  return sha.slice(0, length);
}

/**
 * The tag of commit `sha`'s artifact: `<prefix><first shaLength hex digits>`. Every action
 * computes it here, so build, promote and yank can never disagree about a commit's tag.
 */
export function shaTag(sha: string, options: ShaTagOptions = {}): string {
  const length = options.shaLength ?? DEFAULT_SHA_LENGTH;
  const prefix = options.tagPrefix ?? '';
  if (!Number.isInteger(length) || length < 4 || length > 40) {
    throw new ConfigurationError(
      words`${input('sha-length')} must be a whole number from 4 to 40, got "${length}".`,
    );
  }
  if (!isFullSha(sha)) {
    throw new ConfigurationError(`"${sha}" is not a full 40-character commit sha; pass the full sha.`);
  }
  const tag = `${prefix}${shortSha(sha, length)}`;
  if (!TAG_PATTERN.test(tag)) {
    throw new ConfigurationError(
      words`${input('tag-prefix')} makes the invalid tag "${tag}": a tag starts with a letter, digit or "_" and holds only letters, digits, ".", "_" and "-" (128 at most).`,
    );
  }
  return tag;
}

/**
 * The tombstone of a yanked commit (DESIGN §2): `yanked-<short sha>`, without the tag prefix. An
 * abbreviation of at least sha-length characters names the same tombstone as the full sha.
 */
export function tombstoneTag(sha: string, options: ShaTagOptions = {}): string {
  const length = options.shaLength ?? DEFAULT_SHA_LENGTH;
  // shaTag keeps the first sha-length characters only: padded, the abbreviation gives the same tag.
  const full = isAbbreviatedSha(sha) && sha.length >= length ? sha.padEnd(40, '0') : sha;
  return `yanked-${shaTag(full, { shaLength: options.shaLength })}`;
}
