import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type RunningGitServer, startGitServer } from './index';

let home: string;

/** Real git with no user or system config, never prompting for a password. */
function git(args: string[], cwd?: string) {
  return exec('git', args, {
    ...(cwd ? { cwd } : {}),
    env: {
      PATH: process.env.PATH,
      HOME: home,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_TERMINAL_PROMPT: '0',
      GIT_AUTHOR_NAME: 'Kit Test',
      GIT_AUTHOR_EMAIL: 'kit@example.invalid',
      GIT_COMMITTER_NAME: 'Kit Test',
      GIT_COMMITTER_EMAIL: 'kit@example.invalid',
    },
  });
}

beforeAll(async () => {
  home = await mkdtemp(join(tmpdir(), 'flow-git-home-'));
});
afterAll(() => rm(home, { recursive: true, force: true }));

describe('git server over smart HTTP', () => {
  let server: RunningGitServer;
  beforeAll(async () => {
    server = await startGitServer();
  });
  afterAll(() => server.stop());

  it('clones a seeded repository, takes a push, and a second clone sees the commit', async () => {
    const repo = await server.createBareRepository('acme/manifests', {
      files: { 'envs/stage/kustomization.yaml': 'images:\n  - name: app\n    newTag: abc1234\n' },
    });
    expect(repo.url).toBe(`${server.url}/acme/manifests.git`);
    expect(repo.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\//);
    const first = join(home, 'first');
    await git(['clone', '--quiet', repo.url, first]);
    expect(await readFile(join(first, 'envs/stage/kustomization.yaml'), 'utf8')).toContain('newTag: abc1234');

    await writeFile(
      join(first, 'envs/stage/kustomization.yaml'),
      'images:\n  - name: app\n    newTag: def5678\n',
    );
    await git(['commit', '--quiet', '-am', 'deploy def5678 to stage'], first);
    const pushed = (await git(['rev-parse', 'HEAD'], first)).stdout.trim();
    await git(['push', '--quiet', 'origin', 'main'], first);

    const second = join(home, 'second');
    await git(['clone', '--quiet', repo.url, second]);
    expect((await git(['rev-parse', 'HEAD'], second)).stdout.trim()).toBe(pushed);
    expect((await git(['log', '-1', '--format=%s'], second)).stdout.trim()).toBe('deploy def5678 to stage');
    expect(
      server.requests.some(
        (r) => r.method === 'POST' && r.service === 'git-receive-pack' && r.status === 200,
      ),
    ).toBe(true);
    expect(server.requests.filter((r) => r.service === 'git-upload-pack').length).toBeGreaterThanOrEqual(2);
  });

  it('serves an empty repository that takes a first push', async () => {
    const repo = await server.createBareRepository('empty.git');
    const work = join(home, 'empty');
    await git(['clone', '--quiet', repo.url, work]);
    await writeFile(join(work, 'README'), 'hello\n');
    await git(['add', 'README'], work);
    await git(['commit', '--quiet', '-m', 'first'], work);
    await git(['push', '--quiet', 'origin', 'HEAD:main'], work);
    const remote = await git(['ls-remote', repo.url]);
    expect(remote.stdout).toMatch(/^[0-9a-f]{40}\tHEAD\n[0-9a-f]{40}\trefs\/heads\/main\n$/);
  });

  it('refuses a repository name that leaves the root', async () => {
    await expect(server.createBareRepository('../outside')).rejects.toThrow(
      'Invalid repository name "../outside"',
    );
  });
});

describe('git server that requires a token', () => {
  const token = 'ghs_kitTestToken0123456789';
  let server: RunningGitServer;
  beforeAll(async () => {
    server = await startGitServer({ token });
  });
  afterAll(() => server.stop());

  it('answers 401 with a Basic challenge without the token', async () => {
    const repo = await server.createBareRepository('private', { files: { 'a.txt': 'a\n' } });
    const response = await fetch(`${repo.url}/info/refs?service=git-upload-pack`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toBe('Basic realm="flow-test-git"');
    await expect(git(['clone', '--quiet', repo.url, join(home, 'denied')])).rejects.toThrow(
      /401|Authentication failed|could not read Username/,
    );
  });

  it('lets git in with the token in an extra header, and the remote URL on disk carries no token', async () => {
    const repo = await server.createBareRepository('private-2', { files: { 'a.txt': 'a\n' } });
    const header = `Authorization: Basic ${Buffer.from(`x-access-token:${token}`).toString('base64')}`;
    const work = join(home, 'authorized');
    await git(['-c', `http.extraHeader=${header}`, 'clone', '--quiet', repo.url, work]);
    await writeFile(join(work, 'b.txt'), 'b\n');
    await git(['add', 'b.txt'], work);
    await git(['commit', '--quiet', '-m', 'add b'], work);
    await git(['-c', `http.extraHeader=${header}`, 'push', '--quiet', 'origin', 'main'], work);
    const config = await readFile(join(work, '.git', 'config'), 'utf8');
    expect(config).toContain(`url = ${repo.url}`);
    expect(config).not.toContain(token);
    const receive = server.requests.filter((r) => r.service === 'git-receive-pack');
    expect(receive.length).toBeGreaterThan(0);
    expect(receive.every((r) => r.authenticated)).toBe(true);
  });

  it('stop() closes the port', async () => {
    const other = await startGitServer();
    await other.stop();
    await expect(fetch(`${other.url}/x.git/info/refs`)).rejects.toThrow(/fetch failed/);
  });

  it('names the install command when git is missing', async () => {
    await expect(startGitServer({ gitBinary: '/nonexistent/git' })).rejects.toThrow(
      'git is not installed (looked for /nonexistent/git): run "apt-get install -y git"',
    );
  });
});
