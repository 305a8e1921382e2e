import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { readTombstone } from '@flow-actions/artifact-protocol';
import { openStore } from '@flow-actions/oci-store';
import { describe, expect, inject, it } from 'vitest';
import { tagsByDigest } from '../../scripts/demo/picture';
import { runDemo } from '../../scripts/demo/story';

describe('pnpm demo', () => {
  it('tells the whole protocol on the embedded store and ends in the state the story promises', async () => {
    const treeDir = inject('releaseTree');
    const names = await readdir(treeDir);
    const tree = {
      dir: treeDir,
      actions: Object.fromEntries(names.map((name) => [name, join(treeDir, name)])),
    };
    const started = performance.now();
    const result = await runDemo({ tree });
    expect(performance.now() - started).toBeLessThan(60_000);
    const { A, B, C, D } = result.commits;

    // Three builds for four commits: B (docs only) was never built, nothing was rebuilt.
    expect(result.builds).toBe(3);
    const byDigest = await tagsByDigest(result);
    expect(byDigest.get(result.digests.A)?.sort()).toEqual([A.slice(0, 7), 'prod', 'rc-1', 'v1.0.0'].sort());
    expect(byDigest.get(result.digests.D)?.sort()).toEqual([D.slice(0, 7), 'v1.1.0'].sort());
    expect(byDigest.has(result.digests.C)).toBe(false);

    const store = await openStore(result.store);
    expect(await store.resolve(B.slice(0, 7))).toBeUndefined();
    const tombstone = await readTombstone(store, C);
    expect(tombstone?.reason).toBe('stage smoke test failed: /health answered 500');
    expect(tombstone?.artifactDigest).toBe(result.digests.C);

    // The manifest repository: prod was rolled back to A's digest, demo holds rc-1, stage holds D.
    const show = async (path: string) =>
      (await exec('git', ['-C', result.manifests, 'show', `main:environments/${path}/kustomization.yaml`]))
        .stdout;
    expect(await show('prod')).toContain(`newTag: v1.0.0\n    digest: ${result.digests.A}`);
    expect(await show('demo')).toContain(`newTag: rc-1\n    digest: ${result.digests.A}`);
    expect(await show('stage')).toContain(`digest: ${result.digests.D}`);
    expect(await show('prod')).toContain('# prod: Argo CD syncs this folder.');
    const log = (await exec('git', ['-C', result.manifests, 'log', '--format=%s', 'main'])).stdout
      .trim()
      .split('\n');
    // The seed commit, seven deploys (stage A, demo, prod v1.0.0, stage C, stage D, prod v1.1.0, the
    // rollback) and the revert of stage C after its yank.
    expect(log).toHaveLength(1 + 8);
    expect(log).toContain(`Put stage back; ${result.commits.C.slice(0, 7)} was yanked`);
    expect(log[0]).toBe('Deploy registry.example/acme/app:v1.0.0 to environments/prod');
    // Lineage is the artifact's own: rc-1, v1.0.0 and the rollback deployed A's build, whatever
    // commit the tag or the dispatch named.
    const sources = (
      await exec('git', [
        '-C',
        result.manifests,
        'log',
        '--format=%(trailers:key=Flow-Source-Commit,valueonly,separator=)',
        'main',
      ])
    ).stdout
      .split('\n')
      .filter(Boolean);
    expect(sources).toEqual([A, D, D, C, A, A, A]);

    // What a person reads: the refusal quotes the tombstone, the rollback says nothing was rebuilt.
    const text = result.events.flatMap((event) => [event.step, ...event.lines]).join('\n');
    expect(text).toMatch(/promote v1\.1\.0 {3}refused: Commit .* was yanked .*"stage smoke test failed/);
    expect(text).toContain('nothing rebuilt');
    expect(text).toContain(`fallback-from ${B.slice(0, 7)}`);
  });
});
