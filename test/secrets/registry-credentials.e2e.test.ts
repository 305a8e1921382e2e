import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@flow-actions/oci-store';
import { type ActionRun, runAction } from '@flow-actions/runner-harness';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { releasedAction } from '../e2e/release-tree';
import { type RunningFaultProxy, startFaultProxy } from '../fault-proxy';
import { type RunningRegistry, startRegistry } from '../services';
import { seedImage } from '../support/artifacts';
import { runFlow } from '../support/flow-cli';
import { expectNoLeak } from '../support/leaks';
import { skopeoDigest } from '../support/skopeo';

// Two real registries with different accounts: A answers with a token server (its own realm on
// another port), B with htpasswd behind a recording proxy. A promotion from A to B takes
// explicit credentials for one and the Docker config for the other; the token server and the
// proxy record every credential presented, so each is shown to have received only its own.
// The passwords hold the characters that break naive quoting, and a line break that would
// inject a workflow command if anything printed them.
const PASSWORD_A = 'a:p@ss%41"$HOME wörd\n::set-output name=leaked::a';
const PASSWORD_B = "b'p@ss:%zz $(id) `ü` &amp;\n::warning::b";
const USER_A = 'robot-a';
const USER_B = 'robot.b';

let registryA: RunningRegistry;
let registryB: RunningRegistry;
let proxyB: RunningFaultProxy;
/** Token auth whose realm is A's token server: a realm on another host, shared. */
let registryC: RunningRegistry;
let work: string;

beforeAll(async () => {
  [registryA, registryB] = await Promise.all([
    startRegistry({ auth: 'token', username: USER_A, password: PASSWORD_A }),
    startRegistry({ auth: 'htpasswd', username: USER_B, password: PASSWORD_B }),
  ]);
  registryC = await startRegistry({ auth: 'token', tokenServer: registryA.tokenServer });
  proxyB = await startFaultProxy({ target: registryB.url });
  work = await mkdtemp(join(tmpdir(), 'flow-registry-credentials-'));
});
afterAll(async () => {
  await proxyB?.stop();
  await Promise.all([registryA?.stop(), registryB?.stop(), registryC?.stop()]);
  await rm(work, { recursive: true, force: true });
});

const sha = (char: string) => char.repeat(40);
const basic = (user: string, password: string) =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
let count = 0;
const next = () => {
  count++;
  return count;
};

/** A Docker config holding exactly these `auths`, as docker/login-action writes them. */
async function dockerConfig(auths: Record<string, [string, string]>): Promise<string> {
  const dir = join(work, `docker-${next()}`);
  await mkdir(dir);
  const entries = Object.fromEntries(
    Object.entries(auths).map(([host, [user, password]]) => [
      host,
      { auth: Buffer.from(`${user}:${password}`).toString('base64') },
    ]),
  );
  await writeFile(join(dir, 'config.json'), JSON.stringify({ auths: entries }));
  return dir;
}

/** Seeds an image built from `revision` into A, logged in as A's account. */
async function seedA(repository: string, revision: string): Promise<string> {
  const store = await openStore(`${registryA.host}/${repository}`, {
    username: USER_A,
    password: PASSWORD_A,
  });
  return (await seedImage(store, { revision })).digest;
}

async function promote(inputs: Record<string, string>, configDir: string) {
  const workspace = join(work, `workspace-${next()}`);
  await mkdir(workspace);
  const run = await runAction({
    actionDir: releasedAction('promote'),
    inputs,
    workspace,
    env: { DOCKER_CONFIG: configDir, RUNNER_TEMP: join(work, 'runner-temp') },
  });
  return { run, workspace };
}

/** What A's token server was shown, by the repository each token was for. */
function presentedToA(repository: string) {
  return (registryA.tokenServer?.requests ?? [])
    .filter((request) => request.scopes.some((scope) => scope.includes(`:${repository}:`)))
    .map((request) => request.presented);
}

function expectOnlyAsCredentialsAtTokenServer(repository: string): void {
  const presented = presentedToA(repository);
  expect(presented.length).toBeGreaterThan(0);
  expect(presented).toEqual(presented.map(() => ({ username: USER_A, password: PASSWORD_A })));
}

function expectOnlyBsCredentialsAtB(): void {
  const headers = proxyB.requests.map((request) => request.authorization);
  expect(headers).toContain(basic(USER_B, PASSWORD_B));
  expect(headers.filter((header) => header !== undefined && header !== basic(USER_B, PASSWORD_B))).toEqual(
    [],
  );
}

function expectSucceeded(run: ActionRun): void {
  expect(run.errors).toEqual([]);
  expect(run.exitCode).toBe(0);
  // The line break in a password must never have become a workflow command.
  expect(run.outputs.leaked).toBeUndefined();
  expect(run.warnings).toEqual([]);
}

