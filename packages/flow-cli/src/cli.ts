import { createInterface } from 'node:readline';
import { type ParseArgsOptionsConfig, parseArgs } from 'node:util';
import {
  type CliAudience,
  createConsoleLogger,
  errorMessage,
  isConfigurationError,
  type Logger,
  loggerFor,
  messageFor,
  oneLine,
  redactingLogger,
  SecretMasker,
  Wording,
  wordingFor,
} from '@flow-actions/action-kit';
import {
  type Command,
  type CommandContext,
  ExitCode,
  type OptionSpec,
  type ParsedArguments,
  UsageError,
} from './command';
import { buildCommand } from './commands/build';
import { initCommand } from './commands/init';
import { inspectCommand } from './commands/inspect';
import { matrixCommand } from './commands/matrix';
import { promoteCommand } from './commands/promote';
import { publishCommand } from './commands/publish';
import { releaseCommand } from './commands/release';
import { updateManifestCommand } from './commands/update-manifest';
import { yankCommand } from './commands/yank';
import { formatTable } from './output';
import { createUploadProgress } from './progress';
import { readCliVersion } from './version';

/** Every command, in the order `flow --help` lists them. */
export const COMMANDS: readonly Command[] = [
  initCommand,
  buildCommand,
  promoteCommand,
  releaseCommand,
  yankCommand,
  updateManifestCommand,
  matrixCommand,
  publishCommand,
  inspectCommand,
];

/** Where the CLI writes and what it runs against; every field defaults to the process's own. */
export interface CliOptions {
  /** Default: process.stdout. */
  stdout?: (text: string) => void;
  /** Default: process.stderr. */
  stderr?: (text: string) => void;
  /** Default: process.cwd(). */
  cwd?: string;
  /** Default: process.env. */
  env?: NodeJS.ProcessEnv;
  /** Default: a console logger on stderr (with `--verbose`, debug lines too). */
  logger?: Logger;
  /** Whether stderr is a terminal, where upload progress is one line updated in place. Default: process.stderr.isTTY. */
  stderrIsTTY?: boolean;
  /** Asks a question and returns the answer. Default: on the terminal, when stdin and stderr are one; else never. */
  ask?: (question: string) => Promise<string>;
}

const COMMON_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', description: 'Print one JSON object on stdout and nothing else there.' },
  verbose: {
    type: 'boolean',
    description:
      'Log every registry request (method, URL without credentials, status, time, bytes) and command on stderr.',
  },
  help: { type: 'boolean', description: 'Show this help.' },
};

const EXIT_CODES_HELP = [
  'Exit codes:',
  '  0  success (a dry run included)',
  '  1  the operation was refused or failed (a protocol refusal, a registry or git error)',
  '  2  usage error (unknown command or option, missing or malformed value)',
];

/** Runs `flow <argv>` and returns the exit code; never calls process.exit. */
export async function runCli(argv: readonly string[], options: CliOptions = {}): Promise<number> {
  const stdout = options.stdout ?? ((text: string) => process.stdout.write(text));
  const stderr = options.stderr ?? ((text: string) => process.stderr.write(text));
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    const target = name === 'help' ? COMMANDS.find((command) => command.name === rest[0]) : undefined;
    stdout(`${target ? commandHelp(target) : mainHelp()}\n`);
    return ExitCode.success;
  }
  if (name === '--version') {
    stdout(`flow ${await readCliVersion()}\n`);
    return ExitCode.success;
  }
  const command = COMMANDS.find((candidate) => candidate.name === name);
  if (!command) {
    stderr(
      `flow: unknown command "${name}" (commands: ${COMMANDS.map((c) => c.name).join(', ')}; see flow --help)\n`,
    );
    return ExitCode.usage;
  }

  const masker = new SecretMasker();
  const audience = commandAudience(command);
  let json = false;
  try {
    const args = parseCommandLine(command, rest);
    if (args.values.help) {
      stdout(`${commandHelp(command)}\n`);
      return ExitCode.success;
    }
    json = args.values.json === true;
    const logger = loggerFor(
      audience,
      redactingLogger(
        options.logger ?? createConsoleLogger({ verbose: args.values.verbose === true }),
        masker,
      ),
    );
    const ask = options.ask ?? (process.stdin.isTTY && process.stderr.isTTY ? askOnTerminal : undefined);
    const context: CommandContext = {
      audience,
      cwd: options.cwd ?? process.cwd(),
      env: options.env ?? process.env,
      logger,
      masker,
      onUploadProgress: createUploadProgress({
        write: stderr,
        tty: options.stderrIsTTY ?? (options.stderr ? false : process.stderr.isTTY === true),
      }),
      ...(ask ? { ask } : {}),
    };
    const output = await command.run(args, context);
    if (json) {
      stdout(`${masker.redact(jsonFor(output.json, audience))}\n`);
    } else {
      const lines = [
        ...output.lines.map((line) => wordingFor(line, audience)),
        '',
        ...formatTable(output.table),
      ];
      stdout(`${masker.redact(lines.join('\n'))}\n`);
    }
    if (output.failure) {
      stderr(`flow ${command.name}: ${masker.redact(oneLine(wordingFor(output.failure, audience)))}\n`);
      return ExitCode.failed;
    }
    return ExitCode.success;
  } catch (error) {
    const message = masker.redact(oneLine(messageFor(error, audience)));
    if (error instanceof UsageError) {
      stderr(`flow ${command.name}: ${message} (see flow ${command.name} --help)\n`);
      return ExitCode.usage;
    }
    stderr(`flow ${command.name}: ${isConfigurationError(error) ? '' : 'failed: '}${message}\n`);
    if (json) stdout(`${JSON.stringify({ ok: false, error: message })}\n`);
    return ExitCode.failed;
  }
}

