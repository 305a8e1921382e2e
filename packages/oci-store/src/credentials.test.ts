import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, SecretMasker } from '@flow-actions/action-kit';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { resolveCredentials } from './credentials';

let dir: string;
let binDir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'flow-creds-'));
  binDir = join(dir, 'bin');
  await mkdir(binDir);
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

const base64 = (text: string) => Buffer.from(text).toString('base64');

async function writeConfig(config: unknown): Promise<string> {
  const configDir = join(dir, 'docker');
  await mkdir(configDir, { recursive: true });
  await writeFile(join(configDir, 'config.json'), JSON.stringify(config));
  return configDir;
}

/**
 * A docker-credential-test helper: answers from a table keyed by the server URL it reads on
 * stdin, records what it was asked, and says "credentials not found" otherwise, as real helpers do.
 */
async function writeHelper(entries: Record<string, { Username: string; Secret: string }>): Promise<string> {
  const script = `#!/bin/sh
read -r server
case "$server" in
${Object.entries(entries)
  .map(
    ([server, entry]) => `  '${server}') printf '%s' '${JSON.stringify({ ServerURL: server, ...entry })}' ;;`,
  )
  .join('\n')}
  *) echo "credentials not found in native keychain"; exit 1 ;;
esac
`;
  const path = join(binDir, 'docker-credential-test');
  await writeFile(path, script);
  await chmod(path, 0o755);
  return path;
}

function envWith(configDir?: string): NodeJS.ProcessEnv {
  return {
    PATH: `${binDir}:${process.env.PATH ?? ''}`,
    HOME: dir,
    ...(configDir ? { DOCKER_CONFIG: configDir } : {}),
  };
}

