import { createServer, type Server } from 'node:http';
import { type AddressInfo, connect, type Socket } from 'node:net';
import { ConfigurationError } from '@flow-actions/action-kit';
import { openStore } from '@flow-actions/oci-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRegistry, startRegistry } from '../services';
import { buildImageManifest, pushFixture } from './registry-fixtures';

/**
 * A forward proxy that answers CONNECT for any host by tunnelling to the test registry on
 * loopback: it lets a test use a registry name that is not loopback without touching any
 * other address.
 */
async function startConnectProxy(
  registryPort: number,
): Promise<{ url: string; connects: string[]; server: Server }> {
  const connects: string[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((_request, response) => response.writeHead(405).end());
  server.on('connect', (request, client: Socket, head: Buffer) => {
    connects.push(request.url ?? '');
    const upstream = connect(registryPort, '127.0.0.1', () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      upstream.write(head);
      upstream.pipe(client);
      client.pipe(upstream);
    });
    for (const socket of [client, upstream]) {
      sockets.add(socket);
      socket.on('error', () => socket.destroy());
      socket.on('close', () => sockets.delete(socket));
    }
  });
  server.on('close', () => {
    for (const socket of sockets) socket.destroy();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, connects, server };
}

describe('plain HTTP and proxies', () => {
  let registry: RunningRegistry;
  let proxy: Awaited<ReturnType<typeof startConnectProxy>>;
  const name = 'registry.test:5000';

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startConnectProxy(Number(registry.host.split(':')[1]));
    await pushFixture(await openStore(`${registry.host}/proxied/app`), buildImageManifest('oci'), 'v1');
  });
  afterAll(async () => {
    proxy?.server.closeAllConnections();
    await new Promise((resolve) => proxy?.server.close(resolve));
    await registry?.stop();
  });

  it('refuses a plain-HTTP registry that is not loopback and not listed, naming insecure-registries', async () => {
    const store = await openStore(`${name}/proxied/app`, { env: { HTTPS_PROXY: proxy.url } });
    const error = await store.resolve('v1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(
      /^registry registry\.test:5000 did not answer HTTPS \(.+\): if it is a plain-HTTP registry you trust, list registry\.test:5000 in input "insecure-registries"$/,
    );
    expect(proxy.connects.at(-1)).toBe(name);
  });

  it('reaches a listed insecure registry over HTTP through HTTP_PROXY', async () => {
    const before = proxy.connects.length;
    const store = await openStore(`${name}/proxied/app`, {
      env: { HTTP_PROXY: proxy.url },
      insecureRegistries: [name],
    });
    expect(await store.listTags()).toEqual(['v1']);
    expect(proxy.connects.slice(before)).toContain(name);
  });

  it('goes direct to loopback even when a proxy is set', async () => {
    const before = proxy.connects.length;
    const store = await openStore(`${registry.host}/proxied/app`, {
      env: { HTTP_PROXY: proxy.url, HTTPS_PROXY: proxy.url },
    });
    expect(await store.listTags()).toEqual(['v1']);
    expect(proxy.connects.length).toBe(before);
  });
});
