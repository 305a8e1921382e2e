import { describe, expect, it } from 'vitest';
import { toFlagWording } from './inputs';
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

describe('toFlagWording', () => {
  it.each([
    ['Input "to" is required: set it under "with:" in the workflow step.', '--to is required: pass it.'],
    [
      'Inputs "username" and "password" go together: "password" is missing.',
      '--username and --password go together: --password is missing.',
    ],
    ['input image: repository "X" must be lower-case', '--image: repository "X" must be lower-case'],
    [
      'Fix forward with a new commit, or set allow-yanked: true to override.',
      'Fix forward with a new commit, or pass --allow-yanked to override.',
    ],
    ['Input "versions-from: git" needs a checkout', '--versions-from git needs a checkout'],
    [
      'Input "to" has v1.0, which is not a semver release tag: write vMAJOR.MINOR.PATCH. If this project versions otherwise, set version-scheme: calver (or none).',
      '--to has v1.0, which is not a semver release tag: write vMAJOR.MINOR.PATCH. If this project versions otherwise, pass --version-scheme calver (or none).',
    ],
    ['Registry answered 500', 'Registry answered 500'],
    [
      'remove them and log in, or use inputs "username" and "password"; check input "path".',
      'remove them and log in, or use --username and --password; check --path.',
    ],
  ])('%s', (message, expected) => {
    expect(toFlagWording(message)).toBe(expected);
  });
});
