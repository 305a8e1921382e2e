import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { RecordingLogger } from '@flow-actions/action-kit';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { COMMANDS, commandHelp, runCli } from './cli';

const ROOT = join(import.meta.dirname, '..', '..', '..');

/** Runs the CLI in this process, as a test would read its two streams. */
async function flow(...argv: string[]) {
  let stdout = '';
  let stderr = '';
  const logger = new RecordingLogger();
  const exitCode = await runCli(argv, {
    stdout: (text) => {
      stdout += text;
    },
    stderr: (text) => {
      stderr += text;
    },
    logger,
    cwd: '/nonexistent-flow-cwd',
    env: { PATH: process.env.PATH },
  });
  return { exitCode, stdout, stderr, logger };
}

/**
 * What each command mirrors: the action whose inputs are its flags, the inputs it leaves to the
 * action (they call the GitHub API or only exist there), and the flags only the command line has.
 * Both lists are named in the README, so a new input is either a flag or a decision written down.
 */
const MIRRORS: Record<string, { action: string; githubOnly: string[]; cliOnly: string[] }> = {
  build: { action: 'build-by-sha', githubOnly: [], cliOnly: ['sha', 'source'] },
  promote: {
    action: 'retag-promote',
    githubOnly: ['require-checks', 'environment', 'github-token'],
    cliOnly: ['yes'],
  },
  yank: {
    action: 'yank-artifact',
    githubOnly: [
      'backend',
      'github-token',
      'ghcr-owner-type',
      'npm-package',
      'npm-version',
      'npm-registry',
      'npm-token',
    ],
    cliOnly: [],
  },
  release: {
    action: 'release',
    githubOnly: ['github-token', 'workflow-token', 'promote-now', 'immutable-tags', 'settle-seconds'],
    cliOnly: ['yes', 'repository'],
  },
  'update-manifest': { action: 'update-manifest', githubOnly: ['mode', 'pull-request-branch'], cliOnly: [] },
  publish: { action: 'npm-publish-gate', githubOnly: ['required-checks', 'github-token'], cliOnly: ['sha'] },
  matrix: { action: 'backcompat-matrix', githubOnly: [], cliOnly: [] },
};

interface ActionInput {
  default?: string;
}

function actionInputs(action: string): Record<string, ActionInput> {
  return (
    parse(readFileSync(join(ROOT, 'actions', action, 'action.yml'), 'utf8')) as {
      inputs: Record<string, ActionInput>;
    }
  ).inputs;
}

/** The README section that starts at `heading` and ends at the next blank-line paragraph break. */
function readmeParagraph(start: string, end: string): string {
  const readme = readFileSync(join(ROOT, 'packages', 'flow-cli', 'README.md'), 'utf8');
  const from = readme.indexOf(start);
  expect(from).toBeGreaterThanOrEqual(0);
  return readme.slice(from, readme.indexOf(end, from));
}

describe('flow --help', () => {
  it('lists every command and the exit codes, and exits 0', async () => {
    const run = await flow('--help');
    expect(run.exitCode).toBe(0);
    for (const command of COMMANDS) expect(run.stdout).toMatch(new RegExp(`^  ${command.name} +\\S`, 'm'));
    expect(run.stdout).toContain('  0  success');
    expect(run.stdout).toContain('  1  the operation was refused or failed');
    expect(run.stdout).toContain('  2  usage error');
    expect(run.stderr).toBe('');
  });

  it('runs with no arguments as --help', async () => {
    expect((await flow()).stdout).toBe((await flow('--help')).stdout);
  });

  it.each(COMMANDS.map((command) => command.name))(
    'flow %s --help shows its usage and every flag',
    async (name) => {
      const run = await flow(name, '--help');
      const command = COMMANDS.find((c) => c.name === name);
      expect(run.exitCode).toBe(0);
      expect(run.stdout.split('\n')[0]).toBe(`Usage: flow ${name} ${command?.usage}`);
      for (const flag of [...Object.keys(command?.options ?? {}), 'json', 'help']) {
        expect(run.stdout).toMatch(new RegExp(`^  --${flag}\\b`, 'm'));
      }
      expect(run.stdout).toContain('2  usage error');
      expect((await flow('help', name)).stdout).toBe(run.stdout);
    },
  );
});

