import {
  ConfigurationError,
  forAudience,
  type InputReader,
  input,
  inputName,
  refuseUrlCredentials,
  type SecretMasker,
  words,
} from '@flow-actions/action-kit';
import { isRangeLikeTag, isWellFormedTag } from './versions';

export interface Inputs {
  /** Directories or globs; empty: the workspace's public packages. */
  packages: string[];
  /** Registry URL ending in `/`. */
  registry: string;
  token?: string;
  requiredChecks: string[];
  /** `auto` or a tag name. */
  distTag: string;
  provenance: boolean;
  access?: 'public' | 'restricted';
  dryRun: boolean;
  githubToken?: string;
}

export const DEFAULT_REGISTRY = 'https://registry.npmjs.org/';

/** Output names, defined once: action.yml is checked against them. */
export const OUTPUTS = { published: 'published', skipped: 'skipped', distTags: 'dist-tags' } as const;

/** Reads and checks every input before anything is packed, looked up or published. */
export function getInputs(inputs: InputReader, masker: SecretMasker): Inputs {
  const token = inputs.optional('token');
  masker.add(token);
  const githubToken = inputs.optional('github-token');
  masker.add(githubToken);

  const registry = parseRegistry(inputs.optional('registry') ?? DEFAULT_REGISTRY, masker);
  const dryRun = inputs.boolean('dry-run', false);
  if (token && /[\r\n\s]/.test(token))
    throw new ConfigurationError(
      words`${input('token')} contains whitespace or a line break: pass the bare npm token.`,
    );
  if (!token && !dryRun)
    throw new ConfigurationError(
      words`${input('token')} is required to publish: pass an npm automation token ${forAudience({
        action: 'from a repository secret (e.g. secrets.NPM_TOKEN)',
        cli: 'in $NPM_TOKEN (or --token)',
      })}.`,
    );

  const distTag = inputs.optional('dist-tag') ?? 'auto';
  if (distTag !== 'auto') {
    if (!isWellFormedTag(distTag))
      throw new ConfigurationError(
        words`${input('dist-tag')} "${distTag}" is not a tag npm accepts: use letters, digits, ".", "-" and "_", or auto.`,
      );
    if (isRangeLikeTag(distTag))
      throw new ConfigurationError(
        words`${input('dist-tag')} "${distTag}" reads as a semver range to npm (npm install pkg@${distTag} would match versions): choose a word such as next or latest-1, or auto.`,
      );
  }
  const access = inputs.choice('access', ['', 'public', 'restricted'] as const, '');
  const requiredChecks = inputs.list('required-checks');
  if (requiredChecks.length > 0 && !githubToken)
    throw new ConfigurationError(
      words`${input('required-checks')} reads checks through the GitHub API: give ${inputName('github-token')}${forAudience({ action: ' (the default is github.token)', cli: '' })}.`,
    );

  return {
    packages: inputs.list('packages'),
    registry,
    ...(token ? { token } : {}),
    requiredChecks,
    distTag,
    provenance: inputs.boolean('provenance', false),
    ...(access ? { access } : {}),
    dryRun,
    ...(githubToken ? { githubToken } : {}),
  };
}

/** An http(s) URL, normalised to end in `/`; plain http only on loopback, since the token goes with every request. */
export function parseRegistry(value: string, masker: SecretMasker): string {
  refuseUrlCredentials(value, {
    input: 'registry',
    instead: words`pass the token in ${input('token')}`,
    masker,
  });
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(
      words`${input('registry')} "${value}" is not a URL: use e.g. ${DEFAULT_REGISTRY}.`,
    );
  }
  const loopback = ['127.0.0.1', 'localhost', '[::1]'].includes(url.hostname);
  if (url.protocol !== 'https:' && !(url.protocol === 'http:' && loopback))
    throw new ConfigurationError(
      words`${input('registry')} "${value}" must use https (plain http only on loopback): the token would travel in clear.`,
    );
  if (url.search || url.hash)
    throw new ConfigurationError(
      words`${input('registry')} "${value}" has a query or fragment: give the registry's base URL.`,
    );
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}
