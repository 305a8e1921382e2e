import {
  ConfigurationError,
  forAudience,
  input,
  type Logger,
  mapWording,
  nullLogger,
  type SecretMasker,
  type Wording,
  words,
} from '@flow-actions/action-kit';
import packageJson from '../package.json';
import type { Credentials } from './credentials';
import {
  type AccessRefusal,
  ImmutableTagRefusedError,
  parseSpecErrors,
  RegistryError,
  type RegistryOperation,
  recognizeImmutabilityRefusal,
} from './errors';
import { realmProblem } from './realm';
import { REGISTRY_LOGIN } from './reference';

/** The subset of `fetch` the transport uses; tests pass a fake, production uses Node's (undici). */
export type FetchLike = (url: string, init: RequestInit & { duplex?: 'half' }) => Promise<Response>;

export interface TransportOptions {
  /** Credentials for this registry. Default: anonymous. */
  credentials?: Credentials;
  /** Registries (host[:port]) that may be reached over plain HTTP. Default: none; loopback always may. */
  insecureRegistries?: readonly string[];
  /** Redacts secrets from messages; tokens obtained are added to it. Default: a private masker. */
  masker?: SecretMasker;
  /** Default: nullLogger. */
  logger?: Logger;
  /** Default: `flow-actions/<version>`. */
  userAgent?: string;
  /** Default: Node's global fetch, or undici's through `EnvHttpProxyAgent` when a proxy variable applies. */
  fetch?: FetchLike;
  /** Source of HTTPS_PROXY / HTTP_PROXY / NO_PROXY. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Waits between retries; tests pass a recorder. Default: setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Clock for token expiry. Default: Date.now. */
  now?: () => number;
  /** Attempts per request for 429, 408, 5xx and resets, the first included. Default: 5. */
  maxAttempts?: number;
  /** First backoff step; doubles each attempt, with jitter. Default: 500 ms. */
  baseDelayMs?: number;
  /** Longest single wait, also for Retry-After; a longer Retry-After gives up at once. Default: 60 000 ms. */
  maxDelayMs?: number;
  /** Jitter source in [0, 1). Default: Math.random. */
  random?: () => number;
}

export interface TransportRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** A path such as `/v2/acme/api/tags/list`, or an absolute URL (upload locations, Link headers). */
  url: string;
  headers?: Record<string, string>;
  body?: Buffer;
  /** Token scopes, e.g. `repository:acme/api:pull,push`. */
  scopes: readonly string[];
  operation: RegistryOperation;
  /** What the request is about, for messages, e.g. `acme/api:v1`. */
  target: string;
  /** Statuses handed back to the caller; any other status throws a RegistryError. Default: 2xx. */
  accept?: readonly number[];
  /**
   * False for a part of a streamed upload: it is sent once and never repeated, because the
   * registry may have consumed it; the caller restarts the upload instead. Default: true.
   */
  replayable?: boolean;
}

type Challenge =
  | { scheme: 'basic' }
  | {
      scheme: 'bearer';
      realm: string;
      service?: string;
      /** `insufficient_scope` when the token sent lacked a right the request needs. */
      error?: string;
    };

interface CachedToken {
  token: string;
  expiresAt: number;
}

/** How long a token lives when the token server does not say (the distribution token spec's default). */
const DEFAULT_TOKEN_SECONDS = 60;
const TEMPORARY_STATUSES = new Set([408, 429, 500, 502, 503, 504, 507, 520, 521, 522, 523, 524]);
const RETRYABLE_NETWORK_CODES = new Set([
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'ECONNABORTED',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CLOSED',
]);
const TLS_ON_PLAIN_HTTP = /wrong version number|packet length too long|ERR_SSL_|EPROTO|http request/i;

export const USER_AGENT = `flow-actions/${packageJson.version}`;

/**
 * Talks to one registry over the distribution API: picks HTTPS (or HTTP for loopback and
 * allowed insecure registries), answers auth challenges (Bearer tokens cached per scope set,
 * or Basic), retries what is safe to repeat with backoff that honours Retry-After, and turns
 * every other answer into a one-line RegistryError with no secret in it.
 */
