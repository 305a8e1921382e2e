import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { nullLogger, RecordingLogger, SecretMasker } from '@flow-actions/action-kit';
import { afterAll, describe, expect, it } from 'vitest';
import {
  NPM_INSTALL_HINT,
  type NpmSessionOptions,
  npmEnvironment,
  npmrcText,
  withNpmSession,
} from './npm-runner';

// The real npm CLI, reading its own configuration only: no registry is contacted.
const REGISTRY = 'http://127.0.0.1:4873/team/';
const TOKEN = 'npm_sessionToken1234567890';
const DEAD = 'http://127.0.0.1:9/';

const temps: string[] = [];
afterAll(() => Promise.all(temps.map((dir) => rm(dir, { recursive: true, force: true }))));

async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'flow-npm-runner-test-'));
  temps.push(dir);
  return dir;
}

async function session(overrides: Partial<NpmSessionOptions> = {}): Promise<NpmSessionOptions> {
  return {
    registry: REGISTRY,
    token: TOKEN,
    masker: new SecretMasker(),
    logger: nullLogger,
    tempDir: await tempDir(),
    ...overrides,
  };
}

/** Runs `body` with `variables` in this process's environment, as a job's `env:` would set them. */
async function withEnv<T>(variables: Record<string, string>, body: () => Promise<T>): Promise<T> {
  const before = Object.fromEntries(Object.keys(variables).map((name) => [name, process.env[name]]));
  Object.assign(process.env, variables);
  try {
    return await body();
  } finally {
    for (const [name, value] of Object.entries(before)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
  }
}

describe('npmrcText', () => {
  it.each([
    [REGISTRY, TOKEN, `registry=${REGISTRY}\n//127.0.0.1:4873/team/:_authToken=${TOKEN}\n`],
    [
      'https://registry.npmjs.org/',
      TOKEN,
      `registry=https://registry.npmjs.org/\n//registry.npmjs.org/:_authToken=${TOKEN}\n`,
    ],
    ['https://registry.npmjs.org/', undefined, 'registry=https://registry.npmjs.org/\n'],
  ])('%s with token %s', (registry, token, expected) => {
    expect(npmrcText(registry, token)).toBe(expected);
  });
});

describe('npmEnvironment', () => {
  const parent = {
    PATH: '/usr/bin',
    HOME: '/home/runner',
    HTTPS_PROXY: 'http://proxy:3128',
    NODE_AUTH_TOKEN: 'inherited-token',
    npm_config_registry: DEAD,
    NPM_CONFIG_USERCONFIG: '/home/runner/.npmrc',
    npm_config__authToken: 'inherited-token',
    'npm_config_//registry.npmjs.org/:_authToken': 'inherited-token',
    npm_config_globalconfig: '/etc/npmrc',
    npm_config_fetch_retries: '5',
    NPM_CONFIG_FETCH_RETRY_MINTIMEOUT: '50',
    npm_config_https_proxy: 'http://proxy:3128',
    npm_config_noproxy: 'localhost',
  };
  const env = npmEnvironment(parent, '/tmp/session');

  it.each([
    'NODE_AUTH_TOKEN',
    'npm_config_registry',
    'npm_config__authToken',
    'npm_config_//registry.npmjs.org/:_authToken',
    'npm_config_globalconfig',
  ])('drops %s', (name) => {
    expect(env).not.toHaveProperty([name]);
  });

  it.each([
    ['PATH', '/usr/bin'],
    ['HTTPS_PROXY', 'http://proxy:3128'],
    ['npm_config_fetch_retries', '5'],
    ['NPM_CONFIG_FETCH_RETRY_MINTIMEOUT', '50'],
    ['npm_config_https_proxy', 'http://proxy:3128'],
    ['npm_config_noproxy', 'localhost'],
  ])('keeps %s', (name, value) => {
    expect(env[name]).toBe(value);
  });

  it('points npm at the session npmrc and cache, with no log files, notices or audits', () => {
    expect(env).toMatchObject({
      NPM_CONFIG_USERCONFIG: '/tmp/session/npmrc',
      npm_config_cache: '/tmp/session/cache',
      npm_config_logs_max: '0',
      npm_config_update_notifier: 'false',
      npm_config_fund: 'false',
      npm_config_audit: 'false',
    });
  });

  it('never changes the environment it was given', () => {
    expect(parent.npm_config_registry).toBe(DEAD);
    expect(parent.NPM_CONFIG_USERCONFIG).toBe('/home/runner/.npmrc');
  });
});

describe('withNpmSession (real npm CLI)', () => {
  it("npm reads the session's registry and npmrc, not those of an inherited npm_config_*", async () => {
    const other = join(await tempDir(), 'other-npmrc');
    await writeFile(other, `registry=${DEAD}\n`);
    const config = await withEnv(
      {
        npm_config_registry: DEAD,
        // npm takes the last of these in the environment's order: this order would beat ours.
        NPM_CONFIG_USERCONFIG: other,
        npm_config_userconfig: other,
        npm_config_fetch_retries: '7',
      },
      async () =>
        withNpmSession(await session(), async ({ run, dir }) => {
          const result = await run(['config', 'get', 'registry', 'userconfig', 'fetch-retries']);
          expect(result.exitCode).toBe(0);
          return { stdout: result.stdout, npmrc: join(dir, 'npmrc') };
        }),
    );
    expect(config.stdout.trim().split('\n')).toEqual([
      `registry=${REGISTRY}`,
      `userconfig=${config.npmrc}`,
      // Network settings from the step's env still reach npm.
      'fetch-retries=7',
    ]);
  });

  it('the token is only in a mode 600 npmrc in the temp dir, never on a logged command line; all is removed', async () => {
    const logger = new RecordingLogger();
    const options = await session({ logger, tempPrefix: 'flow-test-npm-' });
    const seen = await withNpmSession(options, async ({ run, dir }) => {
      await run(['config', 'get', 'registry']);
      const npmrc = join(dir, 'npmrc');
      return {
        dir,
        mode: (await stat(npmrc)).mode & 0o777,
        text: await readFile(npmrc, 'utf8'),
        entries: await readdir(options.tempDir as string),
      };
    });
    expect(seen.mode).toBe(0o600);
    expect(seen.text).toBe(npmrcText(REGISTRY, TOKEN));
    expect(seen.entries).toEqual([expect.stringMatching(/^flow-test-npm-/)]);
    expect(seen.dir.startsWith(options.tempDir as string)).toBe(true);
    const logged = logger.entries.map((entry) => entry.message).join('\n');
    expect(logged).toContain(`--registry ${REGISTRY}`);
    expect(logged).not.toContain(TOKEN);
    expect(await readdir(options.tempDir as string)).toEqual([]);
  });

  it('removes the npmrc when the body fails, and passes the failure on', async () => {
    const options = await session();
    await expect(
      withNpmSession(options, async () => {
        throw new Error('publish went wrong');
      }),
    ).rejects.toThrow('publish went wrong');
    expect(await readdir(options.tempDir as string)).toEqual([]);
  });

  it('masks the token and redacts it from what npm prints', async () => {
    const options = await session();
    // A stand-in for npm that prints its npmrc: `sh -c SCRIPT --registry URL`.
    const stdout = await withNpmSession({ ...options, npmBinary: 'sh' }, async ({ run }) => {
      const result = await run(['-c', 'cat "$NPM_CONFIG_USERCONFIG"']);
      return result.stdout;
    });
    expect(stdout).toBe(`registry=${REGISTRY}\n//127.0.0.1:4873/team/:_authToken=***\n`);
    expect(options.masker.redact(`token ${TOKEN}`)).toBe('token ***');
  });

  it('runs in the session folder unless given a cwd', async () => {
    const elsewhere = await tempDir();
    const cwds = await withNpmSession({ ...(await session()), npmBinary: 'sh' }, async ({ run, dir }) => ({
      dir,
      own: (await run(['-c', 'pwd'])).stdout.trim(),
      given: (await run(['-c', 'pwd'], { cwd: elsewhere })).stdout.trim(),
    }));
    expect(cwds.own).toBe(cwds.dir);
    expect(cwds.given).toBe(elsewhere);
  });

  it('returns a failing exit instead of throwing', async () => {
    const result = await withNpmSession(await session(), ({ run }) =>
      run(['view', '@flow/none', 'version', '--offline']),
    );
    expect(result.exitCode).not.toBe(0);
  });

  it('says how to install npm when it is missing', async () => {
    await expect(
      withNpmSession(await session({ npmBinary: 'no-such-npm-flow' }), ({ run }) => run(['--version'])),
    ).rejects.toThrow(String(NPM_INSTALL_HINT));
  });
});
