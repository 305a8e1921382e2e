import { readFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { exec } from '@flow-actions/action-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRegistry, startRegistry } from './index';
import { OCI_MANIFEST, pushTestImage, registryFetch } from './push-image';

interface SkopeoInspect {
  Digest: string;
  Architecture: string;
}

async function skopeoInspect(reference: string, creds?: string): Promise<SkopeoInspect> {
  const args = [
    'inspect',
    '--tls-verify=false',
    ...(creds ? ['--creds', creds] : []),
    `docker://${reference}`,
  ];
  const result = await exec('skopeo', args);
  return JSON.parse(result.stdout) as SkopeoInspect;
}

function basic(username: string, password: string): string {
  return `Basic ${Buffer.from(`${username}:${password}`).toString('base64')}`;
}

/** Whether something accepts TCP connections on host:port. */
function answers(host: string): Promise<boolean> {
  const [hostname, port] = host.split(':');
  return new Promise((resolve) => {
    const socket = connect({ host: hostname, port: Number(port) });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function pidIsAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

describe('registry without auth', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry();
  });
  afterAll(() => registry.stop());

  it('listens on 127.0.0.1 with a free port and answers GET /v2/ with 200', async () => {
    expect(registry.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(registry.host).toBe(registry.url.slice('http://'.length));
    expect((await fetch(`${registry.url}/v2/`)).status).toBe(200);
  });

  it('stores a pushed image that skopeo, an independent client, sees with the same digest', async () => {
    const image = await pushTestImage({ url: registry.url, repository: 'team/app', tag: 'abc1234' });
    const inspected = await skopeoInspect(`${registry.host}/team/app:abc1234`);
    expect(inspected.Digest).toBe(image.digest);
    expect(inspected.Architecture).toBe('amd64');
    const head = await fetch(`${registry.url}/v2/team/app/manifests/abc1234`, {
      method: 'HEAD',
      headers: { Accept: OCI_MANIFEST },
    });
    expect(head.headers.get('docker-content-digest')).toBe(image.digest);
  });

  it('deletes a manifest by digest (delete is enabled by default)', async () => {
    const image = await pushTestImage({ url: registry.url, repository: 'team/gone', tag: 'v1' });
    const response = await fetch(`${registry.url}/v2/team/gone/manifests/${image.digest}`, {
      method: 'DELETE',
    });
    expect(response.status).toBe(202);
    expect((await fetch(`${registry.url}/v2/team/gone/manifests/v1`)).status).toBe(404);
  });
});

describe('registry with delete disabled', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ deleteEnabled: false });
  });
  afterAll(() => registry.stop());

  it('answers DELETE with 405 UNSUPPORTED', async () => {
    const image = await pushTestImage({ url: registry.url, repository: 'keep', tag: 'v1' });
    const response = await fetch(`${registry.url}/v2/keep/manifests/${image.digest}`, { method: 'DELETE' });
    expect(response.status).toBe(405);
    const body = (await response.json()) as { errors: { code: string }[] };
    expect(body.errors[0]?.code).toBe('UNSUPPORTED');
  });
});

describe('registry with htpasswd auth', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'htpasswd' });
  });
  afterAll(() => registry.stop());

  it('answers 401 with a Basic challenge without credentials, 200 with them, 401 with a wrong password', async () => {
    const anonymous = await fetch(`${registry.url}/v2/`);
    expect(anonymous.status).toBe(401);
    expect(anonymous.headers.get('www-authenticate')).toMatch(/^Basic realm=/);
    const username = registry.username ?? '';
    const password = registry.password ?? '';
    expect(username).not.toBe('');
    expect(password.length).toBeGreaterThanOrEqual(16);
    const ok = await fetch(`${registry.url}/v2/`, { headers: { Authorization: basic(username, password) } });
    expect(ok.status).toBe(200);
    const wrong = await fetch(`${registry.url}/v2/`, {
      headers: { Authorization: basic(username, 'wrong') },
    });
    expect(wrong.status).toBe(401);
  });

  it('takes a push with credentials that skopeo --creds then inspects', async () => {
    const client = { url: registry.url, username: registry.username, password: registry.password };
    const image = await pushTestImage({ ...client, repository: 'private/app', tag: 'v1.0.0' });
    const inspected = await skopeoInspect(
      `${registry.host}/private/app:v1.0.0`,
      `${registry.username}:${registry.password}`,
    );
    expect(inspected.Digest).toBe(image.digest);
    await expect(
      skopeoInspect(`${registry.host}/private/app:v1.0.0`, `${registry.username}:nope`),
    ).rejects.toThrow(/unauthorized|authentication required/i);
    const log = await readFile(registry.logFile, 'utf8');
    expect(log).toContain('private/app');
    expect(log).not.toContain(registry.password);
  });
});

