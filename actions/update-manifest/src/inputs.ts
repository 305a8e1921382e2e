import { isAbsolute, resolve } from 'node:path';
import {
  ConfigurationError,
  forAudience,
  type InputReader,
  input,
  inputName,
  inputs,
  joinWordings,
  refuseUrlCredentials,
  type SecretMasker,
  setInput,
  words,
} from '@flow-actions/action-kit';
import { getRegistryInputs, type RegistryInputs } from '@flow-actions/artifact-protocol';
import { hasVersion, parseReference } from '@flow-actions/oci-store';
import { checkBranchName } from './branch-name';
import { checkImageTarget, type ImageTarget } from './image-reference';
import { FORMATS, type FormatInput, parseHelmKey } from './manifest-edit';

export const MODES = ['push', 'pull-request'] as const;
export type Mode = (typeof MODES)[number];

/** The outputs `action.yml` declares; main.ts sets exactly these. */
export const OUTPUTS = {
  commit: 'commit',
  changed: 'changed',
  pullRequest: 'pull-request',
  supersededBy: 'superseded-by',
} as const;

export const DEFAULT_AUTHOR = 'flow-actions[bot] <flow-actions@users.noreply.github.com>';

/** Where the manifests live: a repository on the GitHub server, or a git repository on disk. */
export type RepositoryLocation =
  | { kind: 'github'; owner: string; name: string; url: string }
  | { kind: 'local'; path: string };

export interface Author {
  name: string;
  email: string;
}

export interface Inputs extends CommonInputs {
  target: ImageTarget;
  /** Where the deployed artifact is read for its lineage: a registry repository or `oci:<dir>`. */
  artifact: string;
  /** Credentials and plain-HTTP registries for reading `artifact`. */
  registry: RegistryInputs;
  format: FormatInput;
  helmKeys: string[];
  mode: Mode;
  pullRequestBranch?: string;
  /** Deploy an artifact built from uncommitted changes anyway (with a loud warning). */
  allowDirty: boolean;
  /** Skip the deploy, green, when the environment runs a newer commit (judged in the app checkout). */
  forwardOnly: boolean;
}

/** The runner's variables the inputs are read against. */
export interface InputEnvironment {
  /** `GITHUB_SERVER_URL`. Default: https://github.com. */
  serverUrl?: string;
  /** `GITHUB_WORKSPACE`, for relative local paths. Default: the current directory. */
  workspace?: string;
}

const REPOSITORY_PATTERN = /^([A-Za-z0-9_.-]+)\/([A-Za-z0-9_.-]+?)(?:\.git)?$/;

/** The inputs both an update and a revert read: where, as whom, with which token. */
export interface CommonInputs {
  repository: RepositoryLocation;
  token?: string;
  /** Undefined: the repository's default branch. */
  branch?: string;
  /** Relative to the repository root, without `./` or a trailing `/`. */
  paths: string[];
  message?: string;
  author: Author;
  /** Undefined: the deployed artifact's revision (an update), none (a revert). */
  sourceCommit?: string;
  dryRun: boolean;
}

function getCommonInputs(reader: InputReader, masker: SecretMasker, env: InputEnvironment): CommonInputs {
  const token = reader.optional('token');
  masker.add(token);
  // git sends the token as Basic auth: the pair and its base64 form are secrets too.
  if (token) masker.addCredentials('x-access-token', token);

  const repositoryInput = reader.required('repository');
  refuseUrlCredentials(repositoryInput, {
    input: 'repository',
    instead: words`write owner/name, with the token in ${input('token')}`,
    masker,
  });
  const repository = parseRepository(repositoryInput, env);
  const branch = reader.optional('branch');
  if (branch !== undefined) checkBranchName(branch, 'branch');
  const paths = reader.list('path').map(normalizePath);
  if (paths.length === 0) {
    throw new ConfigurationError(
      words`${input('path')} is required: name the files or folders to update, e.g. envs/stage.`,
    );
  }
  const message = reader.optional('message');
  const sourceCommit = reader.optional('source-commit');
  if (sourceCommit !== undefined && !/^[0-9a-f]{4,40}$/i.test(sourceCommit)) {
    throw new ConfigurationError(
      words`${input('source-commit')} "${sourceCommit}" is not a commit sha: give 4 to 40 hex characters.`,
    );
  }
  return {
    repository,
    ...(token ? { token } : {}),
    ...(branch ? { branch } : {}),
    paths,
    ...(message ? { message } : {}),
    author: parseAuthor(reader.optional('author') ?? DEFAULT_AUTHOR),
    ...(sourceCommit ? { sourceCommit: sourceCommit.toLowerCase() } : {}),
    dryRun: reader.boolean('dry-run', false),
  };
}

