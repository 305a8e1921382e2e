import { ConfigurationError, RecordingLogger, SecretMasker } from '@flow-actions/action-kit';
import { describe, expect, it } from 'vitest';
import { RegistryError } from './errors';
import {
  type FetchLike,
  isPlainHttpAllowed,
  parseChallenge,
  RegistryTransport,
  retryAfterMs,
  type TransportOptions,
  USER_AGENT,
} from './transport';

interface Seen {
  method: string;
  url: string;
  headers: Record<string, string>;
  body: string;
  redirect: RequestInit['redirect'];
}

type Handler = (request: Seen) => Response | Promise<Response>;

/** A fetch that answers from `handler` and records every request; it never touches the network. */
function fakeFetch(handler: Handler): { fetch: FetchLike; seen: Seen[] } {
  const seen: Seen[] = [];
  const fetch: FetchLike = async (url, init) => {
    const headers = Object.fromEntries(
      Object.entries((init.headers ?? {}) as Record<string, string>).map(([k, v]) => [k.toLowerCase(), v]),
    );
    const body = init.body ? Buffer.from(init.body as Buffer).toString('utf8') : '';
    const request = { method: init.method ?? 'GET', url, headers, body, redirect: init.redirect };
    seen.push(request);
    return handler(request);
  };
  return { fetch, seen };
}

const specError = (
  status: number,
  code: string,
  message = code.toLowerCase(),
  headers: Record<string, string> = {},
) =>
  new Response(status === 204 ? null : JSON.stringify({ errors: [{ code, message }] }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });

const bearerChallenge = (scope: string) =>
  specError(401, 'UNAUTHORIZED', 'authentication required', {
    'www-authenticate': `Bearer realm="https://auth.example/token",service="registry.example",scope="${scope}"`,
  });

function recordSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return { waits, sleep: async (ms) => void waits.push(ms) };
}

function transport(handler: Handler, options: TransportOptions = {}) {
  const fake = fakeFetch(handler);
  const sleeper = recordSleep();
  const t = new RegistryTransport(
    options.insecureRegistries ? 'registry.internal:5000' : 'registry.example',
    {
      fetch: fake.fetch,
      sleep: sleeper.sleep,
      random: () => 0.5,
      ...options,
    },
  );
  return { t, seen: fake.seen, waits: sleeper.waits };
}

const pull = (repository = 'acme/api') => ({
  method: 'GET' as const,
  url: `/v2/${repository}/manifests/v1`,
  scopes: [`repository:${repository}:pull`],
  operation: 'get-manifest' as const,
  target: `${repository}:v1`,
});

/** A registry with a token server: tokens are `tok-<n>` and are checked on every registry request. */
function tokenRegistry(options: { password?: string; expiresIn?: number } = {}) {
  let issued = 0;
  const valid = new Set<string>();
  const handler: Handler = (request) => {
    if (request.url.startsWith('https://auth.example/token')) {
      const expected = `Basic ${Buffer.from(`robot:${options.password ?? 'right-pass'}`).toString('base64')}`;
      if (request.headers.authorization !== expected)
        return specError(401, 'UNAUTHORIZED', 'bad credentials');
      issued += 1;
      const token = `tok-${issued}-secret`;
      valid.add(token);
      return Response.json({ token, ...(options.expiresIn ? { expires_in: options.expiresIn } : {}) });
    }
    const auth = request.headers.authorization ?? '';
    if (!valid.has(auth.replace(/^Bearer /, ''))) return bearerChallenge('repository:acme/api:pull');
    return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
  };
  return handler;
}

