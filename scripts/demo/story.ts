import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec, shortDigest } from '@flow-actions/action-kit';
import { type ActionRun, runAction } from '@flow-actions/runner-harness';
import { assembleRelease, type ReleaseTree } from '../release/assemble';

/** One line of the story as a person reads it. */
export interface DemoEvent {
  step: string;
  lines: string[];
}

export interface DemoOptions {
  /** Where the repositories, the store and the release tree go. Default: a new temporary folder. */
  dir?: string;
  /** Called as each step finishes, so the story prints as it happens. Default: nothing. */
  onStep?: (event: DemoEvent) => void;
  /** A release tree already assembled. Default: assemble one (builds every action once). */
  tree?: ReleaseTree;
}

export interface DemoResult {
  dir: string;
  /** `oci:<dir>`: the embedded artifact store. */
  store: string;
  /** The bare manifest repository. */
  manifests: string;
  commits: Record<'A' | 'B' | 'C' | 'D', string>;
  /** The digest each build produced. */
  digests: Record<'A' | 'C' | 'D', string>;
  /** How many runs of build-by-sha built something. */
  builds: number;
  events: DemoEvent[];
}

const ARCHIVE_MEDIA_TYPE = 'application/zip';
const IMAGE_NAME = 'registry.example/acme/app';
const ENVIRONMENTS = ['stage', 'demo', 'prod'] as const;

/**
 * The whole protocol on a laptop: a real git repository, a local manifest repository, an OCI
 * layout as the store, and the bundled actions run as the runner runs them.
 */
