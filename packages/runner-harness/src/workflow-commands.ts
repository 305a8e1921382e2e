/** A workflow command the action printed, e.g. `::error file=a.ts::message`. */
export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

// Read as the runner reads them: actions/runner src/Runner.Common/ActionCommand.cs (TryParseV2 for
// `::name props::data`, TryParse for the older `##[name props]data`) and
// src/Runner.Worker/ActionCommandManager.cs (the registered commands, stop-commands).

/** The commands the runner knows; any other `::name::` line is plain output. Case-insensitive. */
const REGISTERED = new Set([
  'stop-commands',
  'set-env',
  'set-output',
  'save-state',
  'add-mask',
  'add-path',
  'add-matcher',
  'remove-matcher',
  'debug',
  'warning',
  'error',
  'notice',
  'group',
  'endgroup',
  'echo',
]);

/** The runner reads process output with .NET's ReadLine: a line ends at \r, \n or \r\n. */
export function logLines(text: string): string[] {
  return text.split(/\r\n|\r|\n/);
}

/** Ordinal replacements in the runner's order: `%25` last, so `%250A` stays `%0A`. */
function unescapeWith(text: string, mappings: readonly (readonly [string, string])[]): string {
  return mappings.reduce((value, [escaped, token]) => value.replaceAll(escaped, token), text);
}

const DATA: readonly (readonly [string, string])[] = [
  ['%0D', '\r'],
  ['%0A', '\n'],
  ['%25', '%'],
];
const PROPERTY: readonly (readonly [string, string])[] = [
  ['%0D', '\r'],
  ['%0A', '\n'],
  ['%3A', ':'],
  ['%2C', ','],
  ['%25', '%'],
];
const LEGACY: readonly (readonly [string, string])[] = [
  ['%3B', ';'],
  ['%0D', '\r'],
  ['%0A', '\n'],
  ['%5D', ']'],
  ['%25', '%'],
];

/** `key=value` pairs split on `separator`; a pair without `=` or with an empty side is dropped. */
function parseProperties(
  text: string,
  separator: string,
  mappings: readonly (readonly [string, string])[],
): Record<string, string> {
  const properties: Record<string, string> = {};
  for (const pair of text.split(separator).filter(Boolean)) {
    const equals = pair.indexOf('=');
    const key = pair.slice(0, equals);
    const value = pair.slice(equals + 1).replace(/^=+/, '');
    if (equals > 0 && value) properties[key] = unescapeWith(value, mappings);
  }
  return properties;
}

function commandName(info: string, known: ReadonlySet<string>): string | undefined {
  const space = info.indexOf(' ');
  const name = space < 0 ? info : info.slice(0, space);
  return known.has(name.toLowerCase()) ? name : undefined;
}

/** `::name key=value,key=value::data`, after leading white space (.NET's, U+0085 included). */
function parseV2(line: string, known: ReadonlySet<string>): WorkflowCommand | undefined {
  const message = line.replace(/^[\s\u0085]+/, '');
  if (!message.startsWith('::')) return undefined;
  const end = message.indexOf('::', 2);
  if (end < 0) return undefined;
  const info = message.slice(2, end);
  const command = commandName(info, known);
  if (command === undefined) return undefined;
  const space = info.indexOf(' ');
  const properties = space > 0 ? parseProperties(info.slice(space + 1).trim(), ',', PROPERTY) : {};
  return { command, properties, message: unescapeWith(message.slice(end + 2), DATA) };
}

/** The older `##[name key=value;key=value]data`, found anywhere in a line. */
function parseV1(line: string, known: ReadonlySet<string>): WorkflowCommand | undefined {
  const prefix = line.indexOf('##[');
  if (prefix < 0) return undefined;
  const bracket = line.indexOf(']', prefix);
  if (bracket < 0) return undefined;
  const info = line.slice(prefix + 3, bracket);
  const command = commandName(info, known);
  if (command === undefined) return undefined;
  const space = info.indexOf(' ');
  const properties = space > 0 ? parseProperties(info.slice(space + 1), ';', LEGACY) : {};
  return { command, properties, message: unescapeWith(line.slice(bracket + 1), LEGACY) };
}

/**
 * Every workflow command of a log that the runner would act on, in order; other lines are plain
 * output. After `::stop-commands::TOKEN` nothing is a command until `::TOKEN::`, as on the runner.
 * The command name is returned as written; compare it lower-cased if case matters.
 */
export function parseWorkflowCommands(log: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = [];
  const known = new Set(REGISTERED);
  let stopToken: string | undefined;
  for (const line of logLines(log)) {
    if (!line.includes('::') && !line.includes('##[')) continue;
    const command = parseV2(line, known) ?? parseV1(line, known);
    if (!command) continue;
    const name = command.command.toLowerCase();
    if (stopToken !== undefined) {
      if (name !== stopToken) continue;
      known.delete(stopToken);
      stopToken = undefined;
      continue;
    }
    // The runner refuses (and fails the step on) an empty token, a command's name or pause-logging.
    const token = command.message.toLowerCase();
    if (name === 'stop-commands' && token && !known.has(token) && token !== 'pause-logging') {
      stopToken = token;
      known.add(token);
    }
    commands.push(command);
  }
  return commands;
}

/**
 * What the runner masks for one `::add-mask::` value: the value, and each of its lines trimmed
 * (AddMaskCommandExtension). A blank value masks nothing.
 */
export function maskedValues(value: string): string[] {
  if (value.trim() === '') return [];
  const lines = value
    .split(/\r|\n/)
    .map((line) => line.trim())
    .filter(Boolean);
  return [...new Set([value, ...lines])];
}

/**
 * Parses a `GITHUB_OUTPUT` / `GITHUB_ENV` / `GITHUB_STATE` file as the runner does
 * (EnvFileKeyValuePairs, on Linux): `name=value` lines, and the heredoc form
 * `name<<DELIMITER` … `DELIMITER` that `@actions/core` writes; whichever of `=` and `<<` comes first
 * decides. A later value of the same name wins.
 */
export function parseCommandFile(content: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = content.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (line === '') continue;
    const equals = line.indexOf('=');
    const heredoc = line.indexOf('<<');
    if (equals >= 0 && (heredoc < 0 || equals < heredoc)) {
      values[line.slice(0, equals)] = line.slice(equals + 1);
      continue;
    }
    if (heredoc < 0) throw new Error(`Invalid format ${JSON.stringify(line)} in a command file.`);
    const name = line.slice(0, heredoc);
    const delimiter = line.slice(heredoc + 2);
    if (!name || !delimiter)
      throw new Error(
        `Invalid format ${JSON.stringify(line)}: name must not be empty and delimiter must not be empty.`,
      );
    const body: string[] = [];
    index++;
    while (index < lines.length && lines[index] !== delimiter) body.push(lines[index++] ?? '');
    if (index >= lines.length)
      throw new Error(`Unterminated value for "${name}": no closing ${delimiter} line.`);
    values[name] = body.join('\n');
  }
  return values;
}
