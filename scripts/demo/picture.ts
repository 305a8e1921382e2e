import { join } from 'node:path';
import { exec, shortDigest } from '@flow-actions/action-kit';
import { readTombstone } from '@flow-actions/artifact-protocol';
import { openStore } from '@flow-actions/oci-store';
import type { DemoResult } from './story';

/** Every tag of the store grouped by the digest it points at. */
export async function tagsByDigest(result: DemoResult): Promise<Map<string, string[]>> {
  const store = await openStore(result.store);
  const byDigest = new Map<string, string[]>();
  for (const tag of await store.listTags()) {
    const digest = (await store.resolve(tag))?.digest;
    if (!digest) continue;
    byDigest.set(digest, [...(byDigest.get(digest) ?? []), tag]);
  }
  return byDigest;
}

/** The store at the end, as a table: each artifact, the commit it was built from, its tags. */
export async function tagTable(result: DemoResult): Promise<string> {
  const byDigest = await tagsByDigest(result);
  const rows = [['digest', 'built from', 'tags']];
  for (const [name, digest] of Object.entries(result.digests)) {
    const commit = result.commits[name as keyof DemoResult['commits']];
    rows.push([
      shortDigest(digest),
      `${name} ${commit.slice(0, 7)}`,
      (byDigest.get(digest) ?? []).join(', ') || '(deleted)',
    ]);
  }
  const widths =
    rows[0]?.map((_, column) => Math.max(...rows.map((row) => (row[column] ?? '').length))) ?? [];
  return rows
    .map((row) =>
      row
        .map((cell, column) => cell.padEnd(widths[column] ?? 0))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** A text lineage picture: every commit, what became of it, and where each tag points. */
export async function lineagePicture(result: DemoResult): Promise<string> {
  const byDigest = await tagsByDigest(result);
  const store = await openStore(result.store);
  const lines = ['lineage (main, oldest first)'];
  for (const [name, sha] of Object.entries(result.commits)) {
    const subject = (
      await exec('git', ['-C', join(result.dir, 'app'), 'log', '-1', '--format=%s', sha])
    ).stdout.trim();
    const head = `  ${name} ${sha.slice(0, 7)}  ${subject.padEnd(30)}`;
    const digest = result.digests[name as keyof DemoResult['digests']];
    const tombstone = await readTombstone(store, sha);
    if (tombstone) lines.push(`${head} ✗ yanked: "${tombstone.reason}"`);
    else if (digest)
      lines.push(`${head} ──▶ ${shortDigest(digest)} ◀── ${(byDigest.get(digest) ?? []).join(', ')}`);
    else lines.push(`${head}     (docs only: no artifact; rc-1 and v1.0.0 promoted A's)`);
  }
  return lines.join('\n');
}
