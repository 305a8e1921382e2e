import { ConfigurationError, type WordingPart, words } from '@flow-actions/action-kit';

/**
 * True for a name npm can publish and its command line cannot misread: lower-case, URL-safe,
 * 1 to 214 characters, optionally `@scope/name`, and starting with a letter or digit — so never
 * with `-` (an option to npm), `.` or `_` (which npm refuses).
 */
export function isNpmPackageName(name: string): boolean {
  return name.length <= 214 && /^(?:@[a-z0-9][a-z0-9._~-]*\/)?[a-z0-9][a-z0-9._~-]*$/.test(name);
}

/** Throws a ConfigurationError unless `name` is an npm package name; `what` starts the message. */
export function checkNpmPackageName(name: string, what: WordingPart): void {
  if (isNpmPackageName(name)) return;
  throw new ConfigurationError(
    words`${what} "${name}" is not an npm package name: lower-case letters, digits, ".", "-" and "_", starting with a letter or digit, optionally @scope/name (e.g. @acme/client).`,
  );
}
