import { ACTION_AUDIENCE, type Audience, asWording, Wording, type WordingPart, wordingFor } from './wording';

/**
 * What a failure summary says beyond the error's message. Any error may carry it as `notes`; a
 * step that wrote part of its work before failing says here what it wrote and what it left.
 */
export interface FailureNotes {
  /** What the step wrote before it stopped, as a sentence. Default: nothing (a refusal comes before any write). */
  written?: WordingPart;
  /** What is as it was before the run, as a sentence. Default: the step's own words for "nothing was written". */
  unchanged?: WordingPart;
  /**
   * What to do next. When the message ends with it, the summary gives the rest as the reason.
   * Written with `words` when it names an input, as the message it ends is.
   * Default: the message's last sentence, for a refusal that says its fix there.
   */
  fix?: WordingPart;
}

/**
 * A mistake the user can fix in the workflow: a bad input, a missing credential, a refused
 * precondition. Its message is one line that names the cause and what to do about it; written
 * with `words`, it names inputs so that `flow` can say the same in flags (`messageFor`).
 * Anything that is not a ConfigurationError is a fault (network, registry, bug).
 */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
  /** The message for either audience; `message` is the workflow author's. */
  readonly wording: Wording;
  readonly notes: FailureNotes;

  constructor(message: WordingPart, { cause, ...notes }: FailureNotes & ErrorOptions = {}) {
    super(wordingFor(message, ACTION_AUDIENCE), cause === undefined ? undefined : { cause });
    this.wording = asWording(message);
    this.notes = notes;
  }
}

/**
 * A fault (not the user's to fix) that the step can explain: what it wrote before it failed and
 * what it left, so the summary never guesses.
 */
export class StepFailure extends Error {
  override name = 'StepFailure';
  /** The message for either audience; `message` is the workflow author's. */
  readonly wording: Wording;

  constructor(
    message: WordingPart,
    readonly notes: FailureNotes,
    options?: ErrorOptions,
  ) {
    super(wordingFor(message, ACTION_AUDIENCE), options);
    this.wording = asWording(message);
  }
}

export function isConfigurationError(error: unknown): error is ConfigurationError {
  return error instanceof ConfigurationError;
}

/** The notes a thrown error carries, in `audience`'s terms; none for an error that is not ours. */
export function failureNotes(error: unknown, audience: Audience): { [Note in keyof FailureNotes]: string } {
  if (!(error instanceof ConfigurationError || error instanceof StepFailure)) return {};
  return Object.fromEntries(
    Object.entries(error.notes).map(([note, text]: [string, WordingPart]) => [
      note,
      wordingFor(text, audience),
    ]),
  );
}

/** The message of anything thrown, without a stack. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/**
 * The message of anything thrown, in `audience`'s terms: an error that carries a wording (a
 * ConfigurationError, a registry's answer) is rendered for it, anything else is its message.
 */
export function messageFor(error: unknown, audience: Audience): string {
  const wording = wordingOf(error);
  return wording ? wording.for(audience) : errorMessage(error);
}

/** The wording an error carries, to build a larger message around it; else its message. */
export function describeError(error: unknown): WordingPart {
  return wordingOf(error) ?? errorMessage(error);
}

function wordingOf(error: unknown): Wording | undefined {
  if (!(error instanceof Error) || !('wording' in error)) return undefined;
  return error.wording instanceof Wording ? error.wording : undefined;
}

/** Folds a message onto one line so that an annotation never spills over several. */
export function oneLine(message: string): string {
  return message.replace(/\s*\r?\n\s*/g, ' ').trim();
}
