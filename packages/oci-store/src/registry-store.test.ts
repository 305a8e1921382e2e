import { randomBytes } from 'node:crypto';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { computeDigest, DigestMismatchError } from './digest';
import { RegistryError } from './errors';
import { nextLink, RegistryStore } from './registry-store';
import { MANIFEST_MEDIA_TYPES, MediaTypes } from './store';
import { type FetchLike, RegistryTransport } from './transport';

interface Seen {
  method: string;
  url: URL;
  headers: Record<string, string>;
  body: Buffer;
}

function storeWith(
  handler: (request: Seen) => Response,
  options: ConstructorParameters<typeof RegistryStore>[2] = {},
) {
  const seen: Seen[] = [];
  const fetch: FetchLike = async (url, init) => {
    const headers = Object.fromEntries(
      Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]),
    );
    const request = {
      method: init.method ?? 'GET',
      url: new URL(url),
      headers,
      body: init.body ? Buffer.from(init.body as Buffer) : Buffer.alloc(0),
    };
    seen.push(request);
    return handler(request);
  };
  const transport = new RegistryTransport('registry.example', { fetch, sleep: async () => {} });
  return {
    store: new RegistryStore({ registry: 'registry.example', repository: 'acme/api' }, transport, options),
    seen,
  };
}

const manifestBytes = Buffer.from(
  '{ "schemaVersion": 2,\n  "mediaType": "application/vnd.oci.image.manifest.v1+json", "layers": [] }',
);
const manifestDigest = computeDigest(manifestBytes);

describe('RegistryStore manifests', () => {
  it('GETs with the full Accept list and returns the exact bytes, type and verified digest', async () => {
    const { store, seen } = storeWith(
      () =>
        new Response(manifestBytes, {
          headers: { 'content-type': MediaTypes.ociManifest, 'docker-content-digest': manifestDigest },
        }),
    );
    const manifest = await store.getManifest('v1');
    expect(manifest?.bytes.equals(manifestBytes)).toBe(true);
    expect(manifest).toMatchObject({ mediaType: MediaTypes.ociManifest, digest: manifestDigest });
    expect(seen[0]?.headers.accept).toBe(MANIFEST_MEDIA_TYPES.join(', '));
  });

  it('refuses a manifest whose bytes do not match the digest asked for', async () => {
    const { store } = storeWith(
      () =>
        new Response(Buffer.from(`${manifestBytes.toString()} `), {
          headers: { 'content-type': MediaTypes.ociManifest },
        }),
    );
    await expect(store.getManifest(manifestDigest)).rejects.toThrow(DigestMismatchError);
    await expect(store.getManifest(manifestDigest)).rejects.toThrow(
      /manifest acme\/api@sha256:.*: content does not match its digest/,
    );
  });

  it('refuses a manifest whose bytes do not match the Docker-Content-Digest the registry claims', async () => {
    const { store } = storeWith(
      () =>
        new Response(Buffer.from('{}'), {
          headers: { 'content-type': MediaTypes.ociManifest, 'docker-content-digest': manifestDigest },
        }),
    );
    await expect(store.getManifest('v1')).rejects.toThrow(DigestMismatchError);
  });

  it('returns undefined for an unknown tag', async () => {
    const { store } = storeWith(() =>
      Response.json({ errors: [{ code: 'MANIFEST_UNKNOWN' }] }, { status: 404 }),
    );
    expect(await store.getManifest('nope')).toBeUndefined();
    expect(await store.resolve('nope')).toBeUndefined();
  });

  it('resolves with HEAD, and falls back to a GET verified by its header when HEAD lacks the digest', async () => {
    const { store, seen } = storeWith(
      (request) =>
        new Response(request.method === 'HEAD' ? null : manifestBytes, {
          headers: {
            'content-type': MediaTypes.ociManifest,
            'content-length': String(manifestBytes.length),
            ...(request.method === 'GET' ? { 'docker-content-digest': manifestDigest } : {}),
          },
        }),
    );
    expect(await store.resolve('v1')).toEqual({
      mediaType: MediaTypes.ociManifest,
      digest: manifestDigest,
      size: manifestBytes.length,
    });
    expect(seen.map((r) => r.method)).toEqual(['HEAD', 'GET']);
  });

  it('reads by the digest HEAD states when HEAD lacks the type', async () => {
    const { store, seen } = storeWith(
      (request) =>
        new Response(request.method === 'HEAD' ? null : manifestBytes, {
          headers: {
            'docker-content-digest': manifestDigest,
            ...(request.method === 'GET' ? { 'content-type': MediaTypes.ociManifest } : {}),
          },
        }),
    );
    expect((await store.resolve('v1'))?.digest).toBe(manifestDigest);
    expect(seen.map((r) => `${r.method} ${r.url.pathname.split('/').pop()}`)).toEqual([
      'HEAD v1',
      `GET ${manifestDigest}`,
    ]);
  });
});

