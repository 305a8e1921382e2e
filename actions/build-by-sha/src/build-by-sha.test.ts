import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, RecordingLogger } from '@flow-actions/action-kit';
import { writeTombstone } from '@flow-actions/artifact-protocol';
import {
  type ArtifactStore,
  computeDigest,
  copyArtifact,
  MediaTypes,
  MemoryStore,
  unpackArchive,
} from '@flow-actions/oci-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type BuildByShaDependencies, type BuildByShaRequest, buildBySha } from './build-by-sha';
import type { Builder, BuildSpec } from './builders';
import type { ImageTarget } from './inputs';

const SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
const NEXT = '9c1b2a3d4e5f60718293a4b5c6d7e8f901234567';
const OTHER = '6113728aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';
const API = 'registry.test/acme/api';
const WORKER = 'registry.test/acme/worker';

let tempDir: string;
beforeAll(async () => {
  tempDir = await mkdtemp(join(tmpdir(), 'build-by-sha-core-'));
});
afterAll(() => rm(tempDir, { recursive: true, force: true }));

/** Puts a one-layer image with these annotations (and the same labels) under `reference`. */
/** putImage's reference for a push by digest, with no tag, as buildx pushes. */
const BY_DIGEST = '';

async function putImage(
  store: ArtifactStore,
  reference: string,
  annotations: Record<string, string>,
): Promise<string> {
  const layer = Buffer.from(`layer of ${JSON.stringify(annotations)} ${reference}`);
  const config = Buffer.from(
    JSON.stringify({ architecture: 'amd64', os: 'linux', config: { Labels: annotations } }),
  );
  await store.putBlob(computeDigest(layer), layer.length, layer);
  await store.putBlob(computeDigest(config), config.length, config);
  const bytes = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: MediaTypes.ociConfig, digest: computeDigest(config), size: config.length },
      layers: [{ mediaType: MediaTypes.ociLayerTarGzip, digest: computeDigest(layer), size: layer.length }],
      annotations,
    }),
  );
  return store.putManifest(reference === BY_DIGEST ? computeDigest(bytes) : reference, {
    bytes,
    mediaType: MediaTypes.ociManifest,
  });
}

/** A builder that "builds" into an in-memory layout, recording every spec it was given. */
class FakeBuilder implements Builder {
  readonly name = 'buildah';
  readonly specs: BuildSpec[] = [];
  readonly layout = new MemoryStore('oci:/fake/layout');
  async build(spec: BuildSpec) {
    this.specs.push(spec);
    await putImage(this.layout, 'build', { ...spec.annotations, built: String(this.specs.length) });
    return { kind: 'layout' as const, layout: '/fake/layout', tag: 'build' };
  }
}

interface World {
  stores: Map<string, MemoryStore>;
  builder: FakeBuilder;
  logger: RecordingLogger;
  dependencies: BuildByShaDependencies;
}

function world(): World {
  const stores = new Map<string, MemoryStore>();
  const builder = new FakeBuilder();
  const logger = new RecordingLogger();
  const store = (reference: string) => {
    if (reference === 'oci:/fake/layout') return builder.layout;
    let found = stores.get(reference);
    if (!found) {
      found = new MemoryStore(reference);
      stores.set(reference, found);
    }
    return found;
  };
  return {
    stores,
    builder,
    logger,
    dependencies: {
      openStore: async (reference) => store(reference),
      getBuilder: async () => builder,
      copyArtifact: (from, to, reference) => copyArtifact(from, to, reference),
      tempDir,
      logger,
    },
  };
}

const target = (repository: string, extra: Partial<ImageTarget> = {}): ImageTarget => ({
  repository,
  context: '/ws',
  file: '/ws/Dockerfile',
  buildArgs: [],
  platforms: [],
  ...extra,
});

function request(overrides: Partial<BuildByShaRequest> = {}): BuildByShaRequest {
  return {
    kind: 'image',
    images: [target(API)],
    builder: 'auto',
    extraTags: [],
    latest: false,
    sha: { shaLength: 7, tagPrefix: '' },
    ifExists: 'skip',
    allowYanked: false,
    allowDirty: false,
    settleMs: 0,
    registry: { insecureRegistries: [] },
    commit: { sha: SHA, source: 'GITHUB_SHA' },
    source: 'https://github.com/acme/app',
    runUrl: 'https://github.com/acme/app/actions/runs/9/attempts/1',
    created: new Date('2026-11-21T10:00:00Z'),
    ...overrides,
  };
}

