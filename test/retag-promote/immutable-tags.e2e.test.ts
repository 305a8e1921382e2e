import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_SETTLE_MS } from '@flow-actions/artifact-protocol';
import { type ArtifactStore, openStore } from '@flow-actions/oci-store';
import { type ActionRun, runAction } from '@flow-actions/runner-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { releasedAction } from '../e2e/release-tree';
import { type RunningFaultProxy, startFaultProxy } from '../fault-proxy';
import { type RunningRegistry, startRegistry } from '../services';
import { seedImage } from '../support/artifacts';
import { skopeoDigest } from '../support/skopeo';

// Two promotions of one immutable tag at the same moment, each a real process running the bundled
// promote action, against the real registry. Each run talks to the registry through its own fault
// proxy, so every request is known to be one run's; the proxies hold each write of the release tag
// for a second — a slow registry write, the window in which the other run's check still sees no
// tag — so that both runs really write it. The settle interval is the default one (2 s).
const ROOT = join(import.meta.dirname, '..', '..');
const ROUNDS = 20;
/** Rounds run side by side; each round has its own repository, so they cannot meet. */
const PARALLEL = 5;
const WRITE_DELAY_MS = 1000;
const TAG = 'v2.5.0';

let registry: RunningRegistry;
let proxies: [RunningFaultProxy, RunningFaultProxy];
/** A third proxy with no standing rule, for the refusals below. */
let plain: RunningFaultProxy;

beforeAll(async () => {
  registry = await startRegistry();
  proxies = [
    await startFaultProxy({ target: registry.url }),
    await startFaultProxy({ target: registry.url }),
  ];
  plain = await startFaultProxy({ target: registry.url });
  for (const proxy of proxies) {
    proxy.script({
      method: 'PUT',
      path: new RegExp(`/manifests/${TAG.replace(/\./g, '\\.')}$`),
      delayMs: WRITE_DELAY_MS,
    });
  }
});
afterAll(async () => {
  await Promise.all([...(proxies ?? []), plain].map((proxy) => proxy?.stop()));
  await registry?.stop();
});

const sha = (char: string) => char.repeat(40);
let repositories = 0;
function repository(): string {
  repositories++;
  return `acme/race-${repositories}`;
}

function promote(proxy: RunningFaultProxy, repo: string, inputs: Record<string, string>): Promise<ActionRun> {
  return runAction({
    actionDir: releasedAction('promote'),
    inputs: { image: `${proxy.host}/${repo}`, ...inputs },
    env: { DOCKER_CONFIG: join(tmpdir(), 'flow-no-docker-config') },
  });
}

/** Writes of `repo` that `proxy` passed on, by path ending. */
function writesOf(proxy: RunningFaultProxy, repo: string, tag: string) {
  return proxy.requests.filter((r) => r.method === 'PUT' && r.path === `/v2/${repo}/manifests/${tag}`);
}

interface Round {
  repo: string;
  digests: [string, string];
  old: string;
  runs: [ActionRun, ActionRun];
}

/** One round: two runs promote `froms` (one each) to v2.5.0 and prod at once, prod on an older release. */
async function round(froms: [string, string]): Promise<Round> {
  const repo = repository();
  const store: ArtifactStore = await openStore(`${registry.host}/${repo}`);
  const old = await seedImage(store, { revision: sha('0'), tag: 'v2.4.0' });
  await store.putManifest(
    'prod',
    (await store.getManifest('v2.4.0')) as { bytes: Buffer; mediaType: string },
  );
  const digests = [] as unknown as [string, string];
  for (const from of new Set(froms)) {
    const seeded = await seedImage(store, { revision: from });
    for (const [index, each] of froms.entries()) if (each === from) digests[index] = seeded.digest;
  }
  const runs = (await Promise.all(
    froms.map((from, index) =>
      promote(proxies[index] as RunningFaultProxy, repo, { from, to: `${TAG}, prod` }),
    ),
  )) as [ActionRun, ActionRun];
  return { repo, digests, old: old.digest, runs };
}

async function rounds(froms: [string, string]): Promise<Round[]> {
  const done: Round[] = [];
  for (let start = 0; start < ROUNDS; start += PARALLEL) {
    const batch = Array.from({ length: Math.min(PARALLEL, ROUNDS - start) }, () => round(froms));
    done.push(...(await Promise.all(batch)));
  }
  return done;
}

