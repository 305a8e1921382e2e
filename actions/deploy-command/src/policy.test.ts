import { describe, expect, it } from 'vitest';
import type { Source } from './command';
import { acceptsSource, describeSources, POLICY_EXAMPLE, parsePolicy } from './policy';

const FILE = '.github/flow-environments.yml';
const policy = parsePolicy(POLICY_EXAMPLE, FILE, 'acme');
const environment = (name: string) => {
  const found = policy.environments.get(name);
  if (!found) throw new Error(`no ${name}`);
  return found;
};

describe('parsePolicy: the README example', () => {
  it('reads each environment, its manifest path, sources and teams (a bare slug is the owner’s team)', () => {
    expect([...policy.environments.keys()]).toEqual(['appdev', 'demo', 'prod']);
    expect(environment('appdev')).toMatchObject({ name: 'appdev', manifestPath: 'envs/appdev', teams: [] });
    expect(environment('prod')).toMatchObject({ sources: ['v*'], teams: ['acme/release-managers'] });
    expect(describeSources(environment('appdev'))).toBe('pull requests and commits');
    expect(describeSources(environment('prod'))).toBe('tags v*');
  });

  it('names are found without case; the file’s spelling is kept', () => {
    const mixed = parsePolicy(
      'environments:\n  AppDev:\n    manifest-path: envs/appdev/\n    sources: pull-request\n',
      FILE,
      'acme',
    );
    expect(mixed.environments.get('appdev')).toMatchObject({
      name: 'AppDev',
      manifestPath: 'envs/appdev',
      sources: ['pull-request'],
    });
  });

  it('org/slug teams are kept as written', () => {
    const other = parsePolicy(
      'environments:\n  prod:\n    manifest-path: p\n    sources: [v*]\n    teams: [other-org/sre, leads]\n',
      FILE,
      'acme',
    );
    expect(other.environments.get('prod')?.teams).toEqual(['other-org/sre', 'acme/leads']);
  });
});

describe('acceptsSource: which environment takes what', () => {
  const cases: [string, Source, boolean][] = [
    ['appdev', { kind: 'pull-request', number: 12 }, true],
    ['appdev', { kind: 'this-pull-request' }, true],
    ['appdev', { kind: 'commit', sha: '3f2c1ab' }, true],
    ['appdev', { kind: 'tag', tag: 'v1.4.0' }, false],
    ['demo', { kind: 'tag', tag: 'rc-3' }, true],
    ['demo', { kind: 'tag', tag: 'rc-' }, true],
    ['demo', { kind: 'tag', tag: 'RC-3' }, false],
    ['demo', { kind: 'tag', tag: 'v1.4.0' }, false],
    ['demo', { kind: 'pull-request', number: 12 }, false],
    ['demo', { kind: 'commit', sha: '3f2c1ab' }, false],
    ['prod', { kind: 'tag', tag: 'v1.4.0' }, true],
    ['prod', { kind: 'tag', tag: 'v2.0.0-rc.1' }, true],
    ['prod', { kind: 'tag', tag: 'rc-3' }, false],
    ['prod', { kind: 'tag', tag: 'latest' }, false],
    ['prod', { kind: 'pull-request', number: 12 }, false],
    ['prod', { kind: 'this-pull-request' }, false],
    ['prod', { kind: 'commit', sha: '3f2c1ab9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3' }, false],
  ];
  it.each(cases)('%s ← %j: %s', (name, source, accepted) => {
    expect(acceptsSource(environment(name), source)).toBe(accepted);
  });
});

describe('parsePolicy: a bad file is one line naming the file, the key and the fix', () => {
  it.each([
    ['', `${FILE}: the file must be a mapping, got nothing: write its keys under it (environments).`],
    ['environments: {}\n', `${FILE}: environments is empty: name at least one`],
    [
      'environment:\n  prod: {}\n',
      `${FILE}: unknown key "environment" at the top level: did you mean "environments"?`,
    ],
    [
      'environments:\n  prod:\n    sources: [v*]\n',
      `${FILE}: environments.prod.manifest-path must be a non-empty string, got nothing`,
    ],
    [
      'environments:\n  prod:\n    manifest-path: ../other\n    sources: [v*]\n',
      `${FILE}: environments.prod.manifest-path must be a folder inside the manifest repository, got "../other"`,
    ],
    [
      'environments:\n  prod:\n    manifest-path: /etc\n    sources: [v*]\n',
      'must be a folder inside the manifest repository, got "/etc"',
    ],
    [
      'environments:\n  prod:\n    manifest-path: p\n    sources: []\n',
      `${FILE}: environments.prod.sources is empty`,
    ],
    [
      'environments:\n  prod:\n    manifest-path: p\n    sources: [pull-requests]\n',
      'environments.prod.sources has "pull-requests": did you mean pull-request?',
    ],
    ['environments:\n  prod:\n    manifest-path: p\n    sources: [Commits]\n', 'did you mean commit?'],
    [
      'environments:\n  prod:\n    manifest-path: p\n    sources: ["v$(id)"]\n',
      'has "v$(id)", which is neither pull-request nor commit nor a tag pattern',
    ],
    [
      'environments:\n  prod:\n    manifest-path: p\n    source: [v*]\n',
      'unknown key "source" in environments.prod: did you mean "sources"?',
    ],
    [
      'environments:\n  prod:\n    manifest-path: p\n    sources: [v*]\n    teams: ["a b"]\n',
      'environments.prod.teams has "a b", which is no team',
    ],
    [
      'environments:\n  "pr od":\n    manifest-path: p\n    sources: [v*]\n',
      'environments.pr od is no environment name',
    ],
    [
      'environments:\n  prod: {manifest-path: p, sources: [v*]}\n  PROD: {manifest-path: q, sources: [v*]}\n',
      'environments.PROD is written twice',
    ],
    ['environments:\n  prod:\n    manifest-path: p\n   sources: [v*]\n', `${FILE}: line 4, column`],
  ])('%j', (text, message) => {
    expect(() => parsePolicy(text, FILE, 'acme')).toThrow(message);
  });
});
