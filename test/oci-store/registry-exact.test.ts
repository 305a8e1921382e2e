import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type ArtifactStore, computeDigest, openStore } from '@flow-actions/oci-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRegistry, startRegistry } from '../services';
import { runSkopeo, skopeoDigest } from '../support/skopeo';
import { buildImageManifest, buildIndex, type Fixture, pushFixture, writeLayout } from './registry-fixtures';

let registry: RunningRegistry;
let work: string;

beforeAll(async () => {
  registry = await startRegistry();
  work = await mkdtemp(join(tmpdir(), 'flow-registry-exact-'));
});
afterAll(async () => {
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const fixtures: [string, () => Fixture][] = [
  ['an OCI index', () => buildIndex('oci')],
  ['an OCI manifest', () => buildImageManifest('oci')],
  ['a Docker manifest list', () => buildIndex('docker')],
  ['a Docker schema 2 manifest', () => buildImageManifest('docker')],
];

describe('retag through the registry API keeps the exact bytes', () => {
  it.each(fixtures)('%s keeps its digest, as skopeo sees it', async (name, build) => {
    const artifact = build();
    const repository = `exact/${name.replace(/\W+/g, '-').replace(/^-|-$/g, '').toLowerCase()}`;
    const store = await openStore(`${registry.host}/${repository}`);
    await pushFixture(store, artifact, 'built');

    const fetched = await store.getManifest('built');
    expect(fetched?.bytes.equals(artifact.bytes)).toBe(true);
    expect(fetched?.mediaType).toBe(artifact.mediaType);
    const digest = await store.putManifest('promoted', fetched as NonNullable<typeof fetched>);

    expect(digest).toBe(artifact.digest);
    expect((await store.resolve('promoted'))?.digest).toBe(artifact.digest);
    expect(await skopeoDigest(`${registry.host}/${repository}:promoted`)).toBe(artifact.digest);
    expect(await skopeoDigest(`${registry.host}/${repository}:built`)).toBe(artifact.digest);
    expect(await store.listTags()).toEqual(['built', 'promoted']);
  });

  it('would change the digest if the manifest were re-serialised', () => {
    for (const [, build] of fixtures) {
      const artifact = build();
      const reserialised = Buffer.from(JSON.stringify(JSON.parse(artifact.bytes.toString('utf8'))));
      expect(computeDigest(reserialised)).not.toBe(artifact.digest);
    }
  });
});

describe('skopeo and the store agree', () => {
  it('skopeo copies out (verifying every blob) what the store wrote', async () => {
    const artifact = buildImageManifest('oci', { layers: 3 });
    const store = await openStore(`${registry.host}/agree/written-by-store`);
    await pushFixture(store, artifact, 'v1');
    const out = join(work, 'dir-copy');
    await runSkopeo([
      'copy',
      '--src-tls-verify=false',
      `docker://${registry.host}/agree/written-by-store:v1`,
      `dir:${out}`,
    ]);
    expect((await readFile(join(out, 'manifest.json'))).equals(artifact.bytes)).toBe(true);
    const files = await readdir(out);
    for (const blob of artifact.blobs) {
      expect(files).toContain(blob.digest.slice('sha256:'.length));
      expect((await readFile(join(out, blob.digest.slice('sha256:'.length)))).equals(blob.bytes)).toBe(true);
    }
  });

  it.each([
    ['an OCI index', () => buildIndex('oci')],
    ['an OCI manifest', () => buildImageManifest('oci')],
  ])('the store reads %s that skopeo copy wrote, with the same digest', async (_name, build) => {
    const artifact = build();
    const layout = await mkdtemp(join(work, 'layout-'));
    await writeLayout(layout, artifact, 'v1');
    const repository = `agree/written-by-skopeo-${artifact.children.length}`;
    await runSkopeo([
      'copy',
      '--all',
      '--preserve-digests',
      '--dest-tls-verify=false',
      `oci:${layout}:v1`,
      `docker://${registry.host}/${repository}:v1`,
    ]);
    const store: ArtifactStore = await openStore(`${registry.host}/${repository}`);
    const manifest = await store.getManifest('v1');
    expect(manifest?.digest).toBe(artifact.digest);
    expect(manifest?.bytes.equals(artifact.bytes)).toBe(true);
    for (const blob of artifact.blobs) {
      const content = await store.getBlob(blob.digest);
      const chunks: Buffer[] = [];
      for await (const chunk of content?.stream ?? []) chunks.push(chunk as Buffer);
      expect(Buffer.concat(chunks).equals(blob.bytes)).toBe(true);
    }
  });
});
