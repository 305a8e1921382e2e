/** What the store was doing when a registry answered with an error, for messages. */
export type RegistryOperation =
  | 'ping'
  | 'token'
  | 'resolve'
  | 'get-manifest'
  | 'put-manifest'
  | 'delete-manifest'
  | 'list-tags'
  | 'has-blob'
  | 'get-blob'
  | 'put-blob'
  | 'mount-blob';

export interface RegistryErrorDetails {
  /** HTTP status, or undefined when the registry could not be reached. */
  status?: number;
  /** The distribution spec error code from the body (`MANIFEST_UNKNOWN`, `DENIED`, …), if any. */
  code?: string;
  /** True when repeating the request later may succeed (429, 408, 5xx, resets). */
  temporary: boolean;
  operation: RegistryOperation;
  /** The request URL with credentials and query secrets removed. */
  url: string;
}

/**
 * A registry's answer that the store cannot turn into a result. Its message is one line that
 * names the registry, the cause and the fix; it never contains a credential or token.
 */
export class RegistryError extends Error {
  override name = 'RegistryError';
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly temporary: boolean;
  readonly operation: RegistryOperation;
  readonly url: string;

  constructor(message: string, details: RegistryErrorDetails, options?: { cause?: unknown }) {
    super(message, options);
    this.status = details.status;
    this.code = details.code;
    this.temporary = details.temporary;
    this.operation = details.operation;
    this.url = details.url;
  }
}

export function isRegistryError(error: unknown): error is RegistryError {
  return error instanceof RegistryError;
}

/** One entry of the distribution spec error body `{"errors":[{code,message,detail}]}`. */
export interface SpecError {
  code: string;
  message?: string;
}

/** Reads the spec error list from a response body; anything else gives an empty list. */
export function parseSpecErrors(body: string): SpecError[] {
  try {
    const parsed: unknown = JSON.parse(body);
    if (!parsed || typeof parsed !== 'object' || !('errors' in parsed) || !Array.isArray(parsed.errors))
      return [];
    const errors: SpecError[] = [];
    for (const entry of parsed.errors as unknown[]) {
      if (entry && typeof entry === 'object' && 'code' in entry && typeof entry.code === 'string') {
        const message = 'message' in entry && typeof entry.message === 'string' ? entry.message : undefined;
        errors.push({ code: entry.code, message });
      }
    }
    return errors;
  } catch {
    return [];
  }
}