describe('flags mirror the action inputs', () => {
  it.each(Object.keys(MIRRORS))(
    'flow %s: its flags are the inputs of its action, less the GitHub-only ones, plus its own',
    (name) => {
      const { action, githubOnly, cliOnly } = MIRRORS[name] as (typeof MIRRORS)[string];
      const inputs = Object.keys(actionInputs(action));
      const flags = Object.keys(COMMANDS.find((command) => command.name === name)?.options ?? {});
      expect([...flags].sort()).toEqual(
        [...inputs.filter((input) => !githubOnly.includes(input)), ...cliOnly].sort(),
      );
      for (const input of githubOnly) expect(inputs).toContain(input);
    },
  );

  it('the README names every input left to the action and every flag only the command line has', () => {
    const left = readmeParagraph('Inputs that only make sense on GitHub', '\n\n');
    const extra = readmeParagraph('Extra flags of the command line', '\n\n`flow build`');
    for (const [name, { githubOnly, cliOnly }] of Object.entries(MIRRORS)) {
      for (const input of githubOnly)
        expect({ name, left }).toMatchObject({ left: expect.stringContaining(`\`${input}\``) });
      for (const flag of cliOnly)
        expect({ name, extra }).toMatchObject({ extra: expect.stringContaining(`\`--${flag}`) });
    }
  });

  it.each(Object.keys(MIRRORS))('flow %s uses the action.yml default of every input', (name) => {
    const { action } = MIRRORS[name] as (typeof MIRRORS)[string];
    const inputs = actionInputs(action);
    const options = COMMANDS.find((command) => command.name === name)?.options ?? {};
    for (const [flag, spec] of Object.entries(options)) {
      const actionDefault = inputs[flag]?.default ?? '';
      // Booleans are false when absent on both sides; a GitHub expression has no command-line value.
      if (spec.type === 'boolean' || actionDefault.includes('${{')) continue;
      expect({ flag, default: spec.default ?? '' }).toEqual({ flag, default: actionDefault });
    }
  });

  it.each(COMMANDS.map((command) => command.name))(
    'flow %s --help lists every flag with its default',
    (name) => {
      const command = COMMANDS.find((candidate) => candidate.name === name) as (typeof COMMANDS)[number];
      const help = commandHelp(command);
      const inputs = MIRRORS[name] ? actionInputs((MIRRORS[name] as (typeof MIRRORS)[string]).action) : {};
      for (const [flag, spec] of Object.entries(command.options)) {
        const line = help.split('\n').find((text) => new RegExp(`^  --${flag}\\b`).test(text));
        expect({ flag, line }).toMatchObject({ line: expect.any(String) });
        // A GitHub expression (${{ github.token }}) has no command-line value.
        const actionDefault = inputs[flag]?.default?.includes('${{') ? undefined : inputs[flag]?.default;
        const expected =
          spec.type === 'boolean'
            ? 'off'
            : (spec.default || spec.defaultText || actionDefault)?.trim().replace(/\n/g, ', ');
        if (expected)
          expect({ flag, line }).toMatchObject({ line: expect.stringContaining(`default: ${expected})`) });
        else expect({ flag, line }).toMatchObject({ line: expect.not.stringContaining('default:') });
      }
    },
  );
});

