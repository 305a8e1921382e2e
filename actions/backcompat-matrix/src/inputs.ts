import {
  ConfigurationError,
  forAudience,
  type InputReader,
  input,
  inputs as inputList,
  inputName,
  inputValue,
  refuseUrlCredentials,
  type SecretMasker,
  words,
} from '@flow-actions/action-kit';
import { getRegistryInputs, type RegistryInputs } from '@flow-actions/artifact-protocol';
import { checkNpmPackageName } from '@flow-actions/npm-runner';
import { parseReference } from '@flow-actions/oci-store';
import { type FileKey, parseFileKey } from './file-key';
import { POLICIES, type Policy } from './plan';
import { requireVersion } from './versions';

export const VERSION_SOURCES = ['registry', 'npm', 'git'] as const;
export type VersionSource = (typeof VERSION_SOURCES)[number];

export interface Inputs {
  /** Undefined: the workspace's package.json version, else the newest semver git tag. */
  version?: string;
  compatibleVersion?: string;
  compatibleVersionFrom?: FileKey;
  policy: Policy;
  count: number;
  versionsFrom: VersionSource;
  runnerImage?: string;
  npmPackage?: string;
  npmRegistry?: string;
  includeCurrent: boolean;
  includePrereleases: boolean;
  breakingCheck: boolean;
  registry: RegistryInputs;
}

/** Reads and checks every input before any source is asked. */
export function getInputs(inputs: InputReader, masker: SecretMasker): Inputs {
  const registry = getRegistryInputs(inputs, masker, inputs.list('runner-image'));
  const version = inputs.optional('version');
  if (version) requireVersion(version, input('version'));
  const compatibleVersion = inputs.optional('compatible-version');
  if (compatibleVersion) requireVersion(compatibleVersion, input('compatible-version'));
  const fromSpec = inputs.optional('compatible-version-from');
  if (compatibleVersion && fromSpec) {
    throw new ConfigurationError(
      words`${inputList('compatible-version', 'compatible-version-from')} both name the floor: keep one.`,
    );
  }
  const policy = inputs.choice('policy', POLICIES, 'major-floor');
  const count = inputs.integer('count', { default: 3, min: 1, max: 1000 });

  const runnerImage = inputs.optional('runner-image');
  if (runnerImage) {
    const reference = parseReference(runnerImage, { inputName: 'runner-image' });
    if (reference.tag || (reference.kind === 'registry' && reference.digest)) {
      throw new ConfigurationError(
        words`${input('runner-image')} names a repository, not a version: drop the tag or digest from "${runnerImage}".`,
      );
    }
  }
  const npmPackage = inputs.optional('npm-package');
  // The name goes on npm's command line: one that starts with "-" would read as an option.
  if (npmPackage) checkNpmPackageName(npmPackage, words`${input('npm-package')} value`);
  const npmRegistry = inputs.optional('npm-registry');
  if (npmRegistry) {
    refuseUrlCredentials(npmRegistry, {
      input: 'npm-registry',
      instead: words`give npm the registry's token in an .npmrc (${forAudience({
        action: 'actions/setup-node with registry-url and NODE_AUTH_TOKEN',
        cli: 'npm login --registry <url>',
      })})`,
      masker,
    });
  }
  if (npmRegistry && !/^https?:\/\/[^\s]+$/.test(npmRegistry)) {
    throw new ConfigurationError(
      words`${input('npm-registry')} must be an http(s) URL, got "${npmRegistry}".`,
    );
  }
  // Unset: the source the other inputs point at — the runner images, else the npm package, else git.
  const versionsFrom = inputs.choice(
    'versions-from',
    VERSION_SOURCES,
    runnerImage ? 'registry' : npmPackage ? 'npm' : 'git',
  );
  if (versionsFrom === 'registry' && !runnerImage) {
    throw new ConfigurationError(
      words`${inputValue('versions-from', 'registry')} lists the tags of ${inputName('runner-image')}, which is not set: name the test-runner repository, e.g. ghcr.io/acme/test-runner.`,
    );
  }
  if (versionsFrom === 'npm' && !npmPackage) {
    throw new ConfigurationError(
      words`${inputValue('versions-from', 'npm')} lists the versions of ${inputName('npm-package')}, which is not set: name the package, e.g. @acme/client.`,
    );
  }

  return {
    ...(version ? { version } : {}),
    ...(compatibleVersion ? { compatibleVersion } : {}),
    ...(fromSpec ? { compatibleVersionFrom: parseFileKey(fromSpec, 'compatible-version-from') } : {}),
    policy,
    count,
    versionsFrom,
    ...(runnerImage ? { runnerImage } : {}),
    ...(npmPackage ? { npmPackage } : {}),
    ...(npmRegistry ? { npmRegistry } : {}),
    includeCurrent: inputs.boolean('include-current', true),
    includePrereleases: inputs.boolean('include-prereleases', false),
    breakingCheck: inputs.boolean('breaking-check', true),
    registry,
  };
}
