import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigurationError,
  ExecError,
  exec,
  input,
  inputName,
  type Logger,
  nullLogger,
  type SecretMasker,
  words,
} from '@flow-actions/action-kit';
import { DOCKER_HUB, DOCKER_LOGIN, isDockerHub } from './reference';

/** What a registry login gives: a user and password, or an OAuth2 refresh token (`identitytoken`). */
export interface Credentials {
  username: string;
  password?: string;
  /** Exchanged at the token endpoint for access tokens (Docker `identitytoken`). */
  identityToken?: string;
  /** Where they came from, for messages: `the username and password given`, `docker config auths`, a helper name. */
  source: string;
}

export interface ResolveCredentialsOptions {
  /** Explicit user name (e.g. the `username` input); wins over the Docker config. Default: none. */
  username?: string;
  /** Explicit password or token; needs `username`. Default: none. */
  password?: string;
  /**
   * The registry (host[:port]) `username` and `password` belong to. For any other registry they
   * are never used, and the Docker config answers. Default: the registry asked for.
   */
  credentialsRegistry?: string;
  /** Directory holding `config.json`. Default: `$DOCKER_CONFIG`, else `~/.docker`. */
  configDir?: string;
  /** Environment for `DOCKER_CONFIG`, `HOME` and the helper's PATH. Default: `process.env`. */
  env?: NodeJS.ProcessEnv;
  /** Every secret found is added here before it is used. Default: none (tests only). */
  masker?: SecretMasker;
  /** Default: nullLogger. */
  logger?: Logger;
}

interface DockerConfig {
  auths?: Record<string, { auth?: string; username?: string; password?: string; identitytoken?: string }>;
  credHelpers?: Record<string, string>;
  credsStore?: string;
}

/**
 * Finds the credentials for `registry` (host[:port] as users write it, `docker.io` for Docker Hub)
 * the way docker does: explicit username/password first, then the Docker config's
 * `credHelpers` for that registry, `credsStore`, and `auths`. Undefined means anonymous.
 */
export async function resolveCredentials(
  registry: string,
  options: ResolveCredentialsOptions = {},
): Promise<Credentials | undefined> {
  const masker = options.masker;
  const explicitHere =
    options.credentialsRegistry === undefined || sameRegistry(options.credentialsRegistry, registry);
  if (explicitHere && (options.username || options.password)) {
    if (!options.username)
      throw new ConfigurationError(
        words`${input('password')} is set but ${inputName('username')} is empty: give both, or neither to use the Docker config`,
      );
    if (!options.password)
      throw new ConfigurationError(
        words`${input('username')} is set but ${inputName('password')} is empty: give both, or neither to use the Docker config`,
      );
    masker?.addCredentials(options.username, options.password);
    return {
      username: options.username,
      password: options.password,
      source: 'the username and password given',
    };
  }
  const env = options.env ?? process.env;
  const configDir = options.configDir ?? env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), '.docker');
  const configPath = join(configDir, 'config.json');
  const config = await readDockerConfig(configPath);
  if (!config) return undefined;
  const logger = options.logger ?? nullLogger;
  const keys = lookupKeys(registry);

  const helper = keys.map((key) => config.credHelpers?.[key]).find(Boolean) ?? config.credsStore;
  if (helper) {
    const fromHelper = await getFromHelper(helper, keys[0] as string, env, logger, masker);
    if (fromHelper) return fromHelper;
  }

  const entry = findAuthEntry(config, keys);
  if (!entry) return undefined;
  let username = entry.username ?? '';
  let password = entry.password;
  if (entry.auth) {
    masker?.add(entry.auth);
    const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
    const colon = decoded.indexOf(':');
    if (colon === -1) {
      throw new ConfigurationError(
        words`${configPath}: the "auth" entry for ${registry} is not base64 of user:password; log in again with ${DOCKER_LOGIN}`,
      );
    }
    username = decoded.slice(0, colon);
    password = decoded.slice(colon + 1);
  }
  if (entry.identitytoken) {
    masker?.add(entry.identitytoken);
    return { username, identityToken: entry.identitytoken, source: `${configPath} auths` };
  }
  if (!password) return undefined;
  masker?.addCredentials(username, password);
  return { username, password, source: `${configPath} auths` };
}

async function readDockerConfig(path: string): Promise<DockerConfig | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not an object');
    return parsed as DockerConfig;
  } catch (error) {
    throw new ConfigurationError(
      `${path} is not valid JSON (${(error as Error).message}): fix or remove it, or log in again`,
    );
  }
}

/** True when two registry names (host[:port], any of Docker Hub's names) are the same registry. */
export function sameRegistry(a: string, b: string): boolean {
  const canonical = (name: string) => (isDockerHub(name) ? DOCKER_HUB.registry : name.toLowerCase());
  return canonical(a) === canonical(b);
}

/** The keys a registry may be stored under, most specific first; the first is what helpers are asked for. */
function lookupKeys(registry: string): string[] {
  if (isDockerHub(registry))
    return [DOCKER_HUB.credentialKey, 'docker.io', 'index.docker.io', 'registry-1.docker.io'];
  return [registry, `https://${registry}`, `http://${registry}`];
}

/** Config keys may carry a scheme and a path (`https://host/v1/`); compare by host[:port]. */
function normaliseKey(key: string): string {
  return key
    .replace(/^[a-z]+:\/\//i, '')
    .replace(/\/.*$/, '')
    .toLowerCase();
}

function findAuthEntry(
  config: DockerConfig,
  keys: string[],
): NonNullable<DockerConfig['auths']>[string] | undefined {
  const auths = config.auths ?? {};
  for (const key of keys) if (auths[key]) return auths[key];
  const wanted = new Set(keys.map(normaliseKey));
  for (const [key, entry] of Object.entries(auths)) if (wanted.has(normaliseKey(key))) return entry;
  return undefined;
}

async function getFromHelper(
  helper: string,
  serverUrl: string,
  env: NodeJS.ProcessEnv,
  logger: Logger,
  masker: SecretMasker | undefined,
): Promise<Credentials | undefined> {
  const program = `docker-credential-${helper}`;
  let stdout: string;
  try {
    ({ stdout } = await exec(program, ['get'], { input: serverUrl, env, logger, masker }));
  } catch (error) {
    const message = error instanceof ExecError ? `${error.message} ${error.stderr}` : String(error);
    // Helpers report a missing entry on stdout/stderr with exit 1; that is "no credentials", not a failure.
    if (/credentials not found/i.test(message)) return undefined;
    throw new ConfigurationError(
      `credential helper ${program} failed for ${serverUrl}: ${oneLineTail(message)}; check that it is installed and logged in`,
    );
  }
  let parsed: { Username?: unknown; Secret?: unknown };
  try {
    parsed = JSON.parse(stdout) as { Username?: unknown; Secret?: unknown };
  } catch {
    throw new ConfigurationError(
      `credential helper ${program} printed something that is not JSON for ${serverUrl}; check the helper`,
    );
  }
  const username = typeof parsed.Username === 'string' ? parsed.Username : '';
  const secret = typeof parsed.Secret === 'string' ? parsed.Secret : '';
  if (!secret) return undefined;
  // Docker's convention: the user "<token>" means the secret is an identity (refresh) token.
  if (username === '<token>') {
    masker?.add(secret);
    return { username: '', identityToken: secret, source: program };
  }
  masker?.addCredentials(username, secret);
  return { username, password: secret, source: program };
}

function oneLineTail(text: string): string {
  return text.replace(/\s+/g, ' ').trim().slice(0, 300);
}
