/**
 * The known word a mistyped one most likely meant, or undefined when none is close: for "did you
 * mean" in the error that refuses it. Close means an edit distance of at most a third of the
 * word (one edit for short words), after reading `_` as `-` and ignoring case, so `Approval`,
 * `allowed_to_skip` and `reveiw` all find their key.
 */
export function closestWord(word: string, known: readonly string[]): string | undefined {
  const wanted = normalise(word);
  let best: { candidate: string; distance: number } | undefined;
  for (const candidate of known) {
    const distance = editDistance(wanted, normalise(candidate));
    if (!best || distance < best.distance) best = { candidate, distance };
  }
  if (!best) return undefined;
  const allowed = Math.max(1, Math.floor(Math.max(wanted.length, 3) / 3));
  return best.distance <= allowed ? best.candidate : undefined;
}

function normalise(word: string): string {
  return word.toLowerCase().replace(/_/g, '-');
}

/** Levenshtein distance with adjacent transpositions (reveiw → review is one edit). */
function editDistance(a: string, b: string): number {
  const rows = a.length + 1;
  const columns = b.length + 1;
  const table: number[][] = Array.from({ length: rows }, (_, row) =>
    Array.from({ length: columns }, (_, column) => (row === 0 ? column : column === 0 ? row : 0)),
  );
  const at = (row: number, column: number) => table[row]?.[column] ?? Number.POSITIVE_INFINITY;
  for (let row = 1; row < rows; row++) {
    for (let column = 1; column < columns; column++) {
      const cost = a[row - 1] === b[column - 1] ? 0 : 1;
      let distance = Math.min(
        at(row - 1, column) + 1,
        at(row, column - 1) + 1,
        at(row - 1, column - 1) + cost,
      );
      if (row > 1 && column > 1 && a[row - 1] === b[column - 2] && a[row - 2] === b[column - 1])
        distance = Math.min(distance, at(row - 2, column - 2) + 1);
      (table[row] as number[])[column] = distance;
    }
  }
  return at(rows - 1, columns - 1);
}
