import { messageFor } from '@flow-actions/action-kit';
import { readReleaseLine } from '@flow-actions/versions';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../command';
import { chooseRelease, locateFlowActions } from './release';

describe('locateFlowActions: where flow-actions is read from', () => {
  it.each([
    // --flow-actions owner/name: on origin's host, reached as origin is.
    [
      'acme/flow-actions',
      'git@github.com:acme/api.git',
      'acme/flow-actions',
      'git@github.com:acme/flow-actions.git',
    ],
    ['acme/ci', 'https://github.com/acme/api', 'acme/ci', 'https://github.com/acme/ci'],
    [
      'platform/flow-actions',
      'ssh://git@ghes.acme.dev:2222/acme/api.git',
      'platform/flow-actions',
      'ssh://git@ghes.acme.dev:2222/platform/flow-actions.git',
    ],
    ['acme/flow-actions', '/srv/git/acme/api.git', 'acme/flow-actions', '/srv/git/acme/flow-actions.git'],
    ['acme/flow-actions', undefined, 'acme/flow-actions', 'https://github.com/acme/flow-actions.git'],
    // A token in origin is not carried on to another repository.
    [
      'acme/flow-actions',
      'https://x-access-token:ghs_secret@github.com/acme/api.git',
      'acme/flow-actions',
      'https://github.com/acme/flow-actions.git',
    ],
    // --flow-actions as a URL or path: used as it is; its last two segments are owner/name.
    [
      'https://ghes.acme.dev/acme/flow-actions.git',
      undefined,
      'acme/flow-actions',
      'https://ghes.acme.dev/acme/flow-actions.git',
    ],
    [
      '/tmp/x/acme/flow-actions.git',
      'git@github.com:acme/api.git',
      'acme/flow-actions',
      '/tmp/x/acme/flow-actions.git',
    ],
    ['file:///tmp/acme/flow-actions', undefined, 'acme/flow-actions', 'file:///tmp/acme/flow-actions'],
    [
      'git@github.com:acme/flow-actions.git',
      undefined,
      'acme/flow-actions',
      'git@github.com:acme/flow-actions.git',
    ],
  ])('--flow-actions %s with origin %s → %s at %s', (flag, origin, repository, url) => {
    expect(locateFlowActions(flag, origin, undefined)).toEqual({ repository, url });
  });

  it.each([
    ['git@github.com:acme/api.git', undefined, 'acme/flow-actions', 'git@github.com:acme/flow-actions.git'],
    [
      'https://github.com/acme/api.git',
      'platform/ci-flow',
      'platform/ci-flow',
      'https://github.com/platform/ci-flow.git',
    ],
  ])('without the flag: origin %s, files naming %s → %s at %s', (origin, written, repository, url) => {
    expect(locateFlowActions(undefined, origin, written)).toEqual({ repository, url });
  });

  it('says nothing when neither the flag, the files nor origin name one', () => {
    expect(locateFlowActions(undefined, undefined, undefined)).toBeUndefined();
    expect(locateFlowActions(undefined, 'api.git', undefined)).toBeUndefined();
  });

  it.each([
    [
      'https://bob:hunter2@github.com/acme/flow-actions.git',
      /^--flow-actions carries credentials in "https:\/\/bob:\*\*\*@github\.com/,
    ],
    [
      'https://github.com/flow-actions.git',
      /^--flow-actions "https:\/\/github\.com\/flow-actions\.git" names no owner\/name/,
    ],
    [
      '--upload-pack=touch /tmp/pwned;x/acme/flow-actions',
      /^--flow-actions "--upload-pack=touch \/tmp\/pwned;x\/acme\/flow-actions" starts with "-"/,
    ],
  ])('refuses %s as a usage error', (flag, message) => {
    let error: unknown;
    try {
      locateFlowActions(flag, undefined, undefined);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UsageError);
    // As flow prints it: in flags.
    const printed = messageFor(error, { kind: 'cli', flags: { 'flow-actions': { type: 'string' } } });
    expect(printed).toMatch(message);
    expect(printed).not.toContain('hunter2');
    expect((error as Error).message).not.toContain('hunter2');
  });
});

describe('chooseRelease: the release to pin', () => {
  const sha = (n: number) => String(n).repeat(40).slice(0, 40);
  const line = readReleaseLine(
    [
      `${sha(1)}\trefs/tags/v1.0.0`,
      `${sha(2)}\trefs/tags/v1.2.0`,
      `${sha(3)}\trefs/tags/v1.1.5`,
      `${sha(2)}\trefs/tags/v1`,
      `${sha(4)}\trefs/tags/v2.0.0-rc.1`,
      `${sha(5)}\trefs/tags/source/v9.9.9`,
    ].join('\n'),
  );
  const source = { repository: 'acme/flow-actions', url: '/srv/acme/flow-actions.git' };

  it.each([
    [undefined, 'v1.2.0', sha(2)],
    ['v1', 'v1.2.0', sha(2)],
    ['1', 'v1.2.0', sha(2)],
    ['v1.1.5', 'v1.1.5', sha(3)],
    ['1.0.0', 'v1.0.0', sha(1)],
    ['v2.0.0-rc.1', 'v2.0.0-rc.1', sha(4)],
  ])('--version %s pins %s', (requested, tag, commit) => {
    const release = chooseRelease(line, requested, source);
    expect([release.version.tag, release.commit]).toEqual([tag, commit]);
  });

  it.each([
    ['v2', 'acme/flow-actions has no v2 release: the newest is v1.2.0.'],
    ['v1.3.0', 'acme/flow-actions has no release v1.3.0: the newest is v1.2.0.'],
  ])('--version %s that is not released is refused, naming the newest', (requested, message) => {
    expect(() => chooseRelease(line, requested, source)).toThrow(message);
  });

  it('a malformed --version is a usage error', () => {
    expect(() => chooseRelease(line, 'latest', source)).toThrow(UsageError);
    expect(() => chooseRelease(line, 'latest', source)).toThrow(
      /^--version "latest" is not a release version/,
    );
  });

  it('a repository without releases is refused, saying how to make one', () => {
    expect(() => chooseRelease(readReleaseLine(`${sha(1)}\trefs/heads/main`), undefined, source)).toThrow(
      'acme/flow-actions (/srv/acme/flow-actions.git) has no release (no v<MAJOR>.<MINOR>.<PATCH> tag): release flow-actions first (pnpm release), or point --flow-actions at the repository that has them.',
    );
  });
});