export class RegistryTransport {
  /** host[:port] the API is served from. */
  readonly host: string;
  /** `https://host` or `http://host`. */
  readonly baseUrl: string;
  readonly #options: TransportOptions;
  readonly #credentials: Credentials | undefined;
  readonly #masker: SecretMasker | undefined;
  /** Where requests are logged (debug) and restarts are told. */
  readonly logger: Logger;
  readonly #sleep: (ms: number) => Promise<void>;
  readonly #now: () => number;
  readonly #tokens = new Map<string, CachedToken>();
  readonly #pendingTokens = new Map<string, Promise<string>>();
  /** How many attempts produced each final response, for messages. */
  readonly #attempts = new WeakMap<Response, number>();
  #challenge: Challenge | undefined;
  #fetch: Promise<FetchLike> | undefined;
  /** Requests sent, token requests included: for benchmarks and tests. */
  requestCount = 0;
  tokenRequestCount = 0;

  constructor(host: string, options: TransportOptions = {}) {
    this.host = host;
    this.#options = options;
    this.#credentials = options.credentials;
    this.#masker = options.masker;
    this.logger = options.logger ?? nullLogger;
    this.#sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
    this.#now = options.now ?? Date.now;
    this.baseUrl = `${isPlainHttpAllowed(host, options.insecureRegistries ?? []) ? 'http' : 'https'}://${host}`;
  }

  /** The user the credentials are for, for messages. */
  get username(): string | undefined {
    return this.#credentials?.username || undefined;
  }

  /** Sends a request, authenticating and retrying as needed; throws a RegistryError for unaccepted statuses. */
  async request(request: TransportRequest): Promise<Response> {
    const accept = request.accept ?? [];
    let authorization = await this.#authorization(request);
    let response = await this.#send(request, authorization);
    if (response.status === 401 && !accept.includes(401)) {
      const freshlyAuthorized = authorization?.fresh === true;
      await this.#learnChallenge(response, request);
      if (!freshlyAuthorized && request.replayable !== false) {
        this.#tokens.delete(scopeKey(this.#scopesFor(request)));
        authorization = await this.#authorization(request);
        if (authorization) response = await this.#send(request, authorization);
      }
    }
    if (response.ok || accept.includes(response.status)) return response;
    throw await this.#toError(response, request);
  }

  /**
   * Waits as the transport does between its own retries (exponential, with jitter): for callers
   * that start over what the transport must not replay, such as an upload session.
   */
  async pause(attempt: number): Promise<void> {
    await this.#sleep(this.#backoff(attempt));
  }

  /** Resolves a Location or Link target against the registry. */
  resolveUrl(location: string): string {
    return new URL(location, `${this.baseUrl}/`).toString();
  }

  /** Removes secrets and query strings that may hold signed tokens, for messages. */
  redactUrl(url: string): string {
    const parsed = new URL(url, `${this.baseUrl}/`);
    parsed.username = '';
    parsed.password = '';
    const kept = new URLSearchParams();
    for (const [key, value] of parsed.searchParams) {
      // What a request is about; a token server's scope and service are no secret either.
      if (['n', 'last', 'digest', 'mount', 'from', 'scope', 'service'].includes(key)) kept.append(key, value);
      else kept.set(key, '***');
    }
    parsed.search = kept.toString();
    return this.#redact(parsed.toString());
  }

  /** A RegistryError for a response the caller did not expect (consumes the body). */
  async toError(response: Response, request: TransportRequest): Promise<RegistryError> {
    return this.#toError(response, request);
  }