describe('RegistryTransport authentication', () => {
  it('answers a Bearer challenge with a token for all the scopes, sent with Basic credentials, and caches it', async () => {
    const { t, seen } = transport(tokenRegistry(), {
      credentials: { username: 'robot', password: 'right-pass', source: 'test' },
    });
    const push = {
      ...pull(),
      method: 'PUT' as const,
      scopes: ['repository:acme/api:pull,push', 'repository:acme/base:pull'],
      operation: 'put-manifest' as const,
    };
    expect((await t.request(push)).status).toBe(200);
    expect((await t.request(push)).status).toBe(200);
    const tokenRequests = seen.filter((r) => r.url.startsWith('https://auth.example/'));
    expect(tokenRequests).toHaveLength(1);
    const url = new URL(tokenRequests[0]?.url ?? '');
    expect(url.searchParams.get('service')).toBe('registry.example');
    expect(url.searchParams.getAll('scope')).toEqual([
      'repository:acme/api:pull,push',
      'repository:acme/base:pull',
    ]);
    expect(seen.at(-1)?.headers.authorization).toBe('Bearer tok-1-secret');
    expect(seen.at(-1)?.headers['user-agent']).toBe(USER_AGENT);
    expect(USER_AGENT).toMatch(/^flow-actions\/\d+\.\d+\.\d+/);
    expect(seen.every((r) => r.url.startsWith('https://'))).toBe(true);
  });

  it('keeps one token per scope set', async () => {
    const { t, seen } = transport(tokenRegistry(), {
      credentials: { username: 'robot', password: 'right-pass', source: 'test' },
    });
    await t.request(pull());
    await t.request(pull());
    await t.request({ ...pull(), scopes: ['repository:acme/api:pull,push'] });
    await t.request({ ...pull(), scopes: ['repository:acme/api:pull,push'] });
    expect(seen.filter((r) => r.url.startsWith('https://auth.example/'))).toHaveLength(2);
  });

  it('fetches a new token when the cached one expires (expires_in, default 60 s)', async () => {
    let now = 1_000_000;
    const { t, seen } = transport(tokenRegistry(), {
      credentials: { username: 'robot', password: 'right-pass', source: 'test' },
      now: () => now,
    });
    await t.request(pull());
    now += 50_000;
    await t.request(pull());
    expect(seen.filter((r) => r.url.startsWith('https://auth.example/'))).toHaveLength(1);
    now += 11_000;
    await t.request(pull());
    expect(seen.filter((r) => r.url.startsWith('https://auth.example/'))).toHaveLength(2);
  });

  it('asks for an anonymous token without credentials', async () => {
    const { t, seen } = transport((request) =>
      request.url.startsWith('https://auth.example/')
        ? Response.json({ access_token: 'anon-token' })
        : request.headers.authorization === 'Bearer anon-token'
          ? new Response('{}')
          : bearerChallenge('repository:acme/api:pull'),
    );
    expect((await t.request(pull())).status).toBe(200);
    expect(seen[1]?.headers.authorization).toBeUndefined();
  });

  it('says which user the registry rejected, without the password or its base64 form', async () => {
    const masker = new SecretMasker();
    masker.addCredentials('robot', 'wrong-pass');
    const logger = new RecordingLogger();
    const { t } = transport(tokenRegistry(), {
      credentials: { username: 'robot', password: 'wrong-pass', source: 'test' },
      masker,
      logger,
    });
    const error = await t.request(pull()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).message).toBe(
      'registry registry.example rejected the credentials for user robot (401 UNAUTHORIZED): check username/password',
    );
    expect((error as RegistryError).temporary).toBe(false);
    expect((error as RegistryError).access).toBe('credentials-rejected');
    const everything = `${(error as Error).message} ${(error as RegistryError).url} ${logger.text}`;
    expect(everything).not.toContain('wrong-pass');
    expect(everything).not.toContain(Buffer.from('robot:wrong-pass').toString('base64'));
  });

  it('logs every request at debug level: method, URL, status, time, bytes; no header, token or password', async () => {
    const logger = new RecordingLogger();
    let now = 0;
    const tokens = tokenRegistry();
    const { t } = transport(
      (request) => {
        now += 7;
        return tokens(request);
      },
      { credentials: { username: 'robot', password: 'right-pass', source: 'test' }, logger, now: () => now },
    );
    await t.request({
      ...pull(),
      method: 'PUT',
      body: Buffer.from('12345'),
      scopes: ['repository:acme/api:pull,push'],
    });
    expect(logger.entries).toEqual([
      {
        level: 'debug',
        message:
          'PUT https://registry.example/v2/acme/api/manifests/v1 → 401 in 7 ms, sent 5 bytes, received a streamed body',
      },
      {
        level: 'debug',
        message:
          'GET https://auth.example/token?service=registry.example&scope=repository%3Aacme%2Fapi%3Apull%2Cpush → 200 in 7 ms, sent 0 bytes, received a streamed body',
      },
      {
        level: 'debug',
        message:
          'PUT https://registry.example/v2/acme/api/manifests/v1 → 200 in 7 ms, sent 5 bytes, received a streamed body',
      },
    ]);
    expect(logger.text).not.toMatch(/right-pass|tok-\d|Bearer|Basic|authorization/i);
  });

  it('logs a request that never got an answer', async () => {
    const logger = new RecordingLogger();
    const { t } = transport(
      () => {
        throw Object.assign(new TypeError('fetch failed'), { cause: { code: 'ECONNREFUSED' } });
      },
      { logger, now: () => 0 },
    );
    await expect(t.request(pull())).rejects.toThrow(/could not reach registry/);
    expect(logger.entries.map((entry) => entry.message)).toEqual([
      'GET https://registry.example/v2/acme/api/manifests/v1 → ECONNREFUSED in 0 ms, sent 0 bytes',
    ]);
  });

  it('says credentials are needed when an anonymous token is not enough', async () => {
    const { t } = transport((request) =>
      request.url.startsWith('https://auth.example/')
        ? Response.json({ token: 'anon' })
        : bearerChallenge('repository:acme/api:pull'),
    );
    await expect(t.request(pull())).rejects.toThrow(
      'registry registry.example requires credentials to get-manifest acme/api:v1 (401 UNAUTHORIZED): log in with docker/login-action or set username and password',
    );
  });

  it('sends Basic credentials after a Basic challenge (ECR answers with AWS:<token>)', async () => {
    const expected = `Basic ${Buffer.from('AWS:ecr-token-123').toString('base64')}`;
    const { t, seen } = transport(
      (request) =>
        request.headers.authorization === expected
          ? new Response('{}')
          : specError(401, 'UNAUTHORIZED', 'auth', { 'www-authenticate': 'Basic realm="ecr"' }),
      { credentials: { username: 'AWS', password: 'ecr-token-123', source: 'test' } },
    );
    await t.request(pull());
    await t.request(pull());
    expect(seen.map((r) => r.headers.authorization ?? 'none')).toEqual(['none', expected, expected]);
  });

  it('says credentials are missing after a Basic challenge without them', async () => {
    const { t } = transport(() =>
      specError(401, 'UNAUTHORIZED', 'auth', { 'www-authenticate': 'Basic realm="x"' }),
    );
    await expect(t.request(pull())).rejects.toThrow(
      /requires credentials to get-manifest acme\/api:v1 \(401 UNAUTHORIZED\)/,
    );
  });

  it('exchanges an identity token by the OAuth2 refresh grant', async () => {
    const { t, seen } = transport(
      (request) =>
        request.url.startsWith('https://auth.example/')
          ? Response.json({ access_token: 'from-refresh' })
          : request.headers.authorization === 'Bearer from-refresh'
            ? new Response('{}')
            : bearerChallenge('repository:acme/api:pull'),
      { credentials: { username: '', identityToken: 'refresh-abc', source: 'test' } },
    );
    await t.request(pull());
    const tokenRequest = seen[1];
    expect(tokenRequest?.method).toBe('POST');
    const form = new URLSearchParams(tokenRequest?.body);
    expect(form.get('grant_type')).toBe('refresh_token');
    expect(form.get('refresh_token')).toBe('refresh-abc');
    expect(form.get('scope')).toBe('repository:acme/api:pull');
  });
});

