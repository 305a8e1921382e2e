import { readFile } from 'node:fs/promises';
import { ConfigurationError, type Logger, resolveInside, type SecretMasker } from '@flow-actions/action-kit';
import type { BackcompatDependencies } from './backcompat';
import type { Inputs } from './inputs';
import { listNpmVersions, listRegistryVersions, openGitRepository } from './sources';

/**
 * The core's sources, wired from the inputs against a checkout: one place for the action's entry
 * and for `flow matrix`, so that both read files, tags and released versions the same way.
 */
export function createBackcompatDependencies(
  inputs: Pick<Inputs, 'versionsFrom' | 'npmPackage' | 'npmRegistry' | 'runnerImage' | 'registry'>,
  workspace: string,
  context: {
    logger: Logger;
    masker: SecretMasker;
    /** The environment npm runs in. Default: this process's. */
    env?: NodeJS.ProcessEnv;
  },
): BackcompatDependencies {
  const { logger, masker, env } = context;
  return {
    readFile: async (path) => {
      // A link in the checkout must not make a file of the runner (~/.npmrc) a version source.
      const inside = resolveInside(workspace, path);
      if (inside === undefined) {
        throw new ConfigurationError(
          `${path} leads outside the workspace (by "..", an absolute path or a symbolic link): name a file of the checkout itself.`,
        );
      }
      return readFile(inside, 'utf8').catch(() => undefined);
    },
    openGit: (purpose) => openGitRepository(workspace, purpose, logger),
    listVersions: () =>
      inputs.versionsFrom === 'npm'
        ? listNpmVersions(inputs.npmPackage as string, {
            ...(inputs.npmRegistry ? { registry: inputs.npmRegistry } : {}),
            ...(env ? { env } : {}),
            logger,
            masker,
          })
        : listRegistryVersions(inputs.runnerImage as string, { registry: inputs.registry, logger, masker }),
    logger,
  };
}
