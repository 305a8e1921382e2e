// Benchmark: promote an image to three tags with the bundled promote action (whole process:
// Node 24 start, bundle load, the registry round trips) against skopeo copy --preserve-digests to
// the same three tags, in one run; on bare loopback and through a proxy adding 20 ms per request.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@flow-actions/oci-store';
import { resolveNode24, runAction } from '@flow-actions/runner-harness';
import { readActionPackage } from '../../scripts/release/actions';
import { assembleRelease } from '../../scripts/release/assemble';
import { startFaultProxy } from '../fault-proxy';
import { startRegistry } from '../services';
import { seedImage } from '../support/artifacts';
import { benchEnv, measureColdStarts, median, ms, printTable, ratio, timeProcess } from './measure';

const RUNS = 5;
const LAYERS = 20;
const TAGS = ['rc-1', 'v1.0.0', 'prod'];

export async function benchPromote(): Promise<void> {
  const tree = await mkdtemp(join(tmpdir(), 'bench-tree-'));
  const registry = await startRegistry();
  const proxy = await startFaultProxy({ target: registry.url });
  try {
    const action = await readActionPackage(join(import.meta.dirname, '..', '..', 'actions', 'retag-promote'));
    const built = await assembleRelease({ outDir: tree, actions: [action] });
    const actionDir = built.actions.promote as string;
    const env = benchEnv();
    const node = resolveNode24();
    console.log(
      `promote benchmark: ${LAYERS}-layer image, tags ${TAGS.join(', ')}, median of ${RUNS} runs; NODE_EXTRA_CA_CERTS unset.`,
    );

    const coldStart = await measureColdStarts(node, [join(actionDir, 'dist', 'index.js')], RUNS, env);
    const [bundleLoad = 0] = coldStart.bundles;

    const rows: string[][] = [];
    for (const latency of [0, 20]) {
      proxy.setLatency(latency);
      const ours: number[] = [];
      const theirs: number[] = [];
      let ourRequests = 0;
      let skopeoRequests = 0;
      for (let run = 0; run < RUNS; run++) {
        const sourceRepo = `${proxy.host}/bench/src-${latency}-${run}`;
        const store = await openStore(sourceRepo);
        const sha = `${run}${latency}`.padEnd(40, 'a');
        const seeded = await seedImage(store, { revision: sha, layers: LAYERS, layerSize: 64 * 1024 });

        proxy.reset();
        const result = await runAction({
          actionDir,
          // The settle interval is a deliberate wait after creating rc-1 and v1.0.0 (2 s by
          // default, see the README), not work to compare with skopeo, which guards nothing.
          inputs: { image: sourceRepo, from: sha, to: TAGS.join(','), 'settle-seconds': '0' },
          env: { NODE_EXTRA_CA_CERTS: '', DOCKER_CONFIG: tree },
        });
        if (result.exitCode !== 0) throw new Error(`promote failed: ${result.errors.join(' ')}`);
        ours.push(result.durationMs);
        ourRequests = proxy.requests.length;

        const skopeoRepo = `${proxy.host}/bench/skopeo-${latency}-${run}`;
        await seedImage(await openStore(skopeoRepo), {
          revision: sha,
          layers: LAYERS,
          layerSize: 64 * 1024,
          tag: 'src',
        });
        proxy.reset();
        let total = 0;
        for (const tag of TAGS) {
          total += await timeProcess(
            'skopeo',
            [
              'copy',
              '--preserve-digests',
              '--src-tls-verify=false',
              '--dest-tls-verify=false',
              `docker://${skopeoRepo}:src`,
              `docker://${skopeoRepo}:${tag}`,
            ],
            env,
          );
        }
        theirs.push(total);
        skopeoRequests = proxy.requests.length;
        if (!seeded.digest) throw new Error('seed failed');
      }
      rows.push([
        `${latency} ms/request`,
        ms(median(ours)),
        ms(median(theirs)),
        ratio(median(ours), median(theirs)),
        String(ourRequests),
        String(skopeoRequests),
      ]);
    }
    printTable(
      'promote to three tags vs skopeo copy --preserve-digests (whole processes)',
      ['latency', 'promote', 'skopeo ×3', 'ratio', 'requests (promote)', 'requests (skopeo)'],
      rows,
    );
    printTable(
      'cold start (Node 24 start + bundle load, failing at the first missing input)',
      ['node -e 0', 'promote bundle', 'bundle load'],
      [[ms(coldStart.bareNode), ms(bundleLoad), ms(bundleLoad - coldStart.bareNode)]],
    );
  } finally {
    await proxy.stop();
    await registry.stop();
    await rm(tree, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchPromote();
