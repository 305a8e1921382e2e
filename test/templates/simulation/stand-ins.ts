import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { delimiter, join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import type { Outcome, StandIn, StepContext } from './runner';

// What does the work of the steps that are not ours. Each says what it is, and the run lists it
// beside the step it stood in for.

/**
 * actions/checkout: a fetch from the local app repository into the job's workspace, of `ref`
 * (else the event's sha), shallow unless `fetch-depth: 0` asks for every commit and tag.
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
      const ref = inputs.ref || event.sha;
      const git = (...args: string[]) => exec('git', ['-C', workspace, ...args]);
      await git('init', '-q');
      if (inputs['fetch-depth'] === '0') {
        await git('fetch', '-q', '--tags', appRepository, '+refs/heads/*:refs/remotes/origin/*');
        await git('fetch', '-q', appRepository, ref);
      } else {
        await git('fetch', '-q', `--depth=${inputs['fetch-depth'] || '1'}`, appRepository, ref);
      }
      await git('checkout', '-q', '--detach', 'FETCH_HEAD');
      return 'success';
    },
  };
}

/** docker/login-action: the credentials go to `~/.docker/config.json`, as `docker login` writes them. */
export function dockerLogin(): StandIn {
  return {
    description: 'writes the registry credentials to ~/.docker/config.json, as docker login does',
    async run({ with: inputs, home }) {
      const auth = Buffer.from(`${inputs.username}:${inputs.password}`).toString('base64');
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
 * the step's environment; `commands` are put first on PATH to stand in for tools this machine
 * lacks (e.g. `gh`).
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
      const file = join(runnerTemp, 'step.sh');
      await writeFile(file, context.step.run ?? '');
      const env = {
        ...context.env,
        PATH: `${bin}${delimiter}${process.env.PATH ?? ''}`,
        RUNNER_TEMP: runnerTemp,
        GITHUB_WORKSPACE: context.workspace,
      };
      const result = await exec('bash', ['-e', file], { cwd: context.workspace, env, allowFailure: true });
      // A failing script shows its output in the test's log, as the job log would.
      if (result.exitCode !== 0) console.error(`${context.step.name}:\n${result.stdout}${result.stderr}`);
      return result.exitCode === 0 ? 'success' : 'failure';
    },
  };
}