/**
 * A registry (or a proxy in front of it) that answers a tag GET without Docker-Content-Digest: the
 * tag's digest comes from HEAD, and the bytes must hash to it (DESIGN §8 rule 6).
 */
describe('RegistryStore tag reads without Docker-Content-Digest', () => {
  const altered = Buffer.from(manifestBytes.toString().replace('"layers": []', '"layers": [ ]'));
  const headers = (digest?: string) => ({
    'content-type': MediaTypes.ociManifest,
    ...(digest ? { 'docker-content-digest': digest } : {}),
  });
  /** GET by tag answers `tagBody` without the header; HEAD states `headDigest`; GET by digest answers `digestBody`. */
  const registry = (tagBody: Buffer, headDigest: string | undefined, digestBody: Buffer) =>
    storeWith((request) => {
      if (request.method === 'HEAD') return new Response(null, { headers: headers(headDigest) });
      const byDigest = request.url.pathname.endsWith(manifestDigest);
      return new Response(byDigest ? digestBody : tagBody, { headers: headers() });
    });
  const requests = (seen: Seen[]) => seen.map((r) => `${r.method} ${r.url.pathname.split('/').pop()}`);

  it('accepts a body that hashes to the digest HEAD states: two requests', async () => {
    const { store, seen } = registry(manifestBytes, manifestDigest, manifestBytes);
    const manifest = await store.getManifest('v1');
    expect(manifest?.digest).toBe(manifestDigest);
    expect(manifest?.bytes.equals(manifestBytes)).toBe(true);
    expect(requests(seen)).toEqual(['GET v1', 'HEAD v1']);
  });

  it('reads an altered body again by the stated digest, and returns only bytes that hash to it', async () => {
    const { store, seen } = registry(altered, manifestDigest, manifestBytes);
    const manifest = await store.getManifest('v1');
    expect(manifest?.bytes.equals(manifestBytes)).toBe(true);
    expect(requests(seen)).toEqual(['GET v1', 'HEAD v1', `GET ${manifestDigest}`]);
  });

  it('refuses a body altered on every read, as when the header is present', async () => {
    const { store } = registry(altered, manifestDigest, altered);
    const error = await store.getManifest('v1').catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DigestMismatchError);
    expect((error as Error).message).toBe(
      `manifest acme/api@${manifestDigest}: content does not match its digest (expected ${manifestDigest}, got ${computeDigest(altered)}); refusing it`,
    );
  });

  it.each([
    ['getManifest', (store: RegistryStore) => store.getManifest('v1'), ['GET v1', 'HEAD v1']],
    ['resolve', (store: RegistryStore) => store.resolve('v1'), ['HEAD v1', 'GET v1']],
  ])('%s refuses a tag whose digest neither GET nor HEAD states', async (_name, read, expected) => {
    const { store, seen } = registry(manifestBytes, undefined, manifestBytes);
    const error = await read(store).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as Error).message).toBe(
      'registry registry.example states no digest (no Docker-Content-Digest header on GET or HEAD) for manifest acme/api:v1: its bytes cannot be checked against the tag, so they are refused: refer to it by digest (acme/api@sha256:…), or reach the registry without a proxy that strips the header',
    );
    expect(requests(seen)).toEqual(expected);
  });

  it('reads by digest without asking HEAD: the digest asked for is the check', async () => {
    const { store, seen } = registry(manifestBytes, undefined, manifestBytes);
    expect((await store.getManifest(manifestDigest))?.digest).toBe(manifestDigest);
    expect(requests(seen)).toEqual([`GET ${manifestDigest}`]);
  });
});

