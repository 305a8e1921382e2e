import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { openStore, type RegistryStore } from '@flow-actions/oci-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningFaultProxy, startFaultProxy } from '../fault-proxy';
import { type RunningRegistry, startRegistry } from '../services';
import { buildImageManifest, pushFixture } from './registry-fixtures';

const TAG_COUNT = 2500;
const allTags = Array.from({ length: TAG_COUNT }, (_, i) => `t${String(i).padStart(4, '0')}`);

describe('listing 2,500 tags', () => {
  let registry: RunningRegistry;
  let proxy: RunningFaultProxy;

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy({ target: registry.url });
  });
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
  });

  it('on distribution 2.8, which ignores n and last', async () => {
    const store = await openStore(`${registry.host}/tags/many`);
    const artifact = buildImageManifest('oci', { layers: 1 });
    await pushFixture(store, artifact, allTags[0] as string);
    const pending = [...allTags.slice(1)];
    const worker = async () => {
      for (let tag = pending.pop(); tag; tag = pending.pop()) await store.putManifest(tag, artifact);
    };
    await Promise.all(Array.from({ length: 16 }, worker));

    const listed = await ((await openStore(`${proxy.host}/tags/many`)) as RegistryStore).listTags();
    expect(listed).toEqual(allTags);
    const pages = proxy.requests.filter((r) => r.path.includes('/tags/list'));
    // The first page holds everything; asking for what follows it brings nothing new, so listing stops.
    expect(pages.map((r) => r.path)).toEqual([
      '/v2/tags/many/tags/list?n=100',
      '/v2/tags/many/tags/list?n=100&last=t2499',
    ]);
  });

  it('on a registry that pages with Link headers, 100 at a time', async () => {
    const seen: string[] = [];
    const server = createServer((request, response) => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      seen.push(url.pathname + url.search);
      if (url.pathname !== '/v2/paged/app/tags/list') {
        response.writeHead(404).end();
        return;
      }
      const n = Math.min(100, Number(url.searchParams.get('n') ?? 100));
      const last = url.searchParams.get('last');
      const start = last ? allTags.indexOf(last) + 1 : 0;
      const page = allTags.slice(start, start + n);
      const headers: Record<string, string> = { 'content-type': 'application/json' };
      if (start + n < allTags.length)
        headers.link = `</v2/paged/app/tags/list?n=${n}&last=${page.at(-1)}>; rel="next"`;
      response.writeHead(200, headers).end(JSON.stringify({ name: 'paged/app', tags: page }));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    try {
      const { port } = server.address() as AddressInfo;
      const store = await openStore(`127.0.0.1:${port}/paged/app`);
      expect(await store.listTags()).toEqual(allTags);
      expect(seen).toHaveLength(TAG_COUNT / 100);
      expect(seen[1]).toBe('/v2/paged/app/tags/list?n=100&last=t0099');
    } finally {
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
