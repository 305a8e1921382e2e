import { readFile } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { CLI_FOLDER, CLI_SOURCE } from './cli-package';
import { markdownHeadings, rewriteLinks } from './markdown';

// The release tree's Markdown is written in the sources, where its links are relative to the
// source file (`../actions/retag-promote/README.md`). Copied into the tree, each link is pointed at
// the same file's place there (`promote/README.md`), so the docs work on GitHub in both places.
// A link to a file the tree does not carry is left as written; the tree's link test names it.

/** The users' README: the README of every release tree, written here. */
export const USERS_README = 'docs/README.release.md';
/** The design, shipped beside it: the actions' READMEs cite it. */
export const DESIGN = 'docs/DESIGN.md';

/** A source path (relative to the repository, `/`-separated) → its path in the tree, if the tree carries it. */
export type TreePaths = (sourcePath: string) => string | undefined;

/**
 * Where the tree puts what it carries from the sources: each action folder (`actions/<dir>` →
 * `<uses>`, its action.yml and README.md), the templates, LICENSE, the design, the flow CLI's
 * package (`packages/flow-cli` → `cli`, with its README), and the READMEs (the repository's
 * README.md and the users' README both become the tree's README.md: the one includes sections of
 * the other).
 */
export function treePaths(actions: readonly { source: string; uses: string }[]): TreePaths {
  const fixed = new Map<string, string>([
    ['LICENSE', 'LICENSE'],
    [DESIGN, DESIGN],
    ['docs', 'docs'],
    [USERS_README, 'README.md'],
    ['README.md', 'README.md'],
    ['workflows-templates', 'workflows-templates'],
    [CLI_SOURCE, CLI_FOLDER],
    [`${CLI_SOURCE}/README.md`, `${CLI_FOLDER}/README.md`],
  ]);
  for (const { source, uses } of actions) {
    fixed.set(source, uses);
    fixed.set(`${source}/action.yml`, `${uses}/action.yml`);
    fixed.set(`${source}/README.md`, `${uses}/README.md`);
  }
  return (path) => fixed.get(path) ?? (path.startsWith('workflows-templates/') ? path : undefined);
}

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;

/** Points the relative links of `text`, written at `sourceFile`, at their places in the tree from `treeFile`. */
export function relinkMarkdown(text: string, sourceFile: string, treeFile: string, paths: TreePaths): string {
  return rewriteLinks(text, (destination) => {
    if (SCHEME.test(destination) || destination.startsWith('#') || destination.startsWith('/'))
      return undefined;
    const hash = destination.indexOf('#');
    const path = hash < 0 ? destination : destination.slice(0, hash);
    const anchor = hash < 0 ? '' : destination.slice(hash);
    const target = posix.normalize(posix.join(posix.dirname(sourceFile), path)).replace(/\/$/, '');
    const mapped = paths(target);
    if (mapped === undefined) return undefined;
    return (posix.relative(posix.dirname(treeFile), mapped) || '.') + anchor;
  });
}

/**
 * A line `<!-- include -->[title](path#anchor)` stands for that section of another Markdown file:
 * on GitHub it is a link to the section, in the tree the section itself — so the users' README and
 * the repository's README share sections instead of holding two copies of them.
 */
const INCLUDE = /^<!-- include -->\s*\[[^\]]*\]\(([^)#\s]+)#([^)\s]+)\)[ \t]*$/gm;

/** The tree's README.md: the users' README with its includes filled in, every part relinked. */
export async function buildUsersReadme(root: string, paths: TreePaths): Promise<string> {
  const text = await readFile(join(root, USERS_README), 'utf8');
  const parts: string[] = [];
  let at = 0;
  for (const match of text.matchAll(INCLUDE)) {
    const index = match.index ?? 0;
    parts.push(relinkMarkdown(text.slice(at, index), USERS_README, 'README.md', paths));
    const file = posix.normalize(posix.join(posix.dirname(USERS_README), match[1] as string));
    const section = sectionOf(await readFile(join(root, file), 'utf8'), match[2] as string, file);
    parts.push(relinkMarkdown(section.trimEnd(), file, 'README.md', paths));
    at = index + match[0].length;
  }
  parts.push(relinkMarkdown(text.slice(at), USERS_README, 'README.md', paths));
  return parts.join('');
}

/** The section under the heading whose anchor is `anchor`: its heading and everything up to the next heading of its level or above. */
export function sectionOf(markdown: string, anchor: string, file: string): string {
  const headings = markdownHeadings(markdown);
  const start = headings.findIndex((heading) => heading.anchor === anchor);
  const heading = headings[start];
  if (!heading)
    throw new Error(`${USERS_README} includes ${file}#${anchor}, but ${file} has no such heading.`);
  const next = headings.slice(start + 1).find((other) => other.level <= heading.level);
  const lines = markdown.split('\n');
  return lines.slice(heading.line, next ? next.line : lines.length).join('\n');
}
