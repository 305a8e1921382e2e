// Benchmark: the bundled build-by-sha action (whole process: Node 24 start, bundle load, registry
// round trips, buildah) on the skip path — the commit is already built — against a rebuild of the
// same image on a fresh repository, in one run; and the skip path against `skopeo inspect --raw` of
// the sha tag, the cheapest independent "is it there" check. Requests counted through a proxy.
import { randomBytes } from 'node:crypto';
import { cp, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { type ActionRun, resolveNode24, runAction } from '@flow-actions/runner-harness';
import { readActionPackage } from '../../scripts/release/actions';
import { assembleRelease } from '../../scripts/release/assemble';
import { startFaultProxy } from '../fault-proxy';
import { requireBinary, startRegistry } from '../services';
import { benchEnv, median, timeProcess } from './measure';

const RUNS = Number(process.env.BENCH_RUNS ?? 5);
const PAYLOAD_BYTES = 4 * 1024 * 1024;
const FIXTURE = join(import.meta.dirname, '..', 'fixtures', 'build-by-sha', 'context');

const childEnv = benchEnv();

function check(run: ActionRun, built: 'true' | 'false'): void {
  if (run.exitCode !== 0) throw new Error(`build-by-sha failed: ${run.errors.join(' ')}`);
  if (run.outputs.built !== built) throw new Error(`expected built=${built}, got ${run.outputs.built}`);
}

export async function benchBuildBySha(): Promise<void> {
  await requireBinary('buildah', 'apt-get install -y buildah');
  await requireBinary('skopeo', 'apt-get install -y skopeo');
  const temp = await mkdtemp(join(tmpdir(), 'bench-build-by-sha-'));
  const registry = await startRegistry();
  const proxy = await startFaultProxy({ target: registry.url });
  try {
    const action = await readActionPackage(join(import.meta.dirname, '..', '..', 'actions', 'build-by-sha'));
    const tree = await assembleRelease({ outDir: join(temp, 'tree'), actions: [action] });
    const actionDir = tree.actions['build-by-sha'] as string;
    const workspace = join(temp, 'workspace');
    await cp(FIXTURE, workspace, { recursive: true });
    // A payload the size of a small application layer, so the rebuild pushes something real.
    await writeFile(join(workspace, 'version.txt'), randomBytes(PAYLOAD_BYTES));
    // A checkout, as build-by-sha requires: each run builds a new (empty) commit of the same files.
    const git = async (...args: string[]) =>
      (
        await exec('git', [
          '-C',
          workspace,
          '-c',
          'user.name=bench',
          '-c',
          'user.email=bench@example.com',
          ...args,
        ])
      ).stdout.trim();
    await git('init', '-q');
    await git('add', '-A');
    await git('commit', '-q', '-m', 'bench');
    const env = { NODE_EXTRA_CA_CERTS: '', DOCKER_CONFIG: join(temp, 'no-docker-config') };
    const build = (image: string, sha: string) =>
      runAction({ actionDir, inputs: { image, builder: 'buildah' }, workspace, sha, env });

    const rebuild: number[] = [];
    const skip: number[] = [];
    const skopeo: number[] = [];
    const nodeStart: number[] = [];
    let rebuildRequests = 0;
    let rebuildBytes = 0;
    let skipRequests = 0;
    let skopeoRequests = 0;
    for (let run = 0; run < RUNS; run++) {
      const image = `${proxy.host}/bench/app-${run}`;
      await git('commit', '-q', '--allow-empty', '-m', `run ${run}`);
      const sha = await git('rev-parse', 'HEAD');
      proxy.reset();
      const built = await build(image, sha);
      check(built, 'true');
      rebuild.push(built.durationMs);
      rebuildRequests = proxy.requests.length;
      rebuildBytes = proxy.requests.reduce((sum, request) => sum + request.bytesIn, 0);

      proxy.reset();
      const reused = await build(image, sha);
      check(reused, 'false');
      if (reused.outputs.digest !== built.outputs.digest)
        throw new Error('the skip path reported another digest');
      skip.push(reused.durationMs);
      skipRequests = proxy.requests.length;

      proxy.reset();
      skopeo.push(
        await timeProcess(
          'skopeo',
          ['inspect', '--raw', '--tls-verify=false', `docker://${image}:${sha.slice(0, 7)}`],
          childEnv,
        ),
      );
      skopeoRequests = proxy.requests.length;
      nodeStart.push(await timeProcess(resolveNode24(), ['-e', '0'], childEnv));
    }

    const ms = (value: number) => `${value.toFixed(0)} ms`;
    const rows = [
      ['rebuild (buildah + push)', ms(median(rebuild)), String(rebuildRequests), String(rebuildBytes)],
      ['skip (already built)', ms(median(skip)), String(skipRequests), '0'],
      ['skopeo inspect --raw <sha>', ms(median(skopeo)), String(skopeoRequests), '0'],
      ['node 24 -e 0 (start alone)', ms(median(nodeStart)), '0', '0'],
    ];
    const widths = [0, 1, 2, 3].map((column) =>
      Math.max(
        ...[['', 'median', 'requests', 'bytes sent'], ...rows].map((row) => (row[column] ?? '').length),
      ),
    );
    const line = (cells: readonly string[]) =>
      cells.map((cell, column) => cell.padEnd(widths[column] ?? 0)).join('  ');
    console.log(
      `\nbuild-by-sha: ${RUNS} runs, image FROM scratch with a ${PAYLOAD_BYTES / 1024 / 1024} MiB layer; whole processes; NODE_EXTRA_CA_CERTS unset`,
    );
    console.log(line(['', 'median', 'requests', 'bytes sent']));
    for (const row of rows) console.log(line(row));
    console.log(
      `skip path is ${(median(rebuild) / median(skip)).toFixed(1)}x faster than a rebuild; skip / skopeo inspect = ${(median(skip) / median(skopeo)).toFixed(2)}`,
    );
  } finally {
    await proxy.stop();
    await registry.stop();
    await rm(temp, { recursive: true, force: true });
  }
}

if (import.meta.url === `file://${process.argv[1]}`) await benchBuildBySha();
