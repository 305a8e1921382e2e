import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { openStore } from '@flow-actions/oci-store';
import { type ActionRun, type RunActionOptions, runAction } from '@flow-actions/runner-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type GitHubFake, startGitHubFake } from '../github-fake';
import { type RunningRegistry, startRegistry } from '../services';
import { seedImage } from '../support/artifacts';
import { releasedAction } from './release-tree';

// Octokit is imported on a step's first GitHub call, never at start. The bundled actions run as
// the runner runs them, with Node's module hooks recording every module they load; ncc gives a
// dynamic import a chunk of its own, so the Octokit chunks are the files that hold its code.
const TOKEN = 'ghs_onDemandFakeToken0123456789';
let registry: RunningRegistry;
let github: GitHubFake;
let scratch: string;
let recorder: string;

/** Preloaded with `--import`: lists every module URL the action loads, written when it exits. */
const RECORDER = `import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const loaded = [];
registerHooks({ load(url, context, nextLoad) { loaded.push(url); return nextLoad(url, context); } });
process.on('exit', () => writeFileSync(process.env.FLOW_LOADED_MODULES, loaded.join('\\n')));
`;

beforeAll(async () => {
  [registry, github] = await Promise.all([
    startRegistry(),
    startGitHubFake({ token: TOKEN, repository: 'acme/api' }),
  ]);
  scratch = await mkdtemp(join(tmpdir(), 'octokit-on-demand-'));
  recorder = join(scratch, 'record-modules.mjs');
  await writeFile(recorder, RECORDER);
});
afterAll(async () => {
  await Promise.all([registry?.stop(), github?.stop()]);
  if (scratch) await rm(scratch, { recursive: true, force: true });
});

/** The files of an action's bundle that hold Octokit's code. */
async function octokitFiles(uses: string): Promise<string[]> {
  const dist = join(releasedAction(uses), 'dist');
  const files: string[] = [];
  for (const file of await readdir(dist))
    if (file.endsWith('.js') && (await readFile(join(dist, file), 'utf8')).includes('octokit-core.js'))
      files.push(file);
  return files;
}

/** Runs a released action and returns the files of its bundle that Node loaded. */
async function runRecorded(
  uses: string,
  options: Omit<RunActionOptions, 'actionDir'>,
): Promise<{ run: ActionRun; loaded: string[] }> {
  const list = join(scratch, `loaded-${uses}-${Date.now()}.txt`);
  const run = await runAction({
    ...options,
    actionDir: releasedAction(uses),
    apiUrl: github.url,
    githubToken: TOKEN,
    repository: 'acme/api',
    env: {
      DOCKER_CONFIG: join(scratch, 'no-docker-config'),
      NODE_OPTIONS: `--import=${recorder}`,
      FLOW_LOADED_MODULES: list,
      ...options.env,
    },
  });
  const bundle = join(releasedAction(uses), 'dist');
  const loaded = (await readFile(list, 'utf8'))
    .split('\n')
    .filter((url) => url.startsWith('file:') && fileURLToPath(url).startsWith(bundle))
    .map((url) => basename(fileURLToPath(url)));
  return { run, loaded };
}

describe('yank-artifact: GitHubClient is in its main bundle, Octokit is not', () => {
  const sha = 'e'.repeat(40);

  it('a yank through the registry never loads Octokit', async () => {
    const files = await octokitFiles('yank-artifact');
    expect(files.length).toBeGreaterThan(0);
    expect(files).not.toContain('index.js');
    const image = `${registry.host}/acme/yank-oci`;
    await seedImage(await openStore(image), { revision: sha });
    const { run, loaded } = await runRecorded('yank-artifact', {
      sha,
      inputs: { image, sha, reason: 'cve', backend: 'oci' },
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(loaded).toContain('index.js');
    expect(loaded.filter((file) => files.includes(file))).toEqual([]);
  });

  it('a yank through the GitHub Packages API loads it for its first call', async () => {
    const files = await octokitFiles('yank-artifact');
    const image = `${registry.host}/acme/yank-ghcr`;
    const seeded = await seedImage(await openStore(image), { revision: sha });
    github.seed.packageVersion({
      owner: 'acme',
      ownerType: 'org',
      packageType: 'container',
      packageName: 'yank-ghcr',
      name: seeded.digest,
      tags: [sha.slice(0, 7)],
    });
    const { run, loaded } = await runRecorded('yank-artifact', {
      sha,
      inputs: { image, sha, reason: 'cve', backend: 'ghcr', 'github-token': TOKEN },
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(loaded).toEqual(expect.arrayContaining(files));
    expect(github.schemaViolations).toEqual([]);
  });
});

describe('promote: its GitHub module and Octokit load only with require-checks or environment', () => {
  const sha = 'd'.repeat(40);
  const image = () => `${registry.host}/acme/promote-on-demand`;

  beforeAll(async () => {
    await seedImage(await openStore(image()), { revision: sha });
  });

  it('a promotion without them never loads Octokit', async () => {
    const files = await octokitFiles('promote');
    expect(files.length).toBeGreaterThan(0);
    const requestsBefore = github.requests.length;
    const { run, loaded } = await runRecorded('promote', {
      sha,
      inputs: { image: image(), from: sha, to: 'rc-1' },
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(loaded.filter((file) => files.includes(file))).toEqual([]);
    expect(github.requests.length).toBe(requestsBefore);
  });

  it('a promotion with require-checks loads it for the check-runs call', async () => {
    const files = await octokitFiles('promote');
    github.seed.checkRun({ name: 'test', head_sha: sha, conclusion: 'success' });
    const { run, loaded } = await runRecorded('promote', {
      sha,
      inputs: { image: image(), from: sha, to: 'rc-2', 'require-checks': 'test' },
    });
    expect(run.errors).toEqual([]);
    expect(run.exitCode).toBe(0);
    expect(loaded).toEqual(expect.arrayContaining(files));
    expect(github.requests.some((request) => request.operationId === 'checks/list-for-ref')).toBe(true);
    expect(github.schemaViolations).toEqual([]);
  });
});