describe('RegistryTransport credentials stay with the registry', () => {
  it('sends no Authorization to another host named by an upload Location', async () => {
    const registry = tokenRegistry();
    const { t, seen } = transport(
      (request) =>
        request.url.startsWith('https://storage.example/') ? new Response('{}') : registry(request),
      {
        credentials: { username: 'robot', password: 'right-pass', source: 'test' },
      },
    );
    await t.request(pull());
    await t.request({ ...pull(), url: 'https://storage.example/upload/1' });
    expect(seen.at(-1)?.url).toBe('https://storage.example/upload/1');
    expect(seen.at(-1)?.headers.authorization).toBeUndefined();
  });
});

describe('RegistryTransport sends credentials only where the registry itself asks', () => {
  const credentials = { username: 'robot', password: 'right-pass', source: 'test' };
  const challengeWith = (realm: string) =>
    specError(401, 'UNAUTHORIZED', 'auth', {
      'www-authenticate': `Bearer realm="${realm}",service="registry.example"`,
    });

  it('answers no challenge from another host (a redirect to storage): no token request, one-line error', async () => {
    const registry = tokenRegistry();
    const { t, seen } = transport(
      (request) =>
        request.url.startsWith('https://storage.example/')
          ? challengeWith('https://storage.example/token')
          : registry(request),
      { credentials },
    );
    await t.request(pull());
    const error = await t.request({ ...pull(), url: 'https://storage.example/blob/1' }).catch((e) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as Error).message).toBe(
      "registry registry.example redirected get-manifest acme/api:v1 to https://storage.example, which asks for credentials: they belong to registry.example alone and were not sent; check the registry's storage redirect",
    );
    expect(seen.filter((r) => r.url.startsWith('https://storage.example/'))).toHaveLength(1);
    expect(seen.filter((r) => r.url.startsWith('https://storage.example/token'))).toEqual([]);
  });

  it.each([
    ['http://auth.example/token', 'over http, while only https may carry credentials from an https registry'],
    ['https://169.254.169.254/token', 'on a loopback or link-local address'],
    ['https://127.0.0.1:9999/token', 'on a loopback or link-local address'],
    ['https://user:pw@auth.example/token', 'which carries user info'],
  ])('sends nothing to the realm %s', async (realm, reason) => {
    const { t, seen } = transport(() => challengeWith(realm), { credentials });
    const error = await t.request(pull()).catch((e) => e);
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as Error).message).toContain(reason);
    expect((error as Error).message).toContain('no credentials were sent to it');
    expect(seen).toHaveLength(1);
  });

  it('sends the registry its own credentials at a realm on another https host, as Docker Hub needs', async () => {
    const { t, seen } = transport(tokenRegistry(), { credentials });
    await t.request(pull());
    expect(seen[1]?.url).toMatch(/^https:\/\/auth\.example\/token\?/);
    expect(seen[1]?.headers.authorization).toBe(
      `Basic ${Buffer.from('robot:right-pass').toString('base64')}`,
    );
  });

  it('never follows a token server redirect: the credentials would go on to another address', async () => {
    const { t, seen } = transport(
      (request) =>
        request.url.startsWith('https://auth.example/')
          ? new Response(null, { status: 307, headers: { location: 'https://evil.example/steal' } })
          : bearerChallenge('repository:acme/api:pull'),
      { credentials },
    );
    await expect(t.request(pull())).rejects.toThrow(
      'token server for registry.example redirected the token request to https://evil.example/steal: credentials are never sent on to another address',
    );
    expect(seen.map((r) => [r.url.split('?')[0], r.redirect])).toEqual([
      ['https://registry.example/v2/acme/api/manifests/v1', 'follow'],
      ['https://auth.example/token', 'manual'],
    ]);
  });
});

