import { Readable } from 'node:stream';
import { RecordingLogger } from '@flow-actions/action-kit';
import {
  copyArtifact,
  DigestMismatchError,
  openStore,
  RegistryError,
  type RegistryStore,
} from '@flow-actions/oci-store';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningFaultProxy, startFaultProxy } from '../fault-proxy';
import { type RunningRegistry, startRegistry } from '../services';
import { buildImageManifest, type Fixture, pushFixture } from './registry-fixtures';

let registry: RunningRegistry;
let proxy: RunningFaultProxy;
let artifact: Fixture;

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy({ target: registry.url });
  artifact = buildImageManifest('oci', { layers: 2, layerBytes: 4096 });
  await pushFixture(await openStore(`${registry.host}/faults/app`), artifact, 'v1');
});
afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
});
beforeEach(() => proxy.reset());

const MANIFEST_PATH = /\/v2\/faults\/app\/manifests\//;
const manifestRequests = () => proxy.requests.filter((r) => MANIFEST_PATH.test(r.path));

async function storeThroughProxy(): Promise<RegistryStore> {
  return (await openStore(`${proxy.host}/faults/app`, { logger: new RecordingLogger() })) as RegistryStore;
}

describe('retries through the fault proxy', () => {
  it('waits out three 429s with Retry-After, then succeeds', async () => {
    proxy.script({ path: MANIFEST_PATH, status: 429, retryAfter: '1', times: 3 });
    const store = await storeThroughProxy();
    const started = Date.now();
    const manifest = await store.getManifest('v1');
    const elapsed = Date.now() - started;
    expect(manifest?.digest).toBe(artifact.digest);
    expect(elapsed).toBeGreaterThanOrEqual(3000);
    expect(manifestRequests().map((r) => r.status)).toEqual([429, 429, 429, 200]);
  });

  it('gives up on endless 429s after five attempts with a one-line error', async () => {
    proxy.script({ path: MANIFEST_PATH, status: 429, retryAfter: '0' });
    const store = await storeThroughProxy();
    const error = (await store.getManifest('v1').catch((e: unknown) => e)) as RegistryError;
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.message).toBe(
      `registry ${proxy.host} kept answering 429 TOOMANYREQUESTS (injected by the fault proxy: HTTP 429) to get-manifest faults/app:v1 after 5 attempts: it is overloaded or unavailable; re-run later`,
    );
    expect(error).toMatchObject({ status: 429, temporary: true });
    expect(manifestRequests()).toHaveLength(5);
  });

  it('retries a 503 and a connection reset', async () => {
    proxy.script({ path: MANIFEST_PATH, status: 503, times: 1 });
    proxy.script({ path: MANIFEST_PATH, reset: true, times: 1 });
    const store = await storeThroughProxy();
    expect((await store.resolve('v1'))?.digest).toBe(artifact.digest);
    expect(manifestRequests().map((r) => r.status)).toEqual([503, 0, 200]);
  });

  it.each([
    [403, /denied resolve faults\/app:v1 to anonymous access \(403 DENIED/],
    [401, /answered 401 to resolve faults\/app:v1 without a usable WWW-Authenticate challenge/],
  ])('does not retry %i', async (status, message) => {
    proxy.script({ path: MANIFEST_PATH, status });
    const store = await storeThroughProxy();
    await expect(store.resolve('v1')).rejects.toThrow(message);
    expect(manifestRequests()).toHaveLength(1);
  });

  it('does not retry a 404: an unknown tag is simply absent', async () => {
    const store = await storeThroughProxy();
    expect(await store.getManifest('no-such-tag')).toBeUndefined();
    expect(manifestRequests()).toHaveLength(1);
  });

  it('refuses a manifest whose body was corrupted on the way', async () => {
    proxy.script({ path: MANIFEST_PATH, corruptBody: true });
    const store = await storeThroughProxy();
    await expect(store.getManifest('v1')).rejects.toThrow(DigestMismatchError);
    await expect(store.getManifest(artifact.digest)).rejects.toThrow(/content does not match its digest/);
  });

  it('fails the blob stream whose bytes were corrupted on the way', async () => {
    const layer = artifact.blobs[1];
    if (!layer) throw new Error('fixture has layers');
    proxy.script({ path: /\/blobs\/sha256:/, corruptBody: true });
    const store = await storeThroughProxy();
    const content = await store.getBlob(layer.digest);
    const drain = async () => {
      for await (const _chunk of content?.stream ?? []) {
        // reading is the point
      }
    };
    await expect(drain()).rejects.toThrow(
      `blob faults/app@${layer.digest}: content does not match its digest`,
    );
  });

  it('never replays a streamed upload: a 503 on its PATCH surfaces as a temporary error', async () => {
    const store = (await openStore(`${proxy.host}/faults/upload`, {
      monolithicMaxBytes: 100,
      chunkBytes: 1000,
    })) as RegistryStore;
    const blob = buildImageManifest('oci', { layers: 1, layerBytes: 3000 }).blobs[1];
    if (!blob) throw new Error('fixture has a layer');
    proxy.script({ method: 'PATCH', status: 503 });
    const error = (await store
      .putBlob(blob.digest, blob.size, Readable.from([blob.bytes]))
      .catch((e: unknown) => e)) as RegistryError;
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.temporary).toBe(true);
    expect(proxy.requests.filter((r) => r.method === 'PATCH')).toHaveLength(1);
    expect(await store.hasBlob(blob.digest)).toBe(false);
  });
});

describe('tag reads through a proxy that drops Docker-Content-Digest from manifest GETs', () => {
  const stripGets = (rewriteBody?: (body: Buffer) => Buffer) =>
    proxy.script({
      method: 'GET',
      path: MANIFEST_PATH,
      stripHeaders: ['docker-content-digest'],
      ...(rewriteBody ? { rewriteBody } : {}),
    });

  it('getManifest, resolve and copyArtifact read by tag, each checked against the HEAD digest', async () => {
    stripGets();
    const store = await storeThroughProxy();
    expect((await store.getManifest('v1'))?.digest).toBe(artifact.digest);
    expect(manifestRequests().map((r) => `${r.method} ${r.status}`)).toEqual(['GET 200', 'HEAD 200']);
    expect((await store.resolve('v1'))?.digest).toBe(artifact.digest);
    const to = await openStore(`${proxy.host}/faults/copied`);
    expect((await copyArtifact(store, to, 'v1')).digest).toBe(artifact.digest);
  });

  it('refuses a body altered on its way, by tag and by digest, and copies nothing', async () => {
    // Valid JSON, other bytes: only a digest check can tell.
    stripGets((body) => Buffer.from(body.toString().replace('"schemaVersion"', ' "schemaVersion"')));
    const store = await storeThroughProxy();
    await expect(store.getManifest('v1')).rejects.toThrow(
      `manifest faults/app@${artifact.digest}: content does not match its digest`,
    );
    const to = await openStore(`${registry.host}/faults/not-copied`);
    await expect(copyArtifact(store, to, 'v1')).rejects.toThrow(DigestMismatchError);
    expect(await to.resolve('v1')).toBeUndefined();
  });
});
