import { describe, expect, it } from 'vitest';
import { compilePathPatterns } from './path-patterns';

const DEFAULTS = ['**/*.md', '**/*.mdx', 'docs/**', 'LICENSE', 'LICENSE.*', '.github/ISSUE_TEMPLATE/**'];

describe('compilePathPatterns', () => {
  const ignored = compilePathPatterns(DEFAULTS);
  it.each([
    ['README.md', true],
    ['services/api/CHANGELOG.md', true],
    ['docs/guide/setup.png', true],
    ['LICENSE', true],
    ['LICENSE.txt', true],
    ['.github/ISSUE_TEMPLATE/bug.yml', true],
    ['src/main.ts', false],
    ['docs.ts', false],
    ['services/docs/handler.ts', false],
    ['Dockerfile', false],
    ['README.md.ts', false],
  ])('%s ignored: %s', (path, expected) => {
    expect(ignored(path)).toBe(expected);
  });

  it('a pattern without a slash matches at any depth; * stays within one name', () => {
    const matches = compilePathPatterns(['*.txt', 'src/*.snap']);
    expect(matches('a/b/notes.txt')).toBe(true);
    expect(matches('src/x.snap')).toBe(true);
    expect(matches('src/deep/x.snap')).toBe(false);
  });
});