export async function runDemo(options: DemoOptions = {}): Promise<DemoResult> {
  const dir = options.dir ?? (await mkdtemp(join(tmpdir(), 'flow-demo-')));
  const app = join(dir, 'app');
  const manifests = join(dir, 'manifests.git');
  const store = `oci:${join(dir, 'store')}`;
  const dockerConfig = join(dir, 'docker-config');
  const events: DemoEvent[] = [];
  const say = (step: string, lines: string[]) => {
    const event = { step, lines };
    events.push(event);
    options.onStep?.(event);
  };
  await mkdir(dockerConfig, { recursive: true });
  const tree = options.tree ?? (await assembleRelease({ outDir: join(dir, 'release') }));
  const action = (uses: string) => {
    const path = tree.actions[uses];
    if (!path) throw new Error(`The release tree has no ${uses}.`);
    return path;
  };

  const git = (cwd: string, ...args: string[]) =>
    exec('git', ['-C', cwd, '-c', 'user.name=Dev', '-c', 'user.email=dev@example.com', ...args]);
  const commit = async (files: Record<string, string>, message: string): Promise<string> => {
    for (const [file, content] of Object.entries(files)) {
      await mkdir(join(app, file, '..'), { recursive: true });
      await writeFile(join(app, file), content);
    }
    await git(app, 'add', '.');
    await git(app, 'commit', '-qm', message);
    return (await git(app, 'rev-parse', 'HEAD')).stdout.trim();
  };

  await setUpManifestRepository(dir, manifests, git);
  await mkdir(app, { recursive: true });
  await git(app, 'init', '-q', '-b', 'main');

  const run = async (uses: string, inputs: Record<string, string>, event: Event): Promise<ActionRun> => {
    const result = await runAction({
      actionDir: action(uses),
      inputs,
      eventName: event.name,
      payload: event.payload,
      sha: event.sha,
      ref: event.ref,
      repository: 'acme/app',
      workspace: app,
      env: { DOCKER_CONFIG: dockerConfig, NODE_EXTRA_CA_CERTS: '' },
    });
    return result;
  };
  const succeed = async (uses: string, inputs: Record<string, string>, event: Event) => {
    const result = await run(uses, inputs, event);
    if (result.exitCode !== 0) throw new Error(`${uses} failed: ${result.errors.join(' ')}`);
    return result;
  };

  let builds = 0;
  const build = async (sha: string) => {
    // The packaging step writes into the checkout, to a folder git ignores, as sls package does.
    await mkdir(join(app, '.build'), { recursive: true });
    await exec('git', ['-C', app, 'archive', '--format=zip', '-o', join(app, '.build', 'app.zip'), sha]);
    const result = await succeed(
      'build-by-sha',
      { image: store, kind: 'archive', path: '.build/app.zip', 'media-type': ARCHIVE_MEDIA_TYPE },
      pushTo('refs/heads/main', sha),
    );
    if (result.outputs.built === 'true') builds++;
    return result;
  };
  const deploy = async (environment: string, tag: string, digest: string, sha: string) => {
    const result = await succeed(
      'update-manifest',
      {
        repository: manifests,
        branch: 'main',
        path: `environments/${environment}`,
        image: IMAGE_NAME,
        // The manifests name a registry; the artifact, and its lineage, is read from the store.
        artifact: store,
        tag,
        digest,
        author: 'flow-demo <flow-demo@example.com>',
      },
      pushTo('refs/heads/main', sha),
    );
    return result.outputs.commit ?? '';
  };
  const short = (value: string) => value.slice(0, 7);

  // A: the first version, built once and deployed to stage.
  const A = await commit(
    { 'src/app.js': 'export const version = 1;\n', 'README.md': '# app\n', '.gitignore': '.build/\n' },
    'feat: first version',
  );
  const builtA = await build(A);
  const digestA = builtA.outputs.digest ?? '';
  const stageA = await deploy('stage', builtA.outputs.tag ?? '', digestA, A);
  say(`1. commit ${short(A)} "feat: first version" merged to main`, [
    `build-by-sha     built ${store}:${short(A)} → ${shortDigest(digestA)} (archive, built=${builtA.outputs.built})`,
    `update-manifest  stage → ${short(A)}@${shortDigest(digestA)}  (manifest commit ${short(stageA)})`,
  ]);

  // B: documentation only; its rc-1 tag has no artifact of its own.
  const B = await commit({ 'README.md': '# app\n\nHow to run it.\n' }, 'docs: how to run it');
  await git(app, 'tag', 'rc-1', B);
  const rc = await succeed(
    'promote',
    { image: store, to: 'rc-1', fallback: 'nearest-ancestor' },
    pushTo('refs/tags/rc-1', B),
  );
  const demoCommit = await deploy('demo', 'rc-1', rc.outputs.digest ?? '', B);
  say(`2. commit ${short(B)} "docs: how to run it" tagged rc-1`, [
    `promote          ${short(B)} has no artifact; only docs changed since ${short(A)} → its artifact`,
    `                 rc-1: new → ${shortDigest(rc.outputs.digest ?? '')}  (fallback-from ${short(rc.outputs['fallback-from'] ?? '')})`,
    `update-manifest  demo → rc-1@${shortDigest(rc.outputs.digest ?? '')}  (manifest commit ${short(demoCommit)})`,
  ]);

  // v1.0.0 on the same commit: the same artifact goes to prod.
  await git(app, 'tag', 'v1.0.0', B);
  const release1 = await succeed(
    'promote',
    { image: store, to: 'v1.0.0, prod', fallback: 'nearest-ancestor' },
    pushTo('refs/tags/v1.0.0', B),
  );
  const prod1 = await deploy('prod', 'v1.0.0', release1.outputs.digest ?? '', B);
  const prodLog = (await git(manifests, 'log', '-1', '--format=%h %s%n%b', prod1)).stdout.trim();
  say(`3. v1.0.0 tagged on ${short(B)}`, [
    `promote          v1.0.0: new → ${shortDigest(release1.outputs.digest ?? '')}, prod: new → same digest`,
    `update-manifest  prod → v1.0.0@${shortDigest(release1.outputs.digest ?? '')}; the manifest commit:`,
    ...prodLog
      .split('\n')
      .filter(Boolean)
      .map((line) => `                   ${line}`),
  ]);

  // C: a change that fails its stage check, so it is yanked and can never be released.
  const C = await commit(
    { 'src/app.js': 'export const version = 2; // breaks the smoke test\n' },
    'feat: faster start',
  );
  const builtC = await build(C);
  const stageC = await deploy('stage', builtC.outputs.tag ?? '', builtC.outputs.digest ?? '', C);
  const yank = await succeed(
    'yank-artifact',
    { image: store, reason: 'stage smoke test failed: /health answered 500' },
    { name: 'workflow_dispatch', ref: 'refs/heads/main', sha: C, payload: { inputs: { sha: C } } },
  );
  // As main.yml does: stage must not point at the artifact just deleted, so its deploy is undone.
  const restored = await succeed(
    'update-manifest',
    {
      repository: manifests,
      branch: 'main',
      path: 'environments/stage',
      revert: stageC,
      message: `Put stage back; ${short(C)} was yanked`,
      author: 'flow-demo <flow-demo@example.com>',
    },
    pushTo('refs/heads/main', C),
  );
  await git(app, 'tag', 'v1.1.0', C);
  const refused = await run('promote', { image: store, to: 'v1.1.0, prod' }, pushTo('refs/tags/v1.1.0', C));
  if (refused.exitCode === 0) throw new Error('promote released a yanked commit');
  await git(app, 'tag', '-d', 'v1.1.0');
  say(`4. commit ${short(C)} "feat: faster start" fails its stage check`, [
    `build-by-sha     built ${store}:${short(C)} → ${shortDigest(builtC.outputs.digest ?? '')}; deployed to stage`,
    `yank-artifact    deleted ${short(C)}, left ${yank.outputs.tombstone ?? ''}`,
    `update-manifest  stage put back on ${short(A)}: reverted ${short(stageC)} (manifest commit ${short(restored.outputs.commit ?? '')})`,
    `promote v1.1.0   refused: ${refused.errors[0] ?? ''}`,
  ]);

  // D: the fix is released as v1.1.0; then prod goes back to v1.0.0 without a rebuild.
  const D = await commit({ 'src/app.js': 'export const version = 3;\n' }, 'fix: start without the cache');
  const builtD = await build(D);
  await deploy('stage', builtD.outputs.tag ?? '', builtD.outputs.digest ?? '', D);
  await git(app, 'tag', 'v1.1.0', D);
  const release2 = await succeed(
    'promote',
    { image: store, to: 'v1.1.0, prod' },
    pushTo('refs/tags/v1.1.0', D),
  );
  await deploy('prod', 'v1.1.0', release2.outputs.digest ?? '', D);
  const previousProd = JSON.parse(release2.outputs.previous ?? '{}').prod as string;
  const rollback = await succeed(
    'promote',
    { image: store, from: 'v1.0.0', to: 'prod' },
    { name: 'workflow_dispatch', ref: 'refs/heads/main', sha: D, payload: { inputs: { version: 'v1.0.0' } } },
  );
  const rollbackCommit = await deploy('prod', 'v1.0.0', rollback.outputs.digest ?? '', A);
  say(`5. commit ${short(D)} "fix: start without the cache" released as v1.1.0, then rolled back`, [
    `build-by-sha     built ${store}:${short(D)} → ${shortDigest(builtD.outputs.digest ?? '')}`,
    `promote          v1.1.0: new → ${shortDigest(release2.outputs.digest ?? '')}, prod: ${shortDigest(previousProd)} → ${shortDigest(release2.outputs.digest ?? '')}`,
    `rollback         prod: ${shortDigest(release2.outputs.digest ?? '')} → ${shortDigest(rollback.outputs.digest ?? '')} (v1.0.0, the digest stage tested in step 1; nothing rebuilt)`,
    `update-manifest  prod → v1.0.0  (manifest commit ${short(rollbackCommit)})`,
  ]);

  return {
    dir,
    store,
    manifests,
    commits: { A, B, C, D },
    digests: { A: digestA, C: builtC.outputs.digest ?? '', D: builtD.outputs.digest ?? '' },
    builds,
    events,
  };
}

