import { errorMessage, failureNotes, isConfigurationError, oneLine } from './errors';
import type { InputSource } from './inputs';
import { digestsIn, inlineCode, SummaryBuilder, shortenDigests } from './summary';
import { findUrlCredentials } from './url-credentials';
import { ACTION_AUDIENCE } from './wording';

/** How a step explains a failed run in its job summary; every action gives one to runAction. */
export interface FailureReport {
  /** The step as a workflow names it, its released `uses:` path, e.g. `promote`. */
  step: string;
  /**
   * The inputs that say what the run was asked to do, in the order shown, e.g. `image`, `from`,
   * `to`. Never a password or token input: the values are shown as written (URL user info and
   * every secret the run has seen redacted).
   */
  request: readonly string[];
  /**
   * What a refusal leaves as it was, as a sentence, e.g. `Nothing was written: no tag was created
   * or moved.` Refusals come before any write (DESIGN §8 rule 2); an error that knows otherwise
   * says so in its notes.
   */
  unchanged: string;
  /** The step only reads, so a fault changed nothing either. Default: false. */
  readOnly?: boolean;
}

/** One row of what was asked: an input by name, or a fact the step worked out (the event's commit). */
export interface RequestItem {
  label: string;
  value: string;
  /** True for an input, shown by its name as a workflow writes it. */
  input: boolean;
}

/** The listed inputs that are set, as the runner passed them. */
export function readRequest(source: InputSource, names: readonly string[]): RequestItem[] {
  return names.flatMap((name) => {
    const value = source(name)?.trim();
    return value ? [{ label: name, value, input: true }] : [];
  });
}

const CONFIGURATION_FIX = 'Change what the reason names, then re-run the job.';
const FAULT_FIX =
  'Re-run the job: every step is idempotent, so a re-run finishes what is missing once the cause (a network or registry fault) has passed. If it fails the same way, re-run it with debug logging on: the log then holds the stack trace.';
const FAULT_UNCHANGED =
  'Not known for certain: the step may have written part of its work before it failed; the log above says what it did.';
/** Lines of one input shown at most, and characters of one line. */
const MAX_LINES = 8;
const MAX_LINE = 100;

/**
 * The section a failed run adds to the job summary: a heading that says whether the step was
 * refused (a ConfigurationError: the user's to fix) or failed (anything else), what was asked,
 * why, what it wrote and what is unchanged, and what to do. Pure. `redact` (e.g.
 * `SecretMasker.redact`; default: none) is applied to the message and the asked values before
 * they are folded onto one line or cut short, where a secret over several lines or past the cut
 * would no longer be found whole; the caller redacts the finished text as well.
 */
export function buildFailureSummary(
  error: unknown,
  request: readonly RequestItem[],
  report: FailureReport,
  redact: (text: string) => string = (text) => text,
): SummaryBuilder {
  const refused = isConfigurationError(error);
  const notes = failureNotes(error, ACTION_AUDIENCE);
  const { reason, fix } = explain(oneLine(redact(errorMessage(error))), notes.fix, refused);
  const unchanged =
    notes.unchanged ??
    (notes.written ? undefined : refused || report.readOnly ? report.unchanged : FAULT_UNCHANGED);

  const summary = new SummaryBuilder().heading(
    `${refused ? '⛔' : '❌'} ${report.step} ${refused ? 'refused' : 'failed'}`,
  );
  const asked = request.map((item) => ({ ...item, value: redact(withoutUrlCredentials(item.value)) }));
  if (asked.length > 0) {
    summary.table(
      ['asked', 'value'],
      asked.map((item) => [item.input ? inlineCode(item.label) : item.label, showValue(item.value)]),
    );
  }
  summary.paragraph(`**${refused ? 'Refused' : 'Failed'} because:** ${reason}`);
  if (notes.written) summary.paragraph(`**What it wrote:** ${notes.written}`);
  if (unchanged) summary.paragraph(`**What is unchanged:** ${unchanged}`);
  summary.paragraph(`**What to do:** ${capitalise(fix ?? (refused ? CONFIGURATION_FIX : FAULT_FIX))}`);
  return summary.fullDigests(
    asked.flatMap((item) => digestsIn(item.value).map((digest) => [item.label, digest] as const)),
  );
}