/**
 * A command's JSON, where a core's result may carry wordings (a plan's reasons): in the flags'
 * words there too. The replacer sees a value after its toJSON (the workflow's words), so it reads
 * the holder's own value.
 */
function jsonFor(value: unknown, audience: CliAudience): string {
  return JSON.stringify(
    value,
    function render(this: Record<string, unknown>, key: string, rendered: unknown) {
      const own = this[key];
      return own instanceof Wording ? own.for(audience) : rendered;
    },
    2,
  );
}

/**
 * The command line's reader: the actions' messages name this command's flags (`--to`, `<image>`)
 * where a workflow author reads inputs (`input "to"`).
 */
export function commandAudience(command: Command): CliAudience {
  return {
    kind: 'cli',
    flags: { ...command.options, ...COMMON_OPTIONS },
    ...(command.positionals ? { positionals: command.positionals } : {}),
  };
}

/** Strict parsing: an unknown flag, a missing value or a stray argument is a usage error. */
export function parseCommandLine(command: Command, argv: readonly string[]): ParsedArguments {
  const options: ParseArgsOptionsConfig = Object.fromEntries(
    Object.entries({ ...command.options, ...COMMON_OPTIONS }).map(([name, spec]) => [
      name,
      { type: spec.type, ...(spec.multiple ? { multiple: true } : {}) },
    ]),
  );
  try {
    const { values, positionals } = parseArgs({
      args: [...argv],
      options,
      strict: true,
      allowPositionals: true,
    });
    if (values.help) return { values, positionals };
    const expected = command.positionals ?? [];
    if (positionals.length > expected.length) {
      throw new UsageError(
        expected.length === 0
          ? `unexpected argument "${positionals[expected.length]}"`
          : `unexpected argument "${positionals[expected.length]}" after <${expected.join('> <')}>`,
      );
    }
    if (positionals.length < expected.length) {
      throw new UsageError(`missing <${expected[positionals.length]}>`);
    }
    return { values, positionals };
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(describeParseError(error));
  }
}

/** node:util's parse errors, shortened to the CLI's one-line form. */
function describeParseError(error: unknown): string {
  const message = errorMessage(error);
  const code = (error as { code?: string }).code;
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
    const flag = /'([^']+)'/.exec(message)?.[1] ?? '?';
    return `unknown option ${flag}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
    const flag = /--[a-z-]+/.exec(message)?.[0] ?? 'an option';
    // `--branch -x`: the next word starts with "-", so it may be a mistyped option, not the value.
    if (message.includes('ambiguous')) {
      return `${flag} needs a value, and the next word starts with "-": write ${flag}=<value> to give one that starts with "-"`;
    }
    return message.includes('argument missing') ? `${flag} needs a value` : `${flag} takes no value`;
  }
  return oneLine(message);
}

export function mainHelp(): string {
  const width = Math.max(...COMMANDS.map((command) => command.name.length));
  return [
    'flow: the delivery protocol on the command line. Build once per commit, promote by tag,',
    'never rebuild, yank what failed. The same cores as the GitHub actions, on any registry',
    'or an OCI layout (oci:<dir>).',
    '',
    'Usage: flow <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map((command) => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    'Every command takes --json (one JSON object on stdout; progress goes to stderr), --verbose',
    '(every registry request on stderr, redacted) and --help. Long uploads show progress on stderr.',
    'Credentials: the Docker config ($DOCKER_CONFIG or ~/.docker/config.json), or --username/--password',
    "for one registry (--registry, else the first image's); never inside a URL.",
    '',
    ...EXIT_CODES_HELP,
  ].join('\n');
}

export function commandHelp(command: Command): string {
  const options = { ...command.options, ...COMMON_OPTIONS };
  const flags = Object.entries(options).map(([name, spec]) => {
    const value = spec.type === 'string' ? ` <${name === 'sha' ? 'commit' : 'value'}>` : '';
    return { flag: `--${name}${value}`, spec, shown: defaultOf(name, spec, command) };
  });
  const width = Math.max(...flags.map(({ flag }) => flag.length));
  return [
    `Usage: flow ${command.name} ${command.usage}`,
    '',
    command.summary,
    ...(command.details ? ['', ...command.details] : []),
    '',
    'Options:',
    ...flags.map(({ flag, spec, shown }) => {
      const extras = [
        spec.multiple ? 'repeatable' : '',
        shown ? `default: ${shown.trim().replace(/\n/g, ', ')}` : '',
      ].filter(Boolean);
      return `  ${flag.padEnd(width)}  ${spec.description}${extras.length ? ` (${extras.join('; ')})` : ''}`;
    }),
    '',
    ...EXIT_CODES_HELP,
  ].join('\n');
}

/**
 * What `--help` shows as a flag's default: its action.yml default, a description of it, or, for a
 * switch of the command (not --json, --verbose, --help), off.
 */
function defaultOf(name: string, spec: OptionSpec, command: Command): string | undefined {
  if (spec.default || spec.defaultText) return spec.default || spec.defaultText;
  return spec.type === 'boolean' && name in command.options ? 'off' : undefined;
}

/** One line read from the terminal after `question` on stderr; Ctrl-C or Ctrl-D answer nothing. */
function askOnTerminal(question: string): Promise<string> {
  return new Promise((resolve) => {
    const terminal = createInterface({ input: process.stdin, output: process.stderr });
    let answered = false;
    const answer = (line: string) => {
      if (answered) return;
      answered = true;
      terminal.close();
      resolve(line);
    };
    terminal.on('SIGINT', () => {
      process.stderr.write('\n');
      answer('');
    });
    terminal.on('close', () => answer(''));
    terminal.question(question, answer);
  });
}
