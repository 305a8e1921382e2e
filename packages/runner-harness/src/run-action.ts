import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { type ActionMetadata, readActionMetadata } from './action-metadata';
import { resolveNode24 } from './node-runtime';
import {
  logLines,
  maskedValues,
  parseCommandFile,
  parseWorkflowCommands,
  type WorkflowCommand,
} from './workflow-commands';

export interface RunActionOptions {
  /** The folder with `action.yml` and the bundle it names (e.g. `dist/index.js`). */
  actionDir: string;
  /** Inputs as written under `with:`; defaults from `action.yml` fill the rest, as on the runner. */
  inputs?: Record<string, string>;
  /** `GITHUB_EVENT_NAME`. Default: `push`. */
  eventName?: string;
  /** Written to the file `GITHUB_EVENT_PATH` names. Default: `{}`. */
  payload?: object;
  /** `GITHUB_SHA`. Default: forty zeros. */
  sha?: string;
  /** `GITHUB_REF`. Default: `refs/heads/main`. */
  ref?: string;
  /** `GITHUB_REPOSITORY`. Default: `acme/app`. */
  repository?: string;
  /** `GITHUB_SERVER_URL`. Default: `https://github.com`. */
  serverUrl?: string;
  /** `GITHUB_API_URL`. Default: `https://api.github.com`. */
  apiUrl?: string;
  /** `GITHUB_RUN_ID`. Default: `1`. */
  runId?: string;
  /** What `${{ github.token }}` in an input default evaluates to. Default: empty. */
  githubToken?: string;
  /** `GITHUB_ACTOR`. Default: `octocat`. */
  actor?: string;
  /** `GITHUB_WORKSPACE` and the working directory. Default: a fresh temporary folder. */
  workspace?: string;
  /** More variables, e.g. `DOCKER_CONFIG` or a step's `env:`. They win over everything above. */
  env?: Record<string, string>;
  /** `GITHUB_STATE` content from a previous phase (for `post`). */
  state?: Record<string, string>;
  /** Which script of `runs` to run. Default: `main`. */
  phase?: 'pre' | 'main' | 'post';
  /** The Node binary. Default: Node 24 (see `resolveNode24`). */
  nodeBinary?: string;
  /** Kill the action after this long. Default: 120 s. */
  timeoutMs?: number;
  /** Keep the runner's temporary folder (command files, event) for inspection. Default: false. */
  keepTemp?: boolean;
}

export interface ActionRun {
  exitCode: number;
  /** Outputs from `GITHUB_OUTPUT`, heredoc form parsed. */
  outputs: Record<string, string>;
  /** The Markdown appended to `GITHUB_STEP_SUMMARY`. */
  summary: string;
  /** Variables exported through `GITHUB_ENV`. */
  exportedEnv: Record<string, string>;
  /** Values saved through `GITHUB_STATE`, for a `post` run. */
  state: Record<string, string>;
  /**
   * Every workflow command the runner would act on: stdout's, then stderr's (the runner reads
   * both; which came first across the two streams is not known here).
   */
  commands: WorkflowCommand[];
  /** The messages of `::error::` annotations. */
  errors: string[];
  /** The messages of `::warning::` annotations. */
  warnings: string[];
  /** What the runner masks: each `::add-mask::` value, and each of its lines trimmed. */
  masks: string[];
  stdout: string;
  /**
   * Stdout as the job log would show it before the runner's masking, without the
   * `::add-mask::` commands themselves: the place to grep for leaked secrets.
   */
  log: string;
  stderr: string;
  durationMs: number;
}

/** Variables of the host that a runner's job would have too; everything else is left out. */
const INHERITED = [
  'PATH',
  'HOME',
  'LANG',
  'TMPDIR',
  'HTTPS_PROXY',
  'HTTP_PROXY',
  'NO_PROXY',
  'NODE_EXTRA_CA_CERTS',
];

/**
 * Runs a bundled JavaScript action the way the GitHub runner does: Node 24 on the script that
 * `action.yml` names, inputs as `INPUT_*` variables (upper-cased, spaces to `_`, hyphens kept,
 * defaults applied), command files created beforehand, the event payload on disk.
 */