  #redact(text: string): string {
    return this.#masker ? this.#masker.redact(text) : text;
  }

  #scopesFor(request: Pick<TransportRequest, 'scopes'>): string[] {
    return [...new Set(request.scopes)];
  }

  async #authorization(request: TransportRequest): Promise<{ header: string; fresh: boolean } | undefined> {
    const challenge = this.#challenge;
    if (!challenge) return undefined;
    if (challenge.scheme === 'basic') {
      const credentials = this.#credentials;
      if (!credentials?.password) return undefined;
      return {
        header: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`,
        fresh: false,
      };
    }
    const scopes = this.#scopesFor(request);
    const key = scopeKey(scopes);
    const cached = this.#tokens.get(key);
    if (cached && cached.expiresAt > this.#now()) return { header: `Bearer ${cached.token}`, fresh: false };
    // Parallel requests for the same scopes share one token request.
    let pending = this.#pendingTokens.get(key);
    if (!pending) {
      pending = this.#fetchToken(challenge, scopes, request).finally(() => this.#pendingTokens.delete(key));
      this.#pendingTokens.set(key, pending);
    }
    return { header: `Bearer ${await pending}`, fresh: true };
  }

  async #learnChallenge(
    response: Response,
    request: Pick<TransportRequest, 'operation' | 'target' | 'method' | 'url'>,
  ): Promise<void> {
    // A 401 from another host (a redirect to blob storage) is that host's challenge: our credentials
    // are for this registry alone and never answer it (containerd's fix for CVE-2020-15157).
    const answeredBy = new URL(response.url || this.resolveUrl(request.url)).origin;
    if (answeredBy !== new URL(this.baseUrl).origin) {
      throw new RegistryError(
        `registry ${this.host} redirected ${request.operation} ${request.target} to ${answeredBy}, which asks for credentials: they belong to ${this.host} alone and were not sent; check the registry's storage redirect`,
        {
          status: 401,
          code: 'UNAUTHORIZED',
          temporary: false,
          operation: request.operation,
          url: this.redactUrl(request.url),
        },
      );
    }
    const header = response.headers.get('www-authenticate');
    const challenge = header ? parseChallenge(header) : undefined;
    if (challenge?.scheme === 'bearer') {
      const problem = realmProblem(challenge.realm, this.baseUrl);
      if (problem) {
        throw new RegistryError(
          `registry ${this.host} names the token server ${this.redactUrl(challenge.realm)} ${problem}: no credentials were sent to it; check that ${this.host} is the registry you meant`,
          {
            status: 401,
            code: 'UNAUTHORIZED',
            temporary: false,
            operation: request.operation,
            url: this.redactUrl(request.url),
          },
        );
      }
    }
    if (!challenge) {
      throw new RegistryError(
        `registry ${this.host} answered 401 to ${request.operation} ${request.target} without a usable WWW-Authenticate challenge: check that ${this.host} is an OCI registry`,
        {
          status: 401,
          code: 'UNAUTHORIZED',
          temporary: false,
          operation: request.operation,
          url: this.redactUrl(request.url),
        },
      );
    }
    this.#challenge = challenge;
    if (challenge.scheme === 'basic' && !this.#credentials?.password) {
      throw new RegistryError(
        words`registry ${this.host} requires credentials to ${request.operation} ${request.target} (401 UNAUTHORIZED): ${REGISTRY_LOGIN}`,
        {
          status: 401,
          code: 'UNAUTHORIZED',
          temporary: false,
          operation: request.operation,
          url: this.redactUrl(request.url),
          access: 'credentials-missing',
        },
      );
    }
  }

  async #fetchToken(
    challenge: Extract<Challenge, { scheme: 'bearer' }>,
    scopes: string[],
    request: TransportRequest,
  ): Promise<string> {
    const credentials = this.#credentials;
    const url = new URL(challenge.realm);
    const headers: Record<string, string> = {};
    let method: 'GET' | 'POST' = 'GET';
    let body: Buffer | undefined;
    if (credentials?.identityToken) {
      // An identity token is an OAuth2 refresh token: exchanged by POST (docker's registry client does the same).
      method = 'POST';
      const form = new URLSearchParams({
        grant_type: 'refresh_token',
        refresh_token: credentials.identityToken,
        client_id: 'flow-actions',
      });
      if (challenge.service) form.set('service', challenge.service);
      if (scopes.length > 0) form.set('scope', scopes.join(' '));
      body = Buffer.from(form.toString());
      headers['content-type'] = 'application/x-www-form-urlencoded';
    } else {
      if (challenge.service) url.searchParams.set('service', challenge.service);
      for (const scope of scopes) url.searchParams.append('scope', scope);
      if (credentials?.password) {
        headers.authorization = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
      }
    }
    this.tokenRequestCount += 1;
    const tokenRequest: TransportRequest = {
      method,
      url: url.toString(),
      headers,
      body,
      scopes: [],
      operation: 'token',
      target: request.target,
    };
    const response = await this.#send(tokenRequest, undefined);
    if (response.status >= 300 && response.status < 400) {
      throw new RegistryError(
        `token server for ${this.host} redirected the token request to ${this.redactUrl(response.headers.get('location') ?? '(nowhere)')}: credentials are never sent on to another address; check the registry's auth configuration`,
        {
          status: response.status,
          temporary: false,
          operation: 'token',
          url: this.redactUrl(url.toString()),
        },
      );
    }
    if (!response.ok) {
      const error = await this.#toError(response, { ...tokenRequest, operation: request.operation });
      throw error;
    }
    const parsed = (await response.json().catch(() => ({}))) as {
      token?: unknown;
      access_token?: unknown;
      expires_in?: unknown;
    };
    const token =
      typeof parsed.token === 'string'
        ? parsed.token
        : typeof parsed.access_token === 'string'
          ? parsed.access_token
          : '';
    if (!token) {
      throw new RegistryError(
        `token server for ${this.host} answered without a token: check the registry's auth configuration`,
        {
          status: response.status,
          temporary: false,
          operation: 'token',
          url: this.redactUrl(url.toString()),
        },
      );
    }
    this.#masker?.add(token);
    const seconds =
      typeof parsed.expires_in === 'number' && parsed.expires_in > 0
        ? parsed.expires_in
        : DEFAULT_TOKEN_SECONDS;
    // Renew a little early so a token never expires between the check and the request.
    const margin = Math.min(10, seconds / 10) * 1000;
    this.#tokens.set(scopeKey(scopes), { token, expiresAt: this.#now() + seconds * 1000 - margin });
    return token;
  }

  async #getFetch(): Promise<FetchLike> {
    if (this.#options.fetch) return this.#options.fetch;
    this.#fetch ??= createFetch(
      new URL(this.baseUrl).hostname,
      this.baseUrl.startsWith('https'),
      this.#options.env ?? process.env,
    );
    return this.#fetch;
  }

  /** One request with retries for 429, 408, 5xx and resets; returns the last response. */
  async #send(request: TransportRequest, authorization: { header: string } | undefined): Promise<Response> {
    const fetchFn = await this.#getFetch();
    const url = request.url.startsWith('/') ? `${this.baseUrl}${request.url}` : request.url;
    const maxAttempts = request.replayable === false ? 1 : Math.max(1, this.#options.maxAttempts ?? 5);
    const headers: Record<string, string> = {
      'user-agent': this.#options.userAgent ?? USER_AGENT,
      ...request.headers,
    };
    // Credentials go only to the registry itself, never to another host an upload Location names.
    if (authorization && new URL(url).origin === new URL(this.baseUrl).origin)
      headers.authorization = authorization.header;
    for (let attempt = 1; ; attempt += 1) {
      let response: Response;
      const started = this.#now();
      try {
        this.requestCount += 1;
        response = await fetchFn(url, {
          method: request.method,
          headers,
          body: request.body,
          // A token request carries credentials (Basic, or a refresh token in its body): never followed elsewhere.
          redirect: request.operation === 'token' ? 'manual' : 'follow',
        });
        this.#logExchange(request, url, started, response);
      } catch (error) {
        const code = networkCode(error);
        this.#logExchange(request, url, started, undefined, code ?? 'failed');
        if (attempt < maxAttempts && code && RETRYABLE_NETWORK_CODES.has(code)) {
          const delay = this.#backoff(attempt);
          this.logger.debug(
            `${request.method} ${this.redactUrl(url)}: ${code}; retrying in ${delay} ms (attempt ${attempt + 1} of ${maxAttempts})`,
          );
          await this.#sleep(delay);
          continue;
        }
        throw this.#networkError(error, code, request, url, attempt);
      }
      this.#attempts.set(response, attempt);
      if (!TEMPORARY_STATUSES.has(response.status) || attempt >= maxAttempts) return response;
      const text = await response.text().catch(() => '');
      const hinted = retryAfterMs(response.headers.get('retry-after'), text, this.#now());
      const maxDelay = this.#options.maxDelayMs ?? 60_000;
      if (hinted !== undefined && hinted > maxDelay) {
        return new Response(text, {
          status: response.status,
          statusText: response.statusText,
          headers: response.headers,
        });
      }
      const delay = hinted ?? this.#backoff(attempt);
      this.logger.debug(
        `${request.method} ${this.redactUrl(url)}: ${response.status}; retrying in ${delay} ms (attempt ${attempt + 1} of ${maxAttempts})`,
      );
      await this.#sleep(delay);
    }
  }

  /**
   * One debug line per request (the CLI's --verbose, the action's debug log): method, URL without
   * credentials or signed query values, status, time to the answer's headers, bytes each way.
   * Headers are never logged, so neither an Authorization nor a token can be.
   */
  #logExchange(
    request: TransportRequest,
    url: string,
    started: number,
    response: Response | undefined,
    failure?: string,
  ): void {
    const took = `in ${Math.max(0, this.#now() - started)} ms`;
    const sent = `sent ${request.body?.length ?? 0} bytes`;
    if (!response) {
      this.logger.debug(`${request.method} ${this.redactUrl(url)} → ${failure} ${took}, ${sent}`);
      return;
    }
    const length = response.headers.get('content-length');
    const received =
      request.method === 'HEAD'
        ? 'received 0 bytes'
        : length === null
          ? 'received a streamed body'
          : `received ${length} bytes`;
    this.logger.debug(
      `${request.method} ${this.redactUrl(url)} → ${response.status} ${took}, ${sent}, ${received}`,
    );
  }

  #backoff(attempt: number): number {
    const base = this.#options.baseDelayMs ?? 500;
    const max = this.#options.maxDelayMs ?? 60_000;
    const step = Math.min(max, base * 2 ** (attempt - 1));
    // Jitter keeps parallel jobs that failed together from retrying together.
    return Math.round(step * (0.5 + (this.#options.random ?? Math.random)() * 0.5));
  }

  #networkError(
    error: unknown,
    code: string | undefined,
    request: TransportRequest,
    url: string,
    attempts: number,
  ): Error {
    const detail = this.#redact(networkDetail(error));
    const redactedUrl = this.redactUrl(url);
    if (this.baseUrl.startsWith('https:') && TLS_ON_PLAIN_HTTP.test(`${code ?? ''} ${detail}`)) {
      return new ConfigurationError(
        words`registry ${this.host} did not answer HTTPS (${detail}): if it is a plain-HTTP registry you trust, list ${this.host} in ${input('insecure-registries')}`,
      );
    }
    const tries = attempts > 1 ? ` after ${attempts} attempts` : '';
    const hint =
      code === 'ECONNREFUSED' || code === 'ENOTFOUND'
        ? 'check the registry address and that it is running'
        : 'check the network and the proxy settings, then re-run';
    return new RegistryError(
      `could not reach registry ${this.host} for ${request.operation} ${request.target} (${detail})${tries}: ${hint}`,
      {
        temporary: code !== undefined && RETRYABLE_NETWORK_CODES.has(code),
        operation: request.operation,
        url: redactedUrl,
      },
      { cause: error },
    );
  }

  async #toError(response: Response, request: TransportRequest): Promise<RegistryError> {
    const body = request.method === 'HEAD' ? '' : await response.text().catch(() => '');
    const specErrors = parseSpecErrors(body);
    const first = specErrors[0];
    const status = response.status;
    const code = first?.code ?? defaultCode(status);
    const detail = first?.message
      ? `: ${this.#redact(first.message).replace(/\s+/g, ' ').slice(0, 200)}`
      : '';
    const what = `${request.operation} ${request.target}`;
    const user = this.username;
    const answer = `${status} ${code}`;
    const immutability =
      request.operation === 'put-manifest' ? recognizeImmutabilityRefusal(status, specErrors) : undefined;
    if (immutability) {
      return new ImmutableTagRefusedError(
        this.#redact(
          `registry ${this.host} refused to move ${request.target}: ${immutability.registry} keeps the tag where it is (${immutability.setting}; ${answer}${detail})`,
        ),
        { status, code, temporary: false, operation: request.operation, url: this.redactUrl(request.url) },
        immutability,
      );
    }
    let message: string | Wording;
    let access: AccessRefusal | undefined;
    // Accepted credentials short of a right: a token without the scope (401 insufficient_scope,
    // Docker Hub and distribution), or a plain refusal (403, GHCR and ECR). Not a wrong password.
    const challenge =
      status === 401 ? parseChallenge(response.headers.get('www-authenticate') ?? '') : undefined;
    const insufficientScope = challenge?.scheme === 'bearer' && challenge.error === 'insufficient_scope';
    const authenticated = user !== undefined || this.#credentials?.identityToken !== undefined;
    if ((insufficientScope || status === 403) && authenticated) {
      const reason = insufficientScope ? `${status} insufficient_scope` : `${answer}${detail}`;
      message = lacksPermission(this.host, user, request, reason);
      access = 'permission-missing';
    } else if (status === 401 && !user && this.#credentials?.identityToken) {
      message = `registry ${this.host} rejected the identity token from ${this.#credentials.source} (${answer}): log in again`;
      access = 'credentials-rejected';
    } else if (status === 401) {
      message = user
        ? words`registry ${this.host} rejected the credentials for user ${user} (${answer}): check ${forAudience({ action: 'username/password', cli: '--username/--password' })}`
        : words`registry ${this.host} requires credentials to ${what} (${answer}): ${REGISTRY_LOGIN}`;
      access = user ? 'credentials-rejected' : 'credentials-missing';
    } else if (status === 403) {
      message = words`registry ${this.host} denied ${what} to anonymous access (${answer}${detail}): ${REGISTRY_LOGIN}, with credentials that may ${permissionOf(request.operation)} this repository`;
      access = 'credentials-missing';
    } else if (status === 404 && code === 'NAME_UNKNOWN') {
      message = `repository ${request.target.split(/[:@]/)[0]} does not exist on registry ${this.host} (${answer}): check the reference`;
    } else if (status === 404) {
      message = `registry ${this.host} has no ${request.target} (${answer}): check the reference`;
    } else if (status === 405 && request.operation === 'delete-manifest') {
      message = `registry ${this.host} has deletion disabled (${answer}): enable it (distribution: storage.delete.enabled) or delete through the registry's own API`;
    } else if (TEMPORARY_STATUSES.has(status)) {
      const attempts = this.#attempts.get(response) ?? 1;
      const times = attempts > 1 ? `after ${attempts} attempts` : 'and asked for a longer wait than allowed';
      message = `registry ${this.host} kept answering ${answer}${detail ? ` (${detail.slice(2)})` : ''} to ${what} ${times}: it is overloaded or unavailable; re-run later`;
    } else {
      message = `registry ${this.host} refused ${what} (${answer}${detail})`;
    }
    return new RegistryError(
      mapWording(message, (text) => this.#redact(text)),
      {
        status,
        code,
        temporary: TEMPORARY_STATUSES.has(status),
        operation: request.operation,
        url: this.redactUrl(request.url),
        ...(access ? { access } : {}),
      },
    );
  }
}