describe('RegistryTransport retries', () => {
  it('honours Retry-After in seconds on 429 and succeeds', async () => {
    let calls = 0;
    const { t, waits, seen } = transport(() =>
      ++calls <= 3
        ? specError(429, 'TOOMANYREQUESTS', 'slow down', { 'retry-after': '2' })
        : new Response('{}'),
    );
    expect((await t.request(pull())).status).toBe(200);
    expect(waits).toEqual([2000, 2000, 2000]);
    expect(seen).toHaveLength(4);
  });

  it('honours Retry-After as an HTTP date', async () => {
    const now = Date.parse('2026-01-01T00:00:00Z');
    let calls = 0;
    const { t, waits } = transport(
      () =>
        ++calls === 1
          ? specError(503, 'UNAVAILABLE', 'x', { 'retry-after': 'Thu, 01 Jan 2026 00:00:07 GMT' })
          : new Response('{}'),
      { now: () => now },
    );
    await t.request(pull());
    expect(waits).toEqual([7000]);
  });

  it('honours the GHCR retry-after hint in the error body', async () => {
    let calls = 0;
    const { t, waits } = transport(() =>
      ++calls === 1
        ? specError(429, 'TOOMANYREQUESTS', 'retry-after: 1.5s, allowed: 2000/minute')
        : new Response('{}'),
    );
    await t.request(pull());
    expect(waits).toEqual([1500]);
  });

  it('backs off exponentially with jitter on 5xx, 408 and resets', async () => {
    const answers: (() => Response)[] = [
      () => specError(503, 'UNAVAILABLE'),
      () => specError(408, 'TIMEOUT'),
      () => {
        throw Object.assign(new TypeError('fetch failed'), {
          cause: Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }),
        });
      },
      () => specError(502, 'BAD_GATEWAY'),
      () => new Response('{}'),
    ];
    let call = 0;
    const { t, waits } = transport(() => (answers[call++] as () => Response)(), { baseDelayMs: 100 });
    expect((await t.request(pull())).status).toBe(200);
    // random() is 0.5, so each wait is 75% of 100·2^n.
    expect(waits).toEqual([75, 150, 300, 600]);
  });

  it('gives up after the cap with a one-line message', async () => {
    const { t, seen, waits } = transport(() =>
      specError(429, 'TOOMANYREQUESTS', 'slow down', { 'retry-after': '1' }),
    );
    const error = (await t.request(pull()).catch((e: unknown) => e)) as RegistryError;
    expect(seen).toHaveLength(5);
    expect(waits).toHaveLength(4);
    expect(error.message).toBe(
      'registry registry.example kept answering 429 TOOMANYREQUESTS (slow down) to get-manifest acme/api:v1 after 5 attempts: it is overloaded or unavailable; re-run later',
    );
    expect(error).toMatchObject({
      status: 429,
      code: 'TOOMANYREQUESTS',
      temporary: true,
      operation: 'get-manifest',
    });
  });

  it('gives up at once when Retry-After asks for longer than the longest wait', async () => {
    const { t, seen } = transport(() => specError(429, 'TOOMANYREQUESTS', 'x', { 'retry-after': '3600' }), {
      maxDelayMs: 60_000,
    });
    await expect(t.request(pull())).rejects.toThrow(
      'registry registry.example kept answering 429 TOOMANYREQUESTS (x) to get-manifest acme/api:v1 and asked for a longer wait than allowed: it is overloaded or unavailable; re-run later',
    );
    expect(seen).toHaveLength(1);
  });

  it.each([
    [400, 'MANIFEST_INVALID', /refused get-manifest acme\/api:v1 \(400 MANIFEST_INVALID/],
    [
      403,
      'DENIED',
      /denied get-manifest acme\/api:v1 to anonymous access \(403 DENIED: denied\): log in with docker\/login-action or set username and password, with credentials that may pull from this repository/,
    ],
    [
      404,
      'NAME_UNKNOWN',
      /repository acme\/api does not exist on registry registry.example \(404 NAME_UNKNOWN\)/,
    ],
  ])('never retries %i', async (status, code, message) => {
    const { t, seen } = transport(() => specError(status, code));
    const error = (await t.request(pull()).catch((e: unknown) => e)) as RegistryError;
    expect(error.message).toMatch(message);
    // Only the anonymous 403 is about access: no credentials were sent.
    expect(error.access).toBe(status === 403 ? 'credentials-missing' : undefined);
    expect(seen).toHaveLength(1);
  });

  it('never retries a 401 after authenticating', async () => {
    const { t, seen } = transport(tokenRegistry({ password: 'other' }), {
      credentials: { username: 'robot', password: 'right-pass', source: 'test' },
    });
    await expect(t.request(pull())).rejects.toThrow(/rejected the credentials/);
    expect(seen.map((r) => r.url.replace(/\?.*/, ''))).toEqual([
      'https://registry.example/v2/acme/api/manifests/v1',
      'https://auth.example/token',
    ]);
  });

  // Accepted credentials that lack a right: GHCR and ECR answer 403, Docker Hub and distribution a
  // 401 whose challenge says insufficient_scope. Neither is a wrong password.
  const push = {
    ...pull(),
    method: 'PUT' as const,
    operation: 'put-manifest' as const,
    scopes: ['repository:acme/api:pull,push'],
  };
  const robot = { credentials: { username: 'robot', password: 'right-pass', source: 'test' } };
  it.each([
    [
      'a 403 DENIED',
      () => specError(403, 'DENIED', 'permission_denied: write_package'),
      push,
      'registry registry.example accepted the credentials of user robot, but they may not push to repository acme/api (403 DENIED: permission_denied: write_package during put-manifest): give the account write access to it (on GHCR: permissions: packages: write for GITHUB_TOKEN, or a token with write:packages), or use a credential that has it',
    ],
    [
      'a 401 insufficient_scope',
      () =>
        specError(401, 'UNAUTHORIZED', 'authentication required', {
          'www-authenticate':
            'Bearer realm="https://auth.example/token",service="registry.example",scope="repository:acme/api:delete",error="insufficient_scope"',
        }),
      {
        ...pull(),
        method: 'DELETE' as const,
        operation: 'delete-manifest' as const,
        scopes: ['repository:acme/api:delete'],
      },
      'registry registry.example accepted the credentials of user robot, but they may not delete from repository acme/api (401 insufficient_scope during delete-manifest): give the account delete access to it (on GHCR: a token that may delete the package version), or use a credential that has it',
    ],
  ])('says accepted credentials lack the right on %s', async (_name, answer, request, message) => {
    const tokens = tokenRegistry();
    const { t, seen } = transport(
      (r) => (r.url.startsWith('https://auth.example/') || !r.headers.authorization ? tokens(r) : answer()),
      robot,
    );
    const error = (await t.request(request).catch((e: unknown) => e)) as RegistryError;
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.message).toBe(message);
    expect(error.temporary).toBe(false);
    expect(error.access).toBe('permission-missing');
    // The challenge, the token, the refused request: never asked again.
    expect(seen).toHaveLength(3);
  });

  it('sends a request that is not replayable once, even on 503', async () => {
    const { t, seen } = transport(() => specError(503, 'UNAVAILABLE'));
    const error = (await t
      .request({ ...pull(), method: 'PATCH', replayable: false })
      .catch((e: unknown) => e)) as RegistryError;
    expect(seen).toHaveLength(1);
    expect(error.temporary).toBe(true);
  });
});

