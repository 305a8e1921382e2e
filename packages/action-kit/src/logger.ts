import type { SecretMasker } from './secrets';
import { ACTION_AUDIENCE, type Audience, mapWording, type Wording, wordingFor } from './wording';

/** A log line: plain text, or a wording that names inputs (flags, on the command line). */
export type LogMessage = string | Wording;

/** Logging as the cores see it; the entry decides where it goes and in whose words. */
export interface Logger {
  debug(message: LogMessage): void;
  info(message: LogMessage): void;
  warning(message: LogMessage): void;
  error(message: LogMessage): void;
  /** Runs `fn` inside a collapsible group of the job log. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
}

/** A log line in the workflow author's words. */
const actionText = (message: LogMessage) => wordingFor(message, ACTION_AUDIENCE);

// The runner reads a command from any line of stdout or stderr whose text, after leading white
// space (.NET's, which includes U+0085), starts with `::`, and from `##[` anywhere in a line
// (actions/runner ActionCommand.TryParseV2 and TryParse). Lines end at \r, \n or \r\n.
const LINE_BREAK = /(\r\n|\r|\n)/;
const COMMAND_START = /^([\s\u0085]*):(?=:)/;

/**
 * Makes text safe to print as log lines: a line that would start a workflow command gets a space
 * between its colons (`: :add-mask::`), and every `##[` becomes `##[\`, the runner's own way of
 * defusing its markers in user output. The text stays readable; the runner reads no command in it.
 */
export function neutraliseCommands(text: string): string {
  return text
    .split(LINE_BREAK)
    .map((part) => part.replace(COMMAND_START, '$1: ').replaceAll('##[', '##[\\'))
    .join('');
}

/**
 * Writes plain lines to stderr: for the command line, which speaks no workflow commands. The lines
 * are neutralised all the same: `flow` may run in a workflow's `run:` step, whose stderr the runner
 * reads for commands too.
 */
export function createConsoleLogger(options: { verbose?: boolean } = {}): Logger {
  const write = (message: LogMessage) => process.stderr.write(`${neutraliseCommands(actionText(message))}\n`);
  return {
    debug: (message) => {
      if (options.verbose) write(message);
    },
    info: write,
    warning: (message) => write(`warning: ${actionText(message)}`),
    error: (message) => write(`error: ${actionText(message)}`),
    group: async (title, fn) => {
      write(title);
      return fn();
    },
  };
}

/** Passes every message through `masker.redact` first: defence in depth behind the runner's masking. */
export function redactingLogger(inner: Logger, masker: SecretMasker): Logger {
  const redact = <T extends LogMessage>(message: T): T => mapWording(message, (text) => masker.redact(text));
  return {
    debug: (message) => inner.debug(redact(message)),
    info: (message) => inner.info(redact(message)),
    warning: (message) => inner.warning(redact(message)),
    error: (message) => inner.error(redact(message)),
    group: (title, fn) => inner.group(redact(title), fn),
  };
}

/** Renders every wording in `audience`'s terms before `inner` writes it: `flow` logs in flags. */
export function loggerFor(audience: Audience, inner: Logger): Logger {
  const render = (message: LogMessage) => wordingFor(message, audience);
  return {
    debug: (message) => inner.debug(render(message)),
    info: (message) => inner.info(render(message)),
    warning: (message) => inner.warning(render(message)),
    error: (message) => inner.error(render(message)),
    group: (title, fn) => inner.group(title, fn),
  };
}

export const nullLogger: Logger = {
  debug: () => {},
  info: () => {},
  warning: () => {},
  error: () => {},
  group: (_title, fn) => fn(),
};

export type LogLevel = 'debug' | 'info' | 'warning' | 'error' | 'group';

export interface LogEntry {
  level: LogLevel;
  message: string;
}

/** Keeps every line, for tests that assert what a user would read in the log. */
export class RecordingLogger implements Logger {
  readonly entries: LogEntry[] = [];

  debug(message: LogMessage): void {
    this.entries.push({ level: 'debug', message: actionText(message) });
  }
  info(message: LogMessage): void {
    this.entries.push({ level: 'info', message: actionText(message) });
  }
  warning(message: LogMessage): void {
    this.entries.push({ level: 'warning', message: actionText(message) });
  }
  error(message: LogMessage): void {
    this.entries.push({ level: 'error', message: actionText(message) });
  }
  async group<T>(title: string, fn: () => Promise<T>): Promise<T> {
    this.entries.push({ level: 'group', message: title });
    return fn();
  }

  /** Everything logged, one entry per line, for grepping. */
  get text(): string {
    return this.entries.map((entry) => `${entry.level}: ${entry.message}`).join('\n');
  }
}
