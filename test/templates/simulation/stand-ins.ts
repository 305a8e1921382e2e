import { chmod, mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { parseCommandFile, parseWorkflowCommands } from '@flow-actions/runner-harness';
import type { Outcome, StandIn, StandInResult, StepContext } from './runner';

// What does the work of the steps that are not ours. Each says what it is, and the run lists it
// beside the step it stood in for.

const FULL_SHA = /^[0-9a-fA-F]{40}$/;

/**
 * actions/checkout, deciding what to check out as v7 does: without `ref:`, the event's commit
 * (GITHUB_SHA; for a pull request that is GitHub's merge commit refs/pull/<n>/merge, not the head);
 * a `ref:` of 40 hex characters is that commit; any other `ref:` is a branch or tag as the app
 * repository has it now (a short sha is neither, and fails as it does on GitHub). A git fetch from
 * the local app repository, shallow unless `fetch-depth: 0` asks for every branch and tag. Outputs
 * what checkout outputs: `ref` and `commit`.
 */
export function checkout(appRepository: string): StandIn {
  return {
    description: 'git fetch from the local app repository (all history and tags when fetch-depth is 0)',
    async run({ with: inputs, workspace, event, permissions }) {
      if (permissions.contents !== 'read' && permissions.contents !== 'write') {
        console.error(
          'actions/checkout: the job grants no "contents: read"; a private repository cannot be cloned.',
        );
        return 'failure';
      }
      const wanted = inputs.ref ?? '';
      const target =
        wanted === '' ? event.sha : FULL_SHA.test(wanted) ? wanted : await findRef(appRepository, wanted);
      if (!target) {
        console.error(`actions/checkout: A branch or tag with the name '${wanted}' could not be found`);
        return 'failure';
      }
      const git = (...args: string[]) => exec('git', ['-C', workspace, ...args]);
      await git('init', '-q');
      if (inputs['fetch-depth'] === '0') {
        await git('fetch', '-q', '--tags', appRepository, '+refs/heads/*:refs/remotes/origin/*');
        await git('fetch', '-q', appRepository, target);
      } else {
        await git('fetch', '-q', `--depth=${inputs['fetch-depth'] || '1'}`, appRepository, target);
      }
      await git('checkout', '-q', '--detach', 'FETCH_HEAD');
      const commit = (await git('rev-parse', 'HEAD')).stdout.trim();
      return { outcome: 'success', outputs: { ref: wanted === '' ? event.ref : wanted, commit } };
    },
  };
}

/** A branch, else a tag, of the repository by its name (or its full ref); undefined when it has neither. */
async function findRef(repository: string, name: string): Promise<string | undefined> {
  const candidates = name.startsWith('refs/') ? [name] : [`refs/heads/${name}`, `refs/tags/${name}`];
  const { stdout } = await exec('git', ['ls-remote', repository, ...candidates]);
  const found = stdout.split('\n').map((line) => line.split('\t')[1]);
  return candidates.find((candidate) => found.includes(candidate));
}

/**
 * docker/login-action: the credentials go to `~/.docker/config.json`, as `docker login` writes them.
 * The job's own GITHUB_TOKEN reaches GHCR's packages only as far as its `packages:` permission
 * grants: with none, GHCR turns the token away, which the registry here does too — the config gets
 * a token it refuses, so every read of the registry answers 401.
 */
export function dockerLogin(githubToken: string): StandIn {
  return {
    description: 'writes the registry credentials to ~/.docker/config.json, as docker login does',
    async run({ with: inputs, home, permissions }) {
      const grantsPackages = permissions.packages === 'read' || permissions.packages === 'write';
      const password =
        inputs.password === githubToken && !grantsPackages
          ? 'token-without-packages-permission'
          : inputs.password;
      const auth = Buffer.from(`${inputs.username}:${password}`).toString('base64');
      await mkdir(join(home, '.docker'), { recursive: true });
      await writeFile(
        join(home, '.docker', 'config.json'),
        JSON.stringify({ auths: { [inputs.registry ?? '']: { auth } } }),
        { mode: 0o600 },
      );
      return 'success';
    },
  };
}

/** A step this simulation does not run at all; `outcome` is what it pretends happened. */
export function pretend(what: string, outcome: Outcome = 'success'): StandIn {
  return { description: `not run: ${what} (${outcome})`, run: async () => outcome };
}

/**
 * A `run:` step run for real with bash, as the runner runs it (`bash -e`), in the workspace with
 * the step's environment, `GITHUB_OUTPUT` and `RUNNER_TEMP`; `commands` are put first on PATH to
 * stand in for tools this machine lacks (e.g. `gh`). Its `::error::` lines become the step's
 * errors, what it writes to `GITHUB_OUTPUT` its outputs.
 */
export function script(commands: Record<string, string> = {}): StandIn {
  const names = Object.keys(commands);
  return {
    description: `its own script, run with bash${names.length ? `; ${names.join(', ')} stood in by a recording shim` : ''}`,
    async run(context: StepContext) {
      const runnerTemp = join(context.home, '..', 'runner-temp');
      const bin = join(context.home, '..', 'bin');
      await Promise.all([mkdir(runnerTemp, { recursive: true }), mkdir(bin, { recursive: true })]);
      for (const [name, body] of Object.entries(commands)) {
        await writeFile(join(bin, name), body);
        await chmod(join(bin, name), 0o755);
      }
      const stepFolder = await mkdtemp(join(runnerTemp, 'step-'));
      const file = join(stepFolder, 'step.sh');
      const output = join(stepFolder, 'output');
      await Promise.all([writeFile(file, context.step.run ?? ''), writeFile(output, '')]);
      const env = {
        ...context.env,
        PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
        RUNNER_TEMP: runnerTemp,
        GITHUB_WORKSPACE: context.workspace,
        GITHUB_OUTPUT: output,
      };
      const result = await exec('bash', ['-e', file], { cwd: context.workspace, env, allowFailure: true });
      const outcome: Outcome = result.exitCode === 0 ? 'success' : 'failure';
      const errors = parseWorkflowCommands(result.stdout)
        .filter((command) => command.command === 'error')
        .map((command) => command.message);
      // A failing script shows its output in the test's log, as the job log would.
      if (outcome === 'failure') console.error(`${context.step.name}:\n${result.stdout}${result.stderr}`);
      return { outcome, outputs: parseCommandFile(await readFile(output, 'utf8')), errors };
    },
  };
}

/**
 * gh as promote.yml's release-notes step calls it, over a folder that holds the repository's GitHub
 * releases, one folder per tag: `gh release view <tag>` answers whether the tag has one; `gh release
 * create <tag> …` makes it, recording its arguments (`args`), whether a token was given
 * (`token-given`) and the notes (`notes.md`).
 */
export function ghReleases(folder: string): StandIn {
  return script({
    gh: [
      '#!/usr/bin/env bash',
      'set -e',
      `if [ "$2" = view ]; then [ -f "${folder}/$3/args" ]; exit; fi`,
      `out="${folder}/$3"`,
      'mkdir -p "$out"',
      'printf "%s\\n" "$@" > "$out/args"',
      '[ -n "$GH_TOKEN" ] && echo yes > "$out/token-given"',
      'while [ $# -gt 0 ]; do if [ "$1" = --notes-file ]; then cp "$2" "$out/notes.md"; fi; shift; done',
      '',
    ].join('\n'),
  });
}

/**
 * actions/create-github-app-token: the App's installation token, made from its client ID and
 * private key — given only when both reached the step (the environment's secrets) and the token
 * is narrowed to the permissions the step names. The fake accepts the token as the App's login.
 */
export function githubAppToken(app: { clientId: string; privateKey: string; token: string }): StandIn {
  return {
    description: "mints the App's installation token, which the GitHub fake accepts as the App",
    async run({ with: inputs }): Promise<StandInResult> {
      if (inputs['client-id'] !== app.clientId || inputs['private-key'] !== app.privateKey) {
        console.error('create-github-app-token: [@octokit/auth-app] appId or clientId option is required');
        return {
          outcome: 'failure',
          outputs: {},
          errors: ['the App’s client ID and private key did not reach the step'],
        };
      }
      if (!Object.keys(inputs).some((input) => input.startsWith('permission-')))
        return {
          outcome: 'failure',
          outputs: {},
          errors: ['the token asks for every permission of the App'],
        };
      return { outcome: 'success', outputs: { token: app.token } };
    },
  };
}
