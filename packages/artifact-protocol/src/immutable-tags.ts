import { ConfigurationError, input, words } from '@flow-actions/action-kit';
import { DEFAULT_SHA_LENGTH, type ShaTagOptions } from '@flow-actions/commit-identity';

/** The token that stands for "the commit sha tags" in an `immutable-tags` list. */
export const SHA_TAGS = '<sha>';

/** DESIGN §2: sha tags, `v*` and `rc-*` never move. */
export const DEFAULT_IMMUTABLE_PATTERNS: readonly string[] = [SHA_TAGS, 'v*', 'rc-*'];

const TOMBSTONE_TAG = /^yanked-[0-9a-f]{4,40}$/;

/** Decides whether a tag may move once written. */
export type ImmutableTagPolicy = (tag: string) => boolean;

/**
 * A policy from patterns: `*` matches any run of characters, `?` one character, and `<sha>`
 * the sha tags of this configuration (tag prefix + short sha). Tombstones never move either.
 */
export function createImmutableTagPolicy(
  patterns: readonly string[] = DEFAULT_IMMUTABLE_PATTERNS,
  shaOptions: ShaTagOptions = {},
): ImmutableTagPolicy {
  const matches = createTagPatternMatcher(patterns, shaOptions, 'immutable-tags');
  return (tag) => matches(tag) || TOMBSTONE_TAG.test(tag);
}

/**
 * A matcher for tag patterns in the same style as `immutable-tags` (`*`, `?`, `<sha>`), for other
 * inputs such as yank's `protected-tags`; a bad pattern is a ConfigurationError naming `inputName`.
 */
export function createTagPatternMatcher(
  patterns: readonly string[],
  shaOptions: ShaTagOptions,
  inputName: string,
): (tag: string) => boolean {
  const matchers = patterns.map((pattern) => compilePattern(pattern, shaOptions, inputName));
  return (tag) => matchers.some((matcher) => matcher.test(tag));
}

function compilePattern(pattern: string, shaOptions: ShaTagOptions, inputName: string): RegExp {
  if (pattern === SHA_TAGS) {
    const length = shaOptions.shaLength ?? DEFAULT_SHA_LENGTH;
    return new RegExp(`^${escapeRegExp(shaOptions.tagPrefix ?? '')}[0-9a-f]{${length}}$`);
  }
  if (!/^[A-Za-z0-9_.*?-]+$/.test(pattern)) {
    throw new ConfigurationError(
      words`${input(inputName)} has the invalid pattern "${pattern}": use tag characters with * and ?, or ${SHA_TAGS} for sha tags.`,
    );
  }
  const source = [...pattern]
    .map((char) => (char === '*' ? '.*' : char === '?' ? '.' : escapeRegExp(char)))
    .join('');
  return new RegExp(`^${source}$`);
}

function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