describe('RegistryStore writes and lists', () => {
  it('PUTs the bytes verbatim with the media type and checks the digest the registry stored', async () => {
    const { store, seen } = storeWith(
      () => new Response(null, { status: 201, headers: { 'docker-content-digest': manifestDigest } }),
    );
    expect(await store.putManifest('v2', { bytes: manifestBytes, mediaType: MediaTypes.ociManifest })).toBe(
      manifestDigest,
    );
    expect(seen[0]?.body.equals(manifestBytes)).toBe(true);
    expect(seen[0]?.headers['content-type']).toBe(MediaTypes.ociManifest);

    const other = storeWith(
      () => new Response(null, { status: 201, headers: { 'docker-content-digest': computeDigest('x') } }),
    );
    await expect(
      other.store.putManifest('v2', { bytes: manifestBytes, mediaType: MediaTypes.ociManifest }),
    ).rejects.toThrow(DigestMismatchError);
  });

  it('says deletion is disabled on a 405', async () => {
    const { store } = storeWith(() =>
      Response.json(
        { errors: [{ code: 'UNSUPPORTED', message: 'The operation is unsupported.' }] },
        { status: 405 },
      ),
    );
    const error = (await store.deleteManifest(manifestDigest).catch((e: unknown) => e)) as RegistryError;
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.message).toMatch(
      /^registry registry.example has deletion disabled \(405 UNSUPPORTED\): enable it/,
    );
  });
});

describe('RegistryStore.listTags', () => {
  const all = Array.from({ length: 250 }, (_, i) => `t${String(i).padStart(3, '0')}`);

  it('follows Link headers', async () => {
    const { store, seen } = storeWith((request) => {
      const n = Number(request.url.searchParams.get('n'));
      const last = request.url.searchParams.get('last');
      const start = last ? all.indexOf(last) + 1 : 0;
      const page = all.slice(start, start + n);
      const more = start + n < all.length;
      return Response.json(
        { name: 'acme/api', tags: page },
        more ? { headers: { link: `</v2/acme/api/tags/list?n=${n}&last=${page.at(-1)}>; rel="next"` } } : {},
      );
    });
    expect(await store.listTags()).toEqual(all);
    expect(seen).toHaveLength(3);
  });

  it('stops when a registry ignores n and last and repeats the same page', async () => {
    const { store, seen } = storeWith(() => Response.json({ name: 'acme/api', tags: [...all].reverse() }));
    expect(await store.listTags()).toEqual(all);
    expect(seen).toHaveLength(2);
  });

  it('asks for the next page with last when a full page comes without a Link', async () => {
    const { store, seen } = storeWith((request) => {
      const last = request.url.searchParams.get('last');
      const start = last ? all.indexOf(last) + 1 : 0;
      return Response.json({ tags: all.slice(start, start + 100) });
    });
    expect(await store.listTags()).toEqual(all);
    expect(seen.map((r) => r.url.searchParams.get('last'))).toEqual([null, 't099', 't199']);
  });

  it('stops on a Link that points back to a page already read, and dedupes', async () => {
    const { store, seen } = storeWith((request) =>
      Response.json(
        { tags: request.url.searchParams.get('last') ? ['b', 'c'] : ['a', 'b'] },
        { headers: { link: '</v2/acme/api/tags/list?n=100&last=b>; rel="next"' } },
      ),
    );
    expect(await store.listTags()).toEqual(['a', 'b', 'c']);
    expect(seen).toHaveLength(2);
  });

  it('parses Link headers', () => {
    expect(nextLink('</v2/a/tags/list?n=2&last=b>; rel="next"')).toBe('/v2/a/tags/list?n=2&last=b');
    expect(nextLink('<https://x/prev>; rel="prev", <https://x/next>; rel=next')).toBe('https://x/next');
    expect(nextLink(null)).toBeUndefined();
  });
});

