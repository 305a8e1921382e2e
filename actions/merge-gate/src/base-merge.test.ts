import type { PullRequestFile } from '@flow-actions/github-api';
import { describe, expect, it } from 'vitest';
import { findOnlyBaseMergedSince, patchId } from './base-merge';
import type { SnapshotReview } from './snapshot';

const file = (
  filename: string,
  patch: string | undefined,
  extra: Partial<PullRequestFile> = {},
): PullRequestFile => ({
  filename,
  status: 'modified',
  additions: 1,
  deletions: 1,
  ...(patch === undefined ? {} : { patch }),
  ...extra,
});

describe('patchId: a diff as git patch-id sees it', () => {
  it('merging the base in moves hunks and context: the same id', () => {
    const before = [file('src/a.ts', '@@ -10,3 +10,3 @@ function a\n context\n-old\n+new')];
    const after = [file('src/a.ts', '@@ -42,3 +42,3 @@ function a\n other context\n-old\n+new')];
    expect(patchId(after)).toBe(patchId(before));
  });

  it('whitespace inside a line and the order of files change nothing', () => {
    const one = [file('b.ts', '@@ -1 +1 @@\n-x\n+y'), file('a.ts', '@@ -1 +1 @@\n-  a  =  1\n+a = 2')];
    const two = [file('a.ts', '@@ -1 +1 @@\n-a = 1\n+a = 2'), file('b.ts', '@@ -1 +1 @@\n-x\n+y')];
    expect(patchId(one)).toBe(patchId(two));
  });

  it.each([
    ['a changed line', [file('src/a.ts', '@@ -1 +1 @@\n-old\n+newer')]],
    ['another file', [file('src/b.ts', '@@ -1 +1 @@\n-old\n+new')]],
    [
      'a rename',
      [file('src/a.ts', '@@ -1 +1 @@\n-old\n+new', { status: 'renamed', previous_filename: 'src/z.ts' })],
    ],
  ])('%s: another id', (_, other) => {
    expect(patchId(other)).not.toBe(patchId([file('src/a.ts', '@@ -1 +1 @@\n-old\n+new')]));
  });

  it('a file without a patch, or 300 files, cannot be compared', () => {
    expect(patchId([file('logo.png', undefined)])).toBeUndefined();
    expect(patchId(Array.from({ length: 300 }, (_, index) => file(`f${index}`, '+x')))).toBeUndefined();
    expect(patchId(undefined)).toBeUndefined();
  });
});

describe('findOnlyBaseMergedSince', () => {
  const head = 'c'.repeat(40);
  const reviewed = 'd'.repeat(40);
  const review = (commitId: string, state = 'APPROVED'): SnapshotReview => ({
    id: 1,
    author: 'bob',
    authorIsBot: false,
    authorCanPush: true,
    association: 'MEMBER',
    state,
    commitId,
    submittedAt: '2026-11-20T10:00:00Z',
  });
  const diffs: Record<string, PullRequestFile[]> = {
    [head]: [file('src/a.ts', '@@ -9 +9 @@\n-old\n+new')],
    [reviewed]: [file('src/a.ts', '@@ -1 +1 @@\n-old\n+new')],
  };
  const client = (asked: string[]) => ({
    compareCommits: async (base: string, sha: string) => {
      asked.push(`${base}...${sha}`);
      return { status: 'ahead', merge_base_commit: { sha: base }, files: diffs[sha] ?? [] };
    },
  });

  it('an approval of an earlier head with the same changes counts; reads two comparisons', async () => {
    const asked: string[] = [];
    const found = await findOnlyBaseMergedSince(
      client(asked),
      { reviews: [review(reviewed), review(head)], headSha: head, baseRef: 'main' },
      { keepApprovalsOnBaseMerge: true },
    );
    expect(found).toEqual({ shas: [reviewed], compared: 2 });
    expect(asked).toEqual([`main...${head}`, `main...${reviewed}`]);
  });

  it('reads nothing when the policy keeps no such approval, or every approval is of the head', async () => {
    const asked: string[] = [];
    const pr = { reviews: [review(reviewed)], headSha: head, baseRef: 'main' };
    expect(await findOnlyBaseMergedSince(client(asked), pr, { keepApprovalsOnBaseMerge: false })).toEqual({
      shas: [],
      compared: 0,
    });
    expect(
      await findOnlyBaseMergedSince(
        client(asked),
        { ...pr, reviews: [review(head), review(reviewed, 'COMMENTED')] },
        { keepApprovalsOnBaseMerge: true },
      ),
    ).toEqual({ shas: [], compared: 0 });
    expect(asked).toEqual([]);
  });
});