const revisionOf = async (store: MemoryStore, tag: string) =>
  JSON.parse((await store.getManifest(tag))?.bytes.toString() ?? '{}').annotations?.[
    'org.opencontainers.image.revision'
  ];

describe('buildBySha', () => {
  it('builds what is missing with the lineage as labels and annotations, pushes it and tags sha, extra and latest', async () => {
    const w = world();
    const result = await buildBySha(request({ extraTags: ['pr-12'], latest: true }), w.dependencies);
    const store = w.stores.get(API) as MemoryStore;
    const image = result.images[0];
    expect(result.tag).toBe('6113728');
    expect(image).toMatchObject({ image: API, built: true, reason: 'no 6113728 yet', via: 'buildah' });
    expect(image?.tags.map((t) => [t.tag, t.change])).toEqual([
      ['6113728', 'create'],
      ['pr-12', 'create'],
      ['latest', 'create'],
    ]);
    for (const tag of ['6113728', 'pr-12', 'latest']) expect(store.tags.get(tag)).toBe(image?.digest);
    const lineage = {
      'org.opencontainers.image.revision': SHA,
      'org.opencontainers.image.source': 'https://github.com/acme/app',
      'org.opencontainers.image.created': '2026-11-21T10:00:00.000Z',
      'dev.flow-actions.run-url': 'https://github.com/acme/app/actions/runs/9/attempts/1',
    };
    expect(w.builder.specs[0]).toMatchObject({
      labels: lineage,
      annotations: lineage,
      repository: API,
      registry: 'registry.test',
    });
    // The digest pushed is the layout's, byte for byte.
    expect(image?.digest).toBe((await w.builder.layout.resolve('build'))?.digest);
  });

  it('a second run on the same commit builds nothing, reuses the digest, and decides in two requests', async () => {
    const w = world();
    const first = await buildBySha(request(), w.dependencies);
    const store = w.stores.get(API) as MemoryStore;
    store.counters.getManifest = 0;
    store.counters.resolve = 0;
    store.counters.putManifest = 0;
    store.counters.blobRequests = 0;
    const second = await buildBySha(request(), w.dependencies);
    expect(second.images[0]).toMatchObject({ built: false, digest: first.images[0]?.digest });
    expect(second.images[0]?.reason).toBe('already built from 6113728 (revision checked)');
    expect(w.builder.specs).toHaveLength(1);
    expect(store.counters).toMatchObject({ getManifest: 2, resolve: 0, putManifest: 0, blobRequests: 0 });
  });

  it('on a pull request, pr-<N> moves to the new head; the old head keeps its sha tag', async () => {
    const w = world();
    const pr = { source: 'pull_request.head.sha' as const, pullRequest: 7 };
    const first = await buildBySha(
      request({ extraTags: ['pr-7'], commit: { sha: SHA, ...pr } }),
      w.dependencies,
    );
    const second = await buildBySha(
      request({ extraTags: ['pr-7'], commit: { sha: NEXT, ...pr } }),
      w.dependencies,
    );
    const store = w.stores.get(API) as MemoryStore;
    expect(store.tags.get('pr-7')).toBe(second.images[0]?.digest);
    expect(store.tags.get('6113728')).toBe(first.images[0]?.digest);
    expect(second.images[0]?.tags.find((t) => t.tag === 'pr-7')).toEqual({
      tag: 'pr-7',
      previous: first.images[0]?.digest,
      change: 'move',
    });
    // Re-running the old head moves pr-7 back: the moving tag follows the run, the sha tags never move.
    const again = await buildBySha(
      request({ extraTags: ['pr-7'], commit: { sha: SHA, ...pr } }),
      w.dependencies,
    );
    expect(again.images[0]?.built).toBe(false);
    expect(store.tags.get('pr-7')).toBe(first.images[0]?.digest);
  });

  it('a dirty build goes under its dirty tag only, labelled <sha>-dirty, and is built again every time', async () => {
    const w = world();
    const dirty = { tag: 'dirty-6113728-0123456789ab', changes: [{ status: ' M', path: 'Dockerfile' }] };
    const first = await buildBySha(request({ dirty }), w.dependencies);
    const store = w.stores.get(API) as MemoryStore;
    expect(first).toMatchObject({ sha: SHA, tag: 'dirty-6113728-0123456789ab', dirty });
    expect([...store.tags.keys()]).toEqual(['dirty-6113728-0123456789ab']);
    expect(await revisionOf(store, 'dirty-6113728-0123456789ab')).toBe(`${SHA}-dirty`);
    expect(w.builder.specs[0]?.labels['org.opencontainers.image.revision']).toBe(`${SHA}-dirty`);
    const second = await buildBySha(request({ dirty }), w.dependencies);
    expect(second.images[0]).toMatchObject({
      built: true,
      reason: 'uncommitted changes, built as allowed',
    });
    expect(w.builder.specs).toHaveLength(2);
    expect(store.tags.get('dirty-6113728-0123456789ab')).toBe(second.images[0]?.digest);
    expect(store.tags.has('6113728')).toBe(false);
  });

  it('without a source, the lineage has no source label rather than a made-up one', async () => {
    const w = world();
    const { source: _source, ...withoutSource } = request();
    await buildBySha(withoutSource, w.dependencies);
    expect(Object.keys(w.builder.specs[0]?.labels ?? {})).not.toContain('org.opencontainers.image.source');
    expect(w.builder.specs[0]?.labels['org.opencontainers.image.revision']).toBe(SHA);
  });

  it('several images, one already built: one build, right outputs for both', async () => {
    const w = world();
    await buildBySha(request({ images: [target(API)] }), w.dependencies);
    const result = await buildBySha(
      request({ images: [target(API), target(WORKER, { target: 'worker' })] }),
      w.dependencies,
    );
    expect(result.images.map((i) => [i.image, i.built])).toEqual([
      [API, false],
      [WORKER, true],
    ]);
    expect(w.builder.specs).toHaveLength(2);
    expect(w.builder.specs[1]).toMatchObject({ target: 'worker', repository: WORKER });
    expect(await revisionOf(w.stores.get(WORKER) as MemoryStore, '6113728')).toBe(SHA);
  });

  it('a short-sha collision is an error before anything is built or pushed, for every image', async () => {
    const w = world();
    const api = new MemoryStore(API);
    w.stores.set(API, api);
    await putImage(api, '6113728', { 'org.opencontainers.image.revision': OTHER });
    api.counters.putManifest = 0;
    const run = buildBySha(request({ images: [target(WORKER), target(API)] }), w.dependencies);
    await expect(run).rejects.toThrow(ConfigurationError);
    await expect(run).rejects.toThrow(
      `Short-sha collision: ${API}:6113728 was built from commit ${OTHER}, not ${SHA} (both start with 6113728). Use a longer "sha-length" so the tags differ.`,
    );
    expect(w.builder.specs).toEqual([]);
    expect(api.counters.putManifest).toBe(0);
    expect(w.stores.get(WORKER)?.tags.size).toBe(0);
  });

  it('a yanked commit is refused with the tombstone reason, unless allow-yanked', async () => {
    const w = world();
    const api = new MemoryStore(API);
    w.stores.set(API, api);
    await writeTombstone(api, {
      sha: SHA,
      reason: 'stage checks failed',
      actor: 'octocat',
      yankedAt: new Date('2026-11-21T09:00:00Z'),
    });
    await expect(buildBySha(request(), w.dependencies)).rejects.toThrow(
      `Commit 6113728 was yanked by octocat at 2026-11-21T09:00:00.000Z: "stage checks failed" (tombstone ${API}:yanked-6113728). Fix forward with a new commit, or set allow-yanked: true to override.`,
    );
    expect(w.builder.specs).toEqual([]);
    const forced = await buildBySha(request({ allowYanked: true }), w.dependencies);
    expect(forced.images[0]).toMatchObject({
      built: true,
      reason: 'yanked, rebuilt as allowed',
    });
    expect(
      w.logger.entries.some((e) => e.level === 'warning' && e.message.includes('stage checks failed')),
    ).toBe(true);
  });

  it('if-exists: fail refuses an existing sha tag', async () => {
    const w = world();
    await buildBySha(request(), w.dependencies);
    await expect(buildBySha(request({ ifExists: 'fail' }), w.dependencies)).rejects.toThrow(
      /registry\.test\/acme\/api:6113728 already exists \(sha256:[0-9a-f]{64}\) and if-exists: fail refuses it/,
    );
  });

  it('an immutable extra tag that points elsewhere is refused before the build', async () => {
    const w = world();
    const api = new MemoryStore(API);
    w.stores.set(API, api);
    const old = await putImage(api, 'v1.0.0', { 'org.opencontainers.image.revision': OTHER });
    await expect(buildBySha(request({ extraTags: ['v1.0.0'] }), w.dependencies)).rejects.toThrow(
      `${API}:v1.0.0 already points at ${old} and is immutable: nothing was built or pushed.`,
    );
    expect(w.builder.specs).toEqual([]);
  });

  it('reuses an artifact without lineage with a warning, since it cannot be checked', async () => {
    const w = world();
    const api = new MemoryStore(API);
    w.stores.set(API, api);
    const digest = await putImage(api, '6113728', {});
    const result = await buildBySha(request(), w.dependencies);
    expect(result.images[0]).toMatchObject({
      built: false,
      digest,
      reason: 'already there, without a revision to check',
    });
    expect(w.logger.entries.find((e) => e.level === 'warning')?.message).toContain(
      'carries no org.opencontainers.image.revision',
    );
  });

  it('kind archive stores the file as an OCI artifact that unpacks byte-identical, with the lineage', async () => {
    const w = world();
    const file = join(tempDir, 'api.zip');
    const content = Buffer.from('PK\u0003\u0004 pretend zip bytes \u0000\u00ff');
    await writeFile(file, content);
    const result = await buildBySha(
      request({ kind: 'archive', images: [target(API, { path: file, mediaType: 'application/zip' })] }),
      w.dependencies,
    );
    const store = w.stores.get(API) as MemoryStore;
    expect(result.images[0]).toMatchObject({ built: true, via: 'archive application/zip' });
    const out = await mkdtemp(join(tempDir, 'out-'));
    const unpacked = await unpackArchive(store, '6113728', out);
    expect(unpacked.annotations['org.opencontainers.image.revision']).toBe(SHA);
    expect(unpacked.layer.mediaType).toBe('application/zip');

    expect((await readFile(unpacked.path)).equals(content)).toBe(true);
    expect(w.builder.specs).toEqual([]);
  });

  it('from-oci-layout pushes the layout image with its digest, and refuses one built from another commit', async () => {
    const w = world();
    const ready = new MemoryStore('oci:/ready');
    const digest = await putImage(ready, 'v1', { 'org.opencontainers.image.revision': SHA });
    await putImage(ready, 'wrong', { 'org.opencontainers.image.revision': NEXT });
    const dependencies = {
      ...w.dependencies,
      openStore: async (reference: string) =>
        reference === 'oci:/ready' ? ready : w.dependencies.openStore(reference),
    };
    const result = await buildBySha(
      request({ images: [target(API, { fromOciLayout: 'oci:/ready:v1' })] }),
      dependencies,
    );
    expect(result.images[0]).toMatchObject({ built: true, digest, via: 'from-oci-layout' });
    expect(w.stores.get(API)?.tags.get('6113728')).toBe(digest);
    await expect(
      buildBySha(request({ images: [target(WORKER, { fromOciLayout: 'oci:/ready:wrong' })] }), dependencies),
    ).rejects.toThrow(/oci:\/ready:wrong was built from commit 9c1b2a3/);
    await expect(
      buildBySha(request({ images: [target(WORKER, { fromOciLayout: 'oci:/ready' })] }), dependencies),
    ).rejects.toThrow(
      'oci:/ready holds 2 tagged images (v1, wrong): name one as oci:<dir>:<tag> in "from-oci-layout".',
    );
  });

  it('a builder that pushes by digest: the sha tag is written here, and a digest that does not read back fails', async () => {
    const w = world();
    const api = new MemoryStore(API);
    w.stores.set(API, api);
    const pushing: Builder = {
      name: 'buildx',
      build: async (spec) => ({ kind: 'pushed', digest: await putImage(api, BY_DIGEST, spec.annotations) }),
    };
    const lying: Builder = {
      name: 'buildx',
      build: async () => ({ kind: 'pushed', digest: `sha256:${'0'.repeat(64)}` }),
    };
    const result = await buildBySha(request(), { ...w.dependencies, getBuilder: async () => pushing });
    expect(result.images[0]).toMatchObject({ built: true, via: 'buildx' });
    expect(result.images[0]?.tags[0]).toEqual({ tag: '6113728', previous: null, change: 'create' });
    expect(api.tags.get('6113728')).toBe(result.images[0]?.digest);
    await expect(
      buildBySha(request({ images: [target(WORKER)] }), { ...w.dependencies, getBuilder: async () => lying }),
    ).rejects.toThrow(
      `${WORKER}@sha256:${'0'.repeat(64)} was pushed but does not read back: the push did not land.`,
    );
    expect(w.stores.get(WORKER)?.tags.has('6113728')).toBe(false);
  });

  it('honours sha-length and tag-prefix', async () => {
    const w = world();
    const result = await buildBySha(request({ sha: { shaLength: 12, tagPrefix: 'sha-' } }), w.dependencies);
    expect(result.tag).toBe('sha-6113728f27ae');
    expect(w.stores.get(API)?.tags.has('sha-6113728f27ae')).toBe(true);
  });
});
