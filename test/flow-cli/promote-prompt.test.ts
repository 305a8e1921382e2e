import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openStore } from '@flow-actions/oci-store';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningRegistry, requireBinary, startRegistry } from '../services';
import { type SeededImage, seedImage } from '../support/artifacts';
import { skopeoDigest } from '../support/skopeo';
import { flowOnTerminal, type TerminalRun } from '../support/terminal';

// `flow promote` on a terminal shows the plan and asks before it creates an immutable tag. The
// terminal is real (test/support/terminal.ts): util-linux `script` runs flow on a pseudo-terminal,
// and the test types the answer once the question is on the screen. skopeo, an independent client,
// says what was written.
const ROOT = join(import.meta.dirname, '..', '..');
const LAUNCHER = join(ROOT, 'packages', 'flow-cli', 'bin', 'flow.js');
const REVISION = 'c0ffee00c0ffee00c0ffee00c0ffee00c0ffee00';

let registry: RunningRegistry;
let work: string;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  await requireBinary('script', 'apt-get install -y util-linux');
  registry = await startRegistry();
  work = await mkdtemp(join(tmpdir(), 'flow-prompt-'));
  await writeFile(join(work, 'config.json'), '{"auths":{}}');
  env = { PATH: process.env.PATH, HOME: work, DOCKER_CONFIG: work, TERM: 'dumb' };
});
afterAll(async () => {
  await registry?.stop();
  if (work) await rm(work, { recursive: true, force: true });
});

/** Runs flow on a pseudo-terminal; when the screen shows `[y/N]`, types `answer` and Enter. */
function onTerminal(args: string[], answer?: string): Promise<TerminalRun> {
  return flowOnTerminal(args, {
    cwd: work,
    env,
    ...(answer !== undefined ? { answers: [['[y/N]', answer]] } : {}),
  });
}

/** Runs flow with stdin, stdout and stderr all pipes: a script, a CI job. */
function inPipes(args: string[]): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      process.execPath,
      [LAUNCHER, ...args],
      { cwd: work, env, timeout: 60_000 },
      (error, stdout, stderr) => {
        resolve({ exitCode: error ? Number(error.code ?? -1) : 0, stdout, stderr });
      },
    );
  });
}

let count = 0;
async function seeded(): Promise<{ repo: string; old: SeededImage; image: SeededImage }> {
  count++;
  const repo = `${registry.host}/acme/prompt-${count}`;
  const store = await openStore(repo);
  const old = await seedImage(store, { revision: 'a'.repeat(40), tag: 'prod' });
  const image = await seedImage(store, { revision: REVISION });
  return { repo, old, image };
}

describe('flow promote on a terminal asks before creating an immutable tag', () => {
  it('shows the plan; "n" writes nothing, exit 1; "y" writes, exit 0', async () => {
    const { repo, old, image } = await seeded();
    const args = ['promote', '--image', repo, '--from', REVISION.slice(0, 7), '--to', 'v1.0.0,prod'];

    const declined = await onTerminal(args, 'n');
    expect(declined.exitCode).toBe(1);
    expect(declined.screen).toContain(`Promote commit ${REVISION.slice(0, 7)} (${image.digest}) in ${repo}:`);
    const plan = declined.screen.split('\n').map((line) => line.trimEnd());
    const row = (...cells: string[]) => new RegExp(`^  ${cells.join(' +')}$`);
    expect(plan).toContainEqual(expect.stringMatching(row('TAG', 'CHANGE', 'KIND')));
    expect(plan).toContainEqual(expect.stringMatching(row('v1\\.0\\.0', 'new', 'immutable')));
    expect(plan).toContainEqual(
      expect.stringMatching(
        row('prod', `moves ${old.digest.slice(0, 19)}… → ${image.digest.slice(0, 19)}…`, 'moving'),
      ),
    );
    expect(declined.screen).toContain(
      'Create the immutable tag v1.0.0? It can never be moved or taken back. [y/N]',
    );
    expect(declined.screen).toContain(
      'flow promote: The promotion was not confirmed, so nothing was written.',
    );
    expect(await skopeoDigest(`${repo}:v1.0.0`)).toBeUndefined();
    expect(await skopeoDigest(`${repo}:prod`)).toBe(old.digest);

    const confirmed = await onTerminal(args, 'y');
    expect(confirmed.exitCode).toBe(0);
    expect(confirmed.screen).toContain('[y/N]');
    expect(confirmed.screen).toContain(`Promoted commit ${REVISION.slice(0, 7)}`);
    expect(await skopeoDigest(`${repo}:v1.0.0`)).toBe(image.digest);
    expect(await skopeoDigest(`${repo}:prod`)).toBe(image.digest);
  });

  it('anything but y or yes is no; --yes and moving tags alone never ask', async () => {
    const { repo, old, image } = await seeded();
    const maybe = await onTerminal(['promote', '--image', repo, '--from', REVISION, '--to', 'rc-1'], 'sure');
    expect(maybe.exitCode).toBe(1);
    expect(await skopeoDigest(`${repo}:rc-1`)).toBeUndefined();

    const moving = await onTerminal(['promote', '--image', repo, '--from', REVISION, '--to', 'demo']);
    expect(moving.exitCode).toBe(0);
    expect(moving.screen).not.toContain('[y/N]');

    const scripted = await onTerminal([
      'promote',
      '--image',
      repo,
      '--from',
      REVISION,
      '--to',
      'rc-1,prod',
      '--yes',
    ]);
    expect(scripted.exitCode).toBe(0);
    expect(scripted.screen).not.toContain('[y/N]');
    expect(await skopeoDigest(`${repo}:rc-1`)).toBe(image.digest);
    expect(await skopeoDigest(`${repo}:prod`)).toBe(image.digest);
    expect(old.digest).not.toBe(image.digest);
  });

  it('with no terminal it does not ask and writes as before, saying so on stderr', async () => {
    const { repo, image } = await seeded();
    const run = await inPipes(['promote', '--image', repo, '--from', REVISION, '--to', 'v1.0.0']);
    expect(run.exitCode).toBe(0);
    expect(run.stderr).toContain(
      'Not on a terminal, so not asking: writing the immutable tag v1.0.0 (pass --yes to say so).',
    );
    expect(await skopeoDigest(`${repo}:v1.0.0`)).toBe(image.digest);
  });

  it('a typo in the version is refused before the question, naming the flag', async () => {
    const { repo } = await seeded();
    const run = await onTerminal(['promote', '--image', repo, '--from', REVISION, '--to', 'v1.0']);
    expect(run.exitCode).toBe(1);
    expect(run.screen).not.toContain('[y/N]');
    expect(run.screen).toContain(
      'flow promote: --to has v1.0, which is not a semver release tag: write vMAJOR.MINOR.PATCH or vMAJOR.MINOR.PATCH-PRERELEASE (e.g. v1.4.0, v2.0.0-rc.1). If this project versions otherwise, pass --version-scheme calver (or none).',
    );
    expect(await skopeoDigest(`${repo}:v1.0`)).toBeUndefined();
  });
});