export interface RevertInputs extends CommonInputs {
  /** The manifest commit to undo (full sha, lower case); or else `revertDeployOf`. */
  revert?: string;
  /** The app commit whose current deploy is undone (full sha, lower case); or else `revert`. */
  revertDeployOf?: string;
}

/** The inputs of a revert, or undefined when "revert" and "revert-deploy-of" are empty (an update then). */
export function getRevertInputs(
  reader: InputReader,
  masker: SecretMasker,
  env: InputEnvironment = {},
): RevertInputs | undefined {
  const revert = reader.optional('revert');
  const revertDeployOf = reader.optional('revert-deploy-of');
  if (revert === undefined && revertDeployOf === undefined) return undefined;
  if (revert !== undefined && revertDeployOf !== undefined) {
    throw new ConfigurationError(
      words`${inputs('revert', 'revert-deploy-of')} name two things to undo: give one (the deploy commit, or the app commit it deployed).`,
    );
  }
  const [name, value] =
    revert !== undefined ? ['revert', revert] : ['revert-deploy-of', revertDeployOf ?? ''];
  if (!/^[0-9a-f]{40}$/i.test(value)) {
    throw new ConfigurationError(
      name === 'revert'
        ? words`${input('revert')} "${value}" is not a full commit sha: pass ${forAudience({ action: 'the commit output of the deploy step', cli: 'the deploy commit' })} (40 hex characters).`
        : words`${input('revert-deploy-of')} "${value}" is not a full commit sha: pass the app commit (40 hex characters).`,
    );
  }
  const conflicting = ['image', 'tag', 'digest', 'helm-key', 'pull-request-branch'].filter(
    (input) => reader.optional(input) !== undefined,
  );
  if (conflicting.length > 0 || reader.choice('mode', MODES, 'push') !== 'push') {
    const names = [...conflicting, ...(conflicting.length === 0 ? ['mode'] : [])];
    throw new ConfigurationError(
      words`${input(name)} undoes a commit and cannot be combined with ${joinWordings(names.map(inputName), ', ')}: leave them empty${forAudience({ action: ' (mode push)', cli: '' })}.`,
    );
  }
  if (reader.boolean('forward-only', false)) {
    throw new ConfigurationError(
      words`${input(name)} puts back what ran before a deploy, which ${inputName('forward-only')} would call moving back: ${setInput('forward-only', false)} ${forAudience({ action: 'in a revert step', cli: words`with ${inputName(name)}` })}.`,
    );
  }
  return {
    ...getCommonInputs(reader, masker, env),
    ...(name === 'revert' ? { revert: value.toLowerCase() } : { revertDeployOf: value.toLowerCase() }),
  };
}

