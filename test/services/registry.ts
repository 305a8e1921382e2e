import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import {
  awaitReady,
  createTempDir,
  onceOnly,
  removeTempDir,
  requireBinary,
  spawnService,
  startOnFreePort,
  stopProcess,
} from './processes';
import { type RunningTokenServer, startTokenServer, type TokenAccount } from './token-server';

export const REGISTRY_BINARY = '/usr/bin/docker-registry';
export const REGISTRY_INSTALL = 'apt-get install -y docker-registry';

export interface RegistryOptions {
  /**
   * How clients authenticate. `htpasswd`: Basic auth against a bcrypt file. `token`: the bearer
   * challenge, with a token server the kit runs in this process. Default: `none`.
   */
  auth?: 'none' | 'htpasswd' | 'token';
  /** Whether DELETE works; when false distribution answers 405 UNSUPPORTED. Default: true. */
  deleteEnabled?: boolean;
  /** Default: `/usr/bin/docker-registry`. */
  binary?: string;
  /** The one user for `htpasswd` and `token`. Default: `flow-user`. */
  username?: string;
  /** Default: 24 random hex characters. */
  password?: string;
  /** `token` only: the lifetime the token server gives each token, in seconds. Default: 300. */
  tokenExpiresIn?: number;
  /** `token` only: more accounts, each granted only its actions (e.g. pull-only). Default: none. */
  accounts?: readonly TokenAccount[];
  /**
   * Serve this storage directory, and keep it on stop: a test restarts a registry with other
   * settings (deletion enabled) over the same content. Default: a fresh one, removed on stop.
   */
  storageDir?: string;
  /**
   * `token` only: trust this running token server (its realm, on another host:port than the
   * registry, and its one account) instead of starting one. `stop()` leaves it running.
   * Default: a token server of the registry's own.
   */
  tokenServer?: RunningTokenServer;
}

export interface RunningRegistry {
  /** `http://127.0.0.1:PORT` */
  url: string;
  /** `127.0.0.1:PORT`, the form image references use. */
  host: string;
  pid: number;
  /** The registry's filesystem storage root. */
  storageDir: string;
  /** The registry's stdout and stderr. */
  logFile: string;
  /** Set for `htpasswd` and `token`. */
  username?: string;
  password?: string;
  /** Set for `token`: the token server, with every token request it received. */
  tokenServer?: RunningTokenServer;
  /** Kills the registry by pid, stops the token server and removes the temp dir. */
  stop(): Promise<void>;
}

/**
 * Starts CNCF distribution on 127.0.0.1 with a free port and filesystem storage in a temp dir,
 * and waits until `GET /v2/` answers.
 */
export async function startRegistry(options: RegistryOptions = {}): Promise<RunningRegistry> {
  const auth = options.auth ?? 'none';
  if (!['none', 'htpasswd', 'token'].includes(auth)) {
    throw new Error(`Unknown registry auth "${auth}": use none, htpasswd or token`);
  }
  const binary = await requireBinary(options.binary ?? REGISTRY_BINARY, REGISTRY_INSTALL);
  const dir = await createTempDir('registry');
  const storageDir = options.storageDir ?? join(dir, 'storage');
  await mkdir(storageDir, { recursive: true });
  // A shared token server brings its own account.
  const ownAccount = auth === 'htpasswd' || (auth === 'token' && !options.tokenServer);
  const username = ownAccount ? (options.username ?? 'flow-user') : undefined;
  const password = ownAccount ? (options.password ?? randomBytes(12).toString('hex')) : undefined;

  let tokenServer: RunningTokenServer | undefined;
  try {
    let authConfig: Record<string, unknown> | undefined;
    if (auth === 'htpasswd' && username && password) {
      const htpasswdFile = join(dir, 'htpasswd');
      // distribution only accepts bcrypt entries.
      await writeFile(htpasswdFile, `${username}:${bcrypt.hashSync(password, 5)}\n`, { mode: 0o600 });
      authConfig = { htpasswd: { realm: 'flow-test', path: htpasswdFile } };
    } else if (auth === 'token' && options.tokenServer) {
      authConfig = {
        token: {
          realm: options.tokenServer.realm,
          service: options.tokenServer.service,
          issuer: options.tokenServer.issuer,
          rootcertbundle: options.tokenServer.certFile,
        },
      };
    } else if (auth === 'token' && username && password) {
      tokenServer = await startTokenServer({
        dir,
        username,
        password,
        ...(options.tokenExpiresIn === undefined ? {} : { expiresIn: options.tokenExpiresIn }),
        ...(options.accounts ? { accounts: options.accounts } : {}),
      });
      authConfig = {
        token: {
          realm: tokenServer.realm,
          service: tokenServer.service,
          issuer: tokenServer.issuer,
          rootcertbundle: tokenServer.certFile,
        },
      };
    }

    const started = await startOnFreePort('docker-registry', async (port) => {
      const config = {
        version: 0.1,
        log: { level: 'info', formatter: 'text', accesslog: { disabled: false } },
        storage: {
          filesystem: { rootdirectory: storageDir },
          delete: { enabled: options.deleteEnabled ?? true },
          maintenance: { uploadpurging: { enabled: false } },
        },
        http: {
          addr: `127.0.0.1:${port}`,
          secret: randomBytes(16).toString('hex'),
          headers: { 'X-Content-Type-Options': ['nosniff'] },
        },
        health: { storagedriver: { enabled: false } },
        ...(authConfig ? { auth: authConfig } : {}),
      };
      // YAML is a superset of JSON, so the config needs no YAML writer.
      const configFile = join(dir, `config-${port}.yml`);
      await writeFile(configFile, JSON.stringify(config, null, 2));
      const logFile = join(dir, 'registry.log');
      const managed = spawnService({
        name: 'docker-registry',
        command: binary,
        args: ['serve', configFile],
        logFile,
      });
      const url = `http://127.0.0.1:${port}`;
      await awaitReady(managed, `${url}/v2/`, { ready: (status) => status === 200 || status === 401 });
      return { managed, port, url, logFile };
    });

    return {
      url: started.url,
      host: `127.0.0.1:${started.port}`,
      pid: started.managed.pid,
      storageDir,
      logFile: started.logFile,
      ...(username ? { username } : {}),
      ...(password ? { password } : {}),
      ...(tokenServer ? { tokenServer } : {}),
      stop: onceOnly(async () => {
        await stopProcess(started.managed);
        await tokenServer?.stop();
        await removeTempDir(dir);
      }),
    };
  } catch (error) {
    await tokenServer?.stop();
    // The error carries the log tail, so the dir can go.
    await removeTempDir(dir);
    throw error;
  }
}
