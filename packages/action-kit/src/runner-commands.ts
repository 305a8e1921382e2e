import { randomUUID } from 'node:crypto';
import { appendFileSync } from 'node:fs';

/**
 * The runner's command protocol, written directly: workflow commands on stdout and the command
 * files (`GITHUB_OUTPUT`, `GITHUB_ENV`, `GITHUB_STATE`). `@actions/core` does the same but loads an
 * HTTP client and a second undici for OIDC on import — ~60 ms of every action's cold start for
 * something no flow action uses.
 */

function escapeData(text: string): string {
  return text.replace(/%/g, '%25').replace(/\r/g, '%0D').replace(/\n/g, '%0A');
}

function escapeProperty(text: string): string {
  return escapeData(text).replace(/:/g, '%3A').replace(/,/g, '%2C');
}

/** Prints `::command key=value::message`, escaped the way the runner unescapes it. */
export function issueCommand(command: string, properties: Record<string, string>, message: string): void {
  const props = Object.entries(properties)
    .map(([key, value]) => `${key}=${escapeProperty(value)}`)
    .join(',');
  process.stdout.write(`::${command}${props ? ` ${props}` : ''}::${escapeData(message)}\n`);
}

/** A plain log line. A line that would read as a workflow command is neutralised first. */
export function writeLine(message: string): void {
  process.stdout.write(`${message.replace(/^::/gm, ': :')}\n`);
}

/**
 * Appends `name<<DELIMITER` … `DELIMITER` to a command file. The delimiter is random and checked
 * against the value, so a value can never end the block early and inject another output.
 */
export function appendCommandFile(variable: string, name: string, value: string): boolean {
  const path = process.env[variable];
  if (!path) return false;
  const delimiter = `ghadelimiter_${randomUUID()}`;
  if (name.includes(delimiter) || value.includes(delimiter)) {
    throw new Error(`The value of "${name}" contains the command file delimiter.`);
  }
  appendFileSync(path, `${name}<<${delimiter}\n${value}\n${delimiter}\n`, 'utf8');
  return true;
}

export function setOutput(name: string, value: string): void {
  appendCommandFile('GITHUB_OUTPUT', name, value);
}

export function setSecret(value: string): void {
  issueCommand('add-mask', {}, value);
}

/** Marks the step failed: an error annotation and exit code 1. */
export function setFailed(message: string): void {
  process.exitCode = 1;
  issueCommand('error', {}, message);
}
