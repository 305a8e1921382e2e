import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { describe, expect, it } from 'vitest';
import { repositoryRoot } from '../../scripts/release/actions';

// A comment that says "DESIGN §2" or "DESIGN §8 rule 7" cites docs/DESIGN.md; one that says
// "STYLE §N" would cite docs/STYLE.md. Every such citation must name a section (and rule) that
// exists there, so a reader can follow it and a renumbering cannot leave stale pointers behind.

/** The documents code may cite, by the word that cites them. */
const CITED = { DESIGN: 'docs/DESIGN.md', STYLE: 'docs/STYLE.md' } as const;
type Cited = keyof typeof CITED;

interface Citation {
  file: string;
  line: number;
  document: Cited;
  section: number;
  rule?: number;
}

// Between the parts of one citation only spaces, comment markers and line breaks may stand:
// "DESIGN §8\n   * rule 6" is one citation, "(DESIGN §1, §2)" two.
const GAP = String.raw`[\s*/#]*`;
const CITATION = new RegExp(
  String.raw`\b(DESIGN|STYLE)${GAP}((?:(?:,|and)?${GAP}§\s*\d+(?:${GAP}rule${GAP}\d+)?)+)`,
  'g',
);
const PART = new RegExp(String.raw`§\s*(\d+)(?:${GAP}rule${GAP}(\d+))?`, 'g');

function findCitations(file: string, text: string): Citation[] {
  const citations: Citation[] = [];
  for (const match of text.matchAll(CITATION)) {
    const line = text.slice(0, match.index).split('\n').length;
    for (const part of (match[2] ?? '').matchAll(PART)) {
      const rule = part[2] === undefined ? undefined : Number(part[2]);
      citations.push({ file, line, document: match[1] as Cited, section: Number(part[1]), rule });
    }
  }
  return citations;
}

/** Section number → how many numbered items (rules) its body lists, from `## N. Title` headings. */
function sectionsOf(markdown: string): Map<number, number> {
  const sections = new Map<number, number>();
  let current: number | undefined;
  for (const line of markdown.split('\n')) {
    const heading = /^## (\d+)\. /.exec(line);
    if (heading) {
      current = Number(heading[1]);
      sections.set(current, 0);
      continue;
    }
    if (/^#{1,2} /.test(line)) current = undefined;
    const item = /^(\d+)\. /.exec(line);
    if (current !== undefined && item)
      sections.set(current, Math.max(sections.get(current) ?? 0, Number(item[1])));
  }
  return sections;
}

/** What is wrong with each citation, one line each: a missing document, section or rule. */
function checkCitations(citations: readonly Citation[], read: (path: string) => string | undefined) {
  const problems: string[] = [];
  for (const citation of citations) {
    const path = CITED[citation.document];
    const where = `${citation.file}:${citation.line}`;
    const text = read(path);
    const cited = `${citation.document} §${citation.section}${citation.rule ? ` rule ${citation.rule}` : ''}`;
    if (text === undefined) {
      problems.push(`${where}: cites ${cited}, but ${path} does not exist`);
      continue;
    }
    const rules = sectionsOf(text).get(citation.section);
    if (rules === undefined)
      problems.push(`${where}: cites ${cited}, but ${path} has no section ${citation.section}`);
    else if (citation.rule !== undefined && citation.rule > rules)
      problems.push(`${where}: cites ${cited}, but §${citation.section} of ${path} lists ${rules} rule(s)`);
  }
  return problems;
}

const readDocument = (path: string) => {
  const file = join(repositoryRoot, path);
  return existsSync(file) ? readFileSync(file, 'utf8') : undefined;
};

const SELF = 'test/release/design-citations.test.ts';

/** Every file of the checkout that git would commit: tracked, or new and not ignored. */
async function sourceFiles(): Promise<string[]> {
  const { stdout } = await exec('git', ['ls-files', '--cached', '--others', '--exclude-standard', '-z'], {
    cwd: repositoryRoot,
  });
  return (
    stdout
      .split('\0')
      // docs/ holds the cited documents; this file's own examples point nowhere on purpose.
      .filter((file) => /\.(ts|md|yml|json|sh)$/.test(file) && !file.startsWith('docs/') && file !== SELF)
      .filter((file) => existsSync(join(repositoryRoot, file)))
  );
}

describe('DESIGN citations', () => {
  it('every "DESIGN §N" (and "rule M") in the code, READMEs and templates names a section of docs/DESIGN.md', async () => {
    const citations = (await sourceFiles()).flatMap((file) =>
      findCitations(file, readFileSync(join(repositoryRoot, file), 'utf8')),
    );
    // The code does cite the design: an empty list would mean the scan found nothing.
    expect(citations.filter((citation) => citation.document === 'DESIGN').length).toBeGreaterThan(10);
    expect(checkCitations(citations, readDocument)).toEqual([]);
  });

  it('docs/DESIGN.md is the design, sections 1 to 8, with the eleven rules of §8', () => {
    const sections = sectionsOf(readDocument(CITED.DESIGN) ?? '');
    expect([...sections.keys()]).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(sections.get(8)).toBe(11);
  });

  it('reads citations across comment lines and lists, and reports each one that points nowhere', () => {
    const text = [
      '// Lineage (DESIGN §2): read from the artifact.',
      ' * verified against the digest (DESIGN §8',
      ' * rule 6), built once (DESIGN §1, §2).',
      '# DESIGN §9 is not there; DESIGN §8 rule 12 neither; STYLE §1 has no file.',
      'SemVer 2.0 §11 is not ours.',
    ].join('\n');
    const citations = findCitations('x.ts', text);
    expect(citations.map((c) => `${c.line} ${c.document} ${c.section} ${c.rule ?? '-'}`)).toEqual([
      '1 DESIGN 2 -',
      '2 DESIGN 8 6',
      '3 DESIGN 1 -',
      '3 DESIGN 2 -',
      '4 DESIGN 9 -',
      '4 DESIGN 8 12',
      '4 STYLE 1 -',
    ]);
    expect(
      checkCitations(citations, (path) => (path === CITED.DESIGN ? readDocument(path) : undefined)),
    ).toEqual([
      'x.ts:4: cites DESIGN §9, but docs/DESIGN.md has no section 9',
      'x.ts:4: cites DESIGN §8 rule 12, but §8 of docs/DESIGN.md lists 11 rule(s)',
      'x.ts:4: cites STYLE §1, but docs/STYLE.md does not exist',
    ]);
  });
});
