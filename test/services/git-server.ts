import { type ChildProcess, spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { dirname, isAbsolute, join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import {
  closeServer,
  createTempDir,
  listenOnLoopback,
  onceOnly,
  removeTempDir,
  requireBinary,
} from './processes';

export const GIT_INSTALL = 'apt-get install -y git';

export interface GitServerOptions {
  /**
   * When set, every request must carry it: as the password of Basic auth (any username, e.g.
   * `x-access-token`) or as a Bearer token; others get 401 with a Basic challenge. Default: open.
   */
  token?: string;
  /** Default: `git` on PATH. */
  gitBinary?: string;
}

/** One request the server answered. */
export interface GitRequest {
  method: string;
  /** Path and query string: `/manifests.git/info/refs?service=git-upload-pack`. */
  path: string;
  /** `git-upload-pack` (fetch, clone) or `git-receive-pack` (push), if the request names one. */
  service?: string;
  /** Whether it carried the right token (always false on an open server). */
  authenticated: boolean;
  status: number;
}

export interface CreateBareRepositoryOptions {
  /** The branch HEAD names. Default: `main`. */
  branch?: string;
  /** Files for a first commit on `branch` (paths may contain `/`). Default: an empty repository. */
  files?: Record<string, string>;
  /** Default: `seed files`. */
  message?: string;
}

export interface BareRepository {
  /** The bare repository on disk. */
  path: string;
  /** Its smart-HTTP URL, without credentials: `http://127.0.0.1:PORT/NAME.git`. */
  url: string;
}

export interface RunningGitServer {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** The directory that holds the bare repositories (GIT_PROJECT_ROOT). */
  root: string;
  /** Every request so far, in order. */
  readonly requests: GitRequest[];
  /** Creates `NAME.git` under the root (`.git` is added unless the name ends with it). */
  createBareRepository(name: string, options?: CreateBareRepositoryOptions): Promise<BareRepository>;
  /** Closes the server, kills any http-backend still running, removes the repositories. */
  stop(): Promise<void>;
}

/**
 * Serves bare repositories over git's smart HTTP protocol on 127.0.0.1: a node http server in
 * this process that runs `git http-backend` as CGI per request, with push (receive-pack) on.
 * There is no long-lived child; each http-backend is killed on stop() if still running.
 */
export async function startGitServer(options: GitServerOptions = {}): Promise<RunningGitServer> {
  const git = await requireBinary(options.gitBinary ?? 'git', GIT_INSTALL);
  const dir = await createTempDir('git');
  const root = join(dir, 'repositories');
  await mkdir(root);
  const requests: GitRequest[] = [];
  const backends = new Set<ChildProcess>();

  const handle = (request: IncomingMessage, response: ServerResponse) => {
    const url = new URL(request.url ?? '/', 'http://127.0.0.1');
    const service =
      url.searchParams.get('service') ??
      /\/(git-upload-pack|git-receive-pack)$/.exec(url.pathname)?.[1] ??
      undefined;
    const authenticated =
      options.token !== undefined && carriesToken(request.headers.authorization, options.token);
    const record: GitRequest = {
      method: request.method ?? 'GET',
      path: `${url.pathname}${url.search}`,
      ...(service ? { service } : {}),
      authenticated,
      status: 0,
    };
    requests.push(record);
    if (options.token !== undefined && !authenticated) {
      record.status = 401;
      response.writeHead(401, {
        'WWW-Authenticate': 'Basic realm="flow-test-git"',
        'Content-Type': 'text/plain',
      });
      response.end('authentication required\n');
      return;
    }
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      GIT_PROJECT_ROOT: root,
      GIT_HTTP_EXPORT_ALL: '1',
      // Anonymous push is refused by default; this server is for tests.
      GIT_CONFIG_COUNT: '1',
      GIT_CONFIG_KEY_0: 'http.receivepack',
      GIT_CONFIG_VALUE_0: 'true',
      GIT_CONFIG_NOSYSTEM: '1',
      HOME: dir,
      PATH_INFO: decodeURIComponent(url.pathname),
      QUERY_STRING: url.search.slice(1),
      REQUEST_METHOD: request.method ?? 'GET',
      REMOTE_ADDR: request.socket.remoteAddress ?? '127.0.0.1',
      CONTENT_TYPE: request.headers['content-type'] ?? '',
      ...(request.headers['content-length'] ? { CONTENT_LENGTH: request.headers['content-length'] } : {}),
      ...(request.headers['content-encoding']
        ? { HTTP_CONTENT_ENCODING: request.headers['content-encoding'] }
        : {}),
      ...(typeof request.headers['git-protocol'] === 'string'
        ? { GIT_PROTOCOL: request.headers['git-protocol'] }
        : {}),
      ...(authenticated ? { REMOTE_USER: 'flow-test' } : {}),
    };
    const backend = spawn(git, ['http-backend'], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    backends.add(backend);
    backend.once('exit', () => backends.delete(backend));
    let stderr = '';
    backend.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    backend.on('error', () => {
      record.status = 500;
      if (!response.headersSent) response.writeHead(500).end(`git http-backend failed to start\n`);
    });
    request.pipe(backend.stdin);
    backend.stdin.on('error', () => {});
    pipeCgiResponse(backend, response, record, () => stderr);
  };

  const server = createServer(handle);
  const port = await listenOnLoopback(server);
  const url = `http://127.0.0.1:${port}`;

  return {
    url,
    root,
    requests,
    async createBareRepository(name, repositoryOptions = {}) {
      if (!/^[\w.-]+(\/[\w.-]+)*$/.test(name) || name.split('/').includes('..')) {
        throw new Error(`Invalid repository name "${name}": use letters, digits, ".", "_", "-" and "/"`);
      }
      const relative = name.endsWith('.git') ? name : `${name}.git`;
      const path = join(root, relative);
      const branch = repositoryOptions.branch ?? 'main';
      await exec(git, ['init', '--quiet', '--bare', `--initial-branch=${branch}`, path]);
      if (repositoryOptions.files) {
        await seedRepository(
          git,
          path,
          branch,
          repositoryOptions.files,
          repositoryOptions.message ?? 'seed files',
        );
      }
      return { path, url: `${url}/${relative}` };
    },
    stop: onceOnly(async () => {
      await closeServer(server);
      for (const backend of backends) backend.kill('SIGKILL');
      await removeTempDir(dir);
    }),
  };
}

/** Turns CGI output (headers, a blank line, the body) into an HTTP response. */
function pipeCgiResponse(
  backend: ChildProcess & { stdout: NodeJS.ReadableStream },
  response: ServerResponse,
  record: GitRequest,
  readStderr: () => string,
): void {
  let head = Buffer.alloc(0);
  let headersDone = false;
  backend.stdout.on('data', (chunk: Buffer) => {
    if (headersDone) {
      response.write(chunk);
      return;
    }
    head = Buffer.concat([head, chunk]);
    const end = findHeaderEnd(head);
    if (!end) return;
    headersDone = true;
    let status = 200;
    const headers: Record<string, string> = {};
    for (const line of head.subarray(0, end.index).toString('latin1').split(/\r?\n/)) {
      const colon = line.indexOf(':');
      if (colon < 0) continue;
      const name = line.slice(0, colon).trim();
      const value = line.slice(colon + 1).trim();
      if (name.toLowerCase() === 'status') status = Number.parseInt(value, 10) || 500;
      else headers[name] = value;
    }
    record.status = status;
    response.writeHead(status, headers);
    const rest = head.subarray(end.index + end.length);
    if (rest.length > 0) response.write(rest);
  });
  backend.stdout.on('end', () => {
    if (!headersDone) {
      record.status = 500;
      if (!response.headersSent) response.writeHead(500, { 'Content-Type': 'text/plain' });
      response.end(`git http-backend answered no headers: ${readStderr().trim()}\n`);
      return;
    }
    response.end();
  });
}

function findHeaderEnd(buffer: Buffer): { index: number; length: number } | undefined {
  const crlf = buffer.indexOf('\r\n\r\n');
  const lf = buffer.indexOf('\n\n');
  if (crlf >= 0 && (lf < 0 || crlf <= lf)) return { index: crlf, length: 4 };
  if (lf >= 0) return { index: lf, length: 2 };
  return undefined;
}

function carriesToken(header: string | undefined, token: string): boolean {
  if (!header) return false;
  const bearer = /^Bearer\s+(.+)$/i.exec(header);
  if (bearer) return bearer[1] === token;
  const basic = /^Basic\s+(\S+)$/i.exec(header);
  if (!basic?.[1]) return false;
  const decoded = Buffer.from(basic[1], 'base64').toString('utf8');
  return decoded.slice(decoded.indexOf(':') + 1) === token;
}

/** Commits `files` in a scratch work tree and pushes them to the bare repository by path. */
async function seedRepository(
  git: string,
  bare: string,
  branch: string,
  files: Record<string, string>,
  message: string,
): Promise<void> {
  const work = await createTempDir('git-seed');
  try {
    const env = {
      ...process.env,
      GIT_AUTHOR_NAME: 'Flow Test',
      GIT_AUTHOR_EMAIL: 'flow-test@example.invalid',
      GIT_COMMITTER_NAME: 'Flow Test',
      GIT_COMMITTER_EMAIL: 'flow-test@example.invalid',
      GIT_CONFIG_NOSYSTEM: '1',
    };
    await exec(git, ['init', '--quiet', `--initial-branch=${branch}`, work], { env });
    for (const [file, content] of Object.entries(files)) {
      if (isAbsolute(file) || file.split('/').includes('..')) {
        throw new Error(`Seed file "${file}" must be a relative path inside the repository`);
      }
      const target = join(work, file);
      await mkdir(dirname(target), { recursive: true });
      await writeFile(target, content);
    }
    await exec(git, ['-C', work, 'add', '--all'], { env });
    await exec(git, ['-C', work, 'commit', '--quiet', '--no-gpg-sign', '-m', message], { env });
    await exec(git, ['-C', work, 'push', '--quiet', bare, `HEAD:refs/heads/${branch}`], { env });
  } finally {
    await removeTempDir(work);
  }
}
