import { ConfigurationError, RecordingLogger, SecretMasker } from '@flow-actions/action-kit';
import { describe, expect, test } from 'vitest';
import { GitHubClient } from './client';

const TOKEN = 'ghs_unitTestToken0123456789';

describe('GitHubClient options', () => {
  test.each([
    { options: { token: '', repository: 'acme/api' }, message: 'no GitHub token' },
    { options: { token: '  ', repository: 'acme/api' }, message: 'no GitHub token' },
    { options: { token: TOKEN, repository: 'acme' }, message: 'repository "acme" is not owner/name' },
    { options: { token: TOKEN, repository: 'acme/api/x' }, message: 'is not owner/name' },
    {
      options: { token: TOKEN, repository: 'acme/api', apiUrl: 'http://github.example.com/api/v3' },
      message: 'is not HTTPS',
    },
    { options: { token: TOKEN, repository: 'acme/api', apiUrl: 'not a url' }, message: 'is not a URL' },
  ])('$message', ({ options, message }) => {
    expect(() => new GitHubClient(options)).toThrow(ConfigurationError);
    expect(() => new GitHubClient(options)).toThrow(message);
  });

  test('defaults to GITHUB_API_URL, then api.github.com; loopback may be plain HTTP', () => {
    const saved = process.env.GITHUB_API_URL;
    try {
      delete process.env.GITHUB_API_URL;
      expect(new GitHubClient({ token: TOKEN, repository: 'acme/api' }).apiUrl).toBe(
        'https://api.github.com',
      );
      process.env.GITHUB_API_URL = 'https://ghe.example.com/api/v3/';
      expect(new GitHubClient({ token: TOKEN, repository: 'acme/api' }).apiUrl).toBe(
        'https://ghe.example.com/api/v3',
      );
    } finally {
      if (saved === undefined) delete process.env.GITHUB_API_URL;
      else process.env.GITHUB_API_URL = saved;
    }
    expect(new GitHubClient({ token: TOKEN, repository: 'a/b', apiUrl: 'http://127.0.0.1:9/' }).apiUrl).toBe(
      'http://127.0.0.1:9',
    );
  });

  test('without a repository, the Packages API works and a repository-scoped call says what is missing', async () => {
    const calls: string[] = [];
    const github = new GitHubClient({
      token: TOKEN,
      apiUrl: 'http://127.0.0.1:9',
      fetch: async (url) => {
        calls.push(url);
        return Response.json([]);
      },
    });
    expect(github.owner).toBeUndefined();
    expect(
      await github.listPackageVersions({
        owner: 'acme',
        ownerType: 'org',
        packageType: 'container',
        packageName: 'api',
      }),
    ).toEqual([]);
    expect(calls).toEqual([
      expect.stringMatching(/^http:\/\/127\.0\.0\.1:9\/orgs\/acme\/packages\/container\/api\/versions/),
    ]);
    await expect(github.listCheckRunsForRef('main')).rejects.toThrow(
      'no repository for a repository-scoped GitHub call: GITHUB_REPOSITORY is not set',
    );
    expect(calls).toHaveLength(1);
  });

  test('masks the token before use', () => {
    const masked: string[] = [];
    const masker = new SecretMasker((value) => masked.push(value));
    new GitHubClient({ token: TOKEN, repository: 'acme/api', masker });
    expect(masked).toContain(TOKEN);
    expect(masker.redact(`Bearer ${TOKEN}`)).toBe('Bearer ***');
  });
});

