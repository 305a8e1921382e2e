import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { computeDigest, openStore } from '@flow-actions/oci-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRegistry, startRegistry } from '../services';
import { seedImage } from '../support/artifacts';
import { type FlowRun, runFlow } from '../support/flow-cli';
import { skopeoDigest } from '../support/skopeo';

// `flow --verbose` and upload progress, as a real process against the real registry with token
// auth: what stderr shows, that stdout stays one JSON object, and that no secret is on either.
const REVISION = 'd'.repeat(40);
const MIB = 1024 * 1024;
let registry: RunningRegistry;
let work: string;

beforeAll(async () => {
  registry = await startRegistry({ auth: 'token' });
  work = await mkdtemp(join(tmpdir(), 'flow-verbose-'));
});
afterAll(async () => {
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

const credentials = () => ['--username', registry.username ?? '', '--password', registry.password ?? ''];
const flow = (args: string[], cwd = work): Promise<FlowRun> =>
  runFlow(args, { cwd, env: { HOME: work, DOCKER_CONFIG: join(work, 'no-docker-config') } });

/** Every secret form a leak could take: the password, Basic `user:pass`, any bearer token (a JWT). */
function expectNoSecret(text: string): void {
  const password = registry.password ?? '';
  expect(text).not.toContain(password);
  expect(text).not.toContain(Buffer.from(`${registry.username}:${password}`).toString('base64'));
  expect(text).not.toMatch(/authorization|bearer|basic /i);
  expect(text).not.toMatch(/eyJ[\w-]+\.eyJ/);
}

const REQUEST_LINE =
  /^(GET|HEAD|PUT|POST|PATCH|DELETE) (http:\/\/\S+) → (\d{3}|\S+) in \d+ ms, sent \d+ bytes(, received .*)?$/;

describe('flow promote --verbose', () => {
  it('logs every registry request on stderr, redacted; --json stdout still parses', async () => {
    const repo = `${registry.host}/acme/verbose`;
    const owner = await openStore(repo, { username: registry.username, password: registry.password });
    const seeded = await seedImage(owner, { revision: REVISION });

    const run = await flow([
      'promote',
      '--image',
      repo,
      '--from',
      REVISION.slice(0, 7),
      '--to',
      'rc-1',
      '--json',
      '--verbose',
      ...credentials(),
    ]);
    expect(run.exitCode).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ ok: true, images: [{ digest: seeded.digest }] });
    const requests = run.stderr
      .split('\n')
      .map((line) => REQUEST_LINE.exec(line))
      .filter((match) => match !== null);
    const seen = requests.map(
      ([, method, url, status]) => `${method} ${url?.replace(`http://${registry.host}`, '')} ${status}`,
    );
    // The challenge, the token, every registry request.
    expect(seen).toEqual(
      expect.arrayContaining([
        `GET /v2/acme/verbose/manifests/${REVISION.slice(0, 7)} 401`,
        `GET /v2/acme/verbose/manifests/${REVISION.slice(0, 7)} 200`,
        'PUT /v2/acme/verbose/manifests/rc-1 201',
      ]),
    );
    // The scopes asked for are shown: they say what a permission error is about.
    expect(seen).toContainEqual(
      expect.stringMatching(
        /\/token\?service=flow-test-registry&scope=repository%3Aacme%2Fverbose%3Apull%2Cpush 200$/,
      ),
    );
    expect(requests.length).toBeGreaterThanOrEqual(6);
    expectNoSecret(run.stderr + run.stdout);
    expect(await skopeoDigest(`${repo}:rc-1`, { creds: `${registry.username}:${registry.password}` })).toBe(
      seeded.digest,
    );
  });

  it('without --verbose logs no request', async () => {
    const repo = `${registry.host}/acme/quiet`;
    const owner = await openStore(repo, { username: registry.username, password: registry.password });
    await seedImage(owner, { revision: REVISION });
    const run = await flow([
      'promote',
      '--image',
      repo,
      '--from',
      REVISION,
      '--to',
      'rc-1',
      ...credentials(),
    ]);
    expect(run.exitCode).toBe(0);
    expect(run.stderr.split('\n').filter((line) => REQUEST_LINE.test(line))).toEqual([]);
    expect(run.stderr).not.toMatch(/→/);
  });
});

describe('flow build --kind archive of a large file', () => {
  it('shows upload progress on stderr in plain lines (stderr is no terminal), never on stdout', async () => {
    const checkout = await mkdtemp(join(work, 'checkout-'));
    const git = (...args: string[]) => exec('git', ['-C', checkout, ...args]);
    await git('init', '-q', '-b', 'main');
    await writeFile(join(checkout, '.gitignore'), 'dist/\n');
    await git('add', '.');
    await git('-c', 'user.name=t', '-c', 'user.email=t@example.com', 'commit', '-qm', 'feat: app');
    const sha = (await git('rev-parse', 'HEAD')).stdout.trim();
    const archive = randomBytes(20 * MIB);
    await exec('mkdir', ['-p', join(checkout, 'dist')]);
    await writeFile(join(checkout, 'dist', 'app.zip'), archive);
    const repo = `${registry.host}/acme/big`;

    const run = await flow(
      [
        'build',
        '--image',
        repo,
        '--kind',
        'archive',
        '--path',
        'dist/app.zip',
        '--source',
        'https://github.com/acme/app',
        '--json',
        ...credentials(),
      ],
      checkout,
    );
    expect(run.exitCode).toBe(0);
    const output = JSON.parse(run.stdout) as { images: { digest: string }[] };
    const layer = `${computeDigest(archive).slice(0, 'sha256:'.length + 12)}…`;
    const progress = run.stderr.split('\n').filter((line) => line.includes(layer));
    expect(progress).toEqual([
      `Uploading ${layer} to ${repo}: 0.0 of 20.0 MiB (0%)`,
      `Uploading ${layer} to ${repo}: 8.0 of 20.0 MiB (40%)`,
      `Uploading ${layer} to ${repo}: 16.0 of 20.0 MiB (80%)`,
      `Uploaded ${layer} to ${repo}: 20.0 of 20.0 MiB (100%)`,
    ]);
    expect(run.stderr).not.toContain('\r');
    expect(run.stdout).not.toContain('Upload');
    expectNoSecret(run.stderr + run.stdout);
    expect(
      await skopeoDigest(`${repo}:${sha.slice(0, 7)}`, {
        creds: `${registry.username}:${registry.password}`,
      }),
    ).toBe(output.images[0]?.digest);
  });
});
