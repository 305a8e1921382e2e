import {
  ConfigurationError,
  forAudience,
  type InputReader,
  input,
  inputs as inputList,
  inputName,
  refuseUrlCredentials,
  type SecretMasker,
  words,
} from '@flow-actions/action-kit';
import {
  createTagPatternMatcher,
  getRegistryInputs,
  getShaTagInputs,
  type RegistryInputs,
} from '@flow-actions/artifact-protocol';
import { isAbbreviatedSha, type ShaTagOptions } from '@flow-actions/commit-identity';
import { checkNpmPackageName } from '@flow-actions/npm-runner';
import { parseReference, type Reference } from '@flow-actions/oci-store';
import { parseSemver } from '@flow-actions/versions';

/** Input names, defined once: action.yml, the code and the tests read the same list. */
export const INPUTS = [
  'image',
  'sha',
  'reason',
  'protected-tags',
  'force',
  'mode',
  'backend',
  'github-token',
  'ghcr-owner-type',
  'npm-package',
  'npm-version',
  'npm-registry',
  'npm-token',
  'username',
  'password',
  'registry',
  'insecure-registries',
  'sha-length',
  'tag-prefix',
  'dry-run',
] as const;

export const OUTPUTS = ['digest', 'deleted', 'tombstone', 'npm', 'images'] as const;

export const MODES = ['delete', 'tombstone-only'] as const;
export const BACKENDS = ['auto', 'oci', 'ghcr'] as const;
export const OWNER_TYPES = ['auto', 'org', 'user'] as const;
export type Mode = (typeof MODES)[number];
export type Backend = (typeof BACKENDS)[number];
export type OwnerType = (typeof OWNER_TYPES)[number];

/** `v*` and `prod`: what a deployment runs must not vanish from under it. */
export const DEFAULT_PROTECTED_TAGS: readonly string[] = ['v*', 'prod'];
export const DEFAULT_NPM_REGISTRY = 'https://registry.npmjs.org/';

export interface ImageInput {
  /** As written in the workflow. */
  image: string;
  reference: Reference;
  /** `ghcr` for GHCR's Packages API, `oci` for the registry's DELETE (or a layout). */
  backend: 'oci' | 'ghcr';
}

export interface NpmInput {
  packageName: string;
  version: string;
  /** Registry URL, ending in `/`. */
  registry: string;
  token?: string;
}

export interface Inputs {
  images: ImageInput[];
  /** The explicit commit, full or abbreviated, when given; otherwise the event's. */
  sha?: string;
  reason: string;
  protectedPatterns: string[];
  isProtected: (tag: string) => boolean;
  force: boolean;
  mode: Mode;
  githubToken?: string;
  ownerType: OwnerType;
  npm?: NpmInput;
  registry: RegistryInputs;
  shaOptions: Required<ShaTagOptions>;
  dryRun: boolean;
}

const MAX_REASON_LENGTH = 1000;

