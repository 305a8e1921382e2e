import { ConfigurationError, SecretMasker } from '@flow-actions/action-kit';
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

  test('masks the token before use', () => {
    const masked: string[] = [];
    const masker = new SecretMasker((value) => masked.push(value));
    new GitHubClient({ token: TOKEN, repository: 'acme/api', masker });
    expect(masked).toContain(TOKEN);
    expect(masker.redact(`Bearer ${TOKEN}`)).toBe('Bearer ***');
  });
});
