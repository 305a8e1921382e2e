import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ActionRun } from '@flow-actions/runner-harness';
import { expect } from 'vitest';

/**
 * Every form a secret may leak in: as written, each of its lines (the runner masks line by
 * line), base64 (Basic auth, Docker config) and URL-encoded.
 */
export function leakForms(secrets: readonly string[]): string[] {
  return [
    ...new Set(
      secrets.flatMap((secret) => [
        secret,
        ...secret.split('\n').filter((line) => line.length >= 4),
        Buffer.from(secret).toString('base64'),
        encodeURIComponent(secret),
      ]),
    ),
  ];
}

/** The files under `dir` whose bytes contain `form` (UTF-8); a missing dir has none. */
async function filesContaining(dir: string, form: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true }).catch(() => []);
  const needle = Buffer.from(form, 'utf8');
  const hits: string[] = [];
  for (const entry of entries.filter((e) => e.isFile())) {
    const path = join(entry.parentPath, entry.name);
    if ((await readFile(path).catch(() => Buffer.alloc(0))).includes(needle)) hits.push(path);
  }
  return hits;
}

/**
 * Asserts that no form of a secret is in what a user or a later step can read: the job log
 * (outside `::add-mask::`), stderr, the outputs and the summary of an action run (or a CLI
 * run's stdout and stderr), and every file under `dirs`.
 */
export async function expectNoLeak(
  run: Pick<ActionRun, 'log' | 'stderr' | 'summary' | 'outputs'> | { stdout: string; stderr: string },
  secrets: readonly string[],
  dirs: readonly string[] = [],
): Promise<void> {
  const readable =
    'log' in run
      ? [run.log, run.stderr, run.summary, JSON.stringify(run.outputs)].join('\n')
      : `${run.stdout}\n${run.stderr}`;
  for (const form of leakForms(secrets)) {
    expect(readable).not.toContain(form);
    for (const dir of dirs) expect(await filesContaining(dir, form)).toEqual([]);
  }
}
