import * as core from '@actions/core';
import type { InputSource } from './inputs';
import { type Logger, type LogMessage, neutraliseCommands } from './logger';
import type { SummaryBuilder } from './summary';
import { ACTION_AUDIENCE, wordingFor } from './wording';

/**
 * Everything an action says to the runner, through `@actions/core`: inputs, outputs, the log and
 * its annotations, the job summary. What core leaves to its caller is added here: a log line that
 * cannot be read as a workflow command, and no runner protocol at all outside a runner. Only this
 * file and run.ts load core, through the `@flow-actions/action-kit/runner` entry, so `flow`, which
 * imports the main entry, never does.
 */

/**
 * The inputs the runner gives a step, read with `core.getInput` (its variable naming: upper-cased,
 * spaces to `_`, hyphens kept). Untrimmed: InputReader trims, and `multiline` needs the lines.
 */
export const runnerInputSource: InputSource = (name) => core.getInput(name, { trimWhitespace: false });

/**
 * A plain log line. `core.info` prints what it is given, so text from a registry, a subprocess or
 * an input could issue `::add-mask::`, `::stop-commands::` or `::set-output::`: it is neutralised first.
 */
export function writeLine(message: string): void {
  core.info(neutraliseCommands(message));
}

/**
 * Sets a step output through `GITHUB_OUTPUT` (core's heredoc form with a random delimiter). Outside
 * a runner there is no such file, and nothing is written: core would fall back to printing a
 * deprecated `::set-output::` command, which a terminal or `flow --json` must never see.
 */
export function setOutput(name: string, value: string): boolean {
  if (!process.env.GITHUB_OUTPUT) return false;
  core.setOutput(name, value);
  return true;
}

// core.summary is one shared buffer: two writes at once would both append it, and a failed write
// leaves its text behind for the next. One at a time, each from an empty buffer.
let pendingWrite: Promise<unknown> = Promise.resolve();

/**
 * Appends to the job summary through `core.summary`. Without `GITHUB_STEP_SUMMARY` (a run outside
 * Actions) there is nowhere to write, and that is not an error.
 */
export async function writeSummary(summary: SummaryBuilder | string): Promise<boolean> {
  if (!process.env.GITHUB_STEP_SUMMARY) return false;
  const text = summary.toString();
  const written = pendingWrite.then(() => core.summary.emptyBuffer().addRaw(text).write());
  pendingWrite = written.catch(() => {});
  await written;
  return true;
}

/** A log line in the workflow author's words. */
const actionText = (message: LogMessage) => wordingFor(message, ACTION_AUDIENCE);

/**
 * Writes to the job log through `@actions/core`: annotations for warnings and errors, collapsible
 * groups. Core escapes what goes inside a command; a plain line is neutralised (see writeLine).
 */
export function createActionsLogger(): Logger {
  return {
    debug: (message) => core.debug(actionText(message)),
    info: (message) => writeLine(actionText(message)),
    warning: (message) => core.warning(actionText(message)),
    error: (message) => core.error(actionText(message)),
    group: (title, fn) => core.group(title, fn),
  };
}
