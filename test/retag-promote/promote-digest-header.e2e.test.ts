import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@flow-actions/oci-store';
import { type ActionRun, runAction } from '@flow-actions/runner-harness';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { releasedAction } from '../e2e/release-tree';
import { type ProxiedRequest, type RunningFaultProxy, startFaultProxy } from '../fault-proxy';
import { type RunningRegistry, startRegistry } from '../services';
import { seedImage } from '../support/artifacts';
import { runSkopeo, skopeoDigest } from '../support/skopeo';

// DESIGN §8 rule 6 end to end: the bundled promote action reads its source by tag through a proxy
// that drops Docker-Content-Digest from manifest GETs (a registry, or a man in the middle, that
// does not state what it serves). skopeo, straight to the registry, says what was written.
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
beforeEach(() => proxy.reset());

const REVISION = 'b'.repeat(40);
const SHA_TAG = REVISION.slice(0, 7);
const MANIFEST_GET = { method: 'GET', path: /\/manifests\// };
const DIGEST_HEADER = ['Docker-Content-Digest'];
let repositoryCount = 0;

/** A fresh repository holding the artifact of REVISION under its sha tag, and a lookalike under `other`. */
async function seeded() {
  repositoryCount += 1;
  const repository = `acme/header-${repositoryCount}`;
  const store = await openStore(`${registry.host}/${repository}`);
  const genuine = await seedImage(store, { revision: REVISION });
  // Same revision, other bytes: what an attacker would rather have promoted.
  const lookalike = await seedImage(store, { revision: REVISION, tag: 'other' });
  const lookalikeBytes = (await store.getManifest('other'))?.bytes ?? Buffer.alloc(0);
  return { repository, genuine, lookalike, lookalikeBytes };
}

function promote(repository: string, to = 'rc-1'): Promise<ActionRun> {
  return runAction({
    actionDir: releasedAction('promote'),
    repository: 'acme/api',
    inputs: { image: `${proxy.host}/${repository}`, from: REVISION, to },
    sha: REVISION,
    env: { DOCKER_CONFIG: join(tmpdir(), 'flow-no-docker-config') },
  });
}

async function registryTags(repository: string): Promise<string[]> {
  const listed = JSON.parse(
    await runSkopeo(['list-tags', '--tls-verify=false', `docker://${registry.host}/${repository}`]),
  ) as { Tags: string[] };
  return listed.Tags.sort();
}

const writes = (requests: readonly ProxiedRequest[]) =>
  requests.filter((r) => ['PUT', 'POST', 'PATCH', 'DELETE'].includes(r.method));
const manifestCalls = (requests: readonly ProxiedRequest[], repository: string) =>
  requests
    .filter((r) => r.path.includes('/manifests/'))
    .map((r) => `${r.method} ${r.path.replace(`/v2/${repository}/manifests/`, '')} ${r.status}`);

describe('promote through a registry that sends no Docker-Content-Digest on manifest GETs', () => {
  it('refuses another body served under the tag and writes nothing', async () => {
    const { repository, genuine, lookalike, lookalikeBytes } = await seeded();
    proxy.script({ ...MANIFEST_GET, stripHeaders: DIGEST_HEADER, rewriteBody: () => lookalikeBytes });
    const run = await promote(repository);
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      `manifest ${repository}@${genuine.digest}: content does not match its digest (expected ${genuine.digest}, got ${lookalike.digest}); refusing it`,
    ]);
    expect(writes(proxy.requests)).toEqual([]);
    expect(await registryTags(repository)).toEqual([SHA_TAG, 'other']);
    expect(await skopeoDigest(`${registry.host}/${repository}:rc-1`)).toBeUndefined();
  });

  it('refuses when HEAD states no digest either: the bytes cannot be tied to the tag', async () => {
    const { repository } = await seeded();
    proxy.script({ path: /\/manifests\//, stripHeaders: DIGEST_HEADER });
    const run = await promote(repository);
    expect(run.exitCode).toBe(1);
    expect(run.errors[0]).toBe(
      `registry ${proxy.host} states no digest (no Docker-Content-Digest header on GET or HEAD) for manifest ${repository}:${SHA_TAG}: its bytes cannot be checked against the tag, so they are refused: refer to it by digest (${repository}@sha256:…), or reach the registry without a proxy that strips the header`,
    );
    expect(writes(proxy.requests)).toEqual([]);
    expect(await registryTags(repository)).toEqual([SHA_TAG, 'other']);
  });

  it('promotes an intact body, verified against HEAD: one HEAD more per tag GET than with the header', async () => {
    const normal = await seeded();
    const withHeader = await promote(normal.repository);
    expect(withHeader.errors).toEqual([]);
    const normalCalls = manifestCalls(proxy.requests, normal.repository);
    const normalTotal = proxy.requests.length;

    proxy.reset();
    const stripped = await seeded();
    proxy.script({ ...MANIFEST_GET, stripHeaders: DIGEST_HEADER });
    const run = await promote(stripped.repository);
    expect(run.errors).toEqual([]);
    expect(run.outputs.digest).toBe(stripped.genuine.digest);
    expect(await skopeoDigest(`${registry.host}/${stripped.repository}:rc-1`)).toBe(stripped.genuine.digest);
    const strippedCalls = manifestCalls(proxy.requests, stripped.repository);

    // Each tag GET that found a manifest costs one HEAD of that tag; nothing else changes.
    const tagGets = strippedCalls.filter((call) => /^GET (?!sha256:)\S+ 200$/.test(call));
    expect(tagGets).toEqual([`GET ${SHA_TAG} 200`]);
    const extra = [...strippedCalls];
    for (const call of normalCalls) extra.splice(extra.indexOf(call), 1);
    expect(extra).toEqual([`HEAD ${SHA_TAG} 200`]);
    expect(proxy.requests.length).toBe(normalTotal + 1);
  });
});