describe('two promotions of one immutable tag at the same moment (bundled action, real registry)', () => {
  it(`different digests, ${ROUNDS} rounds: never both succeed; the tag and prod hold the winner's digest; the loser moved nothing`, async () => {
    const done = await rounds([sha('a'), sha('b')]);
    let raced = 0;
    for (const { repo, digests, old, runs } of done) {
      const winners = runs.flatMap((run, index) => (run.exitCode === 0 ? [index] : []));
      expect(winners, `${repo}: ${runs.map((run) => run.errors.join(' ')).join(' | ')}`).toHaveLength(1);
      const winner = winners[0] as number;
      const loser = 1 - winner;
      const won = digests[winner] as string;
      const lost = runs[loser] as ActionRun;
      expect(await skopeoDigest(`${registry.host}/${repo}:${TAG}`)).toBe(won);
      expect(await skopeoDigest(`${registry.host}/${repo}:prod`)).toBe(won);
      expect(lost.exitCode).toBe(1);
      expect(lost.errors).toHaveLength(1);
      expect(lost.errors[0]).toMatch(
        new RegExp(
          `^(Concurrent write: .*:${TAG} is immutable and another run .*; it holds ${won}, not ${digests[loser]} from this run\\. This run wrote none of its moving tags \\(prod\\)\\.|Refusing to move immutable tags, so nothing was written: .*:${TAG} points at ${won})`,
        ),
      );
      // The loser's own proxy shows it: prod was never written by it.
      expect(writesOf(proxies[loser] as RunningFaultProxy, repo, 'prod')).toEqual([]);
      expect(old).not.toBe(won);
      if (writesOf(proxies[0], repo, TAG).length > 0 && writesOf(proxies[1], repo, TAG).length > 0) raced++;
    }
    // The race was real: in most rounds both runs wrote the tag, and the settle read decided.
    expect(raced).toBeGreaterThanOrEqual(ROUNDS / 2);
    // The default settle interval (2 s) is what the runs waited.
    const settled = done.flatMap(({ runs }) => runs).filter((run) => run.log.includes('reading again in'));
    expect(settled.length).toBeGreaterThan(0);
    for (const run of settled) expect(run.log).toContain(`reading again in ${DEFAULT_SETTLE_MS / 1000} s`);
  }, 300_000);

  it(`the same digest, ${ROUNDS} rounds: both succeed`, async () => {
    const done = await rounds([sha('c'), sha('c')]);
    for (const { repo, digests, runs } of done) {
      expect(runs.map((run) => [run.exitCode, run.errors])).toEqual([
        [0, []],
        [0, []],
      ]);
      expect(await skopeoDigest(`${registry.host}/${repo}:${TAG}`)).toBe(digests[0]);
      expect(await skopeoDigest(`${registry.host}/${repo}:prod`)).toBe(digests[0]);
    }
  }, 300_000);

  it('the default settle interval is the one documented: 2 s in both actions, their READMEs and flow', () => {
    expect(DEFAULT_SETTLE_MS).toBe(2000);
    for (const action of ['retag-promote', 'build-by-sha']) {
      const metadata = parse(readFileSync(join(ROOT, 'actions', action, 'action.yml'), 'utf8')) as {
        inputs: Record<string, { default?: string }>;
      };
      expect(metadata.inputs['settle-seconds']?.default).toBe(String(DEFAULT_SETTLE_MS / 1000));
      expect(readFileSync(join(ROOT, 'actions', action, 'README.md'), 'utf8')).toMatch(
        /`settle-seconds` \| `2` \|/,
      );
    }
    expect(readFileSync(join(ROOT, 'README.md'), 'utf8')).toContain(
      'settle interval (`settle-seconds`, default 2 s)',
    );
  });
});

/** Puts the manifest `digest` names under `tag`, straight into the registry (another run, or a release before). */
async function tagDirectly(repo: string, digest: string, tag: string): Promise<void> {
  const store = await openStore(`${registry.host}/${repo}`);
  await store.putManifest(tag, (await store.getManifest(digest)) as { bytes: Buffer; mediaType: string });
}

