import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningRegistry, startRegistry } from '../services/index';
import { OCI_MANIFEST, type PushedImage, pushTestImage, sha256 } from '../services/push-image';
import { type RunningFaultProxy, startFaultProxy } from './index';

describe('fault proxy in front of a real registry', () => {
  let registry: RunningRegistry;
  let proxy: RunningFaultProxy;
  let image: PushedImage;
  const layer = Buffer.alloc(4096, 7);

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy({ target: registry.url });
    image = await pushTestImage({ url: registry.url, repository: 'proxied/app', tag: 'v1', layer });
  });
  afterAll(async () => {
    await proxy.stop();
    await registry.stop();
  });
  beforeEach(() => proxy.reset());

  const blobUrl = () => `${proxy.url}/v2/proxied/app/blobs/${image.layer.digest}`;

  it('forwards a push, keeps upload Locations on the proxy, and counts uploaded bytes', async () => {
    const pushed = await pushTestImage({
      url: proxy.url,
      repository: 'via/proxy',
      tag: 't1',
      layer: Buffer.alloc(10_000, 1),
    });
    const tags = await fetch(`${registry.url}/v2/via/proxy/tags/list`);
    expect(await tags.json()).toEqual({ name: 'via/proxy', tags: ['t1'] });
    const start = await fetch(`${proxy.url}/v2/via/proxy/blobs/uploads/`, { method: 'POST' });
    expect(start.status).toBe(202);
    expect(start.headers.get('location')?.startsWith(`${proxy.url}/v2/via/proxy/blobs/uploads/`)).toBe(true);
    const blobPuts = proxy.requests.filter((r) => r.method === 'PUT' && r.path.includes('/blobs/uploads/'));
    expect(blobPuts.map((r) => r.bytesIn).sort((a, b) => a - b)).toEqual(
      [pushed.config.size, pushed.layer.size].sort((a, b) => a - b),
    );
    expect(blobPuts.every((r) => r.status === 201)).toBe(true);
  });

  it('answers 429 with Retry-After for the scripted count, then forwards again', async () => {
    const rule = proxy.script({ method: 'GET', path: /\/blobs\//, times: 2, status: 429, retryAfter: '1' });
    for (let i = 0; i < 2; i += 1) {
      const limited = await fetch(blobUrl());
      expect(limited.status).toBe(429);
      expect(limited.headers.get('retry-after')).toBe('1');
      expect(((await limited.json()) as { errors: { code: string }[] }).errors[0]?.code).toBe(
        'TOOMANYREQUESTS',
      );
    }
    const ok = await fetch(blobUrl());
    expect(ok.status).toBe(200);
    expect(sha256(Buffer.from(await ok.arrayBuffer()))).toBe(image.layer.digest);
    expect(rule.hits).toBe(2);
    expect(proxy.requests.map((r) => r.status)).toEqual([429, 429, 200]);
  });

  it('answers 429 without Retry-After when none is scripted', async () => {
    proxy.script({ path: /\/manifests\//, times: 1, status: 429 });
    const limited = await fetch(`${proxy.url}/v2/proxied/app/manifests/v1`);
    expect(limited.status).toBe(429);
    expect(limited.headers.has('retry-after')).toBe(false);
  });

  it('answers with a scripted spec error, as a given registry would, without forwarding', async () => {
    const error = {
      code: 'PRECONDITION',
      message: "Failed to process request due to 'app:v1' configured as immutable.",
    };
    proxy.script({ method: 'PUT', path: /\/manifests\/v1$/, times: 1, status: 412, error });
    const refused = await fetch(`${proxy.url}/v2/proxied/app/manifests/v1`, { method: 'PUT', body: '{}' });
    expect(refused.status).toBe(412);
    expect(await refused.json()).toEqual({ errors: [error] });
    expect(proxy.requests[0]).toMatchObject({ fault: 'status', bytesIn: 2 });
    expect(() => proxy.script({ error, delayMs: 1 })).toThrow('error goes with a status');
  });

  it('answers a 5xx only for the matching method', async () => {
    proxy.script({ method: 'HEAD', path: /\/manifests\//, status: 503 });
    expect((await fetch(`${proxy.url}/v2/proxied/app/manifests/v1`, { method: 'HEAD' })).status).toBe(503);
    expect((await fetch(`${proxy.url}/v2/proxied/app/manifests/v1`, { method: 'HEAD' })).status).toBe(503);
    // distribution 2.8 answers 404 for an OCI manifest unless the client accepts its media type.
    const get = await fetch(`${proxy.url}/v2/proxied/app/manifests/v1`, {
      headers: { Accept: OCI_MANIFEST },
    });
    expect(get.status).toBe(200);
  });

  it('resets the connection before forwarding', async () => {
    proxy.script({ path: /\/blobs\//, times: 1, reset: true });
    await expect(fetch(blobUrl())).rejects.toThrow(/fetch failed/);
    expect(proxy.requests[0]).toMatchObject({ status: 0, fault: 'reset' });
    expect((await fetch(blobUrl())).status).toBe(200);
  });

  it('resets the connection in the middle of a response body', async () => {
    proxy.script({ path: /\/blobs\//, times: 1, reset: true, afterBytes: 1000 });
    const response = await fetch(blobUrl());
    expect(response.status).toBe(200);
    await expect(response.arrayBuffer()).rejects.toThrow();
    expect(proxy.requests[0]?.bytesOut).toBe(1000);
  });

  it('corrupts a body so that its digest no longer matches, at the same length', async () => {
    proxy.script({ path: /\/blobs\//, times: 1, corruptBody: true });
    const corrupted = Buffer.from(await (await fetch(blobUrl())).arrayBuffer());
    expect(corrupted.length).toBe(layer.length);
    expect(sha256(corrupted)).not.toBe(image.layer.digest);
    const intact = Buffer.from(await (await fetch(blobUrl())).arrayBuffer());
    expect(sha256(intact)).toBe(image.layer.digest);
    expect(proxy.requests[0]).toMatchObject({ fault: 'corrupt', bytesOut: layer.length });
  });

  it('delays a scripted request, and every request by the global latency', async () => {
    proxy.script({ path: /\/tags\/list/, times: 1, delayMs: 150 });
    await fetch(`${proxy.url}/v2/proxied/app/tags/list`);
    expect(proxy.requests[0]?.duration).toBeGreaterThanOrEqual(150);

    proxy.reset();
    proxy.setLatency(20);
    const started = Date.now();
    for (let i = 0; i < 5; i += 1) await (await fetch(`${proxy.url}/v2/`)).arrayBuffer();
    proxy.setLatency(0);
    expect(Date.now() - started).toBeGreaterThanOrEqual(100);
    expect(proxy.requests.every((r) => (r.duration ?? 0) >= 20)).toBe(true);
  });

  it('holds a scripted request until a promise settles, then forwards it', async () => {
    let release = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    proxy.script({ path: /\/tags\/list/, times: 1, holdUntil: released });
    let answered = false;
    const held = fetch(`${proxy.url}/v2/proxied/app/tags/list`).then((response) => {
      answered = true;
      return response.status;
    });
    // Other requests pass while it waits.
    expect((await fetch(`${proxy.url}/v2/`)).status).toBe(200);
    expect(answered).toBe(false);
    release();
    expect(await held).toBe(200);
    expect(proxy.requests[0]).toMatchObject({ fault: 'delay', status: 200 });
  });

  it('strips a response header and rewrites a body, with a Content-Length that fits', async () => {
    const manifestUrl = `${proxy.url}/v2/proxied/app/manifests/v1`;
    const accept = { Accept: OCI_MANIFEST };
    const original = await fetch(manifestUrl, { headers: accept });
    expect(original.headers.get('docker-content-digest')).toBe(image.digest);
    const originalBody = Buffer.from(await original.arrayBuffer());
    proxy.reset();
    proxy.script({
      method: 'GET',
      path: /\/manifests\//,
      times: 1,
      stripHeaders: ['Docker-Content-Digest'],
      rewriteBody: (body) => Buffer.concat([body, Buffer.from('\n')]),
    });
    const altered = await fetch(manifestUrl, { headers: accept });
    expect(altered.headers.has('docker-content-digest')).toBe(false);
    expect(altered.headers.get('content-length')).toBe(String(originalBody.length + 1));
    expect(
      Buffer.from(await altered.arrayBuffer()).equals(Buffer.concat([originalBody, Buffer.from('\n')])),
    ).toBe(true);
    expect(proxy.requests[0]).toMatchObject({ fault: 'rewrite', bytesOut: originalBody.length + 1 });
    proxy.script({
      method: 'HEAD',
      path: /\/manifests\//,
      times: 1,
      stripHeaders: ['docker-content-digest'],
    });
    const head = await fetch(manifestUrl, { method: 'HEAD', headers: accept });
    expect(head.status).toBe(200);
    expect(head.headers.has('docker-content-digest')).toBe(false);
    expect(proxy.requests[1]).toMatchObject({ fault: 'strip' });
  });

  it('cuts an upload after so many request bytes: the registry never gets the blob', async () => {
    const blob = Buffer.alloc(200_000, 3);
    const digest = sha256(blob);
    const start = await fetch(`${proxy.url}/v2/cut/app/blobs/uploads/`, { method: 'POST' });
    const location = new URL(start.headers.get('location') ?? '');
    location.searchParams.set('digest', digest);
    proxy.script({ method: 'PUT', path: /\/blobs\/uploads\//, times: 1, reset: true, afterBytesIn: 50_000 });
    await expect(fetch(location, { method: 'PUT', body: blob })).rejects.toThrow(/fetch failed/);
    const cut = proxy.requests.find((r) => r.method === 'PUT');
    expect(cut).toMatchObject({ status: 0, fault: 'reset' });
    expect(cut?.bytesIn).toBeGreaterThanOrEqual(50_000);
    expect(cut?.bytesIn).toBeLessThan(blob.length);
    expect((await fetch(`${registry.url}/v2/cut/app/blobs/${digest}`, { method: 'HEAD' })).status).toBe(404);
  });

  it('refuses a rule without an action, and a target off loopback', async () => {
    expect(() => proxy.script({ path: /x/ })).toThrow('A fault rule needs an action');
    expect(() => proxy.script({ status: 500, reset: true })).toThrow(
      'one of status, reset, corruptBody or rewriteBody',
    );
    expect(() => proxy.script({ delayMs: 1, afterBytesIn: 10 })).toThrow('afterBytesIn goes with reset');
    expect(() => proxy.script({ status: 500, stripHeaders: ['x'] })).toThrow(
      'stripHeaders goes with a forwarded',
    );
    await expect(startFaultProxy({ target: 'http://192.0.2.1:5000' })).rejects.toThrow(
      'must be http://127.0.0.1:PORT',
    );
  });
});

describe('fault proxy in front of a registry with token auth', () => {
  let registry: RunningRegistry;
  let proxy: RunningFaultProxy;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'token' });
    proxy = await startFaultProxy({ target: registry.url });
  });
  afterAll(async () => {
    await proxy.stop();
    await registry.stop();
  });

  it('leaves a realm on another origin alone, so clients fetch tokens straight from the token server', async () => {
    const challenge = await fetch(`${proxy.url}/v2/`);
    expect(challenge.headers.get('www-authenticate')).toContain(`realm="${registry.tokenServer?.realm}"`);
    const client = { url: proxy.url, username: registry.username, password: registry.password };
    const image = await pushTestImage({ ...client, repository: 'token/app', tag: 'v1' });
    const manifest = await fetch(`${registry.url}/v2/token/app/manifests/v1`, { method: 'HEAD' });
    expect(manifest.status).toBe(401);
    // The probe above, then one challenge per request of the push.
    expect(proxy.requests.filter((r) => r.status === 401)).toHaveLength(6);
    expect(proxy.requests.filter((r) => r.status === 201)).toHaveLength(3);
    expect(image.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
  });
});

describe('fault proxy header rewriting', () => {
  let target: Server;
  let targetOrigin: string;
  let proxy: RunningFaultProxy;
  const seenHosts: string[] = [];

  beforeAll(async () => {
    // A target that answers with absolute URLs of its own origin, as registries do.
    target = createServer((request, response) => {
      seenHosts.push(request.headers.host ?? '');
      response.writeHead(401, {
        Location: `${targetOrigin}/v2/x/blobs/uploads/123?_state=abc`,
        'WWW-Authenticate': `Bearer realm="${targetOrigin}/token",service="svc"`,
      });
      response.end();
    });
    await new Promise<void>((resolve) => target.listen(0, '127.0.0.1', resolve));
    targetOrigin = `http://127.0.0.1:${(target.address() as AddressInfo).port}`;
    proxy = await startFaultProxy({ target: targetOrigin });
  });
  afterAll(async () => {
    await proxy.stop();
    await new Promise((resolve) => target.close(resolve));
  });

  it('sends the target Host upstream and points Location and the token realm back at itself', async () => {
    const response = await fetch(`${proxy.url}/v2/`);
    expect(seenHosts).toEqual([targetOrigin.slice('http://'.length)]);
    expect(response.headers.get('location')).toBe(`${proxy.url}/v2/x/blobs/uploads/123?_state=abc`);
    expect(response.headers.get('www-authenticate')).toBe(`Bearer realm="${proxy.url}/token",service="svc"`);
  });

  it('stops listening on stop()', async () => {
    const url = proxy.url;
    await proxy.stop();
    await expect(fetch(`${url}/v2/`)).rejects.toThrow(/fetch failed/);
  });
});
