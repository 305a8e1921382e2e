import { compilePathPatterns } from '@flow-actions/retag-promote/path-patterns';

export interface CodeownersRule {
  pattern: string;
  /** `@login`, `@org/team` or an email, as written. */
  owners: string[];
  line: number;
  matches: (path: string) => boolean;
}

/**
 * Reads a CODEOWNERS file the way GitHub does: `pattern owner…` per line, `#` comments, the last
 * matching line wins, a line without owners takes a path's owners away. Patterns follow
 * .gitignore, with GitHub's documented differences: `docs/*` matches files directly in `docs`
 * and not deeper; `!` negation and `[ ]` ranges are not supported, so such lines are skipped (as
 * GitHub skips them).
 */
export function parseCodeowners(text: string): CodeownersRule[] {
  const rules: CodeownersRule[] = [];
  text.split(/\r?\n/).forEach((raw, index) => {
    const content = raw.replace(/(^|[^\\])#.*$/, '$1').trim();
    if (content === '') return;
    const [pattern = '', ...owners] = content.split(/\s+/);
    if (pattern.startsWith('!') || pattern.includes('[') || pattern === '/') return;
    rules.push({ pattern, owners, line: index + 1, matches: matcher(pattern.replace(/\\#/g, '#')) });
  });
  return rules;
}

/** The owners of `path` by the last rule that matches it; none when no rule does. */
export function ownersOf(
  rules: readonly CodeownersRule[],
  path: string,
): { owners: string[]; rule?: CodeownersRule } {
  const rule = rules.findLast((candidate) => candidate.matches(path));
  return rule ? { owners: rule.owners, rule } : { owners: [] };
}

/**
 * A pattern matches a path itself, or a folder the path is in (`apps/` and `/docs` own everything
 * below them) — except a pattern ending in `/*`, which owns only the folder's own files. A pattern
 * ending in `/` matches folders only.
 */
function matcher(pattern: string): (path: string) => boolean {
  const foldersOnly = pattern.endsWith('/');
  const bare = foldersOnly ? pattern.slice(0, -1) : pattern;
  const test = compilePathPatterns([bare]);
  const ownFilesOnly = bare.endsWith('/*');
  return (path) => {
    const parts = path.split('/');
    const folders = parts.slice(1).map((_, index) => parts.slice(0, index + 1).join('/'));
    if (!foldersOnly && test(path)) return true;
    return !ownFilesOnly && folders.some(test);
  };
}
