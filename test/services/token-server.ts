import { createPrivateKey, type KeyObject, randomBytes, sign, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { closeServer, listenOnLoopback, requireBinary } from './processes';

export const OPENSSL_INSTALL = 'apt-get install -y openssl';

export interface TokenServerOptions {
  /** Where the key and certificate are written. */
  dir: string;
  /** The account that gets every action it asks for. */
  username: string;
  password: string;
  /** More accounts, each granted only some actions (a pull-only robot: `['pull']`). Default: none. */
  accounts?: readonly TokenAccount[];
  /** Lifetime of each token in seconds, sent as `expires_in` and used for `exp`. Default: 300. */
  expiresIn?: number;
  /** The `service` the registry names in its challenge. Default: `flow-test-registry`. */
  service?: string;
  /** The JWT `iss`. Default: `flow-test-token-issuer`. */
  issuer?: string;
  /** Default: `openssl` on PATH. */
  opensslBinary?: string;
}

/** An account the token server knows besides the main one, limited to some actions. */
export interface TokenAccount {
  username: string;
  password: string;
  /** The actions it may be granted (`pull`, `push`, `delete`); others it asks for are left out. */
  actions: readonly string[];
}

/** One access entry of a token: what the registry lets the bearer do. */
export interface TokenAccess {
  type: string;
  name: string;
  actions: string[];
}

/** One request the token server answered, for tests that count token fetches and check scopes. */
export interface TokenRequest {
  method: string;
  /** GET (the distribution token protocol) or POST (the OAuth2 form). */
  flow: 'get' | 'oauth2-password' | 'oauth2-refresh';
  /** The `account` parameter, if the client sent one. */
  account?: string;
  /** Whom the credentials proved, or undefined for an anonymous request. */
  user?: string;
  /**
   * The credentials the request presented, right or wrong (Basic on GET, the password grant on
   * POST): tests check that a token server only ever receives its own registry's credentials.
   */
  presented?: { username: string; password: string };
  service?: string;
  /** The raw `scope` values, one per requested scope. */
  scopes: string[];
  /** What the token grants; empty for anonymous requests. */
  granted: TokenAccess[];
  /** 200, or 401 for wrong credentials, 400 for a malformed request. */
  status: number;
  at: Date;
}

export interface RunningTokenServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** The realm the registry puts into its `WWW-Authenticate` challenge: `${url}/token`. */
  realm: string;
  service: string;
  issuer: string;
  /** The self-signed certificate the registry trusts (`rootcertbundle`). */
  certFile: string;
  /** Every request so far, in order. */
  readonly requests: TokenRequest[];
  /** The lifetime given to tokens issued from now on, in seconds. */
  setExpiresIn(seconds: number): void;
  stop(): Promise<void>;
}

/**
 * A token server for distribution's `auth: token`, in this process on loopback. The configured
 * user, proving itself with Basic auth (GET) or the OAuth2 password grant (POST), gets every
 * action it asks for; each of `accounts` gets only its own actions, the way a registry grants a
 * pull-only robot a token without `push`; a wrong password gets 401; an anonymous request gets a
 * token that grants nothing. A token short of what a request needs makes the registry answer 401
 * `insufficient_scope` — as Docker Hub does. Tokens are ES256 JWTs whose `x5c` header carries the
 * certificate.
 */