/** Reads and checks every input before anything is cloned or written. */
export function getInputs(reader: InputReader, masker: SecretMasker, env: InputEnvironment = {}): Inputs {
  const { repository, token, branch, paths, message, author, sourceCommit, dryRun } = getCommonInputs(
    reader,
    masker,
    env,
  );
  const tag = reader.optional('tag');
  const digest = reader.optional('digest');
  const target = checkImageTarget({
    name: reader.required('image'),
    ...(tag === undefined ? {} : { tag }),
    ...(digest === undefined ? {} : { digest }),
  });
  const artifact = checkArtifact(reader.optional('artifact'), target.name);
  const registry = getRegistryInputs(reader, masker, [artifact]);
  const format = reader.choice('format', FORMATS, 'auto');
  const helmKeys = reader.list('helm-key');
  for (const key of helmKeys) parseHelmKey(key);
  if (format === 'helm' && helmKeys.length === 0) {
    throw new ConfigurationError(
      words`${input('format')} is helm but ${inputName('helm-key')} is empty: name the value keys, e.g. image.tag.`,
    );
  }
  const mode = reader.choice('mode', MODES, 'push');
  if (mode === 'pull-request' && repository.kind !== 'github') {
    throw new ConfigurationError(
      words`${input('mode')} is pull-request but ${inputName('repository')} is a local path: pull requests need owner/name.`,
    );
  }
  if (mode === 'pull-request' && !token) {
    throw new ConfigurationError(
      words`${input('mode')} is pull-request but ${inputName('token')} is empty: give a token that may open pull requests.`,
    );
  }
  const pullRequestBranch = reader.optional('pull-request-branch');
  if (pullRequestBranch !== undefined) checkBranchName(pullRequestBranch, 'pull-request-branch');
  if (pullRequestBranch !== undefined && pullRequestBranch === branch) {
    throw new ConfigurationError(
      words`${input('pull-request-branch')} must differ from ${inputName('branch')}: the pull request merges one into the other.`,
    );
  }
  return {
    repository,
    ...(token ? { token } : {}),
    ...(branch ? { branch } : {}),
    paths,
    target,
    artifact,
    registry,
    format,
    helmKeys,
    mode,
    ...(pullRequestBranch ? { pullRequestBranch } : {}),
    ...(message ? { message } : {}),
    author,
    ...(sourceCommit ? { sourceCommit } : {}),
    dryRun,
    allowDirty: reader.boolean('allow-dirty', false),
    forwardOnly: reader.boolean('forward-only', false),
  };
}

export function parseRepository(value: string, env: InputEnvironment = {}): RepositoryLocation {
  if (value.startsWith('/') || value.startsWith('.')) {
    const workspace = env.workspace ?? process.cwd();
    return { kind: 'local', path: isAbsolute(value) ? value : resolve(workspace, value) };
  }
  const match = REPOSITORY_PATTERN.exec(value);
  if (!match?.[1] || !match[2] || value.includes('..')) {
    throw new ConfigurationError(
      words`${input('repository')} "${value}" is neither owner/name nor a local path: write e.g. acme/manifests, or ./manifests for a local repository.`,
    );
  }
  const server = parseServerUrl(env.serverUrl ?? 'https://github.com');
  return { kind: 'github', owner: match[1], name: match[2], url: `${server}/${match[1]}/${match[2]}.git` };
}

function parseServerUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigurationError(`GITHUB_SERVER_URL "${value}" is not a URL.`);
  }
  if ((url.protocol !== 'https:' && url.protocol !== 'http:') || url.username || url.password) {
    throw new ConfigurationError('GITHUB_SERVER_URL must be an http(s) URL without credentials.');
  }
  return value.replace(/\/+$/, '');
}

export function parseAuthor(value: string): Author {
  const match = /^([^<>]*[^<>\s])\s*<([^<>\s@]+@[^<>\s@]+)>$/.exec(value.trim());
  if (!match?.[1] || !match[2]) {
    throw new ConfigurationError(
      words`${input('author')} "${value}" is not "Name <email>": write e.g. deploy-bot <deploy-bot@example.com>.`,
    );
  }
  return { name: match[1], email: match[2] };
}

function normalizePath(value: string): string {
  const path = value.replace(/^(\.\/)+/, '').replace(/\/+$/, '') || '.';
  if (isAbsolute(path) || path.split('/').includes('..')) {
    throw new ConfigurationError(
      words`${input('path')} "${value}" must be relative to the manifest repository and stay inside it (no leading / or ..).`,
    );
  }
  return path;
}

/**
 * The repository the artifact is read from: `artifact`, else the image name itself. It names a
 * repository only: the version is the deployed tag or digest.
 */
function checkArtifact(value: string | undefined, image: string): string {
  const artifact = value ?? image;
  const from = value === undefined ? 'image' : 'artifact';
  if (hasVersion(parseReference(artifact, { inputName: from }))) {
    throw new ConfigurationError(
      words`${input('artifact')} "${artifact}" names a version: give the repository only (e.g. ghcr.io/acme/api or oci:./layout); the deployed tag or digest is read from it.`,
    );
  }
  return artifact;
}
