import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, RecordingLogger, SecretMasker } from '@flow-actions/action-kit';
import { computeDigest, copyArtifact, openStore, RegistryError } from '@flow-actions/oci-store';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type RunningFaultProxy, startFaultProxy } from '../fault-proxy';
import { type RunningRegistry, startRegistry } from '../services';
import { skopeoDigest } from '../support/skopeo';
import { buildImageManifest, pushFixture } from './registry-fixtures';

describe('Basic auth (htpasswd)', () => {
  let registry: RunningRegistry;
  let proxy: RunningFaultProxy;
  let configDir: string;

  beforeAll(async () => {
    registry = await startRegistry({ auth: 'htpasswd' });
    proxy = await startFaultProxy({ target: registry.url });
    configDir = await mkdtemp(join(tmpdir(), 'flow-docker-config-'));
  });
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
    if (configDir) await rm(configDir, { recursive: true, force: true });
  });
  beforeEach(() => proxy.reset());

  it('pushes and reads with the credentials docker/login-action wrote', async () => {
    const auth = Buffer.from(`${registry.username}:${registry.password}`).toString('base64');
    await writeFile(join(configDir, 'config.json'), JSON.stringify({ auths: { [proxy.host]: { auth } } }));
    const store = await openStore(`${proxy.host}/auth/app`, { dockerConfigDir: configDir });
    const artifact = buildImageManifest('docker');
    await pushFixture(store, artifact, 'v1');
    expect((await store.resolve('v1'))?.digest).toBe(artifact.digest);
    expect(
      await skopeoDigest(`${registry.host}/auth/app:v1`, {
        creds: `${registry.username}:${registry.password}`,
      }),
    ).toBe(artifact.digest);
  });

  it('names the user whose password was wrong, asks once, and leaks no form of the password', async () => {
    const password = 'wrong-password-123';
    const masker = new SecretMasker();
    const logger = new RecordingLogger();
    const store = await openStore(`${proxy.host}/auth/app`, {
      username: 'flow-user',
      password,
      masker,
      logger,
    });
    const error = (await store.resolve('v1').catch((e: unknown) => e)) as RegistryError;
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.message).toBe(
      `registry ${proxy.host} rejected the credentials for user flow-user (401 UNAUTHORIZED): check username/password`,
    );
    // One anonymous request to learn the challenge, one with the credentials; never a retry.
    expect(proxy.requests.map((r) => r.status)).toEqual([401, 401]);
    const everything = [error.message, error.url, String(error.stack), logger.text].join('\n');
    expect(everything).not.toContain(password);
    expect(everything).not.toContain(Buffer.from(`flow-user:${password}`).toString('base64'));
  });

  it('says credentials are missing', async () => {
    const store = await openStore(`${proxy.host}/auth/app`, { dockerConfigDir: join(configDir, 'none') });
    await expect(store.resolve('v1')).rejects.toThrow(
      `registry ${proxy.host} requires credentials to resolve auth/app:v1 (401 UNAUTHORIZED): log in with docker/login-action or set username and password`,
    );
  });
});

describe('Bearer tokens (token server)', () => {
  let registry: RunningRegistry;

  beforeAll(async () => {
    registry = await startRegistry({ auth: 'token' });
  });
  afterAll(async () => {
    await registry?.stop();
  });

  const tokenRequests = () => registry.tokenServer?.requests ?? [];

  it('asks for pull to read and pull,push to write, and caches each token', async () => {
    const before = tokenRequests().length;
    const store = await openStore(`${registry.host}/tokens/app`, {
      username: registry.username,
      password: registry.password,
    });
    const artifact = buildImageManifest('oci', { layers: 3 });
    await pushFixture(store, artifact, 'v1');
    await store.getManifest('v1');
    await store.listTags();
    const made = tokenRequests().slice(before);
    expect(made.map((r) => r.scopes.join(' ')).sort()).toEqual([
      'repository:tokens/app:pull',
      'repository:tokens/app:pull,push',
    ]);
    expect(made.every((r) => r.user === registry.username && r.status === 200)).toBe(true);
  });

  it('asks for the source repository’s pull scope with a cross-repository mount', async () => {
    const source = await openStore(`${registry.host}/tokens/source`, {
      username: registry.username,
      password: registry.password,
    });
    const artifact = buildImageManifest('oci');
    await pushFixture(source, artifact, 'v1');
    const before = tokenRequests().length;
    const target = await openStore(`${registry.host}/tokens/target`, {
      username: registry.username,
      password: registry.password,
    });
    const result = await copyArtifact(source, target, 'v1');
    expect(result.blobsMounted).toBe(artifact.blobs.length);
    const mountToken = tokenRequests()
      .slice(before)
      .find(
        (r) =>
          r.scopes.includes('repository:tokens/source:pull') &&
          r.scopes.includes('repository:tokens/target:pull,push'),
      );
    expect(mountToken?.granted).toEqual(
      expect.arrayContaining([
        { type: 'repository', name: 'tokens/source', actions: ['pull'] },
        { type: 'repository', name: 'tokens/target', actions: expect.arrayContaining(['pull', 'push']) },
      ]),
    );
  });

  it('names the user whose password the token server rejected', async () => {
    const store = await openStore(`${registry.host}/tokens/app`, {
      username: 'flow-user',
      password: 'not-the-password',
    });
    await expect(store.getManifest('v1')).rejects.toThrow(
      `registry ${registry.host} rejected the credentials for user flow-user (401 UNAUTHORIZED): check username/password`,
    );
  });

  it('says credentials are needed when anonymous access is not enough', async () => {
    const store = await openStore(`${registry.host}/tokens/app`, {
      dockerConfigDir: '/nonexistent-flow-config',
    });
    await expect(store.getManifest('v1')).rejects.toThrow(
      `registry ${registry.host} requires credentials to get-manifest tokens/app:v1 (401 UNAUTHORIZED): log in with docker/login-action or set username and password`,
    );
  });

  it('names an unknown repository', async () => {
    const store = await openStore(`${registry.host}/tokens/never-pushed`, {
      username: registry.username,
      password: registry.password,
    });
    await expect(store.listTags()).rejects.toThrow(
      `repository tokens/never-pushed does not exist on registry ${registry.host} (404 NAME_UNKNOWN): check the reference`,
    );
    expect(await store.resolve('v1')).toBeUndefined();
  });
});

