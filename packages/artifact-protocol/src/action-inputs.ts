import type { InputReader, SecretMasker } from '@flow-actions/action-kit';
import { ConfigurationError } from '@flow-actions/action-kit';
import { DEFAULT_SHA_LENGTH, type ShaTagOptions, TAG_PATTERN } from '@flow-actions/commit-identity';

/** Registry access as every registry-facing action takes it. */
export interface RegistryInputs {
  /** Explicit credentials win over the Docker config that docker/login-action writes. */
  username?: string;
  password?: string;
  /** Registries that may be spoken to over plain HTTP besides loopback ones. */
  insecureRegistries: string[];
}

/** Reads `username`, `password` (masked at once) and `insecure-registries`. */
export function getRegistryInputs(inputs: InputReader, masker: SecretMasker): RegistryInputs {
  const username = inputs.optional('username');
  const password = inputs.optional('password');
  if (password) masker.addCredentials(username ?? '', password);
  if (Boolean(username) !== Boolean(password)) {
    throw new ConfigurationError(
      `Inputs "username" and "password" go together: ${username ? '"password"' : '"username"'} is missing.`,
    );
  }
  return {
    ...(username ? { username } : {}),
    ...(password ? { password } : {}),
    insecureRegistries: inputs.list('insecure-registries'),
  };
}

/** Reads `sha-length` (4 to 40, default 7) and `tag-prefix`, the same way in every action. */
export function getShaTagInputs(inputs: InputReader): Required<ShaTagOptions> {
  const shaLength = inputs.integer('sha-length', { default: DEFAULT_SHA_LENGTH, min: 4, max: 40 });
  const tagPrefix = inputs.optional('tag-prefix') ?? '';
  if (tagPrefix && !TAG_PATTERN.test(`${tagPrefix}0000`)) {
    throw new ConfigurationError(
      `Input "tag-prefix" value "${tagPrefix}" cannot start a tag: use letters, digits, "_", "." and "-", not starting with "." or "-".`,
    );
  }
  return { shaLength, tagPrefix };
}
