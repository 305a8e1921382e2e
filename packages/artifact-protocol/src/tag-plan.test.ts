import { computeDigest, MemoryStore } from '@flow-actions/oci-store';
import { describe, expect, it } from 'vitest';
import { createImmutableTagPolicy } from './immutable-tags';
import { applyTagPlan, planTags } from './tag-plan';

const manifest = (name: string) => ({
  bytes: Buffer.from(`{"schemaVersion":2,  "name":"${name}"}`),
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
});

describe('createImmutableTagPolicy', () => {
  const policy = createImmutableTagPolicy(undefined, { shaLength: 7 });
  it.each([
    ['6113728', true],
    ['v1.2.3', true],
    ['rc-1', true],
    ['yanked-6113728', true],
    ['latest', false],
    ['prod', false],
    ['pr-12', false],
    ['61137289', false],
  ])('%s immutable: %s', (tag, immutable) => {
    expect(policy(tag)).toBe(immutable);
  });

  it('follows the tag prefix and custom patterns', () => {
    const custom = createImmutableTagPolicy(['<sha>', 'release-?.*'], { tagPrefix: 'sha-' });
    expect(custom('sha-6113728')).toBe(true);
    expect(custom('6113728')).toBe(false);
    expect(custom('release-1.0')).toBe(true);
    expect(custom('v1.0.0')).toBe(false);
  });

  it('refuses a pattern with characters no tag can hold', () => {
    expect(() => createImmutableTagPolicy(['v[0-9]'])).toThrow(
      /Input "immutable-tags" has the invalid pattern "v\[0-9\]"/,
    );
  });
});

describe('planTags / applyTagPlan', () => {
  it('records what each tag pointed at, refuses to move an immutable tag, and writes nothing then', async () => {
    const store = new MemoryStore();
    const old = await store.putManifest('v1.0.0', manifest('old'));
    await store.putManifest('prod', manifest('old'));
    const digest = await store.putManifest(computeDigest(manifest('new').bytes), manifest('new'));
    const plan = await planTags(store, digest, ['rc-2', 'prod', 'v1.0.0'], createImmutableTagPolicy());
    expect(plan.tags).toEqual([
      { tag: 'rc-2', previous: null, change: 'create', immutable: true },
      { tag: 'prod', previous: old, change: 'move', immutable: false },
      { tag: 'v1.0.0', previous: old, change: 'move', immutable: true },
    ]);
    expect(plan.conflicts).toEqual([{ tag: 'v1.0.0', existing: old }]);
    await expect(applyTagPlan(store, plan, manifest('new'))).rejects.toThrow(/conflicts/);
    expect(store.tags.get('rc-2')).toBeUndefined();
  });

  it('writes the exact bytes, skips tags already right, and verifies by reading back', async () => {
    const store = new MemoryStore();
    const bytes = manifest('image');
    const digest = await store.putManifest('abc1234', bytes);
    const plan = await planTags(store, digest, ['abc1234', 'rc-1', 'prod'], createImmutableTagPolicy());
    store.counters.putManifest = 0;
    const results = await applyTagPlan(store, plan, bytes);
    expect(store.counters.putManifest).toBe(2);
    expect(results.map((r) => r.change)).toEqual(['unchanged', 'create', 'create']);
    expect((await store.getManifest('prod'))?.bytes.equals(bytes.bytes)).toBe(true);
  });
});