/**
 * The reason and the fix of a one-line message. A refusal says its fix in its last sentence
 * ("… points at sha256:…. Promote under a new version, …"), unless the error names it.
 */
function explain(
  message: string,
  fix: string | undefined,
  refused: boolean,
): { reason: string; fix?: string } {
  if (fix) {
    const reason = message.endsWith(fix) ? message.slice(0, -fix.length).replace(/[\s:;,]+$/, '') : message;
    return { reason: reason || message, fix };
  }
  if (!refused) return { reason: message };
  const sentence = splitLastSentence(message);
  if (sentence) return { reason: sentence.before, fix: sentence.last };
  const clause = splitFixClause(message);
  return clause ? { reason: clause.before, fix: clause.fix } : { reason: message };
}

/** The verbs a one-sentence refusal starts its fix with, after a colon or semicolon ("…: give the full sha"). */
const IMPERATIVES = new Set(
  'add bump check choose delete deploy drop enable fix give install keep leave make name pass pick promote push raise remove rename re-run run set use wait write'.split(
    ' ',
  ),
);
const ABBREVIATIONS = /(?:\be\.g|\bi\.e|\betc|\bvs)$/;

/**
 * Splits off the last sentence: at the last ". " before a capital letter that is not inside
 * double quotes (a quoted commit subject or yank reason) nor after an abbreviation ("e.g. Makefile").
 */
export function splitLastSentence(message: string): { before: string; last: string } | undefined {
  const cut = lastCutOutsideQuotes(
    message,
    (index) =>
      message[index] === '.' &&
      message[index + 1] === ' ' &&
      /[A-Z]/.test(message[index + 2] ?? '') &&
      !ABBREVIATIONS.test(message.slice(0, index)),
  );
  return cut === -1 ? undefined : { before: message.slice(0, cut + 1), last: message.slice(cut + 2) };
}

/**
 * Splits a one-sentence refusal at the last ": " or "; " outside double quotes that a fix follows:
 * `Input "sha" … is not a commit sha: give the full 40 hex characters …`.
 */
export function splitFixClause(message: string): { before: string; fix: string } | undefined {
  const cut = lastCutOutsideQuotes(
    message,
    (index) =>
      (message[index] === ':' || message[index] === ';') &&
      message[index + 1] === ' ' &&
      IMPERATIVES.has(/^[a-z-]+/.exec(message.slice(index + 2))?.[0] ?? ''),
  );
  return cut === -1 ? undefined : { before: message.slice(0, cut), fix: message.slice(cut + 2) };
}

/** The last index outside double quotes where `isCut` holds; -1 for none. */
function lastCutOutsideQuotes(message: string, isCut: (index: number) => boolean): number {
  let quoted = false;
  let cut = -1;
  for (let index = 0; index < message.length; index++) {
    if (message[index] === '"') quoted = !quoted;
    else if (!quoted && isCut(index)) cut = index;
  }
  return cut;
}

/** An input's value in a cell: each line in code, long lines and digests cut short, URL user info redacted. */
/**
 * The value with the user info of any URL on its lines redacted (`http://bob:***@host`): done
 * before the run's secrets are, which would take the user name along with the password.
 */
function withoutUrlCredentials(value: string): string {
  return value
    .split(/(\r?\n)/)
    .map((line) => findUrlCredentials(line.trim())?.redacted ?? line)
    .join('');
}

function showValue(value: string): string {
  const lines = value
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  const shown = lines.slice(0, MAX_LINES).map((line) => {
    const safe = shortenDigests(line);
    return inlineCode(safe.length > MAX_LINE ? `${safe.slice(0, MAX_LINE - 1)}…` : safe);
  });
  const more = lines.length > MAX_LINES ? ` and ${lines.length - MAX_LINES} more` : '';
  return `${shown.join(', ')}${more}`;
}

function capitalise(text: string): string {
  return text.charAt(0).toUpperCase() + text.slice(1);
}
