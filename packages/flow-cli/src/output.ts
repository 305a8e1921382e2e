import { shortDigest } from '@flow-actions/action-kit';

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

/** A digest for a table cell, short as in every summary (`sha256:0123456789ab…`); `-` for none. */
export function digestCell(digest: string | null | undefined): string {
  return digest ? shortDigest(digest) : '-';
}

/** `from → to` for a tag move; `new` when the tag did not exist. */
export function describeMove(previous: string | undefined, next: string): string {
  if (!previous) return `new → ${shortDigest(next)}`;
  if (previous === next) return `${shortDigest(next)} (unchanged)`;
  return `${shortDigest(previous)} → ${shortDigest(next)}`;
}
