/**
 * Path patterns for `ignore-paths`: `**` matches any number of folders, `*` anything within
 * one name, `?` one character. A pattern without a slash matches a name at any depth, the way
 * `.gitignore` reads it.
 */
export function compilePathPatterns(patterns: readonly string[]): (path: string) => boolean {
  const matchers = patterns.map(compilePathPattern);
  return (path) => matchers.some((matcher) => matcher.test(path));
}

function compilePathPattern(pattern: string): RegExp {
  const anchored = pattern.includes('/') ? pattern.replace(/^\//, '') : `**/${pattern}`;
  let source = '';
  for (let index = 0; index < anchored.length; index++) {
    const char = anchored[index] as string;
    if (char === '*' && anchored[index + 1] === '*') {
      const slash = anchored[index + 2] === '/';
      source += slash ? '(?:.*/)?' : '.*';
      index += slash ? 2 : 1;
    } else if (char === '*') {
      source += '[^/]*';
    } else if (char === '?') {
      source += '[^/]';
    } else {
      source += char.replace(/[.+^${}()|[\]\\]/g, '\\$&');
    }
  }
  return new RegExp(`^${source}$`);
}
