import { ConfigurationError } from '@flow-actions/action-kit';
import { computeDigest, MemoryStore } from '@flow-actions/oci-store';
import { describe, expect, it } from 'vitest';
import {
  buildTombstoneManifest,
  findYankRemains,
  readTombstone,
  TOMBSTONE_ARTIFACT_TYPE,
  writeTombstone,
  yankedError,
} from './tombstone';

const SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
const REMOVED = `sha256:${'ab'.repeat(32)}`;
const CHILD = `sha256:${'cd'.repeat(32)}`;

describe('tombstone', () => {
  it('is an OCI artifact with the empty config and the who, when, why and what of the yank', () => {
    const { bytes, mediaType } = buildTombstoneManifest({
      sha: SHA,
      reason: 'stage checks failed',
      actor: 'octocat',
      yankedAt: new Date('2026-11-21T10:00:00Z'),
      artifactDigest: REMOVED,
      artifactTags: ['6113728', 'rc-1'],
      platformManifests: [CHILD],
      runUrl: 'https://github.com/acme/app/actions/runs/9',
    });
    const manifest = JSON.parse(bytes.toString());
    expect(mediaType).toBe('application/vnd.oci.image.manifest.v1+json');
    expect(manifest.artifactType).toBe(TOMBSTONE_ARTIFACT_TYPE);
    expect(manifest.config).toEqual({
      mediaType: 'application/vnd.oci.empty.v1+json',
      digest: 'sha256:44136fa355b3678a1146ad16f7e8649e94fb4fc21fe77e8310c060f61caaff8a',
      size: 2,
    });
    expect(manifest.annotations).toMatchObject({
      'org.opencontainers.image.revision': SHA,
      'org.opencontainers.image.created': '2026-11-21T10:00:00.000Z',
      'dev.flow-actions.yank.reason': 'stage checks failed',
      'dev.flow-actions.yank.actor': 'octocat',
      'dev.flow-actions.yank.digest': REMOVED,
      'dev.flow-actions.yank.tags': '6113728,rc-1',
      'dev.flow-actions.yank.platform-manifests': CHILD,
      'dev.flow-actions.yank.mode': 'delete',
    });
  });

  it('round-trips through a store under yanked-<short sha>', async () => {
    const store = new MemoryStore('registry.test/acme/app');
    const written = await writeTombstone(store, {
      sha: SHA,
      reason: 'flaky migration',
      actor: 'ci',
      artifactTags: [],
    });
    expect(written.tag).toBe('yanked-6113728');
    expect(written.reference).toBe('registry.test/acme/app:yanked-6113728');
    expect(store.blobs.has(computeDigest('{}'))).toBe(true);
    const tombstone = await readTombstone(store, SHA);
    expect(tombstone).toMatchObject({
      sha: SHA,
      reason: 'flaky migration',
      actor: 'ci',
      artifactTags: [],
      platformManifests: [],
      mode: 'delete',
    });
    expect(tombstone?.digest).toBe(written.digest);
    expect(await readTombstone(store, SHA.slice(0, 7))).toEqual(tombstone);
    expect(await readTombstone(store, 'f'.repeat(40))).toBeUndefined();
  });

  it('reads a tombstone written before the record named intent ("removed-digest")', async () => {
    const store = new MemoryStore('registry.test/acme/app');
    const legacy = JSON.parse(
      buildTombstoneManifest({ sha: SHA, reason: 'old', actor: 'ci' }).bytes.toString(),
    );
    legacy.annotations = {
      'org.opencontainers.image.revision': SHA,
      'dev.flow-actions.yank.reason': 'old',
      'dev.flow-actions.yank.removed-digest': REMOVED,
      'dev.flow-actions.yank.removed-tags': '6113728,rc-1',
    };
    await store.putManifest('yanked-6113728', {
      bytes: Buffer.from(JSON.stringify(legacy)),
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
    });
    expect(await readTombstone(store, SHA)).toMatchObject({
      artifactDigest: REMOVED,
      artifactTags: ['6113728', 'rc-1'],
      mode: 'delete',
    });
  });

  it('finds what of the yanked artifact is still served: a tag counts only while it points at it', async () => {
    const store = new MemoryStore('registry.test/acme/app');
    const manifest = (name: string) => ({
      bytes: Buffer.from(`{"schemaVersion":2,"name":"${name}"}`),
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
    });
    const yanked = await store.putManifest('6113728', manifest('yanked'));
    await store.putManifest('rc-1', manifest('yanked'));
    await store.putManifest('demo', manifest('another'));
    await writeTombstone(store, {
      sha: SHA,
      reason: 'r',
      actor: 'a',
      artifactDigest: yanked,
      artifactTags: ['6113728', 'rc-1', 'demo'],
      platformManifests: [CHILD],
    });
    const tombstone = (await readTombstone(store, SHA)) as NonNullable<
      Awaited<ReturnType<typeof readTombstone>>
    >;
    expect(await findYankRemains(store, tombstone)).toEqual({
      remaining: [yanked, '6113728', 'rc-1'],
      removed: ['demo', CHILD],
    });
    await store.deleteManifest(yanked);
    expect(await findYankRemains(store, tombstone)).toEqual({
      remaining: [],
      removed: [yanked, '6113728', 'rc-1', 'demo', CHILD],
    });
  });

  it('refuses a yanked-* tag that is not a tombstone rather than misreading it', async () => {
    const store = new MemoryStore('registry.test/acme/app');
    await store.putManifest('yanked-6113728', {
      bytes: Buffer.from('{"schemaVersion":2}'),
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
    });
    await expect(readTombstone(store, SHA)).rejects.toThrow(/exists but is not a flow-actions tombstone/);
  });

  it('the refusal quotes the reason and names the override', async () => {
    const store = new MemoryStore('registry.test/acme/app');
    await writeTombstone(store, {
      sha: SHA,
      reason: 'smoke test failed',
      actor: 'octocat',
      yankedAt: new Date('2026-11-21T10:00:00Z'),
    });
    const error = yankedError(
      (await readTombstone(store, SHA)) as NonNullable<Awaited<ReturnType<typeof readTombstone>>>,
    );
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toBe(
      'Commit 6113728 was yanked by octocat at 2026-11-21T10:00:00.000Z: "smoke test failed" (tombstone registry.test/acme/app:yanked-6113728). Fix forward with a new commit, or set allow-yanked: true to override.',
    );
  });
});
