import { describe, expect, it } from 'vitest';
import { changelogEntries, renderChangelog } from './changelog';
import { testCommit } from './test-history';

describe('changelogEntries', () => {
  it.each([
    ['feat(api): add paging (#12)', { group: 'features', scope: 'api', description: 'add paging', pr: 12 }],
    ['fix: null check', { group: 'fixes', description: 'null check' }],
    ['perf(db): index (#3)', { group: 'fixes', scope: 'db', description: 'index', pr: 3 }],
    ['feat!: drop node 18', { group: 'breaking', description: 'drop node 18' }],
    ['refactor: move\n\nBREAKING CHANGE: config key renamed', { group: 'breaking', description: 'move' }],
    ['docs: readme', { group: 'other', description: 'readme' }],
    ['Update things', { group: 'other', description: 'Update things' }],
    [
      'Merge pull request #45 from alice/paging\n\nfeat(api): paging for lists',
      { group: 'features', scope: 'api', description: 'paging for lists', pr: 45 },
    ],
  ])('%j', (message, expected) => {
    const [entry] = changelogEntries([testCommit('abc1234567', ['p'], message, { login: 'alice' })]);
    expect(entry).toEqual({ sha: 'abc1234567', author: '@alice', ...expected });
  });

  it('leaves out merges of a branch or tag; names an author without a login by name', () => {
    const entries = changelogEntries([
      testCommit('m', ['a', 'b'], "Merge branch 'main' into feature"),
      testCommit('n', ['a', 'b'], 'Merge tag v1.0.0'),
      testCommit('f', ['a'], 'fix: x', { name: 'Bob Smith' }),
    ]);
    expect(entries).toEqual([{ sha: 'f', group: 'fixes', description: 'x', author: 'Bob Smith' }]);
  });
});

describe('renderChangelog', () => {
  it('groups breaking, features, fixes and other, in that order, each with its pull request and author', () => {
    const notes = renderChangelog(
      [
        testCommit('d0000001', ['x'], 'docs: guide', { login: 'dee' }),
        testCommit('f0000001', ['x'], 'fix(api): timeout (#9)', { login: 'fay' }),
        testCommit('b0000001', ['x'], 'feat!: new config (#8)', { login: 'bea' }),
        testCommit('a0000001', ['x'], 'feat: paging (#7)', { login: 'al' }),
      ],
      [],
      { repositoryUrl: 'https://github.com/org/product' },
    );
    expect(notes).toBe(
      [
        '### Breaking changes',
        '',
        '- new config ([#8](https://github.com/org/product/pull/8)) by @bea (b000000)',
        '',
        '### Features',
        '',
        '- paging ([#7](https://github.com/org/product/pull/7)) by @al (a000000)',
        '',
        '### Fixes',
        '',
        '- **api:** timeout ([#9](https://github.com/org/product/pull/9)) by @fay (f000000)',
        '',
        '### Other changes',
        '',
        '- guide by @dee (d000000)',
        '',
      ].join('\n'),
    );
  });

  it('lists each bundled component under its name and pin range', () => {
    const notes = renderChangelog(
      [testCommit('p1', ['p0'], 'chore: bump api')],
      [
        {
          name: 'api',
          from: '1111111111111111',
          to: '2222222222222222',
          commits: [testCommit('c2', ['c1'], 'feat(users): search (#4)', { login: 'cy' })],
        },
        { name: 'web', from: 'aaaa', to: 'bbbb', commits: [] },
      ],
    );
    expect(notes).toContain(
      '### Other changes\n\n- bump api by Dev (p1)\n\n### Components\n\n#### api 111111111111 → 222222222222\n\n##### Features\n\n- **users:** search (#4) by @cy (c2)',
    );
    expect(notes).toContain('#### web aaaa → bbbb\n\n_No changes._');
  });

  it('renders hostile subjects, scopes, authors and component names as plain text', () => {
    const notes = renderChangelog(
      [
        testCommit(
          'h1',
          ['x'],
          'feat(<script>): <img src=x onerror=alert(1)> **bold** [x](javascript:alert(1)) | cell',
          {
            name: '<b>Mallory</b>',
          },
        ),
        testCommit('h2', ['x'], 'fix: line\r\n\r\nBREAKING CHANGE: and a footer\u2028### Injected heading'),
      ],
      [{ name: '](http://evil)<details>', from: '`rm -rf`', to: 'x', commits: [] }],
    );
    expect(notes).not.toMatch(/<img|<script|<b>|<details>|\*\*bold|\]\(javascript|\| cell|`rm/);
    expect(notes).toContain('&#60;img src=x onerror=alert(1)&#62;');
    // The footer makes h2 breaking; its body never reaches the notes.
    expect(notes).toMatch(/### Breaking changes\n\n- line by Dev \(h2\)/);
    expect(notes).not.toContain('Injected');
    expect(notes.split('\n').filter((line) => line.startsWith('#'))).toEqual([
      '### Breaking changes',
      '### Features',
      '### Components',
      '#### &#93;(http&#58;//evil)&#60;details&#62; &#96;rm -rf&#96; → x',
    ]);
  });
});