describe('username/password log in to one registry; every other one uses the Docker config', () => {
  it('explicit credentials for the first image, the Docker config for to-image: each registry gets only its own', async () => {
    const repository = `acme/api-${next()}`;
    const digest = await seedA(repository, sha('a'));
    proxyB.reset();
    const { run, workspace } = await promote(
      {
        image: `${registryA.host}/${repository}`,
        'to-image': `${proxyB.host}/${repository}`,
        from: sha('a'),
        to: 'stage',
        username: USER_A,
        password: PASSWORD_A,
      },
      await dockerConfig({ [proxyB.host]: [USER_B, PASSWORD_B] }),
    );
    expectSucceeded(run);
    expect(run.outputs.digest).toBe(digest);
    expect(
      await skopeoDigest(`${registryB.host}/${repository}:stage`, { creds: `${USER_B}:${PASSWORD_B}` }),
    ).toBe(digest);
    expectOnlyAsCredentialsAtTokenServer(repository);
    expectOnlyBsCredentialsAtB();
    expect(run.masks).toContain(PASSWORD_A);
    await expectNoLeak(run, [PASSWORD_A, PASSWORD_B, `${USER_A}:${PASSWORD_A}`], [workspace]);
  });

  it('input registry binds them to the destination instead; the source reads the Docker config', async () => {
    const repository = `acme/api-${next()}`;
    const digest = await seedA(repository, sha('b'));
    proxyB.reset();
    const { run, workspace } = await promote(
      {
        image: `${registryA.host}/${repository}`,
        'to-image': `${proxyB.host}/${repository}`,
        from: sha('b'),
        to: 'stage',
        registry: proxyB.host,
        username: USER_B,
        password: PASSWORD_B,
      },
      await dockerConfig({ [registryA.host]: [USER_A, PASSWORD_A] }),
    );
    expectSucceeded(run);
    expect(run.outputs.digest).toBe(digest);
    expectOnlyAsCredentialsAtTokenServer(repository);
    expectOnlyBsCredentialsAtB();
    await expectNoLeak(run, [PASSWORD_A, PASSWORD_B], [workspace]);
  });

  it("a registry whose realm is another registry's token server never gets the first registry's credentials sent there", async () => {
    // C's challenge names A's token server. The old behaviour sent A's explicit credentials for
    // C's scopes too, and the token server granted the push; now C has no credentials of its own.
    const repository = `acme/api-${next()}`;
    const target = `other/target-${count}`;
    await seedA(repository, sha('c'));
    const { run } = await promote(
      {
        image: `${registryA.host}/${repository}`,
        'to-image': `${registryC.host}/${target}`,
        from: sha('c'),
        to: 'stage',
        username: USER_A,
        password: PASSWORD_A,
      },
      await dockerConfig({}),
    );
    expect(run.exitCode).toBe(1);
    expect(run.errors).toEqual([expect.stringContaining(`registry ${registryC.host} requires credentials`)]);
    const forC = presentedToA(target);
    expect(forC.length).toBeGreaterThan(0);
    expect(forC).toEqual(forC.map(() => undefined));
    expectOnlyAsCredentialsAtTokenServer(repository);
    expect(
      await skopeoDigest(`${registryC.host}/${target}:stage`, { creds: `${USER_A}:${PASSWORD_A}` }),
    ).toBeUndefined();
    await expectNoLeak(run, [PASSWORD_A]);
  });

  it('flow promote on the command line binds --username/--password the same way', async () => {
    const repository = `acme/api-${next()}`;
    const digest = await seedA(repository, sha('d'));
    proxyB.reset();
    const home = join(work, `home-${next()}`);
    await mkdir(home);
    const run = await runFlow(
      [
        'promote',
        '--image',
        `${registryA.host}/${repository}`,
        '--to-image',
        `${proxyB.host}/${repository}`,
        '--from',
        sha('d'),
        '--to',
        'stage',
        '--username',
        USER_A,
        '--password',
        PASSWORD_A,
        '--verbose',
      ],
      {
        cwd: home,
        env: { HOME: home, DOCKER_CONFIG: await dockerConfig({ [proxyB.host]: [USER_B, PASSWORD_B] }) },
      },
    );
    expect(run.exitCode, run.stderr).toBe(0);
    expect(run.stdout).toContain(digest.slice(7, 19));
    expectOnlyAsCredentialsAtTokenServer(repository);
    expectOnlyBsCredentialsAtB();
    await expectNoLeak(run, [PASSWORD_A, PASSWORD_B], [home]);
  });
});