describe('a pull-only account (token server grants it pull alone)', () => {
  let registry: RunningRegistry;
  const reader = { username: 'ci-reader', password: 'reader-pass-0123456789' };
  const artifact = buildImageManifest('oci');

  beforeAll(async () => {
    registry = await startRegistry({ auth: 'token', accounts: [{ ...reader, actions: ['pull'] }] });
    const owner = await openStore(`${registry.host}/perm/app`, {
      username: registry.username,
      password: registry.password,
    });
    await pushFixture(owner, artifact, 'v1');
  });
  afterAll(async () => {
    await registry?.stop();
  });

  const asReader = (password = reader.password) =>
    openStore(`${registry.host}/perm/app`, { username: reader.username, password });
  const lacksPush = (operation: string) =>
    `registry ${registry.host} accepted the credentials of user ci-reader, but they may not push to repository perm/app (401 insufficient_scope during ${operation}): give the account write access to it (on GHCR: permissions: packages: write for GITHUB_TOKEN, or a token with write:packages), or use a credential that has it`;

  it('reads what it may read', async () => {
    expect((await (await asReader()).getManifest('v1'))?.digest).toBe(artifact.digest);
  });

  it('is told it lacks push permission on a tag write, not that its password is wrong; nothing is written', async () => {
    const store = await asReader();
    const manifest = await store.getManifest('v1');
    if (!manifest) throw new Error('seeded');
    const error = (await store.putManifest('prod', manifest).catch((e: unknown) => e)) as RegistryError;
    expect(error).toBeInstanceOf(RegistryError);
    expect(error.message).toBe(lacksPush('put-manifest'));
    expect(error).toMatchObject({ status: 401, temporary: false, operation: 'put-manifest' });
    expect(error.message).not.toContain(reader.password);
    expect(
      await skopeoDigest(`${registry.host}/perm/app:prod`, {
        creds: `${registry.username}:${registry.password}`,
      }),
    ).toBeUndefined();
    // The registry's own answer, as the message says: a token without push.
    const pushToken = registry.tokenServer?.requests.findLast((r) =>
      r.scopes.includes('repository:perm/app:pull,push'),
    );
    expect(pushToken).toMatchObject({
      user: 'ci-reader',
      status: 200,
      granted: [{ name: 'perm/app', actions: ['pull'] }],
    });
  });

  it('is told the same on a blob upload, and on a delete it names the delete right', async () => {
    const store = await asReader();
    const blob = Buffer.from('a layer the reader may not push');
    await expect(store.putBlob(computeDigest(blob), blob.length, blob)).rejects.toThrow(
      lacksPush('put-blob'),
    );
    await expect(store.deleteManifest(artifact.digest)).rejects.toThrow(
      `registry ${registry.host} accepted the credentials of user ci-reader, but they may not delete from repository perm/app (401 insufficient_scope during delete-manifest): give the account delete access to it (on GHCR: a token that may delete the package version), or use a credential that has it`,
    );
    expect((await store.resolve('v1'))?.digest).toBe(artifact.digest);
  });

  it('with a wrong password is still told the credentials were refused', async () => {
    const store = await asReader('wrong-reader-pass');
    const manifest = await (await asReader()).getManifest('v1');
    if (!manifest) throw new Error('seeded');
    // One at a time: a second request started before the first is awaited rejects unhandled.
    for (const attempt of [() => store.getManifest('v1'), () => store.putManifest('prod', manifest)]) {
      await expect(attempt()).rejects.toThrow(
        `registry ${registry.host} rejected the credentials for user ci-reader (401 UNAUTHORIZED): check username/password`,
      );
    }
  });
});

describe('references and addresses are checked before any request', () => {
  let registry: RunningRegistry;
  let proxy: RunningFaultProxy;

  beforeAll(async () => {
    registry = await startRegistry();
    proxy = await startFaultProxy({ target: registry.url });
  });
  afterAll(async () => {
    await proxy?.stop();
    await registry?.stop();
  });

  it.each([
    [`PROXY/Upper/case:v1`, /repository "Upper\/case" in ".*" must be lower-case: use "upper\/case"/],
    [`PROXY/app:-bad`, /tag "-bad" is invalid/],
    [`PROXY/app@sha256:1234`, /digest "sha256:1234" .* is invalid/],
    [`http://PROXY/app:v1`, /has a URL scheme/],
  ])('%s', async (reference, message) => {
    const attempt = openStore(reference.replace('PROXY', proxy.host), { inputName: 'image' });
    await expect(attempt).rejects.toThrow(ConfigurationError);
    await expect(openStore(reference.replace('PROXY', proxy.host), { inputName: 'image' })).rejects.toThrow(
      message,
    );
    expect(proxy.requests).toHaveLength(0);
  });
});