export async function runAction(options: RunActionOptions): Promise<ActionRun> {
  const actionDir = resolve(options.actionDir);
  const metadata = await readActionMetadata(actionDir);
  const phase = options.phase ?? 'main';
  const script = metadata.runs[phase];
  if (!script) throw new Error(`${actionDir}/action.yml has no runs.${phase}.`);

  const temp = await mkdtemp(join(tmpdir(), 'flow-runner-'));
  const workspace = options.workspace ?? join(temp, 'workspace');
  const files = {
    event: join(temp, 'event.json'),
    output: join(temp, 'output'),
    summary: join(temp, 'step-summary.md'),
    env: join(temp, 'env'),
    state: join(temp, 'state'),
    path: join(temp, 'path'),
  };
  try {
    await Promise.all([
      writeFile(files.event, JSON.stringify(options.payload ?? {})),
      writeFile(files.output, ''),
      writeFile(files.summary, ''),
      writeFile(files.env, ''),
      writeFile(files.state, ''),
      writeFile(files.path, ''),
    ]);
    if (!options.workspace) await mkdir(workspace);
    const env: Record<string, string> = {
      ...inheritedEnv(),
      ...inputEnv(metadata, options.inputs ?? {}, { 'github.token': options.githubToken ?? '' }),
      ...stateEnv(options.state ?? {}),
      CI: 'true',
      GITHUB_ACTIONS: 'true',
      GITHUB_EVENT_NAME: options.eventName ?? 'push',
      GITHUB_EVENT_PATH: files.event,
      GITHUB_SHA: options.sha ?? '0'.repeat(40),
      GITHUB_REF: options.ref ?? 'refs/heads/main',
      GITHUB_REPOSITORY: options.repository ?? 'acme/app',
      GITHUB_REPOSITORY_OWNER: (options.repository ?? 'acme/app').split('/')[0] ?? '',
      GITHUB_SERVER_URL: options.serverUrl ?? 'https://github.com',
      GITHUB_API_URL: options.apiUrl ?? 'https://api.github.com',
      GITHUB_RUN_ID: options.runId ?? '1',
      GITHUB_RUN_NUMBER: '1',
      GITHUB_RUN_ATTEMPT: '1',
      GITHUB_ACTOR: options.actor ?? 'octocat',
      GITHUB_WORKFLOW: 'flow',
      GITHUB_JOB: 'flow',
      GITHUB_ACTION: metadata.name || 'action',
      GITHUB_WORKSPACE: workspace,
      GITHUB_OUTPUT: files.output,
      GITHUB_STEP_SUMMARY: files.summary,
      GITHUB_ENV: files.env,
      GITHUB_STATE: files.state,
      GITHUB_PATH: files.path,
      RUNNER_TEMP: temp,
      RUNNER_OS: 'Linux',
      RUNNER_ARCH: 'X64',
      ...options.env,
    };
    const node = options.nodeBinary ?? resolveNode24();
    const started = performance.now();
    const { exitCode, stdout, stderr } = await spawnNode(
      node,
      join(actionDir, script),
      workspace,
      env,
      options.timeoutMs ?? 120_000,
    );
    const durationMs = performance.now() - started;
    const [outputs, summary, exportedEnv, state] = await Promise.all([
      readFile(files.output, 'utf8').then(parseCommandFile),
      readFile(files.summary, 'utf8'),
      readFile(files.env, 'utf8').then(parseCommandFile),
      readFile(files.state, 'utf8').then(parseCommandFile),
    ]);
    const commands = [...parseWorkflowCommands(stdout), ...parseWorkflowCommands(stderr)];
    const messagesOf = (name: string) =>
      commands.filter((c) => c.command.toLowerCase() === name).map((c) => c.message);
    const isAddMask = (line: string) => parseWorkflowCommands(line)[0]?.command.toLowerCase() === 'add-mask';
    return {
      exitCode,
      outputs,
      summary,
      exportedEnv,
      state,
      commands,
      errors: messagesOf('error'),
      warnings: messagesOf('warning'),
      masks: [...new Set(messagesOf('add-mask').flatMap(maskedValues))],
      stdout,
      log: logLines(stdout)
        .filter((line) => !isAddMask(line))
        .join('\n'),
      stderr,
      durationMs,
    };
  } finally {
    if (!options.keepTemp) await rm(temp, { recursive: true, force: true });
  }
}

/**
 * `INPUT_*` for every declared input with a default, then every given input, as the runner does.
 * A default that is an expression (`${{ github.token }}`) is evaluated from `contextValues`.
 */
export function inputEnv(
  metadata: ActionMetadata,
  inputs: Record<string, string>,
  contextValues: Record<string, string> = {},
): Record<string, string> {
  const env: Record<string, string> = {};
  const variable = (name: string) => `INPUT_${name.replace(/ /g, '_').toUpperCase()}`;
  for (const [name, input] of Object.entries(metadata.inputs)) {
    if (input?.default !== undefined)
      env[variable(name)] = evaluateDefault(String(input.default), contextValues);
  }
  for (const [name, value] of Object.entries(inputs)) env[variable(name)] = value;
  return env;
}

function evaluateDefault(value: string, contextValues: Record<string, string>): string {
  return value.replace(/\$\{\{\s*([\w.-]+)\s*\}\}/g, (_match, name: string) => {
    const evaluated = contextValues[name];
    if (evaluated === undefined)
      throw new Error(`The harness cannot evaluate \${{ ${name} }} in an input default.`);
    return evaluated;
  });
}

function stateEnv(state: Record<string, string>): Record<string, string> {
  return Object.fromEntries(Object.entries(state).map(([name, value]) => [`STATE_${name}`, value]));
}

function inheritedEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of INHERITED) {
    const value = process.env[name];
    if (value !== undefined) env[name] = value;
  }
  return env;
}

function spawnNode(
  node: string,
  script: string,
  cwd: string,
  env: Record<string, string>,
  timeoutMs: number,
): Promise<{ exitCode: number; stdout: string; stderr: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(node, [script], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    const stdout: Buffer[] = [];
    const stderr: Buffer[] = [];
    child.stdout.on('data', (chunk: Buffer) => stdout.push(chunk));
    child.stderr.on('data', (chunk: Buffer) => stderr.push(chunk));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (signal === 'SIGKILL' && code === null) {
        reject(new Error(`${script} did not finish within ${timeoutMs} ms and was killed.`));
        return;
      }
      resolvePromise({
        exitCode: code ?? 1,
        stdout: Buffer.concat(stdout).toString('utf8'),
        stderr: Buffer.concat(stderr).toString('utf8'),
      });
    });
  });
}
