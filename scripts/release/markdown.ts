// The Markdown the release tree carries is read on GitHub: its relative links must lead to files
// of the tree, and their anchors to headings GitHub generates ids for. These read links and
// headings the way GitHub renders them, closely enough for the READMEs we write.

/** A link destination in a Markdown text: inline `[text](dest)`, `![alt](dest)`, `[id]: dest`, or an HTML `href`/`src`. */
export interface MarkdownLink {
  destination: string;
  /** Offset of the destination in the text. */
  index: number;
  line: number;
}

/** Blanks out code (fenced blocks, inline spans) with spaces of the same length, so offsets stay. */
function withoutCode(text: string): string {
  const lines = text.split('\n');
  let fence: string | undefined;
  const kept = lines.map((line) => {
    const marker = /^ {0,3}(`{3,}|~{3,})/.exec(line)?.[1];
    if (fence) {
      if (marker && marker[0] === fence[0] && marker.length >= fence.length) fence = undefined;
      return ' '.repeat(line.length);
    }
    if (marker) {
      fence = marker;
      return ' '.repeat(line.length);
    }
    return line.replace(/(`+)[\s\S]*?\1/g, (span) => ' '.repeat(span.length));
  });
  return kept.join('\n');
}

/** Every link destination outside code, in text order. */
export function markdownLinks(text: string): MarkdownLink[] {
  const plain = withoutCode(text);
  const links: MarkdownLink[] = [];
  const lineAt = (index: number) => plain.slice(0, index).split('\n').length;
  const add = (index: number, destination: string) => links.push({ destination, index, line: lineAt(index) });
  for (const match of plain.matchAll(/\]\(/g)) {
    let start = (match.index ?? 0) + 2;
    while (plain[start] === ' ') start++;
    if (plain[start] === '<') {
      const end = plain.indexOf('>', start);
      if (end > start) add(start + 1, plain.slice(start + 1, end));
      continue;
    }
    // Up to white space or the parenthesis that closes the link; balanced ones belong to it.
    let depth = 0;
    let end = start;
    for (; end < plain.length; end++) {
      const char = plain[end] as string;
      if (/\s/.test(char)) break;
      if (char === '(') depth++;
      if (char === ')' && depth-- === 0) break;
    }
    if (end > start) add(start, plain.slice(start, end));
  }
  for (const match of plain.matchAll(/^ {0,3}\[[^\]\n]+\]:[ \t]*<?([^\s>]+)>?/gm))
    add((match.index ?? 0) + match[0].lastIndexOf(match[1] as string), match[1] as string);
  for (const match of plain.matchAll(/\b(?:href|src)="([^"]+)"/g))
    add((match.index ?? 0) + match[0].indexOf('"') + 1, match[1] as string);
  return links.sort((a, b) => a.index - b.index);
}

/** Replaces the destinations `rewrite` maps to a new value; the rest of the text stays as it is. */
export function rewriteLinks(text: string, rewrite: (destination: string) => string | undefined): string {
  let out = '';
  let at = 0;
  for (const link of markdownLinks(text)) {
    const replacement = rewrite(link.destination);
    if (replacement === undefined || replacement === link.destination) continue;
    out += text.slice(at, link.index) + replacement;
    at = link.index + link.destination.length;
  }
  return out + text.slice(at);
}

export interface MarkdownHeading {
  /** 1 for `#`, 2 for `##` … */
  level: number;
  /** The id GitHub gives it: lower case, punctuation dropped, spaces to hyphens, `-1`, `-2` … for repeats. */
  anchor: string;
  /** Its line, counted from 0. */
  line: number;
}

/** The ATX headings of a Markdown text (a `#` line inside a code fence is none). */
export function markdownHeadings(text: string): MarkdownHeading[] {
  const headings: MarkdownHeading[] = [];
  const seen = new Map<string, number>();
  const lines = text.split('\n');
  // Found where code is blanked out, read from the original line: inline code keeps its words.
  for (const [line, plain] of withoutCode(text).split('\n').entries()) {
    const marks = /^ {0,3}(#{1,6})(?:[ \t]|$)/.exec(plain)?.[1];
    if (!marks) continue;
    const words = (lines[line] ?? '')
      .replace(/^ {0,3}#{1,6}[ \t]*/, '')
      .replace(/[ \t]+#+[ \t]*$/, '')
      .replace(/!?\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/<[^>]+>/g, '')
      .trim();
    const slug = words
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const count = seen.get(slug) ?? 0;
    seen.set(slug, count + 1);
    headings.push({ level: marks.length, anchor: count === 0 ? slug : `${slug}-${count}`, line });
  }
  return headings;
}

/** Every anchor a link into the text may name: its headings', and explicit `<a id>` / `<a name>` ones. */
export function markdownAnchors(text: string): Set<string> {
  const anchors = new Set(markdownHeadings(text).map((heading) => heading.anchor));
  for (const match of text.matchAll(/<a\s+(?:id|name)="([^"]+)"/g)) anchors.add(match[1] as string);
  return anchors;
}
