import { randomBytes } from 'node:crypto';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { resolveNode24 } from '@flow-actions/runner-harness';
import {
  awaitReady,
  createTempDir,
  onceOnly,
  removeTempDir,
  spawnService,
  startOnFreePort,
  stopProcess,
} from './processes';

export const VERDACCIO_INSTALL =
  'npx -y pnpm@10.34.9 install (verdaccio is a devDependency of test/package.json)';

export interface VerdaccioOptions {
  /** Default: `flow-npm`. */
  username?: string;
  /** Default: 24 random hex characters. */
  password?: string;
  /** The verdaccio bin script. Default: the `verdaccio` package installed in test/. */
  binary?: string;
}

export interface RunningVerdaccio {
  /** `http://127.0.0.1:PORT` — no trailing slash; npm's `--registry` wants `${url}/`. */
  url: string;
  /** `127.0.0.1:PORT` */
  host: string;
  username: string;
  password: string;
  /** The user's npm token (from `PUT /-/user/org.couchdb.user:NAME`). */
  token: string;
  pid: number;
  storageDir: string;
  /** Verdaccio's own log. It holds neither the password nor the token. */
  logFile: string;
  /**
   * Writes an `.npmrc` that points npm at this registry with the token
   * (`//127.0.0.1:PORT/:_authToken=…`) and returns its path. Default path: in the temp dir.
   */
  writeNpmrc(path?: string): Promise<string>;
  /** Kills verdaccio by pid and removes the temp dir. */
  stop(): Promise<void>;
}

/**
 * Starts verdaccio on 127.0.0.1 with a free port: storage in a temp dir, no uplinks (it never
 * proxies the public registry), htpasswd auth; creates one user and returns its token.
 * Anyone may read; authenticated users may publish and unpublish.
 */
export async function startVerdaccio(options: VerdaccioOptions = {}): Promise<RunningVerdaccio> {
  const binary = options.binary ?? resolveVerdaccioBin();
  try {
    await access(binary);
  } catch {
    throw new Error(`verdaccio is not installed (looked for ${binary}): run "${VERDACCIO_INSTALL}"`);
  }
  // Verdaccio 6.10 refuses Node < 22; the workspace's Node 24 runs it whatever runs the tests.
  const node = resolveNode24();
  const username = options.username ?? 'flow-npm';
  const password = options.password ?? randomBytes(12).toString('hex');
  const dir = await createTempDir('verdaccio');
  const storageDir = join(dir, 'storage');
  await mkdir(storageDir);
  const logFile = join(dir, 'verdaccio.log');

  try {
    const started = await startOnFreePort('verdaccio', async (port) => {
      const rule = { access: '$all', publish: '$authenticated', unpublish: '$authenticated' };
      const config = {
        storage: storageDir,
        auth: { htpasswd: { file: join(dir, 'htpasswd'), max_users: 100 } },
        uplinks: {},
        packages: { '@*/*': rule, '**': rule },
        listen: `127.0.0.1:${port}`,
        web: { enable: false },
        // http level logs each request line: method, path, status, user — never headers.
        log: { type: 'stdout', format: 'pretty', level: 'http' },
      };
      // YAML is a superset of JSON.
      const configFile = join(dir, `config-${port}.yaml`);
      await writeFile(configFile, JSON.stringify(config, null, 2));
      const managed = spawnService({
        name: 'verdaccio',
        command: node,
        args: [binary, '--config', configFile, '--listen', `127.0.0.1:${port}`],
        logFile,
        cwd: dir,
      });
      const url = `http://127.0.0.1:${port}`;
      await awaitReady(managed, `${url}/-/ping`, { ready: (status) => status === 200, timeoutMs: 30_000 });
      return { managed, port, url };
    });

    const token = await createUser(started.url, username, password).catch(async (error: unknown) => {
      await stopProcess(started.managed);
      throw error;
    });
    const defaultNpmrc = join(dir, '.npmrc');
    return {
      url: started.url,
      host: `127.0.0.1:${started.port}`,
      username,
      password,
      token,
      pid: started.managed.pid,
      storageDir,
      logFile,
      async writeNpmrc(path = defaultNpmrc) {
        await writeFile(
          path,
          `registry=${started.url}/\n//127.0.0.1:${started.port}/:_authToken=${token}\n`,
          {
            mode: 0o600,
          },
        );
        return path;
      },
      stop: onceOnly(async () => {
        await stopProcess(started.managed);
        await removeTempDir(dir);
      }),
    };
  } catch (error) {
    await removeTempDir(dir);
    throw error;
  }
}

/** npm's `adduser`: a PUT that creates the user (htpasswd `max_users` allows it) and answers a token. */
async function createUser(url: string, username: string, password: string): Promise<string> {
  const response = await fetch(`${url}/-/user/org.couchdb.user:${encodeURIComponent(username)}`, {
    method: 'PUT',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({
      _id: `org.couchdb.user:${username}`,
      name: username,
      password,
      type: 'user',
      roles: [],
      date: new Date().toISOString(),
    }),
  });
  const body = (await response.json()) as { token?: string; error?: string };
  if (response.status !== 201 || !body.token) {
    throw new Error(`verdaccio did not create user ${username}: HTTP ${response.status} ${body.error ?? ''}`);
  }
  return body.token;
}

function resolveVerdaccioBin(): string {
  try {
    const require = createRequire(import.meta.url);
    return join(dirname(require.resolve('verdaccio/package.json')), 'bin', 'verdaccio');
  } catch {
    return join(import.meta.dirname, '..', 'node_modules', 'verdaccio', 'bin', 'verdaccio');
  }
}
