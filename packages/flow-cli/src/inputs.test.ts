import { describe, expect, it } from 'vitest';
import { sourceUrlFromRemote } from './inputs';

describe('sourceUrlFromRemote', () => {
  it.each([
    ['git@github.com:acme/app.git', 'https://github.com/acme/app'],
    ['github.com:acme/app', 'https://github.com/acme/app'],
    ['ssh://git@git.example.com:2222/acme/app.git', 'https://git.example.com/acme/app'],
    ['ssh://deploy:hunter2@git.example.com/acme/app.git/', 'https://git.example.com/acme/app'],
    ['git+ssh://git@github.com/acme/app.git', 'https://github.com/acme/app'],
    ['git://git.example.com/acme/app', 'https://git.example.com/acme/app'],
    ['https://github.com/acme/app.git', 'https://github.com/acme/app'],
    ['https://x-access-token:ghs_secret@github.com/acme/app.git', 'https://github.com/acme/app'],
    ['https://user:pa/ss@git.example.com/acme/app', undefined],
    ['https://user:pa%2Fss@git.example.com:8443/acme/app?x=1#y', 'https://git.example.com:8443/acme/app'],
    ['http://127.0.0.1:3000/acme/app.git', 'http://127.0.0.1:3000/acme/app'],
    ['deploy:hunter2@git.example.com:acme/app.git', undefined],
    ['/srv/git/app.git', undefined],
    ['../app', undefined],
    ['file:///srv/git/app.git', undefined],
    ['https://github.com/', undefined],
    ['', undefined],
  ])('%s → %s', (remote, expected) => {
    const url = sourceUrlFromRemote(remote);
    expect(url).toBe(expected);
    for (const secret of ['hunter2', 'ghs_secret', 'pa%2Fss', 'deploy', 'x-access-token']) {
      expect(url ?? '').not.toContain(secret);
    }
  });
});