async function until(condition: () => boolean, what: string): Promise<void> {
  for (let waited = 0; !condition(); waited += 20) {
    if (waited > 30_000) throw new Error(`gave up waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

// Each registry's own answer when its tag immutability refuses a manifest PUT (see errors.ts in
// oci-store for where each was found), played by the proxy while another run creates the tag.
const REFUSALS = [
  {
    registry: 'Amazon ECR',
    setting: 'imageTagMutability: IMMUTABLE',
    status: 400,
    error: {
      code: 'TAG_INVALID',
      message:
        "The image tag 'v3.0.0' already exists in the 'acme/api' repository and cannot be overwritten because the tag is immutable.",
    },
  },
  {
    registry: 'Harbor',
    setting: 'tag immutability rules',
    status: 412,
    error: {
      code: 'PRECONDITION',
      message: "Failed to process request due to 'acme/api:v3.0.0' configured as immutable.",
    },
  },
  {
    registry: 'Docker Hub',
    setting: 'immutable tags (Settings > General > Tag mutability settings)',
    status: 403,
    error: {
      code: 'DENIED',
      message:
        'requested access to the resource is denied - This tag is already assigned to an image in this repository and cannot be updated due to immutability settings. To push this image, use a different tag.',
    },
  },
  {
    registry: 'Google Artifact Registry',
    setting: 'immutable tags (dockerConfig.immutableTags)',
    status: 400,
    error: {
      code: 'MANIFEST_INVALID',
      message: 'cannot update tag v3.0.0. The repository has enabled tag immutability',
    },
  },
];

describe("a registry's own tag immutability refuses the write (proxy answering as each registry does)", () => {
  /**
   * Promotes `ours` to v3.0.0 and prod; while the proxy holds the PUT of v3.0.0, `theirs` is put
   * under v3.0.0 straight into the registry, then the proxy answers the PUT as `refusal` says.
   */
  async function refusedRound(refusal: (typeof REFUSALS)[number], theirsIsOurs: boolean) {
    const repo = repository();
    const store = await openStore(`${registry.host}/${repo}`);
    const old = await seedImage(store, { revision: sha('0'), tag: 'prod' });
    const ours = await seedImage(store, { revision: sha('d') });
    const theirs = theirsIsOurs ? ours : await seedImage(store, { revision: sha('e') });
    const path = `/v2/${repo}/manifests/v3.0.0`;
    plain.script({
      method: 'PUT',
      path: new RegExp(`^${path}$`),
      times: 1,
      delayMs: 1500,
      status: refusal.status,
      error: refusal.error,
    });
    const running = promote(plain, repo, { from: sha('d'), to: 'v3.0.0, prod' });
    await until(() => plain.requests.some((r) => r.method === 'PUT' && r.path === path), 'the PUT of v3.0.0');
    await tagDirectly(repo, theirs.digest, 'v3.0.0');
    return { repo, old: old.digest, ours: ours.digest, theirs: theirs.digest, run: await running };
  }

  it.each(REFUSALS)(
    '$registry ($status $error.code): the immutable-tag conflict, naming the digest the tag holds; prod untouched',
    async (refusal) => {
      const { repo, old, ours, theirs, run } = await refusedRound(refusal, false);
      expect(run.exitCode).toBe(1);
      expect(run.errors).toEqual([
        `Concurrent write: ${plain.host}/${repo}:v3.0.0 is immutable and another run created it first, and ${refusal.registry} refused this run's write (${refusal.setting}); it holds ${theirs}, not ${ours} from this run. This run wrote none of its moving tags (prod). If ${theirs} is what v3.0.0 should name, the other run did the work and nothing needs fixing; otherwise give this artifact a new tag.`,
      ]);
      expect(await skopeoDigest(`${registry.host}/${repo}:v3.0.0`)).toBe(theirs);
      expect(await skopeoDigest(`${registry.host}/${repo}:prod`)).toBe(old);
      // The checks tab says the same: refused, the other run's digest, prod untouched, what to do.
      const summary = run.summary.slice(run.summary.indexOf('## ⛔ promote refused'));
      expect(summary).toContain(
        `**Refused because:** Concurrent write: ${plain.host}/${repo}:v3.0.0 is immutable`,
      );
      expect(summary).toContain(
        `**What is unchanged:** The tag ${plain.host}/${repo}:v3.0.0 is not this run's: it names ${theirs}, from the other run; none of this run's moving tags (prod) was written, so each points where it did before.`,
      );
      expect(summary).toContain(
        `**What to do:** If ${theirs} is what v3.0.0 should name, the other run did the work`,
      );
      expect(summary).not.toContain('What it wrote');
    },
  );

  it('ECR refusing a write of the digest the tag already holds is no conflict: the promotion completes', async () => {
    const { repo, ours, run } = await refusedRound(REFUSALS[0] as (typeof REFUSALS)[number], true);
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(await skopeoDigest(`${registry.host}/${repo}:v3.0.0`)).toBe(ours);
    expect(await skopeoDigest(`${registry.host}/${repo}:prod`)).toBe(ours);
  });
});

