import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@flow-actions/oci-store';
import { type ActionRun, runAction } from '@flow-actions/runner-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releasedAction } from '../e2e/release-tree';
import { type RunningFaultProxy, startFaultProxy } from '../fault-proxy';
import { type RunningGitServer, type RunningRegistry, startGitServer, startRegistry } from '../services';
import { seedImage } from '../support/artifacts';
import { skopeoDigest } from '../support/skopeo';
import { manifestRepositoryFiles } from '../update-manifest/manifest-repo';

// A rollback told the way an on-call engineer reads it in the checks tab: v1.0.0 goes to prod,
// v1.1.0 replaces it, then prod goes back to v1.0.0. promote and update-manifest, bundled, against
// the real registry (behind a counting proxy) and real git; the summaries name the versions, keep
// digests short in their tables and give each full digest once below.
const TOKEN = 'ghs_rollbackSummary0123456789abcdef';
const NO_DOCKER_CONFIG = { DOCKER_CONFIG: join(tmpdir(), 'flow-no-docker-config') };

let registry: RunningRegistry;
let proxy: RunningFaultProxy;
let git: RunningGitServer;
let runnerTemp: string;

beforeAll(async () => {
  [registry, git] = await Promise.all([startRegistry(), startGitServer({ token: TOKEN })]);
  proxy = await startFaultProxy({ target: registry.url });
  runnerTemp = await mkdtemp(join(tmpdir(), 'flow-rollback-runner-'));
});
afterAll(async () => {
  await proxy?.stop();
  await Promise.all([registry?.stop(), git?.stop()]);
  await rm(runnerTemp, { recursive: true, force: true });
});

const sha = (char: string) => char.repeat(40);
const short = (digest: string) => `${digest.slice(0, 19)}…`;
let stories = 0;

function promote(image: string, from: string, to: string): Promise<ActionRun> {
  return runAction({
    actionDir: releasedAction('promote'),
    inputs: { image, from, to, 'settle-seconds': '0' },
    env: NO_DOCKER_CONFIG,
  });
}

function deployProd(repository: string, artifact: string, tag: string, digest: string): Promise<ActionRun> {
  return runAction({
    actionDir: releasedAction('update-manifest'),
    inputs: { repository, token: TOKEN, path: 'envs/prod', image: 'ghcr.io/acme/api', artifact, tag, digest },
    serverUrl: git.url,
    repository: 'acme/api',
    env: { ...NO_DOCKER_CONFIG, RUNNER_TEMP: runnerTemp },
  });
}

/** The table rows of a summary: none may hold a full digest, or its column scrolls off. */
function tableRows(summary: string): string[] {
  return summary.split('\n').filter((line) => line.startsWith('|'));
}

/** v1.0.0 and v1.1.0 released in turn, prod following, in a fresh repository and manifest repository. */
async function releaseTwice() {
  stories++;
  const image = `${proxy.host}/acme/rollback-${stories}`;
  const manifests = `acme/manifests-rollback-${stories}`;
  await git.createBareRepository(manifests, { files: await manifestRepositoryFiles() });
  const store = await openStore(image);
  const first = (await seedImage(store, { revision: sha('a') })).digest;
  const second = (await seedImage(store, { revision: sha('b') })).digest;
  const v1 = await promote(image, sha('a'), 'v1.0.0, prod');
  expect(v1.errors).toEqual([]);
  expect((await deployProd(manifests, image, 'v1.0.0', first)).errors).toEqual([]);
  const v11 = await promote(image, sha('b'), 'v1.1.0, prod');
  expect(v11.errors).toEqual([]);
  expect((await deployProd(manifests, image, 'v1.1.0', second)).errors).toEqual([]);
  return { image, manifests, first, second, release: v11 };
}

describe('a rollback says which version was replaced by which', () => {
  it('promote: a release moving prod names both versions; going back says it is a rollback, for one tag list and one HEAD', async () => {
    const { image, first, second, release } = await releaseTwice();
    // The release itself: prod leaves v1.0.0 for v1.1.0, no rollback.
    expect(release.summary).toContain(
      `Replaced:\n\n- \`prod\`: v1.0.0 (\`${short(first)}\`) → v1.1.0 (\`${short(second)}\`)\n`,
    );

    proxy.reset();
    const rollback = await promote(image, 'v1.0.0', 'prod');
    expect(rollback.errors).toEqual([]);
    expect(await skopeoDigest(`${image}:prod`)).toBe(first);
    expect(rollback.summary).toContain(
      `Replaced:\n\n- \`prod\`: v1.1.0 (\`${short(second)}\`) → v1.0.0 (\`${short(first)}\`), a rollback to the older v1.0.0\n`,
    );
    expect(rollback.summary).toContain(`| \`prod\` | \`${short(second)}\` | \`${short(first)}\` | moved |`);
    expect(tableRows(rollback.summary).filter((row) => /[0-9a-f]{64}/.test(row))).toEqual([]);
    // Each full digest once, copyable: the promoted one above the table, the replaced one folded below.
    expect(rollback.summary.split(`${image}@${first}`)).toHaveLength(2);
    expect(rollback.summary).toContain(
      `<details><summary>Full digests</summary>\n\n- \`prod\` before: \`${image}@${second}\`\n\n</details>`,
    );
    // What naming the replaced version cost: one tag list, and one HEAD (v1.0.0 came from "from").
    const requests = proxy.requests.map((r) => `${r.method} ${r.path.replace(/\?.*$/, '')}`);
    const path = `/v2/${image.slice(proxy.host.length + 1)}`;
    expect(requests.filter((r) => r === `GET ${path}/tags/list`)).toHaveLength(1);
    expect(requests.filter((r) => r === `HEAD ${path}/manifests/v1.1.0`)).toHaveLength(1);
  });

  it('promote by commit sha: both versions are looked up, newest first, and the rollback is still named', async () => {
    const { image, first, second } = await releaseTwice();
    const rollback = await promote(image, sha('a').slice(0, 7), 'prod');
    expect(rollback.errors).toEqual([]);
    expect(rollback.summary).toContain(
      `- \`prod\`: v1.1.0 (\`${short(second)}\`) → v1.0.0 (\`${short(first)}\`), a rollback to the older v1.0.0\n`,
    );
  });

  it('update-manifest: the environment moves from v1.1.0 to v1.0.0, tag and digest, full digests below', async () => {
    const { image, manifests, first, second } = await releaseTwice();
    const rollback = await deployProd(manifests, image, 'v1.0.0', first);
    expect(rollback.errors).toEqual([]);
    expect(rollback.summary).toContain(
      `Moved \`ghcr.io/acme/api\`:\n\n- \`envs/prod/kustomization.yaml\`: \`v1.1.0\` (\`${short(second)}\`) → \`v1.0.0\` (\`${short(first)}\`)\n`,
    );
    expect(rollback.summary).toContain(
      `| \`envs/prod/kustomization.yaml\` | \`images[ghcr.io/acme/api].digest\` | \`${short(second)}\` | \`${short(first)}\` |`,
    );
    expect(tableRows(rollback.summary).filter((row) => /[0-9a-f]{64}/.test(row))).toEqual([]);
    expect(rollback.summary).toContain(
      `<details><summary>Full digests</summary>\n\n- now: \`${first}\`\n- before, in \`envs/prod/kustomization.yaml\`: \`${second}\`\n\n</details>`,
    );
  });
});
