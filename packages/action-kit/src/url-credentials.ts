import { ConfigurationError } from './errors';
import type { SecretMasker } from './secrets';
import { input, type WordingPart, words } from './wording';

/** User info found in a URL-like value, for a message and for the masker. */
export interface UrlCredentials {
  /** The value with the secret part replaced: `https://x-access-token:***@github.com/acme/deploy.git`. */
  redacted: string;
  /** Every form of the secret part, as written and percent-decoded. */
  secrets: string[];
}

/**
 * A URL input that carries credentials (`https://user:token@host/…`, `user:pass@host/repo`).
 * Its message shows the value redacted; `secrets` lets the entry mask them before it reports.
 */
export class CredentialsInUrlError extends ConfigurationError {
  override name = 'CredentialsInUrlError';
  constructor(
    message: WordingPart,
    readonly secrets: readonly string[],
  ) {
    super(message);
  }
}

const SCHEME = /\b[a-z][a-z0-9+.-]*:\/\//i;
/** A digest after `name@` (`alpine@sha256:…`): not user info. */
const DIGEST_ALGORITHM = /^(?:sha256|sha384|sha512|blake3):/i;
/** User names that are tokens themselves (GitHub, GitLab, npm): never shown, even with a password. */
const TOKEN_USER = /^(?:gh[pousr]_|github_pat_|glpat-|npm_)|^[A-Za-z0-9_-]{33,}$/;

/**
 * Finds user info in a URL (`scheme://user[:password]@host/…`) or in a registry reference
 * without a scheme (`user:password@host/repo`; a bare `user@`, as in scp-like git addresses, is
 * no secret). A `@` after the host is a path (an npm scope,
 * `https://npm.pkg.github.com/@acme`) or a digest, not user info. A URL whose user info holds
 * a raw `/` does not parse; it is treated the same, up to its last `@`.
 */
export function findUrlCredentials(value: string): UrlCredentials | undefined {
  const url = SCHEME.exec(value);
  // The URL may come after a prefix, as in `oci:https://…` or `git+https://…`.
  const start = url ? value.slice(0, url.index) + url[0] : '';
  const scheme = url?.[0] ?? '';
  const rest = value.slice(start.length);
  const authorityEnd = rest.search(/[/?#]/);
  const authority = authorityEnd === -1 ? rest : rest.slice(0, authorityEnd);
  let at = authority.lastIndexOf('@');
  if (at === -1 && scheme && rest.includes('@') && !URL.canParse(scheme + rest)) at = rest.lastIndexOf('@');
  if (at === -1) return undefined;
  const after = rest.slice(at + 1);
  if (!scheme && DIGEST_ALGORITHM.test(after)) return undefined;

  const userInfo = rest.slice(0, at);
  const colon = userInfo.indexOf(':');
  // A bare user is a secret in http(s) (`https://<token>@github.com`), but names ssh's login
  // (`ssh://git@…`, scp-like `git@github.com:acme/x.git`); without a scheme only `user:password@` counts.
  if (colon === -1 && (!scheme || /^(?:git\+)?ssh:\/\/$/i.test(scheme))) return undefined;
  const user = colon === -1 ? userInfo : userInfo.slice(0, colon);
  const password = colon === -1 ? '' : userInfo.slice(colon + 1);
  const showUser = password !== '' && password !== 'x-oauth-basic' && !TOKEN_USER.test(user);
  const secrets = [userInfo, password, ...(showUser ? [] : [user])].flatMap((secret) => [
    secret,
    safeDecode(secret),
  ]);
  return {
    redacted: `${start}${showUser ? `${user}:***` : '***'}@${after}`,
    secrets: [...new Set(secrets.filter(Boolean))],
  };
}

export interface RefuseUrlCredentialsOptions {
  /** The input (or flag) the value came from, named in the message. */
  input: string;
  /** Where the credential goes instead, e.g. ``words`pass the token in ${input('token')}` ``. */
  instead: WordingPart;
  /** Masks the secret part at once, in case anything else prints the value. Default: none. */
  masker?: SecretMasker;
}

/**
 * Refuses a value that carries credentials in a URL, before it is used anywhere: a
 * CredentialsInUrlError that names the input, shows the value redacted and says where the
 * credential goes instead.
 */
export function refuseUrlCredentials(value: string, options: RefuseUrlCredentialsOptions): void {
  const found = findUrlCredentials(value);
  if (!found) return;
  for (const secret of found.secrets) options.masker?.add(secret);
  throw new CredentialsInUrlError(
    words`${input(options.input)} carries credentials in "${found.redacted}": credentials never go in a URL, where logs and errors would show them; remove them and ${options.instead}.`,
    found.secrets,
  );
}

function safeDecode(text: string): string {
  try {
    return decodeURIComponent(text);
  } catch {
    return text;
  }
}
