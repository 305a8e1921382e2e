import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { computeDigest, MediaTypes, openStore } from '@flow-actions/oci-store';
import { type RunningFaultProxy, startFaultProxy } from '../fault-proxy';
import { requireBinary, startRegistry } from '../services';
import { median, printTable, timeProcess } from './measure';

/**
 * `pnpm bench`: retagging a 20-layer image through the registry API, ours against skopeo, on
 * bare loopback and through a proxy that adds 20 ms to every request. Prints medians, the time
 * ratio against skopeo measured in the same run, and the requests each made.
 */

const LAYERS = 20;
const LAYER_BYTES = 64 * 1024;
const RUNS = Number(process.env.BENCH_RUNS ?? 7);
const LATENCIES = [0, 20];
const REPOSITORY = 'bench/app';

/** Child processes run without NODE_EXTRA_CA_CERTS: it slows every node start (measured on this machine). */
const { NODE_EXTRA_CA_CERTS: droppedCaCerts, ...childEnv } = process.env;

interface Measure {
  ms: number;
  requests: number;
}

function run(command: string, args: string[]): Promise<void> {
  return timeProcess(command, args, childEnv).then(() => undefined);
}

async function measure(proxy: RunningFaultProxy, operation: () => Promise<void>): Promise<Measure> {
  const before = proxy.requests.length;
  const started = performance.now();
  await operation();
  return { ms: performance.now() - started, requests: proxy.requests.length - before };
}

async function pushImage(host: string): Promise<string> {
  const store = await openStore(`${host}/${REPOSITORY}`);
  const layers = Array.from({ length: LAYERS }, () => randomBytes(LAYER_BYTES));
  const config = Buffer.from(
    JSON.stringify({
      architecture: 'amd64',
      os: 'linux',
      rootfs: { type: 'layers', diff_ids: layers.map(computeDigest) },
    }),
  );
  for (const blob of [config, ...layers]) await store.putBlob(computeDigest(blob), blob.length, blob);
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: MediaTypes.ociManifest,
      config: { mediaType: MediaTypes.ociConfig, digest: computeDigest(config), size: config.length },
      layers: layers.map((layer) => ({
        mediaType: MediaTypes.ociLayerTarGzip,
        digest: computeDigest(layer),
        size: layer.length,
      })),
    }),
  );
  return store.putManifest('base', { bytes: manifest, mediaType: MediaTypes.ociManifest });
}

async function bundleRetagCli(outDir: string): Promise<string> {
  const root = join(import.meta.dirname, '..', '..');
  const ncc = join(root, 'node_modules', '@vercel', 'ncc', 'dist', 'ncc', 'cli.js');
  await exec(
    process.execPath,
    [ncc, 'build', join(import.meta.dirname, 'retag-cli.ts'), '-o', outDir, '-t', '--quiet', '--no-cache'],
    {
      env: childEnv,
      cwd: import.meta.dirname,
    },
  );
  return join(outDir, 'index.js');
}

/** Prints the retag table: ours (in-process and as a whole process) against skopeo. */
export async function benchRetag(): Promise<void> {
  const skopeo = await requireBinary('skopeo', 'apt-get install -y skopeo');
  console.log(
    `node ${process.version}; NODE_EXTRA_CA_CERTS ${droppedCaCerts === undefined ? 'was not set' : 'unset'} for spawned processes`,
  );
  const registry = await startRegistry();
  const proxy = await startFaultProxy({ target: registry.url });
  const work = await mkdtemp(join(tmpdir(), 'flow-bench-'));
  try {
    const digest = await pushImage(registry.host);
    const cli = await bundleRetagCli(join(work, 'retag-cli'));
    const source = `${proxy.host}/${REPOSITORY}:base`;
    console.log(
      `image: ${LAYERS} layers × ${LAYER_BYTES / 1024} KiB, ${digest}; ${RUNS} runs per figure, medians\n`,
    );

    const rows: string[][] = [];
    for (const latency of LATENCIES) {
      proxy.setLatency(latency);
      const results: Record<string, Measure[]> = { inProcess: [], process: [], skopeo: [] };
      for (let i = 0; i < RUNS; i += 1) {
        results.inProcess?.push(
          await measure(proxy, async () => {
            const store = await openStore(`${proxy.host}/${REPOSITORY}`);
            const manifest = await store.getManifest('base');
            if (!manifest) throw new Error('base image missing');
            await store.putManifest(`ours-${latency}-${i}`, manifest);
          }),
        );
        results.process?.push(
          await measure(proxy, () => run(process.execPath, [cli, source, `proc-${latency}-${i}`])),
        );
        results.skopeo?.push(
          await measure(proxy, () =>
            run(skopeo, [
              'copy',
              '--preserve-digests',
              '--src-tls-verify=false',
              '--dest-tls-verify=false',
              `docker://${source}`,
              `docker://${proxy.host}/${REPOSITORY}:skopeo-${latency}-${i}`,
            ]),
          ),
        );
      }
      const skopeoMs = median((results.skopeo ?? []).map((m) => m.ms));
      const row = (label: string, measures: Measure[]) => {
        const ms = median(measures.map((m) => m.ms));
        rows.push([
          `${latency} ms`,
          label,
          ms.toFixed(1),
          (ms / skopeoMs).toFixed(3),
          String(median(measures.map((m) => m.requests))),
        ]);
      };
      row('ours, in-process (openStore + get + put)', results.inProcess ?? []);
      row('ours, whole process (node, ncc bundle)', results.process ?? []);
      row('skopeo copy --preserve-digests', results.skopeo ?? []);
    }
    const verify = await openStore(`${registry.host}/${REPOSITORY}`);
    const tags = await verify.listTags();
    for (const tag of tags) {
      if ((await verify.resolve(tag))?.digest !== digest)
        throw new Error(`tag ${tag} does not point at ${digest}`);
    }
    printTable(
      'retag to a new tag in the same repository',
      ['added latency', 'retag by', 'median ms', 'ratio vs skopeo', 'requests'],
      rows,
    );
    console.log(`\nall ${tags.length} tags point at ${digest}`);
  } finally {
    await proxy.stop();
    await registry.stop();
    await rm(work, { recursive: true, force: true });
  }
}
