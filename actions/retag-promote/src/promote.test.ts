import { ConfigurationError, nullLogger, RecordingLogger } from '@flow-actions/action-kit';
import { writeTombstone } from '@flow-actions/artifact-protocol';
import {
  type ArtifactStore,
  type CopyResult,
  computeDigest,
  MemoryStore,
  RegistryError,
} from '@flow-actions/oci-store';
import { describe, expect, it } from 'vitest';
import type { GitHistory } from './git-history';
import { type PromoteDependencies, type PromoteGitHub, type PromoteRequest, promote } from './promote';

const A = 'a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1a1';
const B = 'b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2';
const C = 'c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3c3';
const IMAGE = 'registry.test/acme/api';

/**
 * Puts an image manifest labelled with revision `sha` under its sha tag (or `tag`), with bytes that
 * re-serialising would change.
 */
async function build(store: MemoryStore, sha: string, tag = sha.slice(0, 7)): Promise<string> {
  const bytes = Buffer.from(
    `{"schemaVersion": 2, "mediaType":"application/vnd.oci.image.manifest.v1+json",\n "config": {}, "layers": [],` +
      ` "annotations": {"org.opencontainers.image.revision": "${sha}"}}`,
  );
  return store.putManifest(tag, {
    bytes,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
  });
}

function request(overrides: Partial<PromoteRequest> = {}): PromoteRequest {
  return {
    images: [IMAGE],
    toImages: [undefined],
    from: B,
    tags: ['rc-1'],
    immutablePatterns: ['<sha>', 'v*', 'rc-*'],
    fallback: 'none',
    ignorePaths: ['**/*.md', 'docs/**'],
    requireChecks: [],
    allowYanked: false,
    sha: { shaLength: 7, tagPrefix: '' },
    dryRun: false,
    settleMs: 0,
    versionScheme: 'semver',
    allowVersionGap: false,
    ...overrides,
  };
}

/** History A ← B ← C (first parents), with the files each commit changed. */
function history(changes: Record<string, string[]>): GitHistory {
  const order = [C, B, A];
  return {
    expand: async (revision) => order.find((sha) => sha.startsWith(revision)),
    firstParentAncestors: async (sha, count) =>
      order.slice(order.indexOf(sha) + 1, order.indexOf(sha) + 1 + count),
    changedFiles: async (from, to) => {
      const files = new Set<string>();
      for (const sha of order.slice(order.indexOf(to), order.indexOf(from)))
        for (const f of changes[sha] ?? []) files.add(f);
      return [...files];
    },
  };
}

function deps(
  stores: Record<string, MemoryStore>,
  extra: Partial<PromoteDependencies> = {},
): PromoteDependencies {
  return {
    openStore: async (reference) => {
      const store = stores[reference];
      if (!store) throw new Error(`no store ${reference}`);
      return store;
    },
    copyArtifact: async () => {
      throw new Error('no copy expected');
    },
    logger: nullLogger,
    ...extra,
  };
}

/** A copy of the top manifest alone (the memory stores hold no blobs), recorded in `copied`. */
function copyManifestOnly(copied: string[] = []): PromoteDependencies['copyArtifact'] {
  return async (from: ArtifactStore, to: ArtifactStore, ref: string): Promise<CopyResult> => {
    copied.push(`${from.location} -> ${to.location} ${ref}`);
    const manifest = await from.getManifest(ref);
    if (manifest) await to.putManifest(ref, manifest);
    return {
      digest: ref,
      mediaType: '',
      manifests: 1,
      blobsMounted: 0,
      blobsUploaded: 0,
      blobsSkipped: 0,
      bytesUploaded: 0,
    };
  };
}