describe('bad command lines: one line on stderr, exit 2, nothing on stdout', () => {
  it.each([
    [
      ['promte'],
      'flow: unknown command "promte" (commands: init, build, promote, release, yank, update-manifest, matrix, publish, inspect; see flow --help)',
    ],
    [['promote', '--frm', 'x'], 'flow promote: unknown option --frm (see flow promote --help)'],
    [['promote', '--image'], 'flow promote: --image needs a value (see flow promote --help)'],
    [
      ['promote', '--dry-run=yes', '--image', 'oci:x', '--to', 'a'],
      'flow promote: --dry-run takes no value (see flow promote --help)',
    ],
    [['promote', 'extra'], 'flow promote: unexpected argument "extra" (see flow promote --help)'],
    [
      ['promote', '--to', 'prod'],
      'flow promote: --image is required: name the repository to promote in. (see flow promote --help)',
    ],
    [
      ['promote', '--image', 'oci:x', '--to', 'bad tag!'],
      'flow promote: --to: tag "bad tag!" is invalid: it contains a space; a tag is 1 to 128 characters',
    ],
    [
      ['promote', '--image', 'oci:x', '--to', 'a', '--sha-length', '99'],
      'flow promote: --sha-length must be a whole number from 4 to 40, got "99". (see flow promote --help)',
    ],
    [
      ['promote', '--image', 'oci:x', '--to', 'a', '--fallback', 'nearest'],
      'flow promote: --fallback must be one of "none", "nearest-ancestor", got "nearest". (see flow promote --help)',
    ],
    [
      ['build', '--kind', 'tarball', '--image', 'oci:x'],
      'flow build: --kind must be one of "image", "archive", got "tarball".',
    ],
    [
      ['build', '--image', 'oci:x', '--username', 'me'],
      'flow build: --username and --password go together: --password is missing.',
    ],
    [['yank', '--image', 'oci:x'], 'flow yank: --reason is required'],
    [
      ['yank', '--reason', 'r', '--image', 'oci:x', '--sha', 'zz'],
      'flow yank: --sha value "zz" is not a commit sha',
    ],
    [
      ['yank', '--reason', 'r'],
      'flow yank: --image is required: name the repository to yank from (see flow yank --help)',
    ],
    [
      ['update-manifest', '--path', 'envs/stage'],
      'flow update-manifest: --repository is required: pass it. (see flow update-manifest --help)',
    ],
    [
      ['publish', '--sha', 'a'.repeat(40)],
      'flow publish: --token is required to publish: pass an npm automation token',
    ],
    [
      ['publish', '--dry-run', '--dist-tag', '1.x'],
      'flow publish: --dist-tag "1.x" reads as a semver range to npm',
    ],
    [['publish', '--dry-run', '--registry', 'http://npm.example.com/'], 'flow publish: --registry'],
    [
      ['matrix', '--policy', 'newest'],
      'flow matrix: --policy must be one of "pinned", "major-floor", "minors", "last-n", got "newest".',
    ],
    [['matrix', '--version', 'one'], 'flow matrix: --version'],
    [
      ['matrix', '--breaking-check', 'maybe'],
      'flow matrix: --breaking-check must be true or false, got "maybe".',
    ],
    [
      ['matrix', '--compatible-version', '1.0.0', '--compatible-version-from', 'Makefile:x'],
      'flow matrix: --compatible-version and --compatible-version-from both name the floor: keep one.',
    ],
    [
      ['matrix', '--versions-from', 'registry'],
      'flow matrix: --versions-from registry lists the tags of --runner-image, which is not set',
    ],
    [['inspect', 'oci:x'], 'flow inspect: missing <commit|tag|digest> (see flow inspect --help)'],
    [['inspect', 'oci:x:v1', 'abc1234'], 'flow inspect: <image> names a repository, not a version'],
    [['inspect', 'oci:x', 'abc1'], 'flow inspect: commit "abc1" is shorter than --sha-length (7)'],
    [
      ['inspect', 'Not A Ref', 'abc1234'],
      'flow inspect: <image>: reference "Not A Ref" contains a space: write registry/repository[:tag] without spaces',
    ],
    [
      ['inspect', '127.0.0.1:5000', 'abc1234'],
      'flow inspect: <image>: "127.0.0.1:5000" names registry 127.0.0.1:5000 but no repository: write 127.0.0.1:5000/<repository>[:tag]',
    ],
    [
      ['inspect', 'ghcr.io/Acme/Api', 'abc1234'],
      'flow inspect: <image>: repository "Acme/Api" in "ghcr.io/Acme/Api" must be lower-case: use "acme/api"',
    ],
    [
      ['init', '--registry-login', 'aws'],
      'flow init: --registry-login must be one of github-token, password, ecr, gar, got "aws" (see flow init --help)',
    ],
    [
      ['init', '--registry-username', 'ci', '--registry-username-secret', 'USER'],
      'flow init: --registry-username and --registry-username-secret both name the user: keep one',
    ],
    [
      ['init', '--registry-password-secret', 'GITHUB_TOKEN'],
      'flow init: --registry-password-secret "GITHUB_TOKEN" is not a secret name',
    ],
    [['init', '--aws-role', 'ci-role'], 'flow init: --aws-role "ci-role" is not an IAM role ARN'],
    [['init', '--image', 'ghcr.io/acme/api:v1'], 'flow init: --image "ghcr.io/acme/api:v1" names a version'],
    [['init', '--image', 'Not A Ref'], 'flow init: --image: reference "Not A Ref" contains a space'],
    [
      ['init', '--manifest-repository', 'manifests'],
      'flow init: --manifest-repository "manifests" is not owner/name',
    ],
    [
      ['init', '--stage-path', '../prod'],
      'flow init: --stage-path "../prod" is not a folder of the manifest repository',
    ],
    [
      ['init', '--npm-registry', 'https://bob:pw@npm.acme.dev/'],
      'flow init: --npm-registry carries credentials',
    ],
    [['init', '--set', 'image=x'], 'flow init: --set "image=x" is not NAME=VALUE'],
    [['init', '--set', 'IMAGE=x'], 'flow init: --set IMAGE=… has a flag of its own: pass --image'],
    [['init', '--version', 'latest'], 'flow init: --version "latest" is not a release version'],
    [['init'], 'flow init: /nonexistent-flow-cwd is not in a git checkout'],
  ])('flow %j', async (argv, message) => {
    const run = await flow(...argv);
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr.split('\n').filter(Boolean)).toHaveLength(1);
    expect(run.stderr.slice(0, message.length)).toBe(message);
    expect(run.logger.entries).toEqual([]);
  });

  it('an error in --json mode still goes to stderr, with no JSON for a usage error', async () => {
    const run = await flow('promote', '--json', '--nope');
    expect(run.exitCode).toBe(2);
    expect(run.stdout).toBe('');
    expect(run.stderr).toBe('flow promote: unknown option --nope (see flow promote --help)\n');
  });

  it('never repeats a password in an error', async () => {
    const run = await flow('build', '--image', 'oci:x', '--password', 'hunter2-secret-value');
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain('--username and --password go together');
    expect(run.stderr).not.toContain('hunter2-secret-value');
  });
});
