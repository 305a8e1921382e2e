import { issueCommand, writeLine } from './runner-commands';
import type { SecretMasker } from './secrets';

/** Logging as the cores see it; the entry decides where it goes. */
export interface Logger {
  debug(message: string): void;
  info(message: string): void;
  warning(message: string): void;
  error(message: string): void;
  /** Runs `fn` inside a collapsible group of the job log. */
  group<T>(title: string, fn: () => Promise<T>): Promise<T>;
}

/** Writes to the job log with workflow commands: annotations for warnings and errors, collapsible groups. */
export function createActionsLogger(): Logger {
  return {
    debug: (message) => issueCommand('debug', {}, message),
    info: (message) => writeLine(message),
    warning: (message) => issueCommand('warning', {}, message),
    error: (message) => issueCommand('error', {}, message),
    group: async (title, fn) => {
      issueCommand('group', {}, title);
      try {
        return await fn();
      } finally {
        issueCommand('endgroup', {}, '');
      }
    },
  };
}

/** Writes plain lines to stderr: for the command line, where there are no workflow commands. */
export function createConsoleLogger(options: { verbose?: boolean } = {}): Logger {
  const write = (line: string) => process.stderr.write(`${line}\n`);
  return {
    debug: (message) => {
      if (options.verbose) write(message);
    },
    info: write,
    warning: (message) => write(`warning: ${message}`),
    error: (message) => write(`error: ${message}`),
    group: async (title, fn) => {
      write(title);
      return fn();
    },
  };
}

/** Passes every message through `masker.redact` first: defence in depth behind the runner's masking. */
export function redactingLogger(inner: Logger, masker: SecretMasker): Logger {
  const redact = (message: string) => masker.redact(message);
  return {
    debug: (message) => inner.debug(redact(message)),
    info: (message) => inner.info(redact(message)),
    warning: (message) => inner.warning(redact(message)),
    error: (message) => inner.error(redact(message)),
    group: (title, fn) => inner.group(redact(title), fn),
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

  debug(message: string): void {
    this.entries.push({ level: 'debug', message });
  }
  info(message: string): void {
    this.entries.push({ level: 'info', message });
  }
  warning(message: string): void {
    this.entries.push({ level: 'warning', message });
  }
  error(message: string): void {
    this.entries.push({ level: 'error', message });
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