describe('release versions follow the version scheme and the repository (bundled action)', () => {
  const requestsFor = (repo: string) => plain.requests.filter((r) => r.path.startsWith(`/v2/${repo}/`));

  it('a version that is no semver version is refused before any request; nothing is written', async () => {
    const repo = repository();
    const store = await openStore(`${registry.host}/${repo}`);
    await seedImage(store, { revision: sha('1') });
    const run = await promote(plain, repo, { from: sha('1'), to: 'v1.0, prod' });
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([
      'Input "to" has v1.0, which is not a semver release tag: write vMAJOR.MINOR.PATCH or vMAJOR.MINOR.PATCH-PRERELEASE (e.g. v1.4.0, v2.0.0-rc.1). If this project versions otherwise, set version-scheme: calver (or none).',
    ]);
    expect(requestsFor(repo)).toEqual([]);
    for (const tag of ['v1.0', 'prod'])
      expect(await skopeoDigest(`${registry.host}/${repo}:${tag}`)).toBeUndefined();
  });

  it('v1.10.0 typed for v1.2.0 is refused with nothing written; allow-version-gap lets it through; a rollback is no new version', async () => {
    const repo = repository();
    const store = await openStore(`${registry.host}/${repo}`);
    const first = await seedImage(store, { revision: sha('2'), tag: 'v1.0.0' });
    await tagDirectly(repo, first.digest, 'v1.1.0');
    const next = await seedImage(store, { revision: sha('3') });
    const typo = await promote(plain, repo, { from: sha('3'), to: 'v1.10.0, prod' });
    expect(typo.exitCode).toBe(1);
    expect(typo.errors).toEqual([
      `Input "to" has v1.10.0, which is out of sequence: the next minor after v1.1.0 is v1.2.0 (${plain.host}/${repo} has v1.0.0, v1.1.0). Nothing was written. Check for a typo; if v1.10.0 is meant, set allow-version-gap: true.`,
    ]);
    expect(requestsFor(repo).filter((r) => r.method !== 'GET' && r.method !== 'HEAD')).toEqual([]);
    for (const tag of ['v1.10.0', 'prod'])
      expect(await skopeoDigest(`${registry.host}/${repo}:${tag}`)).toBeUndefined();

    const meant = await promote(plain, repo, {
      from: sha('3'),
      to: 'v1.10.0, prod',
      'allow-version-gap': 'true',
    });
    expect(meant.errors).toEqual([]);
    expect(await skopeoDigest(`${registry.host}/${repo}:v1.10.0`)).toBe(next.digest);

    const rollback = await promote(plain, repo, { from: 'v1.0.0', to: 'v1.0.0, prod' });
    expect(rollback.errors).toEqual([]);
    expect(await skopeoDigest(`${registry.host}/${repo}:prod`)).toBe(first.digest);
  });

  it('calver: a month that does not exist is refused, a dated version is written', async () => {
    const repo = repository();
    const store = await openStore(`${registry.host}/${repo}`);
    const seeded = await seedImage(store, { revision: sha('4') });
    const refused = await promote(plain, repo, {
      from: sha('4'),
      to: 'v2025.13.0',
      'version-scheme': 'calver',
    });
    expect(refused.errors[0]).toMatch(
      /^Input "to" has v2025\.13\.0, which is not a calver release tag: write vYYYY\.MM\.MICRO/,
    );
    const written = await promote(plain, repo, {
      from: sha('4'),
      to: 'v2025.06.0',
      'version-scheme': 'calver',
    });
    expect(written.errors).toEqual([]);
    expect(await skopeoDigest(`${registry.host}/${repo}:v2025.06.0`)).toBe(seeded.digest);
  });
});