describe('RegistryTransport addresses', () => {
  it('uses HTTPS by default, HTTP for loopback and listed insecure registries', () => {
    expect(new RegistryTransport('ghcr.io').baseUrl).toBe('https://ghcr.io');
    expect(new RegistryTransport('127.0.0.1:5000').baseUrl).toBe('http://127.0.0.1:5000');
    expect(new RegistryTransport('localhost:5000').baseUrl).toBe('http://localhost:5000');
    expect(new RegistryTransport('[::1]:5000').baseUrl).toBe('http://[::1]:5000');
    expect(
      new RegistryTransport('registry.internal:5000', { insecureRegistries: ['registry.internal:5000'] })
        .baseUrl,
    ).toBe('http://registry.internal:5000');
  });

  it.each([
    ['127.0.0.1:5000', [], true],
    ['127.8.9.10', [], true],
    ['localhost', [], true],
    ['[::1]:443', [], true],
    ['10.0.0.1:5000', [], false],
    ['registry.internal:5000', ['http://registry.internal:5000'], true],
    ['registry.internal:5000', ['registry.internal'], true],
    ['registry.internal:5000', ['other:5000'], false],
  ])('%s with insecure %j: plain HTTP %s', (host, insecure, allowed) => {
    expect(isPlainHttpAllowed(host, insecure)).toBe(allowed);
  });

  it('turns a TLS handshake with a plain-HTTP registry into an error naming insecure-registries', async () => {
    const { t } = transport(() => {
      throw Object.assign(new TypeError('fetch failed'), {
        cause: Object.assign(
          new Error('write EPROTO 1234:error:0A00010B:SSL routines:ssl3_get_record:wrong version number'),
          { code: 'EPROTO' },
        ),
      });
    });
    const error = await t.request(pull()).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ConfigurationError);
    expect((error as Error).message).toMatch(
      /^registry registry.example did not answer HTTPS \(.*wrong version number\): if it is a plain-HTTP registry you trust, list registry.example in input "insecure-registries"$/,
    );
  });

  it('names an unreachable registry', async () => {
    const { t, seen } = transport(() => {
      throw Object.assign(new TypeError('fetch failed'), {
        cause: Object.assign(new Error('connect ECONNREFUSED 10.0.0.1:5000'), { code: 'ECONNREFUSED' }),
      });
    });
    await expect(t.request(pull())).rejects.toThrow(
      'could not reach registry registry.example for get-manifest acme/api:v1 (connect ECONNREFUSED 10.0.0.1:5000): check the registry address and that it is running',
    );
    expect(seen).toHaveLength(1);
  });

  it('redacts query values that may carry signed tokens', () => {
    const t = new RegistryTransport('registry.example');
    expect(
      t.redactUrl('https://registry.example/v2/a/blobs/uploads/x?_state=secret-state&digest=sha256:ab'),
    ).toBe('https://registry.example/v2/a/blobs/uploads/x?_state=***&digest=sha256%3Aab');
  });
});

