import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { computeDigest } from '@flow-actions/oci-store';
import { type ActionRun, runAction } from '@flow-actions/runner-harness';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { releasedAction } from '../e2e/release-tree';
import { type ProxiedRequest, type RunningFaultProxy, startFaultProxy } from '../fault-proxy';
import { type RunningRegistry, startRegistry } from '../services';
import { runSkopeo, skopeoDigest } from '../support/skopeo';

// The bundled build-by-sha (kind archive) pushes through a proxy that cuts the connection in the
// middle of a blob upload. The upload starts over in a new session (POST), never continues the
// broken one; skopeo, straight to the registry, reads what arrived.
const MIB = 1024 * 1024;
let registry: RunningRegistry;
let proxy: RunningFaultProxy;
let temp: string;

beforeAll(async () => {
  registry = await startRegistry();
  proxy = await startFaultProxy({ target: registry.url });
  temp = await mkdtemp(join(tmpdir(), 'upload-reset-e2e-'));
});
afterAll(async () => {
  await proxy?.stop();
  await registry?.stop();
  if (temp) await rm(temp, { recursive: true, force: true });
});
beforeEach(() => proxy.reset());

interface Checkout {
  dir: string;
  sha: string;
  archive: Buffer;
  /** The repository the archive goes to, through the proxy. */
  image: string;
}

/** A git checkout whose build output (ignored, as `sls package` leaves it) is a random archive. */
async function commitArchive(bytes: number): Promise<Omit<Checkout, 'image'>> {
  const dir = await mkdtemp(join(temp, 'ws-'));
  const git = (...args: string[]) => exec('git', ['-C', dir, ...args]);
  await git('init', '-q', '-b', 'main');
  await writeFile(join(dir, '.gitignore'), '.serverless/\n');
  await writeFile(join(dir, 'handler.js'), 'export const handler = () => 42;\n');
  await git('add', '.');
  await git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'feat: handler');
  const sha = (await git('rev-parse', 'HEAD')).stdout.trim();
  await mkdir(join(dir, '.serverless'));
  const archive = Buffer.concat([Buffer.from('PK\u0003\u0004'), randomBytes(bytes - 4)]);
  await writeFile(join(dir, '.serverless', 'api.zip'), archive);
  return { dir, sha, archive };
}

let count = 0;
/** A checkout of its own repository, so tests never see each other's tags. */
async function checkout(bytes: number): Promise<Checkout> {
  count += 1;
  return { ...(await commitArchive(bytes)), image: `${proxy.host}/acme/lambda-${count}` };
}

function build(ws: Checkout): Promise<ActionRun> {
  return runAction({
    actionDir: releasedAction('build-by-sha'),
    inputs: { image: ws.image, kind: 'archive', path: '.serverless/api.zip' },
    workspace: ws.dir,
    sha: ws.sha,
    repository: 'acme/lambda',
    env: { DOCKER_CONFIG: join(tmpdir(), 'flow-no-docker-config') },
    timeoutMs: 90_000,
  });
}

/** Matches the PUT that completes the upload of these bytes (`?digest=` names them). */
const completing = (bytes: Buffer) => new RegExp(`digest=${encodeURIComponent(computeDigest(bytes))}`);
/** The upload session a request belongs to: the uuid in `/blobs/uploads/<uuid>`. */
const sessionOf = (request: ProxiedRequest) => /\/blobs\/uploads\/([^/?]+)/.exec(request.path)?.[1];
const uploadRequests = () => proxy.requests.filter((r) => r.path.includes('/blobs/uploads/'));
const writes = () => proxy.requests.filter((r) => !['GET', 'HEAD'].includes(r.method));