describe('promote', () => {
  it('adds tags with the exact source bytes and no blob request', async () => {
    const store = new MemoryStore(IMAGE);
    const digest = await build(store, B);
    const result = await promote(request({ tags: ['rc-1', 'demo'] }), deps({ [IMAGE]: store }));
    const [promotion] = result.promotions;
    expect(promotion?.digest).toBe(digest);
    expect(result.sourceSha).toBe(B);
    expect(promotion?.written).toEqual([
      { tag: 'rc-1', previous: null, change: 'create' },
      { tag: 'demo', previous: null, change: 'create' },
    ]);
    expect(computeDigest((await store.getManifest('demo'))?.bytes ?? '')).toBe(digest);
    expect(store.counters.blobRequests).toBe(0);
  });

  it('rc-1, then v1.0.0 from rc-1, then a rollback of prod: previous says where each tag was', async () => {
    const store = new MemoryStore(IMAGE);
    const first = await build(store, A);
    const second = await build(store, B);
    const stores = { [IMAGE]: store };
    await promote(request({ from: A, tags: ['v0.9.0', 'prod'] }), deps(stores));
    await promote(request({ from: B, tags: ['rc-1'] }), deps(stores));
    const release = await promote(request({ from: 'rc-1', tags: ['v1.0.0', 'prod'] }), deps(stores));
    expect(release.promotions[0]?.plan.tags.map((t) => [t.tag, t.previous])).toEqual([
      ['v1.0.0', null],
      ['prod', first],
    ]);
    expect(release.sourceSha).toBe(B);
    const rollback = await promote(request({ from: 'v0.9.0', tags: ['prod'] }), deps(stores));
    expect(rollback.promotions[0]?.digest).toBe(first);
    expect(rollback.promotions[0]?.written).toEqual([{ tag: 'prod', previous: second, change: 'move' }]);
    expect(store.tags.get('prod')).toBe(first);
  });

  it('refuses to move an immutable tag, and writes none of the requested tags', async () => {
    const store = new MemoryStore(IMAGE);
    const old = await build(store, A);
    await build(store, B);
    await store.putManifest('v1.0.0', (await store.getManifest(old)) as { bytes: Buffer; mediaType: string });
    const attempt = promote(request({ from: B, tags: ['rc-9', 'prod', 'v1.0.0'] }), deps({ [IMAGE]: store }));
    await expect(attempt).rejects.toThrow(ConfigurationError);
    await expect(attempt).rejects.toThrow(
      `Refusing to move immutable tags, so nothing was written: ${IMAGE}:v1.0.0 points at ${old}`,
    );
    expect(store.tags.has('rc-9')).toBe(false);
    expect(store.tags.has('prod')).toBe(false);
    expect(store.tags.get('v1.0.0')).toBe(old);
  });

  it('re-promoting to the same tags is a green no-op', async () => {
    const store = new MemoryStore(IMAGE);
    await build(store, B);
    await promote(request({ tags: ['rc-1', 'v1.0.0'] }), deps({ [IMAGE]: store }));
    store.counters.putManifest = 0;
    const again = await promote(request({ tags: ['rc-1', 'v1.0.0'] }), deps({ [IMAGE]: store }));
    expect(again.promotions[0]?.written.map((w) => w.change)).toEqual(['unchanged', 'unchanged']);
    expect(store.counters.putManifest).toBe(0);
  });

  describe('a tag on a commit that built nothing', () => {
    it('without fallback: an error naming the nearest ancestor that has an artifact', async () => {
      const store = new MemoryStore(IMAGE);
      await build(store, A);
      const git = history({ [B]: ['README.md'], [C]: ['docs/guide.md'] });
      await expect(promote(request({ from: C }), deps({ [IMAGE]: store }, { git }))).rejects.toThrow(
        `${IMAGE} has no artifact for commit c3c3c3c (tag c3c3c3c). Nearest first-parent ancestors with one: a1a1a1a (2 back).`,
      );
    });

    it('with fallback: the ancestor is promoted when only ignored paths changed', async () => {
      const store = new MemoryStore(IMAGE);
      const digest = await build(store, A);
      const git = history({ [B]: ['README.md'], [C]: ['docs/guide.md'] });
      const result = await promote(
        request({ from: C, fallback: 'nearest-ancestor' }),
        deps({ [IMAGE]: store }, { git }),
      );
      expect(result.promotions[0]?.digest).toBe(digest);
      expect(result.promotions[0]?.source.fallbackFrom).toBe(C);
      expect(result.sourceSha).toBe(A);
      expect(store.tags.get('rc-1')).toBe(digest);
    });

    it('with fallback: refused when a source file changed in between', async () => {
      const store = new MemoryStore(IMAGE);
      await build(store, A);
      const git = history({ [B]: ['src/api.ts', 'README.md'], [C]: ['docs/guide.md'] });
      await expect(
        promote(request({ from: C, fallback: 'nearest-ancestor' }), deps({ [IMAGE]: store }, { git })),
      ).rejects.toThrow(
        /since a1a1a1a \(the nearest ancestor with one\) it changed src\/api.ts, which "ignore-paths"/,
      );
      expect(store.tags.has('rc-1')).toBe(false);
    });

    it('without git history: says so and how to get it', async () => {
      const store = new MemoryStore(IMAGE);
      await expect(promote(request({ from: C }), deps({ [IMAGE]: store }))).rejects.toThrow(
        /without the git history its ancestors are unknown/,
      );
    });
  });

  it('refuses a yanked source with its reason, unless allow-yanked', async () => {
    const store = new MemoryStore(IMAGE);
    await build(store, B);
    await writeTombstone(store, { sha: B, reason: 'stage smoke test failed', actor: 'ci' });
    await expect(promote(request(), deps({ [IMAGE]: store }))).rejects.toThrow(/"stage smoke test failed"/);
    expect(store.tags.has('rc-1')).toBe(false);
    const forced = await promote(request({ allowYanked: true }), deps({ [IMAGE]: store }));
    expect(forced.promotions[0]?.source.yankedOverride).toBe(true);
  });

  it('refuses a yanked source reached through a version tag', async () => {
    const store = new MemoryStore(IMAGE);
    await build(store, B);
    await promote(request({ tags: ['rc-1'] }), deps({ [IMAGE]: store }));
    await writeTombstone(store, { sha: B, reason: 'bad data migration', actor: 'ci' });
    await expect(
      promote(request({ from: 'rc-1', tags: ['v1.0.0'] }), deps({ [IMAGE]: store })),
    ).rejects.toThrow(/was yanked by ci .*"bad data migration"/);
  });

  it('checks required checks on the source commit before writing, and records the deployment after', async () => {
    const store = new MemoryStore(IMAGE);
    const digest = await build(store, B);
    const calls: string[] = [];
    const github: PromoteGitHub = {
      requireChecks: async (sha, names) => {
        calls.push(`checks ${sha} ${names.join(',')}`);
        if (names.includes('e2e'))
          throw new ConfigurationError('Required check "e2e" is pending on b2b2b2b: wait for it.');
      },
      recordDeployment: async (input) => {
        calls.push(`deploy ${input.sha} ${input.environment} ${input.payload.images[0]?.digest}`);
        return { id: 42 };
      },
    };
    await expect(
      promote(request({ requireChecks: ['e2e'], tags: ['prod'] }), deps({ [IMAGE]: store }, { github })),
    ).rejects.toThrow('wait for it');
    expect(store.tags.has('prod')).toBe(false);
    const result = await promote(
      request({ requireChecks: ['unit'], tags: ['prod'], environment: 'production' }),
      deps({ [IMAGE]: store }, { github }),
    );
    expect(result.deploymentId).toBe(42);
    expect(calls).toEqual([`checks ${B} e2e`, `checks ${B} unit`, `deploy ${B} production ${digest}`]);
  });

  it('a dry run plans and writes nothing', async () => {
    const store = new MemoryStore(IMAGE);
    await build(store, B);
    const result = await promote(request({ dryRun: true, tags: ['rc-1', 'prod'] }), deps({ [IMAGE]: store }));
    expect(result.promotions[0]?.plan.tags.map((t) => t.change)).toEqual(['create', 'create']);
    expect(store.tags.has('rc-1')).toBe(false);
  });

  it('copies into another repository first, then tags there', async () => {
    const source = new MemoryStore(IMAGE);
    const target = new MemoryStore('other.test/acme/api');
    const digest = await build(source, B);
    const copied: string[] = [];
    const copyArtifact = copyManifestOnly(copied);
    const result = await promote(
      request({ toImages: ['other.test/acme/api'], tags: ['v1.0.0'] }),
      deps({ [IMAGE]: source, 'other.test/acme/api': target }, { copyArtifact }),
    );
    expect(copied).toEqual([`${IMAGE} -> other.test/acme/api ${digest}`]);
    expect(target.tags.get('v1.0.0')).toBe(digest);
    // The copy carries the commit's sha tag too, immutable like in the source.
    expect(target.tags.get('b2b2b2b')).toBe(digest);
    expect(result.promotions[0]?.plan.tags).toEqual([
      { tag: 'v1.0.0', previous: null, change: 'create', immutable: true },
      { tag: 'b2b2b2b', previous: null, change: 'create', immutable: true },
    ]);
    expect(source.tags.has('v1.0.0')).toBe(false);
    expect(result.promotions[0]?.destination).toBe('other.test/acme/api');
  });

  it('another digest under the sha tag in the destination is a conflict, even with sha tags left mutable', async () => {
    const source = new MemoryStore(IMAGE);
    const target = new MemoryStore('other.test/acme/api');
    await build(source, B);
    const squatter = await target.putManifest('b2b2b2b', {
      bytes: Buffer.from('{"schemaVersion":2,"other":true}'),
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
    });
    await expect(
      promote(
        request({ toImages: ['other.test/acme/api'], tags: ['prod'], immutablePatterns: ['v*'] }),
        deps({ [IMAGE]: source, 'other.test/acme/api': target }),
      ),
    ).rejects.toThrow(
      `Refusing to move immutable tags, so nothing was written: other.test/acme/api:b2b2b2b points at ${squatter}`,
    );
    expect(target.tags.has('prod')).toBe(false);
  });

  it('a commit yanked in the destination is refused there, before anything is copied', async () => {
    const source = new MemoryStore(IMAGE);
    const target = new MemoryStore('other.test/acme/api');
    await build(source, B);
    await writeTombstone(target, { sha: B, reason: 'broken in prod', actor: 'alice' });
    await expect(
      promote(
        request({ toImages: ['other.test/acme/api'], tags: ['prod'] }),
        deps({ [IMAGE]: source, 'other.test/acme/api': target }),
      ),
    ).rejects.toThrow(/Commit b2b2b2b was yanked by alice .*"broken in prod"/);
  });

  it('an artifact without lineage is copied without a sha tag, with a warning', async () => {
    const source = new MemoryStore(IMAGE);
    const target = new MemoryStore('other.test/acme/api');
    const digest = await source.putManifest('v1.0.0', {
      bytes: Buffer.from('{"schemaVersion":2,"layers":[]}'),
      mediaType: 'application/vnd.oci.image.manifest.v1+json',
    });
    const logger = new RecordingLogger();
    const copyArtifact = copyManifestOnly([]);
    await promote(
      request({ from: 'v1.0.0', toImages: ['other.test/acme/api'], tags: ['v1.0.0'] }),
      deps({ [IMAGE]: source, 'other.test/acme/api': target }, { copyArtifact, logger }),
    );
    expect([...target.tags.keys()]).toEqual(['v1.0.0']);
    expect(logger.entries).toContainEqual({
      level: 'warning',
      message: `${IMAGE}@${digest} names no commit (no revision annotation or label): other.test/acme/api gets no sha tag, so a yank finds the copy only by its other tags.`,
    });
  });

  it('several images: every plan is checked before any image is written', async () => {
    const api = new MemoryStore(IMAGE);
    const worker = new MemoryStore('registry.test/acme/worker');
    await build(api, B);
    await build(worker, B);
    await build(worker, A);
    await worker.putManifest(
      'v1.0.0',
      (await worker.getManifest('a1a1a1a')) as { bytes: Buffer; mediaType: string },
    );
    await expect(
      promote(
        request({
          images: [IMAGE, 'registry.test/acme/worker'],
          toImages: [undefined, undefined],
          tags: ['v1.0.0'],
        }),
        deps({ [IMAGE]: api, 'registry.test/acme/worker': worker }),
      ),
    ).rejects.toThrow(/registry.test\/acme\/worker:v1.0.0 points at/);
    expect(api.tags.has('v1.0.0')).toBe(false);
  });

  it.each([
    [
      'a dirty build by its tag',
      `${B}-dirty`,
      'dirty-b2b2b2b-0123456789ab',
      'dirty-b2b2b2b-0123456789ab',
      'was built from uncommitted changes on top of commit b2b2b2b (revision b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2b2-dirty): a dirty build is never promoted. Commit the changes, build that commit (build-by-sha), and promote it.',
    ],
    [
      'a dirty build by its digest',
      `${B}-dirty`,
      'dirty-b2b2b2b-0123456789ab',
      'digest',
      'was built from uncommitted changes on top of commit b2b2b2b',
    ],
    [
      'a dirty build someone pushed under the sha tag',
      `${B}-dirty`,
      'b2b2b2b',
      B,
      'was built from uncommitted changes on top of commit b2b2b2b',
    ],
    [
      'a short sha as the revision',
      'b2b2b2b',
      'v0-candidate',
      'v0-candidate',
      'names "b2b2b2b" as its revision, not a full commit sha: its lineage cannot be checked (yanks are found by commit), so it is not promoted.',
    ],
    [
      'a branch name as the revision',
      'main',
      'nightly',
      'nightly',
      'names "main" as its revision, not a full commit sha',
    ],
  ])('%s is refused with one line, nothing written', async (_, revision, tag, from, message) => {
    const store = new MemoryStore(IMAGE);
    const digest = await build(store, revision, tag);
    const before = store.counters.putManifest;
    const error = (await promote(
      request({ from: from === 'digest' ? digest : from, tags: ['rc-1', 'demo'] }),
      deps({ [IMAGE]: store }),
    ).catch((caught: unknown) => caught)) as Error;
    expect(error).toBeInstanceOf(ConfigurationError);
    expect(error.message).toContain(`is ${IMAGE}@${digest}, which ${message}`);
    expect(error.message).toMatch(/^Input "from" /);
    expect(error.message).not.toContain('\n');
    expect(store.counters.putManifest).toBe(before);
    expect(await store.resolve('rc-1')).toBeUndefined();
  });

  it('a short-sha collision under the sha tag is an error, never a silent promotion', async () => {
    const store = new MemoryStore(IMAGE);
    await build(store, 'b2b2b2b000000000000000000000000000000000');
    await expect(promote(request(), deps({ [IMAGE]: store }))).rejects.toThrow(/Short-sha collision/);
  });
});