describe('resolveCredentials', () => {
  it('reads base64 user:password from auths, as docker/login-action writes it, and masks every form', async () => {
    const configDir = await writeConfig({ auths: { 'ghcr.io': { auth: base64('octo:s3cret-pass') } } });
    const masker = new SecretMasker();
    const credentials = await resolveCredentials('ghcr.io', { env: envWith(configDir), masker });
    expect(credentials).toMatchObject({ username: 'octo', password: 's3cret-pass' });
    expect(masker.redact(`s3cret-pass ${base64('octo:s3cret-pass')}`)).toBe('*** ***');
  });

  it('reads username and password fields, and keys written with a scheme and path', async () => {
    const configDir = await writeConfig({
      auths: { 'https://127.0.0.1:5000/v2/': { username: 'u', password: 'pw-1234' } },
    });
    const credentials = await resolveCredentials('127.0.0.1:5000', { env: envWith(configDir) });
    expect(credentials).toMatchObject({ username: 'u', password: 'pw-1234' });
  });

  it('finds Docker Hub under https://index.docker.io/v1/', async () => {
    const configDir = await writeConfig({
      auths: { 'https://index.docker.io/v1/': { auth: base64('hubuser:hubpass') } },
    });
    expect(await resolveCredentials('docker.io', { env: envWith(configDir) })).toMatchObject({
      username: 'hubuser',
      password: 'hubpass',
    });
  });

  it('returns an identity token as such, masked', async () => {
    const configDir = await writeConfig({
      auths: { 'example.io': { auth: base64('u:'), identitytoken: 'refresh-token-xyz' } },
    });
    const masker = new SecretMasker();
    const credentials = await resolveCredentials('example.io', { env: envWith(configDir), masker });
    expect(credentials).toMatchObject({ username: 'u', identityToken: 'refresh-token-xyz' });
    expect(masker.redact('refresh-token-xyz')).toBe('***');
  });

  it('uses DOCKER_CONFIG, else ~/.docker/config.json', async () => {
    await mkdir(join(dir, '.docker'));
    await writeFile(
      join(dir, '.docker', 'config.json'),
      JSON.stringify({ auths: { 'a.io': { auth: base64('home:homepass') } } }),
    );
    expect(await resolveCredentials('a.io', { env: envWith() })).toMatchObject({ username: 'home' });
  });

  it('is anonymous when there is no config or no entry', async () => {
    expect(await resolveCredentials('ghcr.io', { env: envWith(join(dir, 'missing')) })).toBeUndefined();
    const configDir = await writeConfig({ auths: { 'other.io': { auth: base64('a:bcdef') } } });
    expect(await resolveCredentials('ghcr.io', { env: envWith(configDir) })).toBeUndefined();
  });

  it('lets explicit username/password win over the config', async () => {
    const configDir = await writeConfig({ auths: { 'ghcr.io': { auth: base64('octo:from-config') } } });
    const masker = new SecretMasker();
    const credentials = await resolveCredentials('ghcr.io', {
      env: envWith(configDir),
      username: 'bot',
      password: 'explicit-pw',
      masker,
    });
    expect(credentials).toMatchObject({
      username: 'bot',
      password: 'explicit-pw',
      source: 'the username and password given',
    });
    expect(masker.redact(base64('bot:explicit-pw'))).toBe('***');
  });

  it('uses username/password only for the registry they belong to; every other one reads the Docker config', async () => {
    const configDir = await writeConfig({
      auths: { 'other.io:5000': { auth: base64('other-user:other-pw') } },
      credHelpers: { 'helped.io': 'test' },
    });
    await writeHelper({ 'helped.io': { Username: 'helped', Secret: 'from-helper' } });
    const explicit = {
      env: envWith(configDir),
      username: 'bot',
      password: 'explicit-pw',
      credentialsRegistry: 'GHCR.io',
    };
    expect(await resolveCredentials('ghcr.io', explicit)).toMatchObject({ username: 'bot' });
    expect(await resolveCredentials('other.io:5000', explicit)).toMatchObject({
      username: 'other-user',
      password: 'other-pw',
    });
    expect(await resolveCredentials('helped.io', explicit)).toMatchObject({ username: 'helped' });
    expect(await resolveCredentials('quay.io', explicit)).toBeUndefined();
    // Docker Hub's names are one registry.
    expect(
      await resolveCredentials('docker.io', { ...explicit, credentialsRegistry: 'index.docker.io' }),
    ).toMatchObject({ username: 'bot' });
  });

  it.each([
    [{ username: 'bot' }, 'Input "username" is set but "password" is empty'],
    [{ password: 'pw-only' }, 'Input "password" is set but "username" is empty'],
  ])('refuses half of a login %j', async (options, message) => {
    await expect(resolveCredentials('ghcr.io', { env: envWith(), ...options })).rejects.toThrow(message);
  });

  it('asks the registry’s credHelper first, with the registry host on stdin', async () => {
    await writeHelper({ 'ghcr.io': { Username: 'helper-user', Secret: 'helper-secret' } });
    const configDir = await writeConfig({
      credHelpers: { 'ghcr.io': 'test' },
      auths: { 'ghcr.io': { auth: base64('octo:from-auths') } },
    });
    const masker = new SecretMasker();
    const credentials = await resolveCredentials('ghcr.io', { env: envWith(configDir), masker });
    expect(credentials).toMatchObject({
      username: 'helper-user',
      password: 'helper-secret',
      source: 'docker-credential-test',
    });
    expect(masker.redact(base64('helper-user:helper-secret'))).toBe('***');
  });

  it('uses credsStore for Docker Hub with the index.docker.io key, and "<token>" as an identity token', async () => {
    await writeHelper({
      'https://index.docker.io/v1/': { Username: '<token>', Secret: 'hub-refresh-token' },
    });
    const configDir = await writeConfig({ credsStore: 'test' });
    const credentials = await resolveCredentials('docker.io', { env: envWith(configDir) });
    expect(credentials).toMatchObject({
      identityToken: 'hub-refresh-token',
      source: 'docker-credential-test',
    });
  });

  it('falls back to auths when the helper has no entry', async () => {
    await writeHelper({});
    const configDir = await writeConfig({
      credsStore: 'test',
      auths: { 'ghcr.io': { auth: base64('octo:fallback-pw') } },
    });
    expect(await resolveCredentials('ghcr.io', { env: envWith(configDir) })).toMatchObject({
      password: 'fallback-pw',
    });
  });

  it('names a helper that is not installed', async () => {
    const configDir = await writeConfig({ credHelpers: { 'ghcr.io': 'absent' } });
    const attempt = resolveCredentials('ghcr.io', { env: envWith(configDir) });
    await expect(attempt).rejects.toThrow(ConfigurationError);
    await expect(resolveCredentials('ghcr.io', { env: envWith(configDir) })).rejects.toThrow(
      /credential helper docker-credential-absent failed for ghcr.io: .*not installed/,
    );
  });

  it('names a config file that is not JSON', async () => {
    const configDir = join(dir, 'broken');
    await mkdir(configDir);
    await writeFile(join(configDir, 'config.json'), '{ nope');
    await expect(resolveCredentials('ghcr.io', { env: envWith(configDir) })).rejects.toThrow(
      /config.json is not valid JSON/,
    );
  });
});