/** Reads and checks every input, masking secrets at once; any mistake throws before a single request. */
export function getInputs(inputs: InputReader, masker: SecretMasker): Inputs {
  const githubToken = inputs.optional('github-token');
  masker.add(githubToken);
  const npmToken = inputs.optional('npm-token');
  masker.add(npmToken);
  const registry = getRegistryInputs(inputs, masker, inputs.list('image'));

  const reason = inputs.optional('reason');
  if (!reason) {
    throw new ConfigurationError(
      words`${input('reason')} is required: say why the commit is yanked (e.g. "stage smoke tests failed"); it is kept in the tombstone.`,
    );
  }
  if (reason.length > MAX_REASON_LENGTH) {
    throw new ConfigurationError(
      words`${input('reason')} is ${reason.length} characters long: keep it under ${MAX_REASON_LENGTH} and link to details instead.`,
    );
  }

  const sha = inputs.optional('sha')?.toLowerCase();
  if (sha !== undefined && !isAbbreviatedSha(sha)) {
    throw new ConfigurationError(
      words`${input('sha')} value "${sha}" is not a commit sha: give the full 40 hex characters${forAudience({ action: ` (e.g. \${{ github.sha }})`, cli: '' })} or an abbreviation of at least ${inputName('sha-length')}, or leave it unset for ${forAudience({ action: "the event's commit", cli: 'the commit checked out here' })}.`,
    );
  }

  const shaOptions = getShaTagInputs(inputs);
  if (sha !== undefined && sha.length < shaOptions.shaLength) {
    throw new ConfigurationError(
      words`${input('sha')} value "${sha}" is shorter than ${inputName('sha-length')} (${shaOptions.shaLength}): give at least ${shaOptions.shaLength} characters, or the full 40-character sha.`,
    );
  }
  const backend = inputs.choice('backend', BACKENDS, 'auto');
  const mode = inputs.choice('mode', MODES, 'delete');
  const ownerType = inputs.choice('ghcr-owner-type', OWNER_TYPES, 'auto');
  const given = inputs.list('protected-tags');
  const protectedPatterns = given.length > 0 ? given : [...DEFAULT_PROTECTED_TAGS];
  const isProtected = createTagPatternMatcher(protectedPatterns, shaOptions, 'protected-tags');

  const images = inputs.list('image').map((image) => readImage(image, backend));
  const seen = new Set<string>();
  for (const image of images) {
    if (seen.has(image.image))
      throw new ConfigurationError(words`${input('image')} lists "${image.image}" twice.`);
    seen.add(image.image);
  }
  if (mode === 'delete' && images.some((image) => image.backend === 'ghcr') && !githubToken) {
    throw new ConfigurationError(
      words`${input('github-token')} is required to delete from GHCR (its registry refuses DELETE; the Packages API is used): ${forAudience({ action: 'pass the workflow token (github.token) with "packages: write" permission', cli: 'pass a token that may delete its package versions' })}.`,
    );
  }

  const npm = readNpm(inputs, npmToken, masker);
  if (npm && reason.startsWith('-')) {
    throw new ConfigurationError(
      words`${input('reason')} starts with "-", which npm would read as an option when it deprecates ${npm.packageName}@${npm.version}: start it with a word, e.g. "stage smoke tests failed".`,
    );
  }
  if (images.length === 0 && !npm) {
    throw new ConfigurationError(
      words`Nothing to yank: give ${inputName('image')} (one or more repositories, e.g. ghcr.io/acme/api) and/or ${inputName('npm-package')} with ${inputName('npm-version')}.`,
    );
  }

  return {
    images,
    ...(sha ? { sha } : {}),
    reason,
    protectedPatterns,
    isProtected,
    force: inputs.boolean('force', false),
    mode,
    ...(githubToken ? { githubToken } : {}),
    ownerType,
    ...(npm ? { npm } : {}),
    registry,
    shaOptions,
    dryRun: inputs.boolean('dry-run', false),
  };
}

function readImage(image: string, backend: Backend): ImageInput {
  const reference = parseReference(image, { inputName: 'image' });
  if (reference.tag || (reference.kind === 'registry' && reference.digest)) {
    throw new ConfigurationError(
      words`${input('image')} value "${image}" names a tag or digest: give the repository only (e.g. ghcr.io/acme/api); the commit's tag is found from ${inputName('sha')}.`,
    );
  }
  const isGhcr = reference.kind === 'registry' && reference.registry === 'ghcr.io';
  const resolved = backend === 'auto' ? (isGhcr ? 'ghcr' : 'oci') : backend;
  if (resolved === 'ghcr' && reference.kind !== 'registry') {
    throw new ConfigurationError(
      words`${input('backend')} is ghcr but image "${image}" is a local OCI layout: use backend "oci" or "auto".`,
    );
  }
  if (resolved === 'ghcr' && reference.kind === 'registry' && !reference.repository.includes('/')) {
    throw new ConfigurationError(
      words`${input('image')} value "${image}" has no owner: a GHCR image is ghcr.io/<owner>/<package>.`,
    );
  }
  return { image, reference, backend: resolved };
}

function readNpm(inputs: InputReader, token: string | undefined, masker: SecretMasker): NpmInput | undefined {
  const packageName = inputs.optional('npm-package');
  const version = inputs.optional('npm-version');
  if (!packageName && !version) return undefined;
  if (!packageName || !version) {
    throw new ConfigurationError(
      words`${inputList('npm-package', 'npm-version')} go together: ${inputName(packageName ? 'npm-version' : 'npm-package')} is missing.`,
    );
  }
  checkNpmPackageName(packageName, words`${input('npm-package')} value`);
  if (!parseSemver(version)) {
    throw new ConfigurationError(
      words`${input('npm-version')} value "${version}" is not a semantic version such as 1.4.2 or 2.0.0-rc.1.`,
    );
  }
  const registry = inputs.optional('npm-registry') ?? DEFAULT_NPM_REGISTRY;
  refuseUrlCredentials(registry, {
    input: 'npm-registry',
    instead: words`pass the token in ${input('npm-token')}`,
    masker,
  });
  let url: URL;
  try {
    url = new URL(registry);
  } catch {
    throw new ConfigurationError(
      words`${input('npm-registry')} value "${registry}" is not a URL: give e.g. https://registry.npmjs.org/.`,
    );
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw new ConfigurationError(words`${input('npm-registry')} must be an http(s) URL, got "${registry}".`);
  }
  const normalized = url.href.endsWith('/') ? url.href : `${url.href}/`;
  return { packageName, version, registry: normalized, ...(token ? { token } : {}) };
}
