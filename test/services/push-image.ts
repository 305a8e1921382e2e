import { createHash, randomBytes } from 'node:crypto';

/**
 * A deliberately small registry client for seeding and checking test registries without the
 * store under test: Basic auth, or the bearer challenge (fetching a token per challenge with
 * the same credentials), and a monolithic blob upload.
 */
export interface RegistryClientOptions {
  /** `http://127.0.0.1:PORT` — of the registry, or of a fault proxy in front of it. */
  url: string;
  /** Default: anonymous. */
  username?: string;
  password?: string;
}

export interface PushTestImageOptions extends RegistryClientOptions {
  repository: string;
  tag: string;
  /** The layer's bytes. Default: 64 random bytes, so each push is a new image. */
  layer?: Buffer;
}

export interface PushedImage {
  /** `sha256:…` of the manifest bytes as pushed. */
  digest: string;
  manifest: Buffer;
  config: { digest: string; size: number };
  layer: { digest: string; size: number };
}

export const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

export function sha256(data: Buffer | string): string {
  return `sha256:${createHash('sha256').update(data).digest('hex')}`;
}

/** Pushes config, layer and an OCI manifest under `tag`, and returns the manifest digest. */
export async function pushTestImage(options: PushTestImageOptions): Promise<PushedImage> {
  const layer = options.layer ?? randomBytes(64);
  const layerDigest = sha256(layer);
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      config: {},
      rootfs: { type: 'layers', diff_ids: [layerDigest] },
    }),
  );
  const configDigest = sha256(config);
  await uploadBlob(options, options.repository, config);
  await uploadBlob(options, options.repository, layer);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI_MANIFEST,
      config: {
        mediaType: 'application/vnd.oci.image.config.v1+json',
        digest: configDigest,
        size: config.length,
      },
      layers: [
        { mediaType: 'application/vnd.oci.image.layer.v1.tar', digest: layerDigest, size: layer.length },
      ],
    }),
  );
  const put = await registryFetch(options, `/v2/${options.repository}/manifests/${options.tag}`, {
    method: 'PUT',
    headers: { 'Content-Type': OCI_MANIFEST },
    body: manifest,
    scope: `repository:${options.repository}:pull,push`,
  });
  await expectStatus(put, 201, 'PUT manifest');
  return {
    digest: sha256(manifest),
    manifest,
    config: { digest: configDigest, size: config.length },
    layer: { digest: layerDigest, size: layer.length },
  };
}

/** POST an upload session, then PUT the whole blob to the Location it answered. */
export async function uploadBlob(
  client: RegistryClientOptions,
  repository: string,
  blob: Buffer,
): Promise<string> {
  const digest = sha256(blob);
  const scope = `repository:${repository}:pull,push`;
  const start = await registryFetch(client, `/v2/${repository}/blobs/uploads/`, { method: 'POST', scope });
  await expectStatus(start, 202, 'POST blob upload');
  const location = start.headers.get('location');
  if (!location) throw new Error('POST blob upload answered no Location');
  const target = new URL(location, client.url);
  target.searchParams.set('digest', digest);
  const put = await registryFetch(client, target.toString(), {
    method: 'PUT',
    headers: { 'Content-Type': 'application/octet-stream' },
    body: blob,
    scope,
  });
  await expectStatus(put, 201, 'PUT blob');
  return digest;
}

export interface RegistryRequest {
  method?: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** The scope to ask a token server for when challenged. Default: the one in the challenge. */
  scope?: string;
}

/** fetch with the registry's auth dance: on a 401 challenge, authenticate and retry once. */
export async function registryFetch(
  client: RegistryClientOptions,
  pathOrUrl: string,
  request: RegistryRequest = {},
): Promise<Response> {
  const url = new URL(pathOrUrl, client.url).toString();
  const send = (authorization?: string) =>
    fetch(url, {
      method: request.method ?? 'GET',
      headers: { ...request.headers, ...(authorization ? { Authorization: authorization } : {}) },
      ...(request.body ? { body: new Uint8Array(request.body) } : {}),
      redirect: 'manual',
    });
  const first = await send();
  if (first.status !== 401) return first;
  const challenge = first.headers.get('www-authenticate') ?? '';
  await first.arrayBuffer();
  const basic =
    client.username !== undefined
      ? `Basic ${Buffer.from(`${client.username}:${client.password ?? ''}`).toString('base64')}`
      : undefined;
  if (/^Basic/i.test(challenge)) return basic ? send(basic) : first;
  const token = await fetchToken(challenge, basic, request.scope);
  return send(`Bearer ${token}`);
}

/** Follows a `Bearer realm=…,service=…,scope=…` challenge to a token. */
export async function fetchToken(
  challenge: string,
  basic: string | undefined,
  scope?: string,
): Promise<string> {
  const params = Object.fromEntries(
    [...challenge.matchAll(/(\w+)="([^"]*)"/g)].map((match) => [match[1] ?? '', match[2] ?? '']),
  );
  if (!params.realm) throw new Error(`Not a bearer challenge: ${challenge}`);
  const realm = new URL(params.realm);
  if (params.service) realm.searchParams.set('service', params.service);
  const wanted = scope ?? params.scope;
  if (wanted) realm.searchParams.set('scope', wanted);
  const response = await fetch(realm, { headers: basic ? { Authorization: basic } : {} });
  if (response.status !== 200) throw new Error(`GET token: HTTP ${response.status} ${await response.text()}`);
  const body = (await response.json()) as { token?: string; access_token?: string };
  const token = body.token ?? body.access_token;
  if (!token) throw new Error('The token server answered no token');
  return token;
}

async function expectStatus(response: Response, status: number, what: string): Promise<void> {
  if (response.status === status) {
    await response.arrayBuffer();
    return;
  }
  throw new Error(`${what}: HTTP ${response.status} ${await response.text()}`);
}
