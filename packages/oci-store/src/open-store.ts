import { nullLogger, SecretMasker } from '@flow-actions/action-kit';
import { resolveCredentials } from './credentials';
import { type LayoutStoreOptions, openLayoutStore } from './layout-store';
import { parseReference, type Reference } from './reference';
import { RegistryStore, type RegistryStoreOptions } from './registry-store';
import type { ArtifactStore } from './store';
import { RegistryTransport, type TransportOptions } from './transport';

export interface OpenStoreOptions
  extends RegistryStoreOptions,
    LayoutStoreOptions,
    Omit<TransportOptions, 'credentials'> {
  /** For `oci:` references: create the layout when it does not exist. Default: false (missing is an error). */
  createLayout?: boolean;
  /** Registry user; wins over the Docker config. Default: from the Docker config, else anonymous. */
  username?: string;
  /** Registry password or token; needs `username`. Default: from the Docker config. */
  password?: string;
  /**
   * The registry `username` and `password` belong to; a store on another registry takes its
   * Docker-config credentials instead. Default: the reference's registry (one store opened alone).
   */
  credentialsRegistry?: string;
  /** Directory of the Docker config. Default: `$DOCKER_CONFIG`, else `~/.docker`. */
  dockerConfigDir?: string;
  /** The input the reference came from, named in errors. Default: none. */
  inputName?: string;
}

/**
 * Opens the store a reference names: a registry repository for `registry/repo[:tag]`, a local
 * OCI layout for `oci:<dir>[:tag]`. Credentials are looked up (and masked) here, before any request.
 */
export async function openStore(
  reference: string | Reference,
  options: OpenStoreOptions = {},
): Promise<ArtifactStore> {
  const parsed =
    typeof reference === 'string' ? parseReference(reference, { inputName: options.inputName }) : reference;
  if (parsed.kind === 'layout')
    return openLayoutStore(parsed.path, { lock: options.lock, create: options.createLayout });
  const masker = options.masker ?? new SecretMasker();
  const logger = options.logger ?? nullLogger;
  const credentials = await resolveCredentials(parsed.registry, {
    username: options.username,
    password: options.password,
    credentialsRegistry: options.credentialsRegistry,
    configDir: options.dockerConfigDir,
    env: options.env,
    masker,
    logger,
  });
  const transport = new RegistryTransport(parsed.apiHost, { ...options, credentials, masker, logger });
  return new RegistryStore(parsed, transport, options);
}
