import {
  ConfigurationError,
  forAudience,
  type InputReader,
  input,
  inputName,
  type SecretMasker,
  words,
} from '@flow-actions/action-kit';
import {
  getRegistryInputs,
  getSettleMs,
  getShaTagInputs,
  type RegistryInputs,
} from '@flow-actions/artifact-protocol';
import { assertValidTag, hasVersion, isDigest, parseReference } from '@flow-actions/oci-store';
import type { PromoteRequest } from './promote';
import { VERSION_SCHEMES } from './version-scheme';

/** The promote request as given: `from` may be absent (the event's commit), plus the API and registry inputs. */
export interface Inputs extends Omit<PromoteRequest, 'from'> {
  /** Undefined: the event's commit. */
  from?: string;
  githubToken?: string;
  registry: RegistryInputs;
}

/** Reads and checks every input before anything is looked up or written. */
export function getInputs(inputs: InputReader, masker: SecretMasker): Inputs {
  const githubToken = inputs.optional('github-token');
  masker.add(githubToken);
  const registry = getRegistryInputs(inputs, masker, [
    ...inputs.multiline('image'),
    ...inputs.multiline('to-image'),
  ]);

  const images = inputs.multiline('image');
  if (images.length === 0)
    throw new ConfigurationError(words`${input('image')} is required: name the repository to promote in.`);
  for (const image of images) checkRepository(image, 'image');

  const toImageLines = inputs.multiline('to-image');
  for (const image of toImageLines) checkRepository(image, 'to-image');
  if (toImageLines.length > 0 && toImageLines.length !== images.length) {
    throw new ConfigurationError(
      words`${input('to-image')} has ${toImageLines.length} line(s) but ${inputName('image')} has ${images.length}: give one destination per image.`,
    );
  }

  const tags = inputs.list('to');
  if (tags.length === 0)
    throw new ConfigurationError(words`${input('to')} is required: name the tags to add, e.g. rc-1 or prod.`);
  for (const tag of tags) assertValidTag(tag, 'to');

  const from = inputs.optional('from');
  if (from?.startsWith('sha256:') && !isDigest(from)) {
    throw new ConfigurationError(
      words`${input('from')} digest "${from}" is not sha256: followed by 64 hex characters.`,
    );
  }
  if (from && !from.startsWith('sha256:')) assertValidTag(from, 'from');

  const environment = inputs.optional('environment');
  const requireChecks = inputs.list('require-checks');
  if ((environment || requireChecks.length > 0) && !githubToken) {
    throw new ConfigurationError(
      words`${input(environment ? 'environment' : 'require-checks')} calls the GitHub API: give ${inputName('github-token')}${forAudience({ action: ' (the default is github.token)', cli: '' })}.`,
    );
  }

  return {
    images,
    toImages: images.map((_, index) => toImageLines[index]),
    ...(from ? { from } : {}),
    tags,
    immutablePatterns: inputs.list('immutable-tags'),
    fallback: inputs.choice('fallback', ['none', 'nearest-ancestor'] as const, 'none'),
    ignorePaths: inputs.list('ignore-paths'),
    requireChecks,
    ...(environment ? { environment } : {}),
    allowYanked: inputs.boolean('allow-yanked', false),
    ...(githubToken ? { githubToken } : {}),
    registry,
    sha: getShaTagInputs(inputs),
    dryRun: inputs.boolean('dry-run', false),
    settleMs: getSettleMs(inputs),
    versionScheme: inputs.choice('version-scheme', VERSION_SCHEMES, 'semver'),
    allowVersionGap: inputs.boolean('allow-version-gap', false),
  };
}

/** A repository to promote in: a registry repository or an OCI layout, without tag or digest. */
function checkRepository(image: string, name: string): void {
  if (hasVersion(parseReference(image, { inputName: name }))) {
    throw new ConfigurationError(
      words`${input(name)} names a repository, not a version: drop the tag or digest from "${image}" and use ${inputName('from')}/${inputName('to')}.`,
    );
  }
}