describe('RegistryStore blobs', () => {
  it('cancels the session and returns false when a mount is answered with 202', async () => {
    const { store, seen } = storeWith((request) =>
      request.method === 'POST'
        ? new Response(null, { status: 202, headers: { location: '/v2/acme/api/blobs/uploads/abc' } })
        : new Response(null, { status: 204 }),
    );
    expect(await store.mountBlob(computeDigest('x'), 'acme/base')).toBe(false);
    expect(seen.map((r) => `${r.method} ${r.url.pathname}${r.url.search}`)).toEqual([
      `POST /v2/acme/api/blobs/uploads/?mount=${encodeURIComponent(computeDigest('x'))}&from=acme%2Fbase`,
      'DELETE /v2/acme/api/blobs/uploads/abc',
    ]);
  });

  it('uploads a large stream in PATCH chunks with Content-Range, then PUT ?digest=', async () => {
    const blob = randomBytes(2500);
    const digest = computeDigest(blob);
    const { store, seen } = storeWith(
      (request) => {
        if (request.method === 'HEAD') return new Response(null, { status: 404 });
        if (request.method === 'POST')
          return new Response(null, {
            status: 202,
            headers: { location: '/v2/acme/api/blobs/uploads/u1?_state=s0' },
          });
        if (request.method === 'PATCH')
          return new Response(null, {
            status: 202,
            headers: { location: `/v2/acme/api/blobs/uploads/u1?_state=s${seen.length}` },
          });
        return new Response(null, { status: 201, headers: { 'docker-content-digest': digest } });
      },
      { monolithicMaxBytes: 1000, chunkBytes: 1000 },
    );
    await store.putBlob(digest, blob.length, Readable.from([blob.subarray(0, 700), blob.subarray(700)]));
    const patches = seen.filter((r) => r.method === 'PATCH');
    expect(patches.map((r) => r.headers['content-range'])).toEqual(['0-999', '1000-1999', '2000-2499']);
    expect(Buffer.concat(patches.map((r) => r.body)).equals(blob)).toBe(true);
    const put = seen.at(-1);
    expect(put?.method).toBe('PUT');
    expect(put?.url.searchParams.get('digest')).toBe(digest);
    expect(put?.url.searchParams.get('_state')).toBe('s5');
  });

  it('refuses a stream whose bytes do not match the digest, and cancels the upload', async () => {
    const { store, seen } = storeWith(
      (request) => {
        if (request.method === 'HEAD') return new Response(null, { status: 404 });
        if (request.method === 'POST' || request.method === 'PATCH')
          return new Response(null, { status: 202, headers: { location: '/v2/acme/api/blobs/uploads/u1' } });
        return new Response(null, { status: 204 });
      },
      { monolithicMaxBytes: 10, chunkBytes: 10 },
    );
    await expect(
      store.putBlob(computeDigest('expected'), 20, Readable.from([randomBytes(20)])),
    ).rejects.toThrow(DigestMismatchError);
    expect(seen.at(-1)?.method).toBe('DELETE');
    expect(seen.some((r) => r.method === 'PUT')).toBe(false);
  });

  it('does not upload a blob that is already there', async () => {
    const { store, seen } = storeWith(() => new Response(null, { status: 200 }));
    await store.putBlob(computeDigest('abc'), 3, Buffer.from('abc'));
    expect(seen.map((r) => r.method)).toEqual(['HEAD']);
  });

  it('streams a blob that fails when its bytes do not match', async () => {
    const { store } = storeWith(
      () => new Response(Buffer.from('tampered'), { headers: { 'content-length': '8' } }),
    );
    const content = await store.getBlob(computeDigest('original'));
    const read = async () => {
      for await (const _ of content?.stream ?? []) {
        // drain
      }
    };
    await expect(read()).rejects.toThrow(DigestMismatchError);
  });
});