/**
 * True for a failure that may pass if the work is started over: a temporary RegistryError, or a
 * connection that broke (reset, closed, timed out), also in the middle of a body.
 */
export function isTransientError(error: unknown): boolean {
  if (error instanceof RegistryError) return error.temporary;
  const code = networkCode(error);
  if (code) return RETRYABLE_NETWORK_CODES.has(code);
  return error instanceof TypeError && error.message === 'terminated';
}

/** Parses `Bearer realm="…",service="…",scope="…"` or `Basic realm="…"`. */
export function parseChallenge(header: string): Challenge | undefined {
  const match = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!match) return undefined;
  const scheme = (match[1] ?? '').toLowerCase();
  const params: Record<string, string> = {};
  for (const param of (match[2] ?? '').matchAll(/(\w+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g)) {
    params[(param[1] ?? '').toLowerCase()] = (param[2] ?? param[3] ?? '').replace(/\\(.)/g, '$1');
  }
  if (scheme === 'basic') return { scheme: 'basic' };
  if (scheme === 'bearer' && params.realm) {
    return {
      scheme: 'bearer',
      realm: params.realm,
      service: params.service,
      ...(params.error ? { error: params.error } : {}),
    };
  }
  return undefined;
}

/**
 * How long a 429/503 asks us to wait: `Retry-After` in seconds or as an HTTP date, else a hint in
 * the body — GHCR sends `{"errors":[{"code":"TOOMANYREQUESTS","message":"retry-after: 10.3ms, allowed: 2000/minute"}]}`
 * (a Go duration); others say "try again in N seconds".
 */
