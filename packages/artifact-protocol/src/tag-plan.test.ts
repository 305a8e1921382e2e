import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RecordingLogger } from '@flow-actions/action-kit';
import {
  type ArtifactStore,
  computeDigest,
  ImmutableTagRefusedError,
  LayoutStore,
  type Manifest,
  MemoryStore,
} from '@flow-actions/oci-store';
import { describe, expect, it } from 'vitest';
import { createImmutableTagPolicy } from './immutable-tags';
import {
  type ApplyTagPlanOptions,
  applyTagPlans,
  ConcurrentTagWriteError,
  DEFAULT_SETTLE_MS,
  planTags,
  type TagPlan,
} from './tag-plan';

/** applyTagPlans for one repository, the results of its one write. */
async function applyTagPlan(
  store: ArtifactStore,
  plan: TagPlan,
  bytes: Pick<Manifest, 'bytes' | 'mediaType'>,
  options?: ApplyTagPlanOptions,
) {
  const [results] = await applyTagPlans([{ store, plan, manifest: bytes }], options);
  return results;
}

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

describe('planTags / applyTagPlans', () => {
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
    const results = await applyTagPlan(store, plan, bytes, { settleMs: 0 });
    expect(store.counters.putManifest).toBe(2);
    expect(results?.map((r) => r.change)).toEqual(['unchanged', 'create', 'create']);
    expect((await store.getManifest('prod'))?.bytes.equals(bytes.bytes)).toBe(true);
  });
});

const policy = createImmutableTagPolicy();

/** A sleep that records how long it was asked to wait and runs `during` in that time. */
function settleSpy(during: () => Promise<void> | void = () => {}) {
  const waits: number[] = [];
  const sleep = async (ms: number) => {
    waits.push(ms);
    await during();
  };
  return { waits, sleep };
}

/** A store with `v1.0.0` absent, the artifact `ours` and another artifact `theirs` pushed by digest. */
async function raceSetup<Store extends ArtifactStore = MemoryStore>(
  store: Store = new MemoryStore() as ArtifactStore as Store,
) {
  const ours = await store.putManifest(computeDigest(manifest('ours').bytes), manifest('ours'));
  const theirs = await store.putManifest(computeDigest(manifest('theirs').bytes), manifest('theirs'));
  const old = await store.putManifest('prod', manifest('old'));
  const plan = await planTags(store, ours, ['v1.0.0', 'prod'], policy);
  return { store, ours, theirs, old, plan };
}

