import {
  Agent,
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import { closeServer, listenOnLoopback, onceOnly, sleep } from '../services/processes';

export interface FaultProxyOptions {
  /** The origin to forward to: `http://127.0.0.1:PORT`. Only loopback targets are accepted. */
  target: string;
  /** A fixed delay added to every request before it is forwarded. Default: 0. */
  latencyMs?: number;
}

/** Which requests a rule applies to. */
export interface FaultMatch {
  /** Default: any method. */
  method?: string;
  /** Tested against the path with its query string. Default: any path. */
  path?: RegExp;
  /** How many matching requests the rule applies to, then it is spent. Default: every one. */
  times?: number;
}

/**
 * What happens to a matching request: at most one of status, reset, corruptBody and rewriteBody;
 * stripHeaders and delayMs combine with any of them, or act alone.
 */
export interface FaultAction {
  /** Answer this status instead of forwarding (429, 500, 502, 503…), with an OCI-style error body. */
  status?: number;
  /** With `status`: the `Retry-After` header value (`"1"`, or an HTTP date). Default: no header. */
  retryAfter?: string;
  /**
   * With `status`: the spec error in the body, to answer as a given registry does (ECR's
   * TAG_INVALID, Harbor's PRECONDITION…). Default: a code for the status and a message naming the proxy.
   */
  error?: { code: string; message: string };
  /**
   * Destroy the client's connection. Without `afterBytes` before anything is forwarded; with it,
   * after forwarding and sending that many bytes of the response body.
   */
  reset?: true;
  afterBytes?: number;
  /**
   * With `reset`: forward the request, and destroy both connections once this many bytes of the
   * request body arrived — an upload cut in the middle.
   */
  afterBytesIn?: number;
  /** Forward, but flip bits in the response body so that its digest no longer matches. */
  corruptBody?: true;
  /**
   * Forward, but replace the whole response body with what this returns (Content-Length follows):
   * a registry, or a man in the middle, that serves other bytes than it stores.
   */
  rewriteBody?: (body: Buffer) => Buffer;
  /** Forward, but drop these response headers (any case), e.g. `docker-content-digest`. */
  stripHeaders?: readonly string[];
  /** Wait this long first (then forward, or do the action above). */
  delayMs?: number;
  /**
   * Hold the request until this settles (then the delay, then forward or do the action above):
   * to order it after something that happens elsewhere, e.g. another client's write.
   */
  holdUntil?: Promise<unknown>;
}

export type FaultRule = FaultMatch & FaultAction;

/** A scripted rule as it is being used. */
export interface ScriptedRule {
  readonly rule: FaultRule;
  /** How many requests it has applied to. */
  readonly hits: number;
}

/** One request the proxy handled. Entries appear when a request starts and fill in as it goes. */
export interface ProxiedRequest {
  method: string;
  /** Path and query string. */
  path: string;
  /** The status the client got; 0 for a reset before any status, undefined while in flight. */
  status: number | undefined;
  /** Request body bytes received from the client (an uploaded blob counts here). */
  bytesIn: number;
  /** Response body bytes sent to the client. */
  bytesOut: number;
  startedAt: Date;
  /** Milliseconds until the exchange ended; undefined while in flight. */
  duration: number | undefined;
  /** The fault applied, if any. */
  fault?: 'status' | 'reset' | 'corrupt' | 'rewrite' | 'strip' | 'delay';
  /** The `Authorization` header the client sent, if any: tests check which credentials reached whom. */
  authorization?: string;
}

export interface RunningFaultProxy {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT` */
  host: string;
  /** Adds a rule; the first live rule that matches a request decides its fate. */
  script(rule: FaultRule): ScriptedRule;
  /** Every request so far, in arrival order. */
  readonly requests: ProxiedRequest[];
  /** Forgets the rules and the recorded requests. */
  reset(): void;
  /** Sets the fixed delay added to every request. */
  setLatency(ms: number): void;
  /** Closes the listener and every connection; safe to call twice. */
  stop(): Promise<void>;
}

interface LiveRule {
  rule: FaultRule;
  hits: number;
}

const HOP_BY_HOP = [
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'upgrade',
  'te',
  'trailer',
];

/**
 * A reverse HTTP proxy on loopback in front of `target` that injects faults by script: a status
 * (429 with or without Retry-After, 5xx), a connection reset, a delay, a corrupted body. It
 * rewrites `Host` to the target, and the target's origin in `Location`, `Link` and
 * `WWW-Authenticate` to its own, so that clients that follow absolute upload URLs keep going
 * through it.
 */
export async function startFaultProxy(options: FaultProxyOptions): Promise<RunningFaultProxy> {
  const target = new URL(options.target);
  if (target.protocol !== 'http:' || !isLoopback(target.hostname)) {
    throw new Error(`Fault proxy target must be http://127.0.0.1:PORT, got "${options.target}"`);
  }
  const targetOrigin = target.origin;
  let latencyMs = options.latencyMs ?? 0;
  let rules: LiveRule[] = [];
  const requests: ProxiedRequest[] = [];
  const agent = new Agent({ keepAlive: true });
  let proxyOrigin = '';

  const rewrite = (value: string) => value.split(targetOrigin).join(proxyOrigin);

  const pickRule = (method: string, path: string): LiveRule | undefined => {
    const live = rules.find(
      ({ rule, hits }) =>
        (rule.times === undefined || hits < rule.times) &&
        (rule.method === undefined || rule.method.toUpperCase() === method) &&
        (rule.path === undefined || rule.path.test(path)),
    );
    if (live) live.hits += 1;
    return live;
  };

  const handle = async (request: IncomingMessage, response: ServerResponse) => {
    const method = request.method ?? 'GET';
    const path = request.url ?? '/';
    const started = Date.now();
    const record: ProxiedRequest = {
      method,
      path,
      status: undefined,
      bytesIn: 0,
      bytesOut: 0,
      startedAt: new Date(started),
      duration: undefined,
      ...(request.headers.authorization ? { authorization: request.headers.authorization } : {}),
    };
    requests.push(record);
    const finish = () => {
      record.duration ??= Date.now() - started;
    };
    response.once('close', finish);
    // Attached only when the body is consumed: a 'data' listener starts the flow, and during a
    // delay the body must wait in the buffer, not be dropped.
    const countBytesIn = () =>
      request.on('data', (chunk: Buffer) => {
        record.bytesIn += chunk.length;
      });

    const rule = pickRule(method, path)?.rule;
    if (latencyMs > 0) await sleep(latencyMs);
    if (rule?.holdUntil) {
      record.fault = 'delay';
      await rule.holdUntil.catch(() => undefined);
    }
    if (rule?.delayMs) {
      record.fault = 'delay';
      await sleep(rule.delayMs);
    }

    if (rule?.reset && rule.afterBytes === undefined && rule.afterBytesIn === undefined) {
      record.fault = 'reset';
      record.status = 0;
      request.socket.destroy();
      finish();
      return;
    }
    if (rule?.status !== undefined) {
      record.fault = 'status';
      // Read the body first so that a client that is still sending sees the answer, not EPIPE.
      countBytesIn();
      request.resume();
      await new Promise<void>((resolve) => {
        request.once('end', resolve);
        request.once('error', resolve);
      });
      const body = JSON.stringify({
        errors: [
          rule.error ?? {
            code: errorCode(rule.status),
            message: `injected by the fault proxy: HTTP ${rule.status}`,
          },
        ],
      });
      const headers: Record<string, string | number> = {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
      };
      if (rule.retryAfter !== undefined) headers['Retry-After'] = rule.retryAfter;
      record.status = rule.status;
      response.writeHead(rule.status, headers);
      record.bytesOut = Buffer.byteLength(body);
      response.end(body);
      return;
    }

    // Set when the upload is cut on purpose: the upstream error that follows is expected.
    let cutIn = false;
    const headers: Record<string, string | string[]> = {};
    for (const [name, value] of Object.entries(request.headers)) {
      if (value === undefined || HOP_BY_HOP.includes(name)) continue;
      headers[name] = value;
    }
    headers.host = target.host;
    const upstream = httpRequest(
      { host: target.hostname, port: target.port, method, path, headers, agent },
      (upstreamResponse) => {
        const responseHeaders: Record<string, string | string[]> = {};
        const stripped = (rule?.stripHeaders ?? []).map((name) => name.toLowerCase());
        for (const [name, value] of Object.entries(upstreamResponse.headers)) {
          if (value === undefined || HOP_BY_HOP.includes(name)) continue;
          if (stripped.includes(name)) {
            record.fault = 'strip';
            continue;
          }
          responseHeaders[name] =
            name === 'location' || name === 'link' || name === 'www-authenticate'
              ? Array.isArray(value)
                ? value.map(rewrite)
                : rewrite(value)
              : value;
        }
        const status = upstreamResponse.statusCode ?? 502;
        record.status = status;
        const rewriteBody = rule?.rewriteBody;
        if (rewriteBody) {
          const chunks: Buffer[] = [];
          upstreamResponse.on('data', (chunk: Buffer) => chunks.push(chunk));
          upstreamResponse.on('end', () => {
            const body = rewriteBody(Buffer.concat(chunks));
            record.fault = 'rewrite';
            record.bytesOut = body.length;
            response.writeHead(status, upstreamResponse.statusMessage, {
              ...responseHeaders,
              'content-length': String(body.length),
            });
            response.end(body);
          });
          upstreamResponse.on('error', () => response.socket?.destroy());
          return;
        }
        response.writeHead(status, upstreamResponse.statusMessage, responseHeaders);
        let corrupted = false;
        if (rule?.corruptBody) record.fault = 'corrupt';
        if (rule?.reset) record.fault = 'reset';
        upstreamResponse.on('data', (chunk: Buffer) => {
          let out = chunk;
          if (rule?.corruptBody && !corrupted && out.length > 0) {
            // Same length, different bytes: only a digest check can notice.
            out = Buffer.from(out);
            out[0] = (out[0] ?? 0) ^ 0xff;
            corrupted = true;
          }
          if (
            rule?.reset &&
            rule.afterBytes !== undefined &&
            record.bytesOut + out.length >= rule.afterBytes
          ) {
            const keep = Math.max(0, rule.afterBytes - record.bytesOut);
            record.bytesOut += keep;
            upstreamResponse.destroy();
            response.write(out.subarray(0, keep), () => response.socket?.destroy());
            return;
          }
          record.bytesOut += out.length;
          response.write(out);
        });
        upstreamResponse.on('end', () => response.end());
        upstreamResponse.on('error', () => response.socket?.destroy());
      },
    );
    upstream.on('error', (error) => {
      if (cutIn) return;
      if (response.headersSent) {
        response.socket?.destroy();
        return;
      }
      const body = JSON.stringify({
        errors: [{ code: 'UNKNOWN', message: `fault proxy: upstream ${error.message}` }],
      });
      record.status = 502;
      response.writeHead(502, {
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
      });
      response.end(body);
    });
    countBytesIn();
    const cutAt = rule?.reset ? rule.afterBytesIn : undefined;
    if (cutAt !== undefined) {
      // Runs before the pipe's own listener: the chunk that crosses the line meets a destroyed upstream.
      request.on('data', () => {
        if (cutIn || record.bytesIn < cutAt) return;
        cutIn = true;
        record.fault = 'reset';
        record.status = 0;
        request.unpipe(upstream);
        upstream.destroy();
        request.socket.destroy();
        finish();
      });
    }
    request.pipe(upstream);
  };

  const server = createServer((request, response) => {
    handle(request, response).catch(() => response.socket?.destroy());
  });
  const port = await listenOnLoopback(server);
  proxyOrigin = `http://127.0.0.1:${port}`;

  return {
    url: proxyOrigin,
    host: `127.0.0.1:${port}`,
    script(rule) {
      validateRule(rule);
      const live: LiveRule = { rule, hits: 0 };
      rules.push(live);
      return {
        rule,
        get hits() {
          return live.hits;
        },
      };
    },
    requests,
    reset() {
      rules = [];
      requests.length = 0;
    },
    setLatency(ms) {
      latencyMs = ms;
    },
    stop: onceOnly(async () => {
      await closeServer(server);
      agent.destroy();
    }),
  };
}

