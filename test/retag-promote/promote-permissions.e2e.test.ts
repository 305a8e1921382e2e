import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@flow-actions/oci-store';
import { type ActionRun, runAction } from '@flow-actions/runner-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releasedAction } from '../e2e/release-tree';
import { type RunningRegistry, startRegistry } from '../services';
import { seedImage } from '../support/artifacts';
import { skopeoDigest } from '../support/skopeo';

// The bundled promote action logged in (Docker config, as docker/login-action leaves it) with an
// account the registry lets pull but not push: the token server grants it `pull` alone.
const REVISION = 'c'.repeat(40);
const READER = { username: 'ci-reader', password: 'reader-pass-0123456789' };
let registry: RunningRegistry;
let configs: string;

beforeAll(async () => {
  registry = await startRegistry({ auth: 'token', accounts: [{ ...READER, actions: ['pull'] }] });
  configs = await mkdtemp(join(tmpdir(), 'promote-permissions-'));
  const owner = await openStore(`${registry.host}/acme/api`, {
    username: registry.username,
    password: registry.password,
  });
  await seedImage(owner, { revision: REVISION });
});
afterAll(async () => {
  await registry?.stop();
  if (configs) await rm(configs, { recursive: true, force: true });
});

/** Promotes with a Docker config holding `password` for the reader. */
async function promoteAs(password: string): Promise<ActionRun> {
  const dir = await mkdtemp(join(configs, 'docker-'));
  const auth = Buffer.from(`${READER.username}:${password}`).toString('base64');
  await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: { [registry.host]: { auth } } }));
  return runAction({
    actionDir: releasedAction('promote'),
    repository: 'acme/api',
    inputs: { image: `${registry.host}/acme/api`, from: REVISION, to: 'prod' },
    sha: REVISION,
    env: { DOCKER_CONFIG: dir },
  });
}

const ownerDigest = (tag: string) =>
  skopeoDigest(`${registry.host}/acme/api:${tag}`, { creds: `${registry.username}:${registry.password}` });

describe('promote with a pull-only account', () => {
  it('says the account lacks push permission for the repository, and writes nothing', async () => {
    const run = await promoteAs(READER.password);
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      `registry ${registry.host} accepted the credentials of user ci-reader, but they may not push to repository acme/api (401 insufficient_scope during put-manifest): give the account write access to it (on GHCR: permissions: packages: write for GITHUB_TOKEN, or a token with write:packages), or use a credential that has it`,
    ]);
    expect(await ownerDigest('prod')).toBeUndefined();
    // The debug log has every request, the refused one too, and no secret.
    const debug = run.commands.filter((c) => c.command === 'debug').map((c) => c.message);
    expect(debug).toContainEqual(
      expect.stringMatching(
        new RegExp(`^PUT http://${registry.host}/v2/acme/api/manifests/prod → 401 in \\d+ ms`),
      ),
    );
    const everything = run.log + run.stderr + run.summary;
    expect(everything).not.toContain(READER.password);
    expect(everything).not.toContain(Buffer.from(`${READER.username}:${READER.password}`).toString('base64'));
    expect(everything).not.toMatch(/bearer |eyJ[\w-]+\.eyJ/i);
  });

  it('with a wrong password says the credentials were refused', async () => {
    const run = await promoteAs('not-the-reader-password');
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      `registry ${registry.host} rejected the credentials for user ci-reader (401 UNAUTHORIZED): check username/password`,
    ]);
    expect(await ownerDigest('prod')).toBeUndefined();
  });
});