async function expectStored(run: ActionRun, ws: Checkout): Promise<void> {
  expect(run.errors).toEqual([]);
  expect(run.outputs.built).toBe('true');
  const repository = ws.image.replace(proxy.host, registry.host);
  const tag = ws.sha.slice(0, 7);
  expect(await skopeoDigest(`${repository}:${tag}`)).toBe(run.outputs.digest);
  const raw = JSON.parse(
    await runSkopeo(['inspect', '--raw', '--tls-verify=false', `docker://${repository}:${tag}`]),
  ) as { layers: { digest: string; size: number }[] };
  expect(raw.layers).toEqual([
    expect.objectContaining({ digest: computeDigest(ws.archive), size: ws.archive.length }),
  ]);
}

describe('build-by-sha (bundled, kind archive) when a blob upload is cut by a connection reset', () => {
  it('a chunked upload cut inside a PATCH starts over in a new session and ends with the right digest', async () => {
    const ws = await checkout(20 * MIB);
    const cut = proxy.script({ method: 'PATCH', reset: true, afterBytesIn: 3 * MIB, times: 1 });
    const run = await build(ws);
    expect(cut.hits).toBe(1);
    await expectStored(run, ws);

    const uploads = uploadRequests();
    const broken = uploads.find((r) => r.fault === 'reset');
    const brokenSession = broken && sessionOf(broken);
    expect(brokenSession).toBeDefined();
    const after = uploads.slice(uploads.indexOf(broken as ProxiedRequest) + 1);
    // Only the cancel of the broken session goes to it; the restart POSTs, then PATCHes and PUTs elsewhere.
    expect(after.filter((r) => sessionOf(r) === brokenSession).map((r) => r.method)).toEqual(['DELETE']);
    expect(after.find((r) => r.method !== 'DELETE')?.method).toBe('POST');
    const resent = after.filter((r) => r.method === 'PATCH' || r.method === 'PUT');
    expect(resent.reduce((sum, r) => sum + r.bytesIn, 0)).toBe(ws.archive.length);
    expect(resent.every((r) => r.status === 202 || r.status === 201)).toBe(true);
    expect(run.log).toMatch(/starting a new upload session \(attempt 2 of 3\)/);

    proxy.reset();
    const again = await build(ws);
    expect(again.errors).toEqual([]);
    expect(again.outputs).toMatchObject({ built: 'false', digest: run.outputs.digest });
    expect(writes()).toEqual([]);
  });

  it('a single-PUT upload cut in its body starts over in a new session', async () => {
    const ws = await checkout(2 * MIB);
    proxy.script({
      method: 'PUT',
      path: completing(ws.archive),
      reset: true,
      afterBytesIn: 512 * 1024,
      times: 1,
    });
    const run = await build(ws);
    await expectStored(run, ws);
    const layerPuts = uploadRequests().filter(
      (r) => r.method === 'PUT' && completing(ws.archive).test(r.path),
    );
    expect(layerPuts.map((r) => r.status)).toEqual([0, 201]);
    expect(new Set(layerPuts.map(sessionOf)).size).toBe(2);
  });

  it('gives up after three attempts with a one-line error; a re-run completes', async () => {
    const ws = await checkout(2 * MIB);
    proxy.script({ method: 'PUT', path: completing(ws.archive), reset: true, afterBytesIn: 512 * 1024 });
    const failed = await build(ws);
    console.log(
      JSON.stringify(proxy.requests.map((r) => [r.method, r.path.slice(0, 90), r.status, r.fault])),
    );
    expect(failed.exitCode).toBe(1);
    expect(failed.errors).toHaveLength(1);
    expect(failed.errors[0]).toMatch(
      /^could not reach registry 127\.0\.0\.1:\d+ for put-blob acme\/lambda-\d+@sha256:/,
    );
    const layerPosts = proxy.requests.filter(
      (r) => r.method === 'POST' && r.path.includes('/blobs/uploads/'),
    );
    // The empty config gets through (2 bytes); the archive is tried three times, each in its own session.
    expect(proxy.requests.filter((r) => r.fault === 'reset')).toHaveLength(3);
    expect(layerPosts.length).toBeGreaterThanOrEqual(3);
    expect(proxy.requests.filter((r) => r.path.includes('/manifests/') && r.method === 'PUT')).toEqual([]);

    proxy.reset();
    await expectStored(await build(ws), ws);
  });
});
