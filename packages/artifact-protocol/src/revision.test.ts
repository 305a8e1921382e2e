import { ConfigurationError } from '@flow-actions/action-kit';
import { computeDigest, type Manifest, MemoryStore } from '@flow-actions/oci-store';
import { describe, expect, it } from 'vitest';
import { describeUncommitted, judgeRevision, readRevision, verifyRevision } from './revision';

const SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
const OTHER = '6113728aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa';

async function put(store: MemoryStore, tag: string, document: object): Promise<Manifest> {
  const bytes = Buffer.from(JSON.stringify(document));
  const mediaType = 'application/vnd.oci.image.manifest.v1+json';
  await store.putManifest(tag, { bytes, mediaType });
  return { bytes, mediaType, digest: computeDigest(bytes) };
}

async function imageWithLabel(store: MemoryStore, revision: string): Promise<Manifest> {
  const config = Buffer.from(
    JSON.stringify({ config: { Labels: { 'org.opencontainers.image.revision': revision } } }),
  );
  await store.putBlob(computeDigest(config), config.length, config);
  return put(store, '6113728', {
    schemaVersion: 2,
    config: {
      mediaType: 'application/vnd.oci.image.config.v1+json',
      digest: computeDigest(config),
      size: config.length,
    },
    layers: [],
  });
}

describe('readRevision / verifyRevision', () => {
  it('reads the revision annotation', async () => {
    const store = new MemoryStore();
    const manifest = await put(store, 'x', { annotations: { 'org.opencontainers.image.revision': SHA } });
    expect(await readRevision(store, manifest)).toBe(SHA);
    expect(await verifyRevision(store, manifest, SHA, '6113728')).toBe('match');
  });

  it('falls back to the image config label, and to the first child of an index', async () => {
    const store = new MemoryStore();
    const image = await imageWithLabel(store, SHA);
    expect(await readRevision(store, image)).toBe(SHA);
    const index = await put(store, 'idx', {
      schemaVersion: 2,
      mediaType: 'application/vnd.oci.image.index.v1+json',
      manifests: [{ mediaType: image.mediaType, digest: image.digest, size: image.bytes.length }],
    });
    expect(await readRevision(store, index)).toBe(SHA);
  });

  it('a different commit under the same short sha is a collision, never a reuse', async () => {
    const store = new MemoryStore('registry.test/acme/app');
    const image = await imageWithLabel(store, OTHER);
    const check = verifyRevision(store, image, SHA, '6113728');
    await expect(check).rejects.toThrow(ConfigurationError);
    await expect(check).rejects.toThrow(
      `Short-sha collision: registry.test/acme/app:6113728 was built from commit ${OTHER}, not ${SHA} (both start with 6113728). Use a longer "sha-length" so the tags differ.`,
    );
  });

  it('names the shared short sha behind a tag prefix too', async () => {
    const store = new MemoryStore('registry.test/acme/app');
    const image = await imageWithLabel(store, OTHER);
    await expect(verifyRevision(store, image, SHA, 'build-6113728')).rejects.toThrow(
      `(both start with 6113728). Use a longer "sha-length" so the tags differ.`,
    );
  });

  it('any other tag built from another commit is the wrong artifact, not a collision', async () => {
    const store = new MemoryStore('oci:/tmp/layout');
    const image = await imageWithLabel(store, OTHER);
    await expect(verifyRevision(store, image, SHA, 'ready')).rejects.toThrow(
      `Wrong commit: oci:/tmp/layout:ready was built from commit ${OTHER}, not ${SHA}. Name the artifact built from 6113728 instead.`,
    );
  });

  it('reports an artifact without lineage as absent', async () => {
    const store = new MemoryStore();
    const manifest = await put(store, 'x', { schemaVersion: 2 });
    expect(await verifyRevision(store, manifest, SHA, 'x')).toBe('absent');
  });
});

describe('judgeRevision / describeUncommitted', () => {
  it.each([
    [SHA, { kind: 'commit', sha: SHA }, undefined],
    [
      `${SHA}-dirty`,
      { kind: 'dirty', of: SHA, revision: `${SHA}-dirty` },
      `was built from uncommitted changes on top of commit 6113728 (revision ${SHA}-dirty)`,
    ],
    [
      '6113728-dirty',
      { kind: 'malformed', revision: '6113728-dirty' },
      'names "6113728-dirty" as its revision, not a full commit sha',
    ],
    [
      '6113728',
      { kind: 'malformed', revision: '6113728' },
      'names "6113728" as its revision, not a full commit sha',
    ],
    [
      SHA.toUpperCase(),
      { kind: 'malformed', revision: SHA.toUpperCase() },
      `names "${SHA.toUpperCase()}" as its revision, not a full commit sha`,
    ],
    [
      'refs/heads/main',
      { kind: 'malformed', revision: 'refs/heads/main' },
      'names "refs/heads/main" as its revision, not a full commit sha',
    ],
  ])('%s', (revision, lineage, problem) => {
    expect(judgeRevision(revision)).toEqual(lineage);
    expect(describeUncommitted(judgeRevision(revision))).toBe(problem);
  });
});