describe('promote: release versions and the confirmation', () => {
  it('a malformed version is refused before any repository is opened', async () => {
    const opened: string[] = [];
    const attempt = promote(request({ tags: ['prod', 'v1.0'] }), {
      ...deps({}),
      openStore: async (reference) => {
        opened.push(reference);
        return new MemoryStore(reference);
      },
    });
    await expect(attempt).rejects.toThrow(ConfigurationError);
    await expect(attempt).rejects.toThrow(
      /^Input "to" has v1\.0, which is not a semver release tag: write vMAJOR/,
    );
    expect(opened).toEqual([]);
  });

  it('a version out of sequence is refused with nothing written; allow-version-gap lets it through', async () => {
    const store = new MemoryStore(IMAGE);
    await build(store, A);
    const digest = await build(store, B);
    await promote(request({ from: A, tags: ['v1.0.0', 'v1.1.0', 'prod'] }), deps({ [IMAGE]: store }));
    const typo = promote(request({ tags: ['v1.10.0', 'prod'] }), deps({ [IMAGE]: store }));
    await expect(typo).rejects.toThrow(
      `Input "to" has v1.10.0, which is out of sequence: the next minor after v1.1.0 is v1.2.0 (${IMAGE} has v1.0.0, v1.1.0).`,
    );
    expect(store.tags.has('v1.10.0')).toBe(false);
    expect(store.tags.get('prod')).not.toBe(digest);
    await promote(request({ tags: ['v1.10.0'], allowVersionGap: true }), deps({ [IMAGE]: store }));
    expect(store.tags.get('v1.10.0')).toBe(digest);
  });

  it('re-promoting an existing version and moving tags list no tags; a mutable v* tag is no version', async () => {
    const store = new MemoryStore(IMAGE);
    await build(store, B);
    await promote(request({ tags: ['v2.0.0'] }), deps({ [IMAGE]: store }));
    store.counters.listTags = 0;
    await promote(request({ tags: ['v2.0.0', 'prod'] }), deps({ [IMAGE]: store }));
    await promote(request({ from: 'v2.0.0', tags: ['demo'] }), deps({ [IMAGE]: store }));
    expect(store.counters.listTags).toBe(0);
    await promote(
      request({ tags: ['v2'], immutablePatterns: ['<sha>', 'v*.*.*'] }),
      deps({ [IMAGE]: store }),
    );
    expect(store.tags.has('v2')).toBe(true);
  });

  it('a destination repository that does not exist yet has no versions to follow', async () => {
    const source = new MemoryStore(IMAGE);
    const digest = await build(source, B);
    const target = new (class extends MemoryStore {
      override async listTags(): Promise<string[]> {
        throw new RegistryError('repository acme/new does not exist', {
          status: 404,
          code: 'NAME_UNKNOWN',
          temporary: false,
          operation: 'list-tags',
          url: '',
        });
      }
    })('other.test/acme/new');
    await promote(
      request({ toImages: ['other.test/acme/new'], tags: ['v3.1.4'] }),
      deps({ [IMAGE]: source, 'other.test/acme/new': target }, { copyArtifact: copyManifestOnly() }),
    );
    expect(target.tags.get('v3.1.4')).toBe(digest);
  });

  it('asks before creating an immutable tag: no writes nothing, yes writes; moving tags alone never ask', async () => {
    const store = new MemoryStore(IMAGE);
    const digest = await build(store, B);
    const asked: string[][] = [];
    const answer = (yes: boolean) => async (promotions: readonly { plan: { tags: { tag: string }[] } }[]) => {
      asked.push(promotions.flatMap(({ plan }) => plan.tags.map((tag) => tag.tag)));
      return yes;
    };
    await expect(
      promote(request({ tags: ['v1.0.0', 'prod'] }), deps({ [IMAGE]: store }, { confirm: answer(false) })),
    ).rejects.toThrow('The promotion was not confirmed, so nothing was written.');
    expect(store.tags.has('v1.0.0')).toBe(false);
    expect(store.tags.has('prod')).toBe(false);
    await promote(request({ tags: ['prod'] }), deps({ [IMAGE]: store }, { confirm: answer(false) }));
    await promote(
      request({ tags: ['v1.0.0'], dryRun: true }),
      deps({ [IMAGE]: store }, { confirm: answer(false) }),
    );
    expect(asked).toEqual([['v1.0.0', 'prod']]);
    await promote(request({ tags: ['v1.0.0'] }), deps({ [IMAGE]: store }, { confirm: answer(true) }));
    expect(store.tags.get('v1.0.0')).toBe(digest);
  });
});

