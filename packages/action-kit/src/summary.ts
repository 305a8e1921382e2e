/**
 * Builds a job summary as GitHub-flavoured Markdown. Pure: `toString()` gives the text, and the
 * runner entry's `writeSummary` appends it through `core.summary`. Our own builder rather than
 * core.summary's HTML helpers: cells are escaped and digests shortened the way every flow action
 * shows them, and `flow` renders the same summaries without loading core.
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

  /**
   * The full digests behind the short ones of a table, once each and copyable, folded away:
   * `[label, digest]` pairs, e.g. `['prod before', 'sha256:…']`. The label may be Markdown.
   */
  fullDigests(entries: readonly (readonly [label: string, digest: string])[]): this {
    const seen = new Set<string>();
    const lines = entries.flatMap(([label, digest]) => {
      const key = `${label}\n${digest}`;
      if (seen.has(key)) return [];
      seen.add(key);
      return [`- ${label}: ${inlineCode(digest)}`];
    });
    return lines.length > 0 ? this.details('Full digests', lines.join('\n')) : this;
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

const OCI_DIGEST = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*:)([a-zA-Z0-9=_-]+)$/;
const NPM_INTEGRITY = /^(sha(?:256|384|512)-)([A-Za-z0-9+/]+={0,2})$/;

/**
 * A digest short enough for a table cell — the algorithm and 12 characters, `sha256:5391cda2b02e…`
 * or, for an npm integrity, `sha512-AbCdEfGhIjKl…` — so that no column scrolls off. Anything
 * else is returned as it is.
 */
export function shortDigest(digest: string): string {
  const match = OCI_DIGEST.exec(digest) ?? NPM_INTEGRITY.exec(digest);
  if (!match) return digest;
  const [, algorithm = '', encoded = ''] = match;
  return encoded.length > 12 ? `${algorithm}${encoded.slice(0, 12)}…` : digest;
}

// An OCI digest (`sha256:<64 hex>`) or an npm integrity (`sha512-<base64>`) inside a longer text.
const DIGESTS_IN_TEXT =
  /\b[a-z0-9]+(?:[+._][a-z0-9]+)*:[0-9a-f]{32,}\b|\bsha(?:256|384|512)-[A-Za-z0-9+/]{40,}={0,2}/g;

/** Every digest in `text` made short (see shortDigest): for cells that hold references or values. */
export function shortenDigests(text: string): string {
  return text.replace(DIGESTS_IN_TEXT, shortDigest);
}

/** The digests in `text`, in order, each once: the full forms behind shortenDigests. */
export function digestsIn(text: string): string[] {
  return [...new Set(text.match(DIGESTS_IN_TEXT) ?? [])];
}

function escapeCell(text: string): string {
  return text.replace(/\|/g, '\\|').replace(/\r?\n/g, '<br>');
}

function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}
