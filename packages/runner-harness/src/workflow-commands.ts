/** A workflow command the action printed, e.g. `::error file=a.ts::message`. */
export interface WorkflowCommand {
  command: string;
  properties: Record<string, string>;
  message: string;
}

const COMMAND_LINE = /^::([A-Za-z-]+)(?: ([^:]*))?::(.*)$/;

/** The runner's escaping of command data and property values, undone. */
function unescapeData(text: string): string {
  return text.replace(/%0D/gi, '\r').replace(/%0A/gi, '\n').replace(/%25/g, '%');
}

function unescapeProperty(text: string): string {
  return unescapeData(text).replace(/%3A/gi, ':').replace(/%2C/gi, ',');
}

/** Every `::command::` line of a log, in order. Other lines are plain log output. */
export function parseWorkflowCommands(log: string): WorkflowCommand[] {
  const commands: WorkflowCommand[] = [];
  for (const line of log.split(/\r?\n/)) {
    const match = COMMAND_LINE.exec(line);
    if (!match) continue;
    const properties: Record<string, string> = {};
    for (const pair of (match[2] ?? '').split(',')) {
      const separator = pair.indexOf('=');
      if (separator > 0) properties[pair.slice(0, separator)] = unescapeProperty(pair.slice(separator + 1));
    }
    commands.push({ command: match[1] ?? '', properties, message: unescapeData(match[3] ?? '') });
  }
  return commands;
}

/**
 * Parses a `GITHUB_OUTPUT` / `GITHUB_ENV` / `GITHUB_STATE` file: `name=value` lines and the
 * heredoc form `name<<DELIMITER` … `DELIMITER` that `@actions/core` writes.
 */
export function parseCommandFile(content: string): Record<string, string> {
  const values: Record<string, string> = {};
  const lines = content.split('\n');
  for (let index = 0; index < lines.length; index++) {
    const line = lines[index] ?? '';
    if (line === '') continue;
    const heredoc = /^([^=<]+)<<(.+)$/.exec(line);
    if (heredoc) {
      const [, name = '', delimiter = ''] = heredoc;
      const body: string[] = [];
      index++;
      while (index < lines.length && lines[index] !== delimiter) body.push(lines[index++] ?? '');
      if (index >= lines.length)
        throw new Error(`Unterminated value for "${name}": no closing ${delimiter} line.`);
      values[name] = body.join('\n');
      continue;
    }
    const separator = line.indexOf('=');
    if (separator <= 0) throw new Error(`Malformed command file line: ${JSON.stringify(line)}`);
    values[line.slice(0, separator)] = line.slice(separator + 1);
  }
  return values;
}