export function retryAfterMs(header: string | null, body: string, now: number): number | undefined {
  if (header) {
    const trimmed = header.trim();
    if (/^\d+(\.\d+)?$/.test(trimmed)) return Math.ceil(Number(trimmed) * 1000);
    const date = Date.parse(trimmed);
    if (!Number.isNaN(date)) return Math.max(0, date - now);
  }
  const goDuration = /retry-after:\s*((?:[\d.]+(?:ns|us|µs|ms|s|m|h))+)/i.exec(body);
  if (goDuration?.[1]) return Math.ceil(parseGoDuration(goDuration[1]));
  const phrase = /(?:try again|retry) (?:in|after) (\d+(?:\.\d+)?) ?(?:seconds?|s)\b/i.exec(body);
  if (phrase?.[1]) return Math.ceil(Number(phrase[1]) * 1000);
  return undefined;
}

function parseGoDuration(text: string): number {
  const unitMs: Record<string, number> = {
    ns: 1e-6,
    us: 1e-3,
    µs: 1e-3,
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
  };
  let total = 0;
  for (const part of text.matchAll(/([\d.]+)(ns|us|µs|ms|s|m|h)/g))
    total += Number(part[1]) * (unitMs[part[2] ?? 's'] ?? 0);
  return total;
}

/** Plain HTTP is allowed for loopback (127.0.0.0/8, ::1, localhost) and the listed registries. */
export function isPlainHttpAllowed(host: string, insecureRegistries: readonly string[]): boolean {
  const hostname = hostnameOf(host);
  if (isLoopback(hostname)) return true;
  return insecureRegistries.some((entry) => {
    const wanted = entry
      .trim()
      .replace(/^[a-z]+:\/\//i, '')
      .replace(/\/.*$/, '')
      .toLowerCase();
    return wanted === host.toLowerCase() || wanted === hostname;
  });
}

export function isLoopback(hostname: string): boolean {
  const name = hostname.toLowerCase().replace(/^\[|\]$/g, '');
  return (
    name === 'localhost' ||
    name.endsWith('.localhost') ||
    name === '::1' ||
    /^127(?:\.\d{1,3}){3}$/.test(name)
  );
}

function hostnameOf(host: string): string {
  if (host.startsWith('[')) return host.slice(0, host.indexOf(']') + 1).toLowerCase();
  return host.replace(/:\d+$/, '').toLowerCase();
}

function scopeKey(scopes: readonly string[]): string {
  return [...scopes].sort().join(' ');
}

/**
 * The message for credentials that were accepted but lack a right: which user, which repository,
 * which action, and how to get it.
 */
function lacksPermission(
  host: string,
  user: string | undefined,
  request: Pick<TransportRequest, 'operation' | 'target'>,
  reason: string,
): Wording {
  const repository = request.target.split(/[:@]/)[0] ?? request.target;
  const access = {
    push: forAudience({
      action:
        'write access to it (on GHCR: permissions: packages: write for GITHUB_TOKEN, or a token with write:packages)',
      cli: 'write access to it (on GHCR: a token with write:packages)',
    }),
    delete: 'delete access to it (on GHCR: a token that may delete the package version)',
    pull: forAudience({
      action: 'read access to it (on GHCR: permissions: packages: read)',
      cli: 'read access to it (on GHCR: a token with read:packages)',
    }),
  }[actionOf(request.operation)];
  return words`registry ${host} accepted the credentials of ${user ? `user ${user}` : 'the identity token'}, but they may not ${permissionOf(request.operation)} repository ${repository} (${reason} during ${request.operation}): give the account ${access}, or use a credential that has it`;
}

function actionOf(operation: RegistryOperation): 'push' | 'delete' | 'pull' {
  if (operation === 'delete-manifest') return 'delete';
  if (operation === 'put-manifest' || operation === 'put-blob' || operation === 'mount-blob') return 'push';
  return 'pull';
}

function permissionOf(operation: RegistryOperation): string {
  if (operation === 'delete-manifest') return 'delete from';
  if (operation === 'put-manifest' || operation === 'put-blob' || operation === 'mount-blob')
    return 'push to';
  return 'pull from';
}

function defaultCode(status: number): string {
  const codes: Record<number, string> = {
    400: 'BAD_REQUEST',
    401: 'UNAUTHORIZED',
    403: 'DENIED',
    404: 'NOT_FOUND',
    405: 'UNSUPPORTED',
    408: 'TIMEOUT',
    429: 'TOOMANYREQUESTS',
  };
  return codes[status] ?? (status >= 500 ? 'UNAVAILABLE' : 'UNKNOWN');
}

function networkCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current && typeof current === 'object'; depth += 1) {
    if ('code' in current && typeof current.code === 'string') return current.code;
    current = 'cause' in current ? current.cause : undefined;
  }
  return undefined;
}

