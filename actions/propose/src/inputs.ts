import {
  ConfigurationError,
  InputReader,
  input,
  inputName,
  resolveInside,
  type SecretMasker,
  words,
} from '@flow-actions/action-kit';
import { TOGGLE_NAME } from '@flow-actions/merge-gate/labels';
import { checkBranchName } from '@flow-actions/update-manifest/branch-name';
import {
  getInputs as getManifestInputs,
  type InputEnvironment,
  type Inputs as ManifestInputs,
} from '@flow-actions/update-manifest/inputs';
import { parseSemver } from '@flow-actions/versions';

/** The outputs `action.yml` declares; main.ts sets exactly these. */
export const OUTPUTS = {
  status: 'status',
  pullRequest: 'pull-request',
  number: 'number',
  branch: 'branch',
  base: 'base',
  previous: 'previous',
  impact: 'impact',
  labels: 'labels',
  closed: 'closed',
} as const;

/**
 * The inputs propose shares with update-manifest, read by its own getInputs so that both check a
 * repository, a path, an image and a Helm key alike. `tag` is the version; `mode` is always a pull
 * request.
 */
const MANIFEST_INPUTS = [
  'repository',
  'token',
  'branch',
  'path',
  'image',
  'digest',
  'artifact',
  'format',
  'helm-key',
  'pull-request-branch',
  'author',
  'username',
  'password',
  'registry',
  'insecure-registries',
] as const;

export interface Inputs {
  /** The product: where and what to edit, as update-manifest reads it (tag = the version). */
  manifest: ManifestInputs;
  /** The component's name: the branch, the title, the marker. */
  component: string;
  /** `v1.5.0`: the release being proposed. */
  version: string;
  /** `v1.4.0`: a hotfix of that product release; without `branch`, the base is `release/v1.4`. */
  hotfixTo?: string;
  /** The component's git checkout (absolute), inside the workspace. */
  componentPath: string;
  toggles: string[];
  /** Toggle coverage in percent, when known. */
  coverage?: number;
  /** Write `version@digest` (or a digest key) into the product's files; false: the version alone. */
  pinDigest: boolean;
}

/** A component name: what a branch, a label and a title carry as it is. */
const COMPONENT = /^[A-Za-z0-9][A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]+)*$/;

/** Reads and checks every input before anything is cloned, read or written. */
export function getInputs(reader: InputReader, masker: SecretMasker, env: InputEnvironment = {}): Inputs {
  const component = reader.required('component');
  if (!COMPONENT.test(component) || component.length > 63 || component.endsWith('.lock')) {
    throw new ConfigurationError(
      words`${input('component')} ${JSON.stringify(component)} is not a component name: letters, digits, ".", "_" and "-" (no "..", "/" or spaces, at most 63), e.g. api.`,
    );
  }
  const version = checkReleaseVersion(reader.required('version'), 'version');
  const repository = reader.required('repository');
  if (repository.startsWith('/') || repository.startsWith('.')) {
    throw new ConfigurationError(
      words`${input('repository')} "${repository}" is a local path: a proposal is a pull request, so name the product repository as owner/name.`,
    );
  }
  const hotfixInput = reader.optional('hotfix-to');
  const hotfixTo = hotfixInput === undefined ? undefined : checkReleaseVersion(hotfixInput, 'hotfix-to');
  const branch = reader.optional('branch') ?? (hotfixTo ? hotfixBranch(hotfixTo) : undefined);
  if (branch !== undefined) checkBranchName(branch, reader.optional('branch') ? 'branch' : 'hotfix-to');

  const passed = new Set<string>(MANIFEST_INPUTS);
  const values: Record<string, string | undefined> = { tag: version, mode: 'pull-request', branch };
  const manifestReader = new InputReader((name) => {
    if (name in values) return values[name];
    if (!passed.has(name)) return undefined;
    const lines = reader.multiline(name);
    return lines.length > 0 ? lines.join('\n') : undefined;
  });
  const manifest = getManifestInputs(manifestReader, masker, env);

  const workspace = env.workspace ?? process.cwd();
  const componentInput = reader.optional('component-path') ?? '.';
  const componentPath = resolveInside(workspace, componentInput);
  if (componentPath === undefined) {
    throw new ConfigurationError(
      words`${input('component-path')} "${componentInput}" leads outside the workspace: give the component's checkout inside it (actions/checkout's path), e.g. . or app.`,
    );
  }

  const toggles = reader.list('toggles');
  const badToggle = toggles.find((toggle) => !TOGGLE_NAME.test(toggle));
  if (badToggle !== undefined) {
    throw new ConfigurationError(
      words`${input('toggles')} ${JSON.stringify(badToggle)} is not a toggle name: letters, digits, ".", "_" and "-", e.g. new-cart.`,
    );
  }
  const coverageText = reader.optional('toggle-coverage');
  const coverage =
    coverageText === undefined
      ? undefined
      : reader.integer('toggle-coverage', { default: 0, min: 0, max: 100 });
  if (coverage !== undefined && toggles.length === 0) {
    throw new ConfigurationError(
      words`${input('toggle-coverage')} is set but ${inputName('toggles')} is empty: name the toggles the change is behind, or leave the coverage out.`,
    );
  }
  return {
    manifest,
    component,
    version,
    ...(hotfixTo ? { hotfixTo } : {}),
    componentPath,
    toggles,
    ...(coverage === undefined ? {} : { coverage }),
    pinDigest: reader.boolean('pin-digest', true),
  };
}

/** `v1.4.0` → `release/v1.4`: the product's release branch of that minor line, cut from the tag. */
export function hotfixBranch(version: string): string {
  const parsed = parseSemver(version.slice(1));
  return `release/v${parsed?.major}.${parsed?.minor}`;
}

/** A release tag `vX.Y.Z`: no prerelease (a candidate goes to demo, not to the product), no build. */
function checkReleaseVersion(value: string, name: string): string {
  const parsed = value.startsWith('v') ? parseSemver(value.slice(1)) : undefined;
  if (!parsed || parsed.prerelease.length > 0 || !/^v\d+\.\d+\.\d+$/.test(value)) {
    throw new ConfigurationError(
      words`${input(name)} ${JSON.stringify(value)} is not a release version: write vX.Y.Z, e.g. v1.5.0 (a prerelease is not proposed to the product).`,
    );
  }
  return value;
}
