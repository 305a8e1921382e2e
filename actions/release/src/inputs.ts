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
import { hasVersion, parseReference } from '@flow-actions/oci-store';
import type { BundledComponent, ReleaseRequest } from './release';
import type { ReleaseKind } from './version';

/** A bundled component as the `components` input names it: where its repository is checked out. */
export interface ComponentCheckout extends BundledComponent {
  /** The component repository's checkout, relative to the workspace. */
  checkout: string;
}

export interface Inputs {
  request: ReleaseRequest;
  /** The same components as `request.components`, with their checkouts. */
  components: ComponentCheckout[];
  githubToken: string;
  /** True when `github-token` is the job's GITHUB_TOKEN: the tag it creates starts no workflow. */
  workflowToken: boolean;
  promoteNow: boolean;
  /** Plan and check only: no tag, no release. */
  dryRun: boolean;
  registry: RegistryInputs;
  immutableTags: string[];
  settleMs: number;
}

const KINDS = ['rc', 'release', 'patch', 'minor', 'major'] as const;

/** Reads and checks every input before anything is read from git, GitHub or the registry. */
export function getInputs(inputs: InputReader, masker: SecretMasker): Inputs {
  const githubToken = inputs.optional('github-token');
  masker.add(githubToken);
  const jobToken = inputs.optional('workflow-token');
  masker.add(jobToken);
  if (!githubToken) {
    throw new ConfigurationError(
      words`${input('github-token')} is required: a token that may write tags and releases (contents: write); ${forAudience({ action: 'a GitHub App token, so that the tag starts your promote workflow', cli: 'set $GITHUB_TOKEN (or $GH_TOKEN)' })}.`,
    );
  }
  const image = inputs.optional('image');
  const registry = getRegistryInputs(inputs, masker, image ? [image] : []);
  if (image && hasVersion(parseReference(image, { inputName: 'image' }))) {
    throw new ConfigurationError(
      words`${input('image')} names a repository, not a version: drop the tag or digest from "${image}"; the commit's sha tag is looked up in it.`,
    );
  }
  const promoteNow = inputs.boolean('promote-now', false);
  if (promoteNow && !image) {
    throw new ConfigurationError(
      words`${input('promote-now')} tags the artifact with the version, so it needs ${inputName('image')}: name the artifact's repository.`,
    );
  }
  const scheme = inputs.choice('scheme', ['semver', 'calver'] as const, 'semver');
  const commit = inputs.optional('commit');
  const components = inputs.multiline('components').map(readComponent);
  return {
    components,
    request: {
      ...(commit ? { commit } : {}),
      kind: readKind(inputs.optional('kind') ?? 'release'),
      scheme:
        scheme === 'calver'
          ? { kind: 'calver', format: inputs.optional('calver-format') ?? 'YYYY.MM.MICRO' }
          : { kind: 'semver' },
      branch: inputs.optional('branch') ?? 'main',
      stageChecks: inputs.multiline('stage-checks'),
      tagPrefix: inputs.optional('tag-prefix') ?? '',
      paths: inputs.multiline('paths'),
      force: inputs.boolean('force', false),
      ...(image ? { image } : {}),
      sha: getShaTagInputs(inputs, 'sha-tag-prefix'),
      fallback: inputs.choice('fallback', ['none', 'nearest-ancestor'] as const, 'none'),
      ignorePaths: inputs.list('ignore-paths'),
      components,
    },
    githubToken,
    // The runner hands a JavaScript action no GITHUB_TOKEN of its own: workflow-token defaults to
    // github.token, and a workflow may export it as GITHUB_TOKEN.
    workflowToken: githubToken === jobToken || githubToken === process.env.GITHUB_TOKEN,
    promoteNow,
    dryRun: inputs.boolean('dry-run', false),
    registry,
    immutableTags: inputs.list('immutable-tags'),
    settleMs: getSettleMs(inputs),
  };
}

function readKind(value: string): ReleaseKind {
  return (KINDS as readonly string[]).includes(value)
    ? (value as (typeof KINDS)[number])
    : { version: value };
}

/**
 * `api components/api envs/prod/api/**` (pinned by deploy commits in those paths) or
 * `api components/api versions.yaml#api` (pinned by a versions file, under that key): the name, its
 * checkout, and how the product pins it.
 */
function readComponent(line: string): ComponentCheckout {
  const [name = '', checkout = '', ...pins] = line.split(/\s+/);
  const versionsFile = pins.length === 1 ? /^([^#]+)#(.+)$/.exec(pins[0] as string) : null;
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name) || !checkout || pins.length === 0) {
    throw new ConfigurationError(
      words`${input('components')} line ${JSON.stringify(line)} is not "<name> <checkout folder> <pinning path>…" nor "<name> <checkout folder> <versions file>#<key>": e.g. api components/api envs/prod/api/**.`,
    );
  }
  return versionsFile
    ? { name, checkout, versionsFile: { path: versionsFile[1] as string, key: versionsFile[2] as string } }
    : { name, checkout, paths: pins };
}
