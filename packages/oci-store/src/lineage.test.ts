import { describe, expect, it } from 'vitest';
import {
  buildLineageAnnotations,
  githubRepositoryUrl,
  githubRunUrl,
  LineageAnnotations,
  readLineage,
} from './lineage';

const SHA = '0123456789abcdef0123456789abcdef01234567';

describe('buildLineageAnnotations', () => {
  it('writes the OCI keys and the run URL key', () => {
    expect(
      buildLineageAnnotations({
        revision: SHA,
        source: 'https://github.com/acme/api',
        created: new Date('2026-03-01T10:00:00Z'),
        runUrl: 'https://github.com/acme/api/actions/runs/42/attempts/1',
      }),
    ).toEqual({
      'org.opencontainers.image.revision': SHA,
      'org.opencontainers.image.source': 'https://github.com/acme/api',
      'org.opencontainers.image.created': '2026-03-01T10:00:00.000Z',
      'dev.flow-actions.run-url': 'https://github.com/acme/api/actions/runs/42/attempts/1',
    });
  });

  it('defaults created to now and omits the run URL outside a run', () => {
    const before = Date.now();
    const annotations = buildLineageAnnotations({ revision: SHA, source: 'https://github.com/acme/api' });
    const created = Date.parse(annotations[LineageAnnotations.created] ?? '');
    expect(created).toBeGreaterThanOrEqual(before - 1);
    expect(created).toBeLessThanOrEqual(Date.now());
    expect(Object.keys(annotations)).not.toContain(LineageAnnotations.runUrl);
  });

  it('keeps an RFC 3339 created string as given', () => {
    const annotations = buildLineageAnnotations({
      revision: SHA,
      source: 'https://github.com/acme/api',
      created: '2026-03-01T10:00:00+02:00',
    });
    expect(annotations[LineageAnnotations.created]).toBe('2026-03-01T10:00:00+02:00');
  });

  it.each([
    [{ revision: 'abc1234' }, 'Invalid lineage revision "abc1234": expected the full commit sha'],
    [{ revision: SHA.toUpperCase() }, 'Invalid lineage revision'],
    [{ source: 'acme/api' }, 'Invalid lineage source "acme/api": expected the repository URL'],
    [{ created: 'yesterday' }, 'Invalid lineage created time "yesterday": expected RFC 3339'],
    [{ runUrl: 'ftp://x' }, 'Invalid lineage run URL "ftp://x"'],
    [
      { source: 'https://bob:hunter2@git.example.com/acme/api' },
      'Invalid lineage source "https://***@git.example.com/acme/api": it carries credentials',
    ],
  ])('refuses %o', (override, message) => {
    const build = () =>
      buildLineageAnnotations({ revision: SHA, source: 'https://github.com/acme/api', ...override });
    expect(build).toThrow(message);
    expect(build).not.toThrow('hunter2');
  });

  it('leaves the source out when there is none, rather than guessing one', () => {
    const annotations = buildLineageAnnotations({ revision: SHA, created: '2026-03-01T10:00:00Z' });
    expect(annotations).toEqual({
      'org.opencontainers.image.revision': SHA,
      'org.opencontainers.image.created': '2026-03-01T10:00:00Z',
    });
  });

  it('marks a build with uncommitted changes: the revision never claims the clean commit', () => {
    const annotations = buildLineageAnnotations({ revision: SHA, dirty: true });
    expect(annotations[LineageAnnotations.revision]).toBe(`${SHA}-dirty`);
  });
});

describe('readLineage', () => {
  it('reads back what was built, and nothing for other annotations', () => {
    const annotations = buildLineageAnnotations({
      revision: SHA,
      source: 'https://github.com/acme/api',
      created: '2026-03-01T10:00:00Z',
    });
    expect(readLineage({ ...annotations, 'org.opencontainers.image.title': 'app.zip' })).toEqual({
      revision: SHA,
      source: 'https://github.com/acme/api',
      created: '2026-03-01T10:00:00Z',
    });
    expect(readLineage(undefined)).toEqual({});
  });
});

describe('githubRepositoryUrl', () => {
  it('is the server and repository of the run; github.com when the server is not said', () => {
    expect(
      githubRepositoryUrl({
        GITHUB_SERVER_URL: 'https://github.example.com/',
        GITHUB_REPOSITORY: 'acme/api',
      }),
    ).toBe('https://github.example.com/acme/api');
    expect(githubRepositoryUrl({ GITHUB_REPOSITORY: 'acme/api' })).toBe('https://github.com/acme/api');
  });
  it('is undefined without a repository: none is made up', () => {
    expect(githubRepositoryUrl({ GITHUB_SERVER_URL: 'https://github.com' })).toBeUndefined();
  });
});

describe('githubRunUrl', () => {
  it('builds the attempt URL from the runner environment', () => {
    expect(
      githubRunUrl({
        GITHUB_SERVER_URL: 'https://github.example.com/',
        GITHUB_REPOSITORY: 'acme/api',
        GITHUB_RUN_ID: '42',
        GITHUB_RUN_ATTEMPT: '2',
      }),
    ).toBe('https://github.example.com/acme/api/actions/runs/42/attempts/2');
  });
  it('is undefined outside a run', () => {
    expect(githubRunUrl({})).toBeUndefined();
  });
});
