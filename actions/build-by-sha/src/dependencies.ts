import type { Logger, SecretMasker } from '@flow-actions/action-kit';
import { copyArtifact } from '@flow-actions/oci-store';
import type { BuildByShaDependencies } from './build-by-sha';
import { selectBuilder } from './builders';
import type { Inputs } from './inputs';

export interface DependencyOptions {
  /** Opens a registry repository or an `oci:` layout with the run's credentials. */
  openStore: BuildByShaDependencies['openStore'];
  /** Where builds get their private work directories, e.g. RUNNER_TEMP. */
  tempDir: string;
  logger: Logger;
  masker: SecretMasker;
}

/**
 * The core's collaborators, wired from the inputs: one place for the action's entry and for
 * `flow build`, so that both select a builder and copy artifacts the same way.
 */
export function createBuildDependencies(
  inputs: Pick<Inputs, 'builder' | 'registry'>,
  options: DependencyOptions,
): BuildByShaDependencies {
  const { logger, masker } = options;
  return {
    openStore: options.openStore,
    getBuilder: () =>
      selectBuilder(inputs.builder, {
        logger,
        masker,
        ...(inputs.registry.username ? { username: inputs.registry.username } : {}),
        ...(inputs.registry.password ? { password: inputs.registry.password } : {}),
        ...(inputs.registry.credentialsRegistry
          ? { credentialsRegistry: inputs.registry.credentialsRegistry }
          : {}),
      }),
    copyArtifact: (from, to, reference) => copyArtifact(from, to, reference, { logger }),
    tempDir: options.tempDir,
    logger,
  };
}