describe('GitHubClient transport (no network: a scripted fetch)', () => {
  type Step = Response | Error;
  function scripted(steps: Step[]) {
    const calls: { url: string; init: RequestInit }[] = [];
    const logger = new RecordingLogger();
    const github = new GitHubClient({
      token: TOKEN,
      repository: 'acme/api',
      apiUrl: 'https://api.github.com',
      baseDelayMs: 1,
      logger,
      fetch: async (url, init) => {
        calls.push({ url, init });
        const step = steps.shift();
        if (!step) throw new Error('no more scripted answers');
        if (step instanceof Error) throw step;
        return step;
      },
    });
    return { github, calls, logger };
  }
  const json = (body: unknown, init: ResponseInit & { headers?: Record<string, string> } = {}) =>
    new Response(JSON.stringify(body), {
      status: 200,
      ...init,
      headers: { 'content-type': 'application/json', ...init.headers },
    });
  const reset = () => new TypeError('fetch failed', { cause: new Error('read ECONNRESET') });

  test('a reset on a GET is retried, and the debug log says so', async () => {
    const { github, calls, logger } = scripted([reset(), json([])]);
    expect(await github.listCommitStatuses('main')).toEqual([]);
    expect(calls).toHaveLength(2);
    expect(github.requestCount).toBe(2);
    expect(logger.entries).toContainEqual({
      level: 'debug',
      message: 'GitHub API GET /repos/acme/api/commits/main/statuses?per_page=100: attempt 2',
    });
  });

  test('resets on every attempt: the message says how many', async () => {
    const { github, calls } = scripted([reset(), reset(), reset(), reset()]);
    await expect(github.listCommitStatuses('main')).rejects.toThrow(
      'GitHub API GET /repos/acme/api/commits/main/statuses?per_page=100 could not reach api.github.com after 4 attempt(s): fetch failed (read ECONNRESET); check the network and re-run',
    );
    expect(calls).toHaveLength(4);
  });

  test('a reset on a POST is not replayed, and the message says what happened', async () => {
    const { github, calls } = scripted([reset(), json({})]);
    const error = await github
      .createRelease({ tagName: 'v1.0.0', body: '' })
      .catch((caught: unknown) => caught);
    expect(error).toMatchObject({ status: undefined, temporary: true });
    expect(String(error)).toContain(
      'GitHub API POST /repos/acme/api/releases could not reach api.github.com after 1 attempt(s): fetch failed (read ECONNRESET)',
    );
    expect(calls).toHaveLength(1);
  });

  test('a next page on another host is refused: the token goes nowhere else', async () => {
    const { github, calls } = scripted([
      json([], { headers: { link: '<https://evil.example/steal?page=2>; rel="next"' } }),
    ]);
    await expect(github.listCommitStatuses('main')).rejects.toThrow(
      'sent a next page on another host (https://evil.example): refused',
    );
    expect(calls.map((call) => call.url)).toEqual([
      'https://api.github.com/repos/acme/api/commits/main/statuses?per_page=100',
    ]);
  });

  test('a Link that points back at a page already read stops the loop', async () => {
    const self = '<https://api.github.com/repos/acme/api/commits/main/statuses?per_page=100>; rel="next"';
    const { github, calls } = scripted([json([], { headers: { link: self } })]);
    await expect(github.listCommitStatuses('main')).rejects.toThrow('kept paging (1 pages): giving up');
    expect(calls).toHaveLength(1);
  });

  test('a 403 without rate-limit signs is not repeated', async () => {
    const { github, calls } = scripted([
      json({ message: 'Must have admin rights to Repository.' }, { status: 403 }),
    ]);
    await expect(
      github.deletePackageVersion({
        owner: 'acme',
        ownerType: 'org',
        packageType: 'container',
        packageName: 'api',
        versionId: 7,
      }),
    ).rejects.toThrow(
      'answered 403: Must have admin rights to Repository. — the token lacks `packages: write`: add `packages: write`',
    );
    expect(calls).toHaveLength(1);
  });

  test('the token never shows, even when GitHub echoes it', async () => {
    const { github } = scripted([json({ message: `token ${TOKEN} is revoked` }, { status: 401 })]);
    const error = await github.listCommitStatuses('main').catch((caught: unknown) => caught);
    expect(String(error)).toContain('answered 401: token *** is revoked');
    expect(String(error)).not.toContain(TOKEN);
  });
});

test('a 200 that is not JSON (a proxy page) is an error that says so', async () => {
  const github = new GitHubClient({
    token: TOKEN,
    repository: 'acme/api',
    apiUrl: 'https://api.github.com',
    fetch: async () => new Response('<html>Sign in to the proxy</html>', { status: 200 }),
  });
  await expect(github.createRelease({ tagName: 'v1', body: '' })).rejects.toThrow(
    'GitHub API POST /repos/acme/api/releases answered 200 with a body that is not JSON ("<html>Sign in to the proxy</html>"): check GITHUB_API_URL and any proxy in between',
  );
});
