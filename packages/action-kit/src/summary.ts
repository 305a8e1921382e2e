import { appendFile } from 'node:fs/promises';

/**
 * Builds a job summary as GitHub-flavoured Markdown. Pure: `toString()` gives the text, and
 * `writeSummary` appends it to the file the runner reads.
 */
export class SummaryBuilder {
  readonly #parts: string[] = [];

  heading(text: string, level: 1 | 2 | 3 | 4 = 2): this {
    this.#parts.push(`${'#'.repeat(level)} ${text}`);
    return this;
  }

  paragraph(text: string): this {
    this.#parts.push(text);
    return this;
  }

  list(items: readonly string[]): this {
    if (items.length > 0) this.#parts.push(items.map((item) => `- ${item}`).join('\n'));
    return this;
  }

  /** A table; cells are escaped so a `|` or a newline cannot break the layout. */
  table(header: readonly string[], rows: readonly (readonly string[])[]): this {
    const line = (cells: readonly string[]) => `| ${cells.map(escapeCell).join(' | ')} |`;
    this.#parts.push([line(header), line(header.map(() => '---')), ...rows.map(line)].join('\n'));
    return this;
  }

  code(text: string, language = ''): this {
    const fence = text.includes('```') ? '````' : '```';
    this.#parts.push(`${fence}${language}\n${text}\n${fence}`);
    return this;
  }

  /** A Mermaid diagram: GitHub renders it as a picture in the job summary. */
  mermaid(diagram: string): this {
    return this.code(diagram, 'mermaid');
  }

  details(summary: string, body: string): this {
    this.#parts.push(`<details><summary>${escapeHtml(summary)}</summary>\n\n${body}\n\n</details>`);
    return this;
  }

  get isEmpty(): boolean {
    return this.#parts.length === 0;
  }

  toString(): string {
    return `${this.#parts.join('\n\n')}\n`;
  }
}

/** Inline code for a cell or a paragraph: digests, tags and references read best monospaced. */
export function inlineCode(text: string): string {
  const fence = text.includes('`') ? '``' : '`';
  return `${fence}${text}${fence}`;
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Appends to the job summary file. Without `GITHUB_STEP_SUMMARY` (a run outside Actions)
 * there is nowhere to write, and that is not an error.
 */
export async function writeSummary(
  summary: SummaryBuilder | string,
  path: string | undefined = process.env.GITHUB_STEP_SUMMARY,
): Promise<boolean> {
  if (!path) return false;
  await appendFile(path, summary.toString(), 'utf8');
  return true;
}