export async function startTokenServer(options: TokenServerOptions): Promise<RunningTokenServer> {
  const openssl = await requireBinary(options.opensslBinary ?? 'openssl', OPENSSL_INSTALL);
  const keyFile = join(options.dir, 'token-key.pem');
  const certFile = join(options.dir, 'token-cert.pem');
  const issuer = options.issuer ?? 'flow-test-token-issuer';
  const service = options.service ?? 'flow-test-registry';
  // node:crypto cannot make an X.509 certificate; openssl can.
  await exec(openssl, [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:prime256v1',
    '-nodes',
    '-keyout',
    keyFile,
    '-out',
    certFile,
    '-days',
    '2',
    '-subj',
    `/CN=${issuer}`,
  ]);
  const key = createPrivateKey(await readFile(keyFile));
  const certDer = new X509Certificate(await readFile(certFile)).raw.toString('base64');
  let expiresIn = options.expiresIn ?? 300;
  const requests: TokenRequest[] = [];
  const refreshTokens = new Map<string, string>();

  const issue = (subject: string, access: TokenAccess[]) => {
    const now = Math.floor(Date.now() / 1000);
    const token = signJwt(key, certDer, {
      iss: issuer,
      sub: subject,
      aud: service,
      // A little slack so that a registry whose clock reads a second earlier accepts it.
      nbf: now - 10,
      iat: now,
      exp: now + expiresIn,
      jti: randomBytes(8).toString('hex'),
      access,
    });
    return { token, issuedAt: new Date(now * 1000).toISOString() };
  };

  /**
   * What an account may be granted: `all` for the main user, its own list for one of `accounts`,
   * undefined for wrong credentials. A refresh token already proved the account (`password` undefined).
   */
  const allowedActions = (
    username: string,
    password: string | undefined,
  ): readonly string[] | 'all' | undefined => {
    if (username === options.username) {
      return password === undefined || password === options.password ? 'all' : undefined;
    }
    const account = options.accounts?.find((candidate) => candidate.username === username);
    if (!account || (password !== undefined && password !== account.password)) return undefined;
    return account.actions;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/token') {
      sendJson(response, 404, { errors: [{ code: 'NOT_FOUND', message: 'the token endpoint is /token' }] });
      return;
    }
    const at = new Date();
    if (request.method === 'GET') {
      const scopes = url.searchParams.getAll('scope').flatMap((scope) => scope.split(' ').filter(Boolean));
      const account = url.searchParams.get('account') ?? undefined;
      const requestService = url.searchParams.get('service') ?? undefined;
      const credentials = parseBasic(request.headers.authorization);
      const base = {
        method: 'GET',
        flow: 'get' as const,
        account,
        service: requestService,
        scopes,
        at,
        ...(credentials ? { presented: credentials } : {}),
      };
      const allowed = credentials && allowedActions(credentials.username, credentials.password);
      if (credentials && !allowed) {
        requests.push({ ...base, granted: [], status: 401 });
        response.setHeader('WWW-Authenticate', 'Basic realm="flow-test-token"');
        sendJson(response, 401, {
          errors: [{ code: 'UNAUTHORIZED', message: 'wrong username or password' }],
        });
        return;
      }
      const granted = allowed ? grant(scopes, allowed) : [];
      const { token, issuedAt } = issue(credentials?.username ?? '', granted);
      requests.push({ ...base, user: credentials?.username, granted, status: 200 });
      sendJson(response, 200, { token, access_token: token, expires_in: expiresIn, issued_at: issuedAt });
      return;
    }
    if (request.method === 'POST') {
      const form = new URLSearchParams(await readBody(request));
      const grantType = form.get('grant_type');
      const scopes = (form.get('scope') ?? '').split(' ').filter(Boolean);
      const requestService = form.get('service') ?? undefined;
      let user: string | undefined;
      let allowed: readonly string[] | 'all' | undefined;
      const flow = grantType === 'refresh_token' ? 'oauth2-refresh' : 'oauth2-password';
      const presented =
        grantType === 'password'
          ? { presented: { username: form.get('username') ?? '', password: form.get('password') ?? '' } }
          : {};
      if (grantType === 'password') {
        allowed = allowedActions(form.get('username') ?? '', form.get('password') ?? '');
        if (allowed) user = form.get('username') ?? undefined;
      } else if (grantType === 'refresh_token') {
        user = refreshTokens.get(form.get('refresh_token') ?? '');
        allowed = user === undefined ? undefined : allowedActions(user, undefined);
      }
      const refuse = (status: number, error: string) => {
        requests.push({
          method: 'POST',
          flow,
          service: requestService,
          scopes,
          granted: [],
          status,
          at,
          ...presented,
        });
        sendJson(response, status, { error });
      };
      if (grantType !== 'password' && grantType !== 'refresh_token') {
        refuse(400, 'unsupported_grant_type');
        return;
      }
      if (!user || !allowed) {
        refuse(401, 'invalid_grant');
        return;
      }
      const granted = grant(scopes, allowed);
      const { token, issuedAt } = issue(user, granted);
      const body: Record<string, unknown> = {
        access_token: token,
        expires_in: expiresIn,
        issued_at: issuedAt,
        scope: scopes.join(' '),
      };
      if (form.get('access_type') === 'offline') {
        const refresh = randomBytes(16).toString('hex');
        refreshTokens.set(refresh, user);
        body.refresh_token = refresh;
      }
      requests.push({
        method: 'POST',
        flow,
        user,
        service: requestService,
        scopes,
        granted,
        status: 200,
        at,
        ...presented,
      });
      sendJson(response, 200, body);
      return;
    }
    sendJson(response, 405, { errors: [{ code: 'UNSUPPORTED', message: 'GET or POST' }] });
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      sendJson(response, 500, { errors: [{ code: 'UNKNOWN', message: String(error) }] });
    });
  });
  const port = await listenOnLoopback(server);
  const url = `http://127.0.0.1:${port}`;
  return {
    url,
    realm: `${url}/token`,
    service,
    issuer,
    certFile,
    requests,
    setExpiresIn: (seconds) => {
      expiresIn = seconds;
    },
    stop: () => closeServer(server),
  };
}

/**
 * Grants each requested scope as far as `allowed` reaches: `repository:NAME:pull,push` → pull and
 * push on NAME for `all`, pull only for `['pull']`.
 */
function grant(scopes: string[], allowed: readonly string[] | 'all'): TokenAccess[] {
  const access: TokenAccess[] = [];
  for (const scope of scopes) {
    const first = scope.indexOf(':');
    const last = scope.lastIndexOf(':');
    if (first < 0 || last <= first) continue;
    access.push({
      type: scope.slice(0, first),
      name: scope.slice(first + 1, last),
      actions: scope
        .slice(last + 1)
        .split(',')
        .filter((action) => action && (allowed === 'all' || allowed.includes(action))),
    });
  }
  return access;
}

function signJwt(key: KeyObject, certDer: string, claims: Record<string, unknown>): string {
  const encode = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const input = `${encode({ typ: 'JWT', alg: 'ES256', x5c: [certDer] })}.${encode(claims)}`;
  // JWS wants r||s, not DER.
  const signature = sign('sha256', Buffer.from(input), { key, dsaEncoding: 'ieee-p1363' });
  return `${input}.${signature.toString('base64url')}`;
}

function parseBasic(header: string | undefined): { username: string; password: string } | undefined {
  const match = /^Basic\s+(\S+)$/i.exec(header ?? '');
  if (!match?.[1]) return undefined;
  const decoded = Buffer.from(match[1], 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return undefined;
  return { username: decoded.slice(0, colon), password: decoded.slice(colon + 1) };
}

function sendJson(response: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'Content-Type': 'application/json',
    'Content-Length': Buffer.byteLength(text),
  });
  response.end(text);
}

async function readBody(request: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of request) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
