// A unified diff of two texts by lines, as `git diff` shows it (3 lines of context), for
// `flow init --dry-run` against the files already there. Workflows are a few hundred lines: the
// longest common subsequence over a full table is quick enough and always minimal.

const CONTEXT = 3;

type Line = { kind: ' ' | '-' | '+'; text: string; before: number; after: number };

/**
 * The unified diff of `before` → `after`, with `a/<file>` and `b/<file>` headers (`/dev/null` for a
 * file that is not there yet); empty when they are equal.
 */
export function unifiedDiff(before: string | undefined, after: string, file: string): string {
  if (before === after) return '';
  const lines = diffLines(splitLines(before ?? ''), splitLines(after));
  const hunks: string[] = [];
  let index = 0;
  while (index < lines.length) {
    const change = lines.findIndex((line, at) => at >= index && line.kind !== ' ');
    if (change < 0) break;
    let end = change;
    // A hunk runs on while the next change is close enough that their contexts would touch.
    for (let next = end + 1; next < lines.length; next++) {
      if (lines[next]?.kind === ' ') continue;
      if (next - end > 2 * CONTEXT) break;
      end = next;
    }
    const from = Math.max(index, change - CONTEXT);
    const to = Math.min(lines.length, end + CONTEXT + 1);
    const hunk = lines.slice(from, to);
    const first = hunk[0] as Line;
    const beforeCount = hunk.filter((line) => line.kind !== '+').length;
    const afterCount = hunk.filter((line) => line.kind !== '-').length;
    const header = `@@ -${range(first.before, beforeCount)} +${range(first.after, afterCount)} @@`;
    hunks.push([header, ...hunk.map((line) => `${line.kind}${line.text}`)].join('\n'));
    index = to;
  }
  return [before === undefined ? '--- /dev/null' : `--- a/${file}`, `+++ b/${file}`, ...hunks].join('\n');
}

/** `start,count` as unified diffs write it: a hunk adding to an empty range names the line before. */
function range(start: number, count: number): string {
  const line = count === 0 ? start - 1 : start;
  return count === 1 ? `${line}` : `${line},${count}`;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The edit script from the longest common subsequence, each line with its 1-based numbers on both sides. */
function diffLines(a: readonly string[], b: readonly string[]): Line[] {
  const width = b.length + 1;
  const common = new Uint32Array((a.length + 1) * width);
  for (let i = a.length - 1; i >= 0; i--)
    for (let j = b.length - 1; j >= 0; j--)
      common[i * width + j] =
        a[i] === b[j]
          ? (common[(i + 1) * width + j + 1] as number) + 1
          : Math.max(common[(i + 1) * width + j] as number, common[i * width + j + 1] as number);
  const lines: Line[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    if (i < a.length && j < b.length && a[i] === b[j]) {
      lines.push({ kind: ' ', text: a[i] as string, before: i + 1, after: j + 1 });
      i++;
      j++;
    } else if (
      i < a.length &&
      (j === b.length || (common[(i + 1) * width + j] as number) >= (common[i * width + j + 1] as number))
    ) {
      // Removals before additions, as git shows a changed line.
      lines.push({ kind: '-', text: a[i] as string, before: i + 1, after: j + 1 });
      i++;
    } else {
      lines.push({ kind: '+', text: b[j] as string, before: i + 1, after: j + 1 });
      j++;
    }
  }
  return lines;
}
