import {
  type CliAudience,
  ConfigurationError,
  type Logger,
  type SecretMasker,
  type WordingPart,
} from '@flow-actions/action-kit';
import type { UploadProgress } from '@flow-actions/oci-store';
import type { Table } from './output';

/** Exit codes, the same for every command (documented in `flow --help` and the README). */
export const ExitCode = {
  /** The command did what it was asked (a dry run included). */
  success: 0,
  /** The operation was refused or failed: a protocol refusal, a registry or git error. */
  failed: 1,
  /** The command line is wrong: unknown command or option, a missing or malformed value. */
  usage: 2,
} as const;

/** One flag. Names are the action's input names, kebab-case. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  /** Repeatable: each occurrence adds a line, like a multi-line action input. Default: false. */
  multiple?: boolean;
  /** Shown in `--help`. */
  description: string;
  /**
   * The value used when the flag is absent: the action.yml default of the input, so the command
   * line and the action behave alike (a test compares them). Default: none.
   */
  default?: string;
  /** Shown in `--help` when the default is not a plain value, e.g. `git rev-parse HEAD`. Default: none. */
  defaultText?: string;
}

/** What a command needs at run time; `runCli` builds it, tests may pass their own. */
export interface CommandContext {
  /** The command line's reader: what a wording in a core's result is rendered for (`--to`, not `input "to"`). */
  audience: CliAudience;
  /** Directory relative paths and `git rev-parse HEAD` are taken from. */
  cwd: string;
  env: NodeJS.ProcessEnv;
  /** Progress and logs: stderr, never stdout. */
  logger: Logger;
  masker: SecretMasker;
  /** Shows long blob uploads on stderr. Default: nothing shown. */
  onUploadProgress?: (progress: UploadProgress) => void;
  /**
   * Asks the person at the terminal and returns the line they answer; present only when stdin and
   * stderr are a terminal, so a script or CI job is never asked. Default: absent.
   */
  ask?: (question: string) => Promise<string>;
}

/** What a command returns: a JSON object for `--json`, else a few lines and a table. */
export interface CommandOutput {
  json: Record<string, unknown>;
  /** A core's words may name inputs (a wording): printed in flags. */
  lines: WordingPart[];
  table: Table;
  /**
   * Set when the command reports what it found and still fails (a gate that blocked): the output
   * is printed, then this one line goes to stderr and the exit code is 1. Default: success.
   */
  failure?: WordingPart;
}

export interface ParsedArguments {
  values: Record<string, string | boolean | (string | boolean)[] | undefined>;
  positionals: string[];
}

export interface Command {
  name: string;
  /** One line for `flow --help`. */
  summary: string;
  /** The synopsis after `flow <name>`, e.g. `--image <repo> --to <tag> [options]`. */
  usage: string;
  /** Paragraphs printed under the synopsis in `--help`. */
  details?: string[];
  options: Record<string, OptionSpec>;
  /** Names of positional arguments, in order; none when absent. */
  positionals?: string[];
  run(args: ParsedArguments, context: CommandContext): Promise<CommandOutput>;
}

/**
 * A wrong command line: printed as one line with a pointer to `--help`, exit code 2. An action's
 * input reader's refusal becomes one, keeping its wording, so it names the flag.
 */
export class UsageError extends ConfigurationError {
  override name = 'UsageError';
}
