/** The closing table of a command's human output. */
export interface Table {
  columns: string[];
  rows: string[][];
}

/** Columns padded to their widest cell, two spaces apart, no trailing spaces. */
export function formatTable(table: Table): string[] {
  const widths = table.columns.map((column, index) =>
    Math.max(column.length, ...table.rows.map((row) => (row[index] ?? '').length)),
  );
  const format = (cells: string[]) =>
    cells
      .map((cell, index) => cell.padEnd(widths[index] ?? 0))
      .join('  ')
      .trimEnd();
  return [format(table.columns.map((column) => column.toUpperCase())), ...table.rows.map(format)];
}

/** `sha256:0123456789ab…` → `sha256:0123456789ab`: enough to tell digests apart on screen. */
export function shortDigest(digest: string | undefined): string {
  if (!digest) return '-';
  const [algorithm, hex] = digest.split(':');
  return hex ? `${algorithm}:${hex.slice(0, 12)}` : digest;
}

/** `from → to` for a tag move; `new` when the tag did not exist. */
export function describeMove(previous: string | undefined, next: string): string {
  if (!previous) return `new → ${shortDigest(next)}`;
  if (previous === next) return `${shortDigest(next)} (unchanged)`;
  return `${shortDigest(previous)} → ${shortDigest(next)}`;
}