function validateRule(rule: FaultRule): void {
  const actions = [
    rule.status !== undefined,
    rule.reset === true,
    rule.corruptBody === true,
    rule.rewriteBody !== undefined,
  ].filter(Boolean).length;
  if (actions > 1) throw new Error('A fault rule takes one of status, reset, corruptBody or rewriteBody');
  if (
    actions === 0 &&
    rule.delayMs === undefined &&
    rule.holdUntil === undefined &&
    rule.stripHeaders === undefined
  ) {
    throw new Error(
      'A fault rule needs an action: status, reset, corruptBody, rewriteBody, stripHeaders, delayMs or holdUntil',
    );
  }
  if (rule.retryAfter !== undefined && rule.status === undefined) {
    throw new Error('retryAfter goes with a status');
  }
  if (rule.error !== undefined && rule.status === undefined) throw new Error('error goes with a status');
  if (rule.afterBytes !== undefined && !rule.reset) throw new Error('afterBytes goes with reset');
  if (rule.afterBytesIn !== undefined && !rule.reset) throw new Error('afterBytesIn goes with reset');
  if (rule.afterBytes !== undefined && rule.afterBytesIn !== undefined) {
    throw new Error(
      'A reset comes after response bytes (afterBytes) or request bytes (afterBytesIn), not both',
    );
  }
  if (
    rule.stripHeaders !== undefined &&
    (rule.status !== undefined || (rule.reset && rule.afterBytes === undefined))
  ) {
    throw new Error('stripHeaders goes with a forwarded response');
  }
}

function errorCode(status: number): string {
  if (status === 429) return 'TOOMANYREQUESTS';
  if (status === 503) return 'UNAVAILABLE';
  return 'UNKNOWN';
}

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127\.\d+\.\d+\.\d+$/.test(hostname);
}
