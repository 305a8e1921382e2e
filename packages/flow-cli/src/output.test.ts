import { describe, expect, it } from 'vitest';
import { describeMove, digestCell, formatTable } from './output';

const DIGEST_A = `sha256:${'a'.repeat(64)}`;
const DIGEST_B = `sha256:${'b'.repeat(64)}`;

describe('formatTable', () => {
  it('pads every column to its widest cell, upper-cases the header, trims line ends', () => {
    expect(
      formatTable({
        columns: ['image', 'tag', 'to'],
        rows: [
          ['oci:/tmp/layout', 'prod', 'x'],
          ['ghcr.io/acme/api', 'rc-1', ''],
        ],
      }),
    ).toEqual(['IMAGE             TAG   TO', 'oci:/tmp/layout   prod  x', 'ghcr.io/acme/api  rc-1']);
  });

  it('prints only the header when there are no rows', () => {
    expect(formatTable({ columns: ['tag', 'digest'], rows: [] })).toEqual(['TAG  DIGEST']);
  });
});

describe('digestCell and describeMove', () => {
  it('keeps the algorithm and 12 hex characters, as every job summary does', () => {
    expect(digestCell(DIGEST_A)).toBe('sha256:aaaaaaaaaaaa…');
    expect(digestCell(undefined)).toBe('-');
    expect(digestCell(null)).toBe('-');
  });

  it('says new, unchanged or from → to', () => {
    expect(describeMove(undefined, DIGEST_A)).toBe('new → sha256:aaaaaaaaaaaa…');
    expect(describeMove(DIGEST_A, DIGEST_A)).toBe('sha256:aaaaaaaaaaaa… (unchanged)');
    expect(describeMove(DIGEST_A, DIGEST_B)).toBe('sha256:aaaaaaaaaaaa… → sha256:bbbbbbbbbbbb…');
  });
});