describe('promote by abbreviated sha without a checkout', () => {
  it('finds the sha tag, reads the revision from the artifact, and still refuses a yanked commit', async () => {
    const store = new MemoryStore(IMAGE);
    const digest = await build(store, B);
    const result = await promote(request({ from: 'b2b2b2b' }), deps({ [IMAGE]: store }));
    expect(result.promotions[0]?.digest).toBe(digest);
    expect(result.sourceSha).toBe(B);
    await writeTombstone(store, { sha: B, reason: 'broken', actor: 'ci' });
    await expect(
      promote(request({ from: 'b2b2b2b', tags: ['rc-2'] }), deps({ [IMAGE]: store })),
    ).rejects.toThrow(/"broken"/);
  });
});

describe('the versions a moved environment tag swaps', () => {
  /** v1.0.0 (A) and v1.1.0 (B) released, prod on v1.1.0. */
  async function released(): Promise<{ store: MemoryStore; a: string; b: string }> {
    const store = new MemoryStore();
    const a = await build(store, A);
    const b = await build(store, B);
    for (const [tag, digest] of [
      ['v1.0.0', a],
      ['v1.1.0', b],
      ['prod', b],
    ] as const)
      store.tags.set(tag, digest);
    return { store, a, b };
  }

  it('a rollback by version names both, flags it, and reads one tag list and one version tag', async () => {
    const { store, a, b } = await released();
    store.counters.listTags = 0;
    store.counters.resolve = 0;
    const result = await promote(request({ from: 'v1.0.0', tags: ['prod'] }), deps({ [IMAGE]: store }));
    expect(result.promotions[0]?.swaps).toEqual([
      {
        tag: 'prod',
        from: { digest: b, version: 'v1.1.0' },
        to: { digest: a, version: 'v1.0.0' },
        rollback: true,
      },
    ]);
    expect(store.counters.listTags).toBe(1);
    // The plan's read of prod, the read back after writing it, and v1.1.0: the newest version, found first.
    expect(store.counters.resolve).toBe(3);
  });

  it('a release moving prod forward is no rollback; a first promotion or an unchanged tag looks nothing up', async () => {
    const { store, a, b } = await released();
    store.tags.set('prod', a);
    const forward = await promote(request({ from: B, tags: ['prod'] }), deps({ [IMAGE]: store }));
    expect(forward.promotions[0]?.swaps).toEqual([
      {
        tag: 'prod',
        from: { digest: a, version: 'v1.0.0' },
        to: { digest: b, version: 'v1.1.0' },
        rollback: false,
      },
    ]);
    store.counters.listTags = 0;
    const again = await promote(request({ from: B, tags: ['prod', 'demo'] }), deps({ [IMAGE]: store }));
    expect(again.promotions[0]?.swaps).toEqual([]);
    expect(store.counters.listTags).toBe(0);
  });

  it('a registry that cannot list tags costs a warning, not the promotion: digests without versions', async () => {
    const { store, a, b } = await released();
    store.listTags = async () => {
      throw new RegistryError('tags/list broke', {
        status: 500,
        temporary: true,
        operation: 'list-tags',
        url: '',
      });
    };
    const logger = new RecordingLogger();
    const result = await promote(request({ from: A, tags: ['prod'] }), deps({ [IMAGE]: store }, { logger }));
    expect(result.promotions[0]?.swaps).toEqual([
      { tag: 'prod', from: { digest: b }, to: { digest: a }, rollback: false },
    ]);
    expect(store.tags.get('prod')).toBe(a);
    expect(logger.entries.map((entry) => entry.message)).toContainEqual(
      expect.stringContaining('cannot read the version tags that name the artifacts this promotion swaps'),
    );
  });
});