function networkDetail(error: unknown): string {
  const parts: string[] = [];
  let current: unknown = error;
  for (let depth = 0; depth < 5 && current instanceof Error; depth += 1) {
    parts.push(current.message);
    current = current.cause;
  }
  return (
    parts
      .filter((part) => part !== 'fetch failed')
      .join(': ')
      .replace(/\s+/g, ' ')
      .slice(0, 200) || 'connection failed'
  );
}

/**
 * Node's global fetch ignores proxy variables, so when one applies to this host (and it is not
 * loopback or in NO_PROXY) undici's own fetch is loaded with a ProxyAgent for it. Loading it
 * only then keeps start-up light. (undici's EnvHttpProxyAgent would do the same matching but
 * prints an "experimental" warning into the job log.)
 */
async function createFetch(hostname: string, https: boolean, env: NodeJS.ProcessEnv): Promise<FetchLike> {
  const proxy = https ? (env.HTTPS_PROXY ?? env.https_proxy) : (env.HTTP_PROXY ?? env.http_proxy);
  const noProxy = env.NO_PROXY ?? env.no_proxy ?? '';
  if (!proxy || isLoopback(hostnameOf(hostname)) || matchesNoProxy(hostname, noProxy))
    return globalThis.fetch;
  const undici = await import('undici');
  const dispatcher = new undici.ProxyAgent(proxy);
  return (url, init) =>
    undici.fetch(url, {
      ...(init as Parameters<typeof undici.fetch>[1]),
      dispatcher,
    }) as unknown as Promise<Response>;
}

function matchesNoProxy(hostname: string, noProxy: string): boolean {
  const host = hostname.toLowerCase();
  return noProxy
    .split(/[\s,]+/)
    .filter(Boolean)
    .some((entry) => {
      const pattern = entry.toLowerCase().replace(/:\d+$/, '');
      if (pattern === '*') return true;
      const bare = pattern.replace(/^\*?\./, '');
      return host === bare || host.endsWith(`.${bare}`);
    });
}
