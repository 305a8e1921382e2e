/**
 * What a failure summary says beyond the error's message. Any error may carry it as `notes`; a
 * step that wrote part of its work before failing says here what it wrote and what it left.
 */
export interface FailureNotes {
  /** What the step wrote before it stopped, as a sentence. Default: nothing (a refusal comes before any write). */
  written?: string;
  /** What is as it was before the run, as a sentence. Default: the step's own words for "nothing was written". */
  unchanged?: string;
  /**
   * What to do next. When the message ends with it, the summary gives the rest as the reason.
   * Default: the message's last sentence, for a refusal that says its fix there.
   */
  fix?: string;
}

/**
 * A mistake the user can fix in the workflow: a bad input, a missing credential, a refused
 * precondition. Its message is one line that names the cause and what to do about it.
 * Anything that is not a ConfigurationError is a fault (network, registry, bug).
 */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
  readonly notes: FailureNotes;

  constructor(message: string, { cause, ...notes }: FailureNotes & ErrorOptions = {}) {
    super(message, cause === undefined ? undefined : { cause });
    this.notes = notes;
  }
}

/**
 * A fault (not the user's to fix) that the step can explain: what it wrote before it failed and
 * what it left, so the summary never guesses.
 */
export class StepFailure extends Error {
  override name = 'StepFailure';

  constructor(
    message: string,
    readonly notes: FailureNotes,
    options?: ErrorOptions,
  ) {
    super(message, options);
  }
}

export function isConfigurationError(error: unknown): error is ConfigurationError {
  return error instanceof ConfigurationError;
}

/** The notes a thrown error carries; none for an error that is not ours. */
export function failureNotes(error: unknown): FailureNotes {
  if (error instanceof ConfigurationError || error instanceof StepFailure) return error.notes;
  return {};
}

/** The message of anything thrown, without a stack. */
export function errorMessage(error: unknown): string {
  if (error instanceof Error) return error.message;
  return String(error);
}

/** Folds a message onto one line so that an annotation never spills over several. */
export function oneLine(message: string): string {
  return message.replace(/\s*\r?\n\s*/g, ' ').trim();
}