interface Event {
  name: string;
  ref: string;
  sha: string;
  payload: object;
}

function pushTo(ref: string, sha: string): Event {
  return { name: 'push', ref, sha, payload: { ref, after: sha, head_commit: { id: sha } } };
}

async function setUpManifestRepository(
  dir: string,
  bare: string,
  git: (cwd: string, ...args: string[]) => Promise<unknown>,
): Promise<void> {
  const work = join(dir, 'manifests-seed');
  await mkdir(work, { recursive: true });
  await git(work, 'init', '-q', '-b', 'main');
  for (const environment of ENVIRONMENTS) {
    await mkdir(join(work, 'environments', environment), { recursive: true });
    await writeFile(
      join(work, 'environments', environment, 'kustomization.yaml'),
      [
        `# ${environment}: Argo CD syncs this folder.`,
        'apiVersion: kustomize.config.k8s.io/v1beta1',
        'kind: Kustomization',
        'resources:',
        '  - ../../base',
        'images:',
        `  - name: ${IMAGE_NAME} # set by flow-actions`,
        '    newTag: none',
        '',
      ].join('\n'),
    );
  }
  await git(work, 'add', '.');
  await git(work, 'commit', '-qm', 'chore: environments');
  await git(dir, 'clone', '-q', '--bare', work, bare);
}