describe('registry with token auth', () => {
  let registry: RunningRegistry;
  beforeAll(async () => {
    registry = await startRegistry({ auth: 'token', tokenExpiresIn: 120 });
  });
  afterAll(() => registry.stop());

  it('challenges with a bearer realm on the loopback token server', async () => {
    const response = await fetch(`${registry.url}/v2/`);
    expect(response.status).toBe(401);
    const server = registry.tokenServer;
    expect(server).toBeDefined();
    expect(response.headers.get('www-authenticate')).toBe(
      `Bearer realm="${server?.realm}",service="${server?.service}"`,
    );
    expect(server?.realm).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/token$/);
  });

  it('lets a client that follows the challenge push, and records each token request with its scopes', async () => {
    const server = registry.tokenServer;
    if (!server) throw new Error('no token server');
    const before = server.requests.length;
    const client = { url: registry.url, username: registry.username, password: registry.password };
    const image = await pushTestImage({ ...client, repository: 'tokens/app', tag: 'v1' });
    const fetched = server.requests.slice(before);
    // Two blob uploads (POST + PUT each) and the manifest PUT: one challenge, one token each.
    expect(fetched).toHaveLength(5);
    for (const request of fetched) {
      expect(request).toMatchObject({
        method: 'GET',
        user: registry.username,
        service: server.service,
        scopes: ['repository:tokens/app:pull,push'],
        granted: [{ type: 'repository', name: 'tokens/app', actions: ['pull', 'push'] }],
        status: 200,
      });
    }
    const inspected = await skopeoInspect(
      `${registry.host}/tokens/app:v1`,
      `${registry.username}:${registry.password}`,
    );
    expect(inspected.Digest).toBe(image.digest);
    const skopeoRequests = server.requests.slice(before + fetched.length);
    expect(skopeoRequests.length).toBeGreaterThan(0);
    expect(skopeoRequests[0]?.scopes).toEqual(['repository:tokens/app:pull']);
    const log = await readFile(registry.logFile, 'utf8');
    expect(log).toContain('tokens/app');
    expect(log).not.toContain(registry.password);
    expect(log).not.toMatch(/eyJ[\w-]+\.eyJ/);
  });

  it('gives an anonymous request a token that grants nothing, and the registry refuses it', async () => {
    const server = registry.tokenServer;
    if (!server) throw new Error('no token server');
    const response = await registryFetch({ url: registry.url }, '/v2/tokens/app/tags/list', {
      scope: 'repository:tokens/app:pull',
    });
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
    expect(server.requests.at(-1)).toMatchObject({ user: undefined, granted: [], status: 200 });
  });

  it('answers a wrong password with 401 from the token endpoint', async () => {
    const server = registry.tokenServer;
    if (!server) throw new Error('no token server');
    const response = await fetch(`${server.realm}?service=${server.service}&scope=repository:x:pull`, {
      headers: { Authorization: basic(registry.username ?? '', 'wrong') },
    });
    expect(response.status).toBe(401);
    expect(server.requests.at(-1)?.status).toBe(401);
  });

  it('issues tokens by the OAuth2 password grant and honours expires_in', async () => {
    const server = registry.tokenServer;
    if (!server) throw new Error('no token server');
    const response = await fetch(server.realm, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'password',
        username: registry.username ?? '',
        password: registry.password ?? '',
        service: server.service,
        scope: 'repository:tokens/app:pull',
        client_id: 'flow-test',
      }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { access_token: string; expires_in: number };
    expect(body.expires_in).toBe(120);
    const claims = JSON.parse(Buffer.from(body.access_token.split('.')[1] ?? '', 'base64url').toString()) as {
      exp: number;
      iat: number;
    };
    expect(claims.exp - claims.iat).toBe(120);
    const tags = await fetch(`${registry.url}/v2/tokens/app/tags/list`, {
      headers: { Authorization: `Bearer ${body.access_token}` },
    });
    expect(tags.status).toBe(200);
    expect(await tags.json()).toEqual({ name: 'tokens/app', tags: ['v1'] });
  });
});

describe('registry process hygiene', () => {
  it('stop() kills the pid, closes the port and is safe to call twice', async () => {
    const registry = await startRegistry();
    expect(pidIsAlive(registry.pid)).toBe(true);
    expect(await answers(registry.host)).toBe(true);
    await registry.stop();
    expect(() => process.kill(registry.pid, 0)).toThrow();
    expect(await answers(registry.host)).toBe(false);
    await registry.stop();
  });

  it('two registries run side by side on different ports', async () => {
    const [a, b] = await Promise.all([startRegistry(), startRegistry()]);
    try {
      expect(a.host).not.toBe(b.host);
      await pushTestImage({ url: a.url, repository: 'only-a', tag: 't' });
      expect((await fetch(`${b.url}/v2/only-a/tags/list`)).status).toBe(404);
    } finally {
      await Promise.all([a.stop(), b.stop()]);
    }
  });

  it('names the install command when the binary is missing, before starting anything', async () => {
    await expect(startRegistry({ binary: '/nonexistent/docker-registry' })).rejects.toThrow(
      'docker-registry is not installed (looked for /nonexistent/docker-registry): run "apt-get install -y docker-registry"',
    );
  });
});