describe('parseChallenge', () => {
  it.each([
    [
      'Bearer realm="https://ghcr.io/token",service="ghcr.io",scope="repository:a/b:pull"',
      { scheme: 'bearer', realm: 'https://ghcr.io/token', service: 'ghcr.io' },
    ],
    ['bearer realm=https://x/token', { scheme: 'bearer', realm: 'https://x/token' }],
    ['Basic realm="Registry Realm"', { scheme: 'basic' }],
    ['Negotiate', undefined],
    ['Bearer service="x"', undefined],
  ])('%s', (header, expected) => {
    expect(parseChallenge(header)).toEqual(expected);
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2026-01-01T00:00:00Z');
  it.each([
    ['5', '', 5000],
    ['0.5', '', 500],
    ['Thu, 01 Jan 2026 00:00:03 GMT', '', 3000],
    ['Wed, 31 Dec 2025 23:00:00 GMT', '', 0],
    [
      null,
      '{"errors":[{"code":"TOOMANYREQUESTS","message":"retry-after: 880.092µs, allowed: 44000/minute"}]}',
      1,
    ],
    [
      null,
      '{"errors":[{"code":"TOOMANYREQUESTS","message":"retry-after: 1m30s, allowed: 2000/minute"}]}',
      90_000,
    ],
    [null, 'rate limited, please try again in 12 seconds', 12_000],
    [null, 'nothing useful', undefined],
  ])('header %j body %j → %j', (header, body, expected) => {
    expect(retryAfterMs(header, body, now)).toBe(expected);
  });
});
