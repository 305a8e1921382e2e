import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { copyArtifact, openStore } from '@flow-actions/oci-store';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningFaultProxy, startFaultProxy } from '../fault-proxy';
import { type RunningRegistry, startRegistry } from '../services';
import { skopeoDigest } from '../support/skopeo';
import { buildImageManifest, buildIndex, type Fixture, pushFixture } from './registry-fixtures';

let first: RunningRegistry;
let second: RunningRegistry;
let firstProxy: RunningFaultProxy;
let secondProxy: RunningFaultProxy;
let work: string;

beforeAll(async () => {
  [first, second] = await Promise.all([startRegistry(), startRegistry()]);
  firstProxy = await startFaultProxy({ target: first.url });
  secondProxy = await startFaultProxy({ target: second.url });
  work = await mkdtemp(join(tmpdir(), 'flow-copy-'));
});
afterAll(async () => {
  await firstProxy?.stop();
  await secondProxy?.stop();
  await first?.stop();
  await second?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});
beforeEach(() => {
  firstProxy.reset();
  secondProxy.reset();
});

const uploads = (proxy: RunningFaultProxy) =>
  proxy.requests.filter((r) => r.path.includes('/blobs/uploads/') && r.method !== 'POST');
const uploadedBytes = (proxy: RunningFaultProxy) => uploads(proxy).reduce((sum, r) => sum + r.bytesIn, 0);
const blobBytes = (artifact: Fixture) => artifact.blobs.reduce((sum, b) => sum + b.size, 0);

describe('copyArtifact', () => {
  it('mounts every blob between two repositories of one registry: no layer byte is uploaded', async () => {
    const artifact = buildIndex('oci');
    await pushFixture(await openStore(`${first.host}/copy/source`), artifact, 'v1');
    firstProxy.reset();
    const from = await openStore(`${firstProxy.host}/copy/source`);
    const to = await openStore(`${firstProxy.host}/copy/mounted`);
    const result = await copyArtifact(from, to, 'v1');
    expect(result).toMatchObject({
      digest: artifact.digest,
      blobsMounted: artifact.blobs.length,
      blobsUploaded: 0,
      blobsSkipped: 0,
      bytesUploaded: 0,
      manifests: 3,
    });
    expect(uploads(firstProxy)).toHaveLength(0);
    expect(firstProxy.requests.filter((r) => r.path.includes('mount='))).toHaveLength(artifact.blobs.length);
    expect(await skopeoDigest(`${first.host}/copy/mounted:v1`)).toBe(artifact.digest);
  });

  it('streams each blob across registries exactly once, then skips what is there', async () => {
    const artifact = buildImageManifest('docker', { layers: 4, layerBytes: 50_000 });
    await pushFixture(await openStore(`${first.host}/copy/cross`), artifact, 'v1');
    firstProxy.reset();
    const from = await openStore(`${firstProxy.host}/copy/cross`);
    const to = await openStore(`${secondProxy.host}/copy/arrived`);
    const result = await copyArtifact(from, to, 'v1', { tags: ['v1', 'stage'] });
    expect(result).toMatchObject({
      blobsUploaded: artifact.blobs.length,
      blobsMounted: 0,
      bytesUploaded: blobBytes(artifact),
    });

    const blobGets = firstProxy.requests.filter(
      (r) => r.method === 'GET' && r.path.includes('/blobs/sha256:'),
    );
    expect(blobGets.map((r) => r.path.split('/').pop()).sort()).toEqual(
      artifact.blobs.map((b) => b.digest).sort(),
    );
    expect(blobGets.reduce((sum, r) => sum + r.bytesOut, 0)).toBe(blobBytes(artifact));
    expect(uploadedBytes(secondProxy)).toBe(blobBytes(artifact));
    expect(await skopeoDigest(`${second.host}/copy/arrived:stage`)).toBe(artifact.digest);

    secondProxy.reset();
    const again = await copyArtifact(from, to, 'v1');
    expect(again).toMatchObject({ blobsSkipped: artifact.blobs.length, blobsUploaded: 0, bytesUploaded: 0 });
    expect(uploads(secondProxy)).toHaveLength(0);
  });

  it('starts a blob over from the source when its download is cut off', async () => {
    const artifact = buildImageManifest('oci', { layers: 1, layerBytes: 200_000 });
    await pushFixture(await openStore(`${first.host}/copy/flaky`), artifact, 'v1');
    firstProxy.reset();
    const layer = artifact.blobs[1]?.digest ?? '';
    const cut = firstProxy.script({
      method: 'GET',
      path: new RegExp(`/blobs/${layer}$`),
      reset: true,
      afterBytes: 1000,
      times: 1,
    });
    const from = await openStore(`${firstProxy.host}/copy/flaky`);
    const to = await openStore(`${secondProxy.host}/copy/flaky`);
    const result = await copyArtifact(from, to, 'v1', { concurrency: 1 });
    expect(cut.hits).toBe(1);
    expect(result.blobsUploaded).toBe(artifact.blobs.length);
    expect(firstProxy.requests.filter((r) => r.path.endsWith(layer)).map((r) => r.status)).toEqual([
      200, 200,
    ]);
    expect(await skopeoDigest(`${second.host}/copy/flaky:v1`)).toBe(artifact.digest);
  });

  it('copies registry → OCI layout → registry with the digest unchanged', async () => {
    const artifact = buildIndex('docker');
    await pushFixture(await openStore(`${first.host}/copy/roundtrip`), artifact, 'v1');
    const layoutDir = join(work, 'layout');
    const layout = await openStore(`oci:${layoutDir}`, { createLayout: true });
    const out = await copyArtifact(await openStore(`${first.host}/copy/roundtrip`), layout, 'v1');
    expect(out.blobsUploaded).toBe(artifact.blobs.length);
    expect((await layout.resolve('v1'))?.digest).toBe(artifact.digest);
    const back = await copyArtifact(layout, await openStore(`${second.host}/copy/roundtrip`), 'v1');
    expect(back.digest).toBe(artifact.digest);
    expect(await skopeoDigest(`${second.host}/copy/roundtrip:v1`)).toBe(artifact.digest);
  });

  it('names a source that lacks the artifact', async () => {
    const from = await openStore(`${first.host}/copy/source`);
    await expect(copyArtifact(from, await openStore(`${second.host}/copy/x`), 'missing')).rejects.toThrow(
      `${first.host}/copy/source has no missing: nothing to copy`,
    );
  });
});
