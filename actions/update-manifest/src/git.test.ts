import { describe, expect, it } from 'vitest';
import { type Deploy, gitEnvironment, isRace, runningDeploy } from './git';

const AUTHOR = { name: 'deploy-bot', email: 'deploy-bot@example.com' };

describe('gitEnvironment', () => {
  it('sends the token as a Basic header scoped to the repository origin, after existing GIT_CONFIG entries', () => {
    const env = gitEnvironment({
      url: 'https://github.example.com/acme/manifests.git',
      token: 'ghs_envTest123456',
      author: AUTHOR,
      env: {
        PATH: '/bin',
        GIT_CONFIG_COUNT: '1',
        GIT_CONFIG_KEY_0: 'safe.directory',
        GIT_CONFIG_VALUE_0: '*',
      },
    });
    const basic = Buffer.from('x-access-token:ghs_envTest123456').toString('base64');
    expect(env).toMatchObject({
      GIT_CONFIG_COUNT: '5',
      GIT_CONFIG_KEY_0: 'safe.directory',
      GIT_CONFIG_KEY_1: 'commit.gpgSign',
      GIT_CONFIG_KEY_3: 'credential.helper',
      GIT_CONFIG_VALUE_3: '',
      GIT_CONFIG_KEY_4: 'http.https://github.example.com/.extraHeader',
      GIT_CONFIG_VALUE_4: `Authorization: Basic ${basic}`,
      GIT_TERMINAL_PROMPT: '0',
      GIT_LITERAL_PATHSPECS: '1',
      GIT_AUTHOR_NAME: 'deploy-bot',
      GIT_COMMITTER_EMAIL: 'deploy-bot@example.com',
    });
  });

  it('sends no header to a local repository', () => {
    const env = gitEnvironment({
      url: '/srv/manifests.git',
      token: 'ghs_envTest123456',
      author: AUTHOR,
      env: {},
    });
    expect(JSON.stringify(env)).not.toContain('extraHeader');
  });
});

describe('isRace', () => {
  it.each([
    ['!\tHEAD:refs/heads/main\t[rejected] (fetch first)', true],
    [' ! [rejected]        HEAD -> main (non-fast-forward)', true],
    [
      "!\tHEAD:refs/heads/main\t[remote rejected] (cannot lock ref 'refs/heads/main': is at 1 but expected 2)",
      true,
    ],
    ['!\tHEAD:refs/heads/main\t[remote rejected] (protected branch hook declined)', false],
    ['remote: Permission to acme/manifests.git denied', false],
  ])('%s -> %s', (output, race) => {
    expect(isRace(output)).toBe(race);
  });
});

describe('runningDeploy', () => {
  const deploy = (commit: string, sourceCommit?: string): Deploy => ({
    commit,
    ...(sourceCommit ? { sourceCommit } : {}),
  });
  const revert = (commit: string, reverts: string): Deploy => ({ commit, reverts });
  it.each([
    ['the newest deploy', [deploy('d2', 'B'), deploy('d1', 'A')], 'd2'],
    [
      'the deploy before a reverted one (a yank put stage back)',
      [revert('r1', 'd2'), deploy('d2', 'B'), deploy('d1', 'A')],
      'd1',
    ],
    [
      'a deploy after a revert',
      [deploy('d3', 'C'), revert('r1', 'd2'), deploy('d2', 'B'), deploy('d1', 'A')],
      'd3',
    ],
    [
      'two reverts in a row',
      [revert('r2', 'd2'), revert('r1', 'd3'), deploy('d3', 'C'), deploy('d2', 'B'), deploy('d1', 'A')],
      'd1',
    ],
    ['a deploy that names no commit is still the one running', [deploy('d2'), deploy('d1', 'A')], 'd2'],
    ['every deploy reverted: none', [revert('r1', 'd1'), deploy('d1', 'A')], undefined],
    ['no deploy at all', [], undefined],
  ] as const)('%s', (_, deploys, running) => {
    expect(runningDeploy(deploys)?.commit).toBe(running);
  });
});
