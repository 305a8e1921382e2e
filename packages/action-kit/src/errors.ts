/**
 * A mistake the user can fix in the workflow: a bad input, a missing credential, a refused
 * precondition. Its message is one line that names the cause and what to do about it.
 * Anything that is not a ConfigurationError is a fault (network, registry, bug).
 */
export class ConfigurationError extends Error {
  override name = 'ConfigurationError';
}

export function isConfigurationError(error: unknown): error is ConfigurationError {
  return error instanceof ConfigurationError;
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
