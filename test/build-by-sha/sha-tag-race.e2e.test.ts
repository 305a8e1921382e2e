import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { type ActionRun, runAction } from '@flow-actions/runner-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releasedAction } from '../e2e/release-tree';
import { type RunningFaultProxy, startFaultProxy } from '../fault-proxy';
import { type RunningRegistry, startRegistry } from '../services';
import { skopeoDigest } from '../support/skopeo';

// Two builds of one commit at the same moment — two real processes running the bundled
// build-by-sha action, each in its own checkout of the commit, whose build output (a zip, ignored
// by git as build output is) differs as a non-reproducible build's does — race for the commit's
// sha tag. Each run talks to the registry through its own fault proxy, which holds each write of
// the sha tag for a second (a slow registry), so that both runs really write it.
const ROUNDS = 10;
const PARALLEL = 5;
const WRITE_DELAY_MS = 1000;

let registry: RunningRegistry;
let proxies: [RunningFaultProxy, RunningFaultProxy];
let temp: string;
let commit: string;
let checkouts: [string, string];

const git = (cwd: string, ...args: string[]) =>
  exec('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd });

beforeAll(async () => {
  temp = await mkdtemp(join(tmpdir(), 'sha-tag-race-'));
  const origin = join(temp, 'origin');
  await exec('git', ['init', '-q', '-b', 'main', origin]);
  await writeFile(join(origin, 'handler.js'), 'export const handler = () => "ok";\n');
  await writeFile(join(origin, '.gitignore'), '*.zip\n');
  await git(origin, 'add', '.');
  await git(origin, 'commit', '-qm', 'feat: handler');
  commit = (await git(origin, 'rev-parse', 'HEAD')).stdout.trim();
  checkouts = [join(temp, 'checkout-a'), join(temp, 'checkout-b')];
  for (const checkout of checkouts) await exec('git', ['clone', '-q', origin, checkout]);

  registry = await startRegistry();
  proxies = [
    await startFaultProxy({ target: registry.url }),
    await startFaultProxy({ target: registry.url }),
  ];
  for (const proxy of proxies) {
    proxy.script({
      method: 'PUT',
      path: new RegExp(`/manifests/${commit.slice(0, 7)}$`),
      delayMs: WRITE_DELAY_MS,
    });
  }
});
afterAll(async () => {
  await Promise.all(proxies?.map((proxy) => proxy.stop()) ?? []);
  await registry?.stop();
  if (temp) await rm(temp, { recursive: true, force: true });
});

let repositories = 0;

/** A build of the commit in checkout `index`, whose zip this round is fresh bytes. */
async function build(index: 0 | 1, repo: string, zip: string): Promise<ActionRun> {
  const workspace = checkouts[index];
  await writeFile(join(workspace, zip), randomBytes(512));
  return runAction({
    actionDir: releasedAction('build-by-sha'),
    inputs: {
      image: `${proxies[index].host}/${repo}`,
      kind: 'archive',
      path: zip,
      'extra-tags': 'develop',
    },
    workspace,
    sha: commit,
    repository: 'acme/app',
    env: { DOCKER_CONFIG: join(tmpdir(), 'flow-no-docker-config') },
  });
}

describe('two builds of one commit racing for its sha tag (bundled action, real registry)', () => {
  it(`${ROUNDS} rounds: never both succeed; the sha tag and develop hold the winner's artifact; the loser moved nothing`, async () => {
    const tag = () => commit.slice(0, 7);
    const rounds: { repo: string; runs: ActionRun[] }[] = [];
    for (let start = 0; start < ROUNDS; start += PARALLEL) {
      const batch = Array.from({ length: Math.min(PARALLEL, ROUNDS - start) }, async () => {
        repositories++;
        const repo = `acme/built-${repositories}`;
        const zip = `api-${repositories}.zip`;
        return { repo, runs: await Promise.all([build(0, repo, zip), build(1, repo, zip)]) };
      });
      rounds.push(...(await Promise.all(batch)));
    }
    let raced = 0;
    for (const { repo, runs } of rounds) {
      const winners = runs.flatMap((run, index) => (run.exitCode === 0 ? [index] : []));
      expect(winners, `${repo}: ${runs.map((run) => run.errors.join(' ')).join(' | ')}`).toHaveLength(1);
      const winner = runs[winners[0] as number] as ActionRun;
      const loser = 1 - (winners[0] as number);
      const lost = runs[loser] as ActionRun;
      expect(winner.outputs.built).toBe('true');
      const won = winner.outputs.digest as string;
      expect(await skopeoDigest(`${registry.host}/${repo}:${tag()}`)).toBe(won);
      expect(await skopeoDigest(`${registry.host}/${repo}:develop`)).toBe(won);
      expect(lost.errors).toHaveLength(1);
      expect(lost.errors[0]).toMatch(
        new RegExp(
          `^(Concurrent write: .*:${tag()} is immutable and another run .*; it holds ${won}, not sha256:[0-9a-f]{64} from this run\\. This run wrote none of its moving tags \\(develop\\)\\.|.*:${tag()} already points at ${won} and is immutable)`,
        ),
      );
      const developWrites = (proxies[loser] as RunningFaultProxy).requests.filter(
        (r) => r.method === 'PUT' && r.path === `/v2/${repo}/manifests/develop`,
      );
      expect(developWrites).toEqual([]);
      const shaTagWrites = proxies.map(
        (proxy) =>
          proxy.requests.filter((r) => r.method === 'PUT' && r.path === `/v2/${repo}/manifests/${tag()}`)
            .length,
      );
      if (shaTagWrites.every((count) => count > 0)) raced++;
    }
    // The race was real: in most rounds both builds wrote the sha tag, and the settle read decided.
    expect(raced).toBeGreaterThanOrEqual(ROUNDS / 2);
  }, 300_000);
});
