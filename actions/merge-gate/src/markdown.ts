/**
 * GitHub keeps at most 65535 characters of a check run's `output.summary` and `output.text`.
 * The text is measured here in UTF-8 bytes, which are never fewer than characters, so a text
 * that fits in bytes fits however GitHub counts.
 */
export const CHECK_OUTPUT_LIMIT = 65535;

/** Longer names are cut: a check or label name is a label, not a document. */
const MAX_TEXT = 200;

// Characters that Markdown or HTML would read as markup anywhere in a line, and the backslash
// that would escape the next one: written as numeric character references they are plain text,
// even inside a table cell, where a literal "|" would end the cell whatever escapes it.
const MARKUP = /[&<>"'\\`*_[\]|~!:#]/g;

/**
 * Text from outside — a check name, a label, a login, a status description — as literal Markdown
 * text: markup characters become character references, line breaks and control characters become
 * spaces, and anything longer than 200 characters is cut with "…". `<img src=x>`, `a | b` and
 * `**bold**` all render as written and cannot break a table.
 */
export function plainText(text: string): string {
  const flat = [...text.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ')];
  const cut = flat.length > MAX_TEXT ? `${flat.slice(0, MAX_TEXT - 1).join('')}…` : flat.join('');
  return cut.replace(MARKUP, (char) => `&#${char.charCodeAt(0)};`);
}

/**
 * `[text](url)` for an http(s) URL, with the characters that would end the link or the table
 * cell percent-encoded; any other URL (javascript:, data:, a relative one) leaves the text unlinked.
 * `text` is Markdown already (pass it through plainText first when it comes from outside).
 */
export function link(text: string, url: string | undefined): string {
  if (!url) return text;
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return text;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return text;
  const safe = parsed.href.replace(
    /[()|<>\s]/g,
    (char) => `%${char.charCodeAt(0).toString(16).toUpperCase().padStart(2, '0')}`,
  );
  return `[${text}](${safe})`;
}

/**
 * Markdown cut to at most `limit` UTF-8 bytes at a line boundary — a table loses its last rows and
 * stays a table — followed by a note of how many lines were left out. Text that fits is returned
 * as it is.
 */
export function fitMarkdown(markdown: string, limit: number = CHECK_OUTPUT_LIMIT): string {
  if (byteLength(markdown) <= limit) return markdown;
  const lines = markdown.split('\n');
  const note = (left: number) =>
    `\n\n_… ${left} more line${left === 1 ? '' : 's'} not shown: GitHub keeps at most ${limit} characters of a check run's output._\n`;
  let kept = 0;
  let size = 0;
  for (const line of lines) {
    const next = size + byteLength(line) + 1;
    if (next + byteLength(note(lines.length - kept - 1)) > limit) break;
    size = next;
    kept++;
  }
  if (kept > 0) return `${lines.slice(0, kept).join('\n')}${note(lines.length - kept)}`;
  // One line longer than the whole limit: cut it, never inside a character or a character reference.
  const tail = note(lines.length - 1);
  let first = '';
  let firstSize = byteLength(tail) + byteLength('…');
  for (const char of lines[0] ?? '') {
    firstSize += byteLength(char);
    if (firstSize > limit) break;
    first += char;
  }
  return `${first.replace(/&#?\w*$/, '')}…${tail}`;
}

export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8');
}