describe('applyTagPlans under concurrency', () => {
  it('writes and settles immutable tags before any moving tag, waiting the default 2 s', async () => {
    const { store, ours, plan } = await raceSetup();
    const order: string[] = [];
    store.beforeWrite = (_operation, reference) => void order.push(`put ${reference}`);
    const settle = settleSpy(() => void order.push('settle'));
    const logger = new RecordingLogger();
    await applyTagPlan(store, plan, manifest('ours'), { sleep: settle.sleep, logger });
    expect(order).toEqual(['put v1.0.0', 'settle', 'put prod']);
    expect(settle.waits).toEqual([DEFAULT_SETTLE_MS]);
    expect(DEFAULT_SETTLE_MS).toBe(2000);
    expect(logger.entries.map((entry) => entry.message)).toContain(
      'Created v1.0.0; reading again in 2 s, in case another run wrote the same tag at the same time.',
    );
    expect(store.tags.get('v1.0.0')).toBe(ours);
    expect(store.tags.get('prod')).toBe(ours);
  });

  it('a run overwritten during the settle interval fails naming the digest the tag holds; prod stays', async () => {
    const { store, ours, theirs, old, plan } = await raceSetup();
    const settle = settleSpy(() => void store.tags.set('v1.0.0', theirs));
    const error = await applyTagPlan(store, plan, manifest('ours'), {
      sleep: settle.sleep,
      settleMs: 500,
    }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ConcurrentTagWriteError);
    expect((error as Error).message).toBe(
      `Concurrent write: memory://test/app:v1.0.0 is immutable and another run wrote it at the same time (read again 0.5 s after writing); it holds ${theirs}, not ${ours} from this run. This run wrote none of its moving tags (prod). If ${theirs} is what v1.0.0 should name, the other run did the work and nothing needs fixing; otherwise give this artifact a new tag.`,
    );
    expect(settle.waits).toEqual([500]);
    expect(store.tags.get('prod')).toBe(old);
  });

  it('two runs writing the same digest both succeed', async () => {
    const { store, ours, plan } = await raceSetup();
    const settle = settleSpy(() => void store.tags.set('v1.0.0', ours));
    await expect(applyTagPlan(store, plan, manifest('ours'), { sleep: settle.sleep })).resolves.toEqual([
      { tag: 'v1.0.0', previous: null, change: 'create' },
      { tag: 'prod', previous: expect.stringMatching(/^sha256:/), change: 'move' },
    ]);
  });

  it('a tag created by another run between the plan and the write: refused with nothing written', async () => {
    const { store, theirs, old, plan } = await raceSetup();
    store.tags.set('v1.0.0', theirs);
    store.counters.putManifest = 0;
    const settle = settleSpy();
    const error = await applyTagPlan(store, plan, manifest('ours'), { sleep: settle.sleep }).catch(
      (caught: unknown) => caught,
    );
    expect((error as Error).message).toMatch(
      new RegExp(`another run created it between this run's check and its write; it holds ${theirs}`),
    );
    expect(store.counters.putManifest).toBe(0);
    expect(settle.waits).toEqual([]);
    expect(store.tags.get('prod')).toBe(old);
  });

  it('another run that created the tag with the same digest meanwhile: nothing to write, still settled', async () => {
    const { store, ours, plan } = await raceSetup();
    store.tags.set('v1.0.0', ours);
    const settle = settleSpy();
    await applyTagPlan(store, plan, manifest('ours'), { sleep: settle.sleep });
    expect(settle.waits).toEqual([DEFAULT_SETTLE_MS]);
    expect(store.tags.get('prod')).toBe(ours);
  });

  it('a write overwritten before the read-back fails at once, even with no settle interval', async () => {
    const { store, theirs, old, plan } = await raceSetup(
      new (class extends MemoryStore {
        override async putManifest(reference: string, bytes: Pick<Manifest, 'bytes' | 'mediaType'>) {
          const digest = await super.putManifest(reference, bytes);
          if (reference === 'v1.0.0') this.tags.set(reference, computeDigest(manifest('theirs').bytes));
          return digest;
        }
      })(),
    );
    await expect(applyTagPlan(store, plan, manifest('ours'), { settleMs: 0 })).rejects.toThrow(
      `another run wrote it at the same time (read back right after writing); it holds ${theirs}`,
    );
    expect(store.tags.get('prod')).toBe(old);
  });

  it('settles only when an immutable tag was created: a re-run and moving tags alone never wait', async () => {
    const { store, ours, plan } = await raceSetup();
    await applyTagPlan(store, plan, manifest('ours'), { settleMs: 0 });
    const settle = settleSpy();
    const again = await planTags(store, ours, ['v1.0.0', 'prod'], policy);
    await applyTagPlan(store, again, manifest('ours'), { sleep: settle.sleep });
    const moving = await planTags(store, ours, ['demo', 'latest'], policy);
    await applyTagPlan(store, moving, manifest('ours'), { sleep: settle.sleep });
    expect(settle.waits).toEqual([]);
    expect(store.tags.get('demo')).toBe(ours);
  });

  it('settle-ms 0 skips the second read', async () => {
    const { store, plan } = await raceSetup();
    const settle = settleSpy();
    await applyTagPlan(store, plan, manifest('ours'), { sleep: settle.sleep, settleMs: 0 });
    expect(settle.waits).toEqual([]);
  });

  describe('a registry that refuses the write under its own tag immutability', () => {
    /** A store whose registry refuses every PUT of v1.0.0 the way Harbor does, holding `holds`. */
    function refusingStore(holds: () => string) {
      return new (class extends MemoryStore {
        override async putManifest(reference: string, bytes: Pick<Manifest, 'bytes' | 'mediaType'>) {
          if (reference !== 'v1.0.0') return super.putManifest(reference, bytes);
          this.tags.set(reference, holds());
          throw new ImmutableTagRefusedError(
            'registry harbor.example refused to move acme/api:v1.0.0',
            { status: 412, code: 'PRECONDITION', temporary: false, operation: 'put-manifest', url: '' },
            { registry: 'Harbor', setting: 'tag immutability rules' },
          );
        }
      })();
    }

    it('is a concurrent write when the tag holds another digest', async () => {
      const { store, theirs, old, plan } = await raceSetup(
        refusingStore(() => computeDigest(manifest('theirs').bytes)),
      );
      await expect(applyTagPlan(store, plan, manifest('ours'), { settleMs: 0 })).rejects.toThrow(
        `another run created it first, and Harbor refused this run's write (tag immutability rules); it holds ${theirs}`,
      );
      expect(store.tags.get('prod')).toBe(old);
    });

    it('is no conflict when the tag already holds this digest', async () => {
      const { store, ours, plan } = await raceSetup(
        refusingStore(() => computeDigest(manifest('ours').bytes)),
      );
      await applyTagPlan(store, plan, manifest('ours'), { settleMs: 0 });
      expect(store.tags.get('prod')).toBe(ours);
    });
  });

  it('across repositories: no moving tag anywhere before every immutable tag has settled', async () => {
    const first = await raceSetup(new MemoryStore('memory://one/app'));
    const second = await raceSetup(new MemoryStore('memory://two/app'));
    const settle = settleSpy(() => void second.store.tags.set('v1.0.0', second.theirs));
    await expect(
      applyTagPlans(
        [
          { store: first.store, plan: first.plan, manifest: manifest('ours') },
          { store: second.store, plan: second.plan, manifest: manifest('ours') },
        ],
        { sleep: settle.sleep },
      ),
    ).rejects.toThrow(/^Concurrent write: memory:\/\/two\/app:v1\.0\.0 /);
    expect(first.store.tags.get('prod')).toBe(first.old);
    expect(second.store.tags.get('prod')).toBe(second.old);
  });

  describe('a store that checks and writes in one step (a local layout)', () => {
    it('needs no settle: the default interval is not waited, and prod follows at once', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'tag-plan-layout-'));
      try {
        const { store, ours, plan } = await raceSetup(new LayoutStore(dir));
        const settle = settleSpy();
        await applyTagPlan(store, plan, manifest('ours'), { sleep: settle.sleep });
        expect(settle.waits).toEqual([]);
        expect((await store.resolve('v1.0.0'))?.digest).toBe(ours);
        expect((await store.resolve('prod'))?.digest).toBe(ours);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    it('another run that created the tag first wins; this one fails and leaves prod', async () => {
      const dir = await mkdtemp(join(tmpdir(), 'tag-plan-layout-'));
      try {
        const store = new LayoutStore(dir);
        const { theirs, old, plan } = await raceSetup(store);
        // The other run's write lands after this run's plan, before its write.
        await store.putManifest('v1.0.0', manifest('theirs'));
        const error = await applyTagPlan(store, plan, manifest('ours')).catch((caught: unknown) => caught);
        expect(error).toBeInstanceOf(ConcurrentTagWriteError);
        expect((error as Error).message).toMatch(
          /another run created it first \(the store checked and refused this run's write\); it holds sha256:/,
        );
        expect((await store.resolve('v1.0.0'))?.digest).toBe(theirs);
        expect((await store.resolve('prod'))?.digest).toBe(old);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });
  });
});
