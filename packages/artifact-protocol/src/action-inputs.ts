import type { InputReader, SecretMasker } from '@flow-actions/action-kit';
import {
  ConfigurationError,
  input,
  inputs as inputList,
  inputName,
  refuseUrlCredentials,
  words,
} from '@flow-actions/action-kit';
import { DEFAULT_SHA_LENGTH, type ShaTagOptions, TAG_PATTERN } from '@flow-actions/commit-identity';
import { DOCKER_LOGIN, parseReference, REGISTRY_CREDENTIALS_GO, sameRegistry } from '@flow-actions/oci-store';
import { DEFAULT_SETTLE_MS } from './tag-plan';

/** Registry access as every registry-facing action takes it. */
export interface RegistryInputs {
  /** Explicit credentials win over the Docker config that docker/login-action writes, for one registry. */
  username?: string;
  password?: string;
  /**
   * The one registry (host[:port]) `username` and `password` log in to: the `registry` input,
   * else the first image's registry. Every other registry takes its Docker-config credentials.
   */
  credentialsRegistry?: string;
  /** Registries that may be spoken to over plain HTTP besides loopback ones. */
  insecureRegistries: string[];
}

/**
 * Reads `username`, `password` (masked at once), `registry` and `insecure-registries`. The
 * credentials are bound to one registry: `registry`, else the registry of the first of `images`
 * (the action's repositories as written, in the order its inputs list them) that is not an OCI
 * layout.
 */
export function getRegistryInputs(
  inputs: InputReader,
  masker: SecretMasker,
  images: readonly string[],
): RegistryInputs {
  const username = inputs.optional('username');
  const password = inputs.optional('password');
  if (password) masker.addCredentials(username ?? '', password);
  if (Boolean(username) !== Boolean(password)) {
    throw new ConfigurationError(
      words`${inputList('username', 'password')} go together: ${inputName(username ? 'password' : 'username')} is missing.`,
    );
  }
  if (username?.includes(':')) {
    throw new ConfigurationError(
      words`${input('username')} contains ":", which Basic auth cannot carry: check that ${inputName('username')} holds the user name alone and ${inputName('password')} the password.`,
    );
  }
  const insecureRegistries = inputs.list('insecure-registries');
  for (const entry of insecureRegistries) {
    refuseUrlCredentials(entry, { input: 'insecure-registries', instead: REGISTRY_CREDENTIALS_GO, masker });
  }
  const explicit = inputs.optional('registry');
  if (explicit !== undefined) checkRegistryName(explicit, masker);
  if (explicit !== undefined && !username) {
    throw new ConfigurationError(
      words`${input('registry')} names the registry ${inputName('username')} and ${inputName('password')} log in to, but they are empty: give them, or drop ${inputName('registry')} and log in with ${DOCKER_LOGIN}.`,
    );
  }
  const first = firstRegistry(images);
  const credentialsRegistry = explicit?.toLowerCase() ?? first?.registry;
  if (username && !credentialsRegistry && first?.allLayouts) {
    throw new ConfigurationError(
      words`${inputList('username', 'password')} log in to a registry, but no image is on one (only local OCI layouts): drop them, or name the registry in ${input('registry')}.`,
    );
  }
  return {
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    ...(username && credentialsRegistry ? { credentialsRegistry } : {}),
    insecureRegistries,
  };
}

/**
 * The registry of the first image that is not an OCI layout. `images` are as the user wrote them
 * and not yet checked: at an invalid one the search stops (undefined), since the action refuses
 * that image itself, naming its input.
 */
function firstRegistry(images: readonly string[]): { registry?: string; allLayouts: boolean } | undefined {
  for (const image of images) {
    let reference: ReturnType<typeof parseReference>;
    try {
      reference = parseReference(image);
    } catch {
      return undefined;
    }
    if (reference.kind === 'registry') return { registry: reference.registry, allLayouts: false };
  }
  return { allLayouts: true };
}

/** A registry as images name it: host[:port], no scheme, no path, no credentials. */
function checkRegistryName(value: string, masker: SecretMasker): void {
  refuseUrlCredentials(value, { input: 'registry', instead: REGISTRY_CREDENTIALS_GO, masker });
  const invalid = () =>
    new ConfigurationError(
      words`${input('registry')} must be a registry host[:port] as image names start with it (e.g. ghcr.io or 127.0.0.1:5000), got "${value}".`,
    );
  if (value.includes('/')) throw invalid();
  let parsed: ReturnType<typeof parseReference>;
  try {
    parsed = parseReference(`${value}/probe`);
  } catch {
    throw invalid();
  }
  if (parsed.kind !== 'registry' || !sameRegistry(parsed.registry, value)) throw invalid();
}

/**
 * Reads `sha-length` (4 to 40, default 7) and `tag-prefix`, the same way in every action. An action
 * whose `tag-prefix` means something else (release's git tag prefix) names the sha tags' prefix
 * input `prefixInput`.
 */
export function getShaTagInputs(inputs: InputReader, prefixInput = 'tag-prefix'): Required<ShaTagOptions> {
  const shaLength = inputs.integer('sha-length', { default: DEFAULT_SHA_LENGTH, min: 4, max: 40 });
  const tagPrefix = inputs.optional(prefixInput) ?? '';
  if (tagPrefix && !TAG_PATTERN.test(`${tagPrefix}0000`)) {
    throw new ConfigurationError(
      words`${input(prefixInput)} value "${tagPrefix}" cannot start a tag: use letters, digits, "_", "." and "-", not starting with "." or "-".`,
    );
  }
  return { shaLength, tagPrefix };
}

/**
 * Reads `settle-seconds`, how long to wait before reading a newly created immutable tag again (0 to
 * 60, fractions allowed; default DEFAULT_SETTLE_MS), in milliseconds.
 */
export function getSettleMs(inputs: InputReader): number {
  const value = inputs.optional('settle-seconds');
  if (value === undefined) return DEFAULT_SETTLE_MS;
  const seconds = /^\d+(?:\.\d+)?$/.test(value) ? Number(value) : Number.NaN;
  if (!(seconds <= 60)) {
    throw new ConfigurationError(
      words`${input('settle-seconds')} must be a number of seconds from 0 to 60 (e.g. 2 or 0.5), got "${value}": it is how long to wait before reading a new immutable tag again; 0 turns that second read off.`,
    );
  }
  return Math.round(seconds * 1000);
}
