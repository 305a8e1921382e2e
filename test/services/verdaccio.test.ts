import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningVerdaccio, startVerdaccio } from './index';

/** npm's environment without the npm_config_* a pnpm script would pass down. */
function npmEnv(): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(process.env).filter(([name]) => !/^npm_config_/i.test(name)));
}

describe('verdaccio with the real npm CLI', () => {
  let verdaccio: RunningVerdaccio;
  let work: string;
  beforeAll(async () => {
    verdaccio = await startVerdaccio();
    work = await mkdtemp(join(tmpdir(), 'flow-npm-work-'));
  });
  afterAll(async () => {
    await verdaccio.stop();
    await rm(work, { recursive: true, force: true });
  });

  it('gives a user with a token on 127.0.0.1', async () => {
    expect(verdaccio.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(verdaccio.token.length).toBeGreaterThan(10);
    const whoami = await fetch(`${verdaccio.url}/-/whoami`, {
      headers: { Authorization: `Bearer ${verdaccio.token}` },
    });
    expect(await whoami.json()).toEqual({ username: verdaccio.username });
  });

  it('takes an npm publish with the token and serves the version to npm view; no secret reaches a log', async () => {
    const npmrc = await verdaccio.writeNpmrc(join(work, '.npmrc'));
    expect(await readFile(npmrc, 'utf8')).toContain(`//${verdaccio.host}/:_authToken=`);
    const pkg = join(work, 'pkg');
    await mkdir(pkg);
    await writeFile(
      join(pkg, 'package.json'),
      JSON.stringify({ name: '@flow-kit/tiny', version: '1.2.3', description: 'kit test', main: 'index.js' }),
    );
    await writeFile(join(pkg, 'index.js'), 'module.exports = 42;\n');
    const common = ['--userconfig', npmrc, '--registry', `${verdaccio.url}/`];
    const published = await exec('npm', ['publish', ...common, '--access', 'public'], {
      cwd: pkg,
      env: npmEnv(),
    });
    expect(published.stdout).toContain('+ @flow-kit/tiny@1.2.3');

    const viewed = await exec('npm', ['view', '@flow-kit/tiny', '--json', ...common], {
      cwd: work,
      env: npmEnv(),
    });
    const info = JSON.parse(viewed.stdout) as { version: string; 'dist-tags': Record<string, string> };
    expect(info.version).toBe('1.2.3');
    expect(info['dist-tags']).toEqual({ latest: '1.2.3' });

    const output = [published.stdout, published.stderr, viewed.stdout, viewed.stderr].join('\n');
    const log = await readFile(verdaccio.logFile, 'utf8');
    expect(log).toContain('@flow-kit');
    for (const secret of [verdaccio.token, verdaccio.password]) {
      expect(output).not.toContain(secret);
      expect(log).not.toContain(secret);
    }
  });

  it('refuses a publish without a token, and never proxies the public registry', async () => {
    const anonymous = await fetch(`${verdaccio.url}/@flow-kit%2fother`, {
      method: 'PUT',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ name: '@flow-kit/other', versions: {} }),
    });
    expect(anonymous.status).toBe(401);
    // Known to the public registry, unknown here: no uplink.
    expect((await fetch(`${verdaccio.url}/left-pad`)).status).toBe(404);
  });

  it('stop() kills the pid and closes the port', async () => {
    const other = await startVerdaccio({ username: 'second', password: 'second-password-1' });
    await other.stop();
    expect(() => process.kill(other.pid, 0)).toThrow();
    await expect(fetch(`${other.url}/-/ping`)).rejects.toThrow(/fetch failed/);
  });

  it('names the install command when verdaccio is missing', async () => {
    await expect(startVerdaccio({ binary: '/nonexistent/verdaccio' })).rejects.toThrow(
      /^verdaccio is not installed \(looked for \/nonexistent\/verdaccio\): run "npx -y pnpm@10.34.9 install/,
    );
  });
});
