import {
  ConfigurationError,
  forAudience,
  input,
  inputs,
  refuseUrlCredentials,
  type WordingPart,
  words,
} from '@flow-actions/action-kit';
import { isDigest } from './digest';

/** Docker Hub's three names: the one users write, the API host, and the key in the Docker config. */
export const DOCKER_HUB = {
  registry: 'docker.io',
  apiHost: 'registry-1.docker.io',
  credentialKey: 'https://index.docker.io/v1/',
} as const;

/** A repository in a remote registry, e.g. `ghcr.io/acme/api:v1`. */
export interface RegistryReference {
  kind: 'registry';
  /** The registry as users name it (`docker.io` for Docker Hub), with its port if any. */
  registry: string;
  /** The host[:port] that serves the distribution API (`registry-1.docker.io` for Docker Hub). */
  apiHost: string;
  /** Lower-case repository path; Docker Hub official images get `library/`. */
  repository: string;
  tag?: string;
  digest?: string;
}

/** A local OCI image layout, e.g. `oci:/tmp/layout:v1`. */
export interface LayoutReference {
  kind: 'layout';
  /** The layout directory as given. */
  path: string;
  tag?: string;
}

export type Reference = RegistryReference | LayoutReference;

export interface ParseReferenceOptions {
  /** The input the reference came from, named in errors. Default: none. */
  inputName?: string;
}

/** How to log in to a registry, for messages: in a workflow, or on a terminal. */
export const DOCKER_LOGIN = forAudience({ action: 'docker/login-action', cli: 'docker login' });

/** The fix for a registry that wants credentials, for messages. */
export const REGISTRY_LOGIN = words`log in with ${DOCKER_LOGIN} or ${forAudience({
  action: 'set username and password',
  cli: 'pass --username and --password',
})}`;

/** Where registry credentials go instead of a URL, for messages. */
export const REGISTRY_CREDENTIALS_GO = words`log in to the registry instead (${DOCKER_LOGIN} writes the Docker config), or use ${inputs('username', 'password')}`;

const TAG_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9._-]{0,127}$/;
const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const HOST_PATTERN =
  /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]{1,5})?$/;
const MAX_NAME_LENGTH = 255;

/** True when `tag` is a valid tag: `[A-Za-z0-9_][A-Za-z0-9._-]{0,127}`. */
export function isValidTag(tag: string): boolean {
  return TAG_PATTERN.test(tag);
}

/** Throws a ConfigurationError unless `tag` is a valid tag. */
export function assertValidTag(tag: string, inputName?: string): void {
  checkTag(tag, describeInput(inputName));
}

function checkTag(tag: string, where: WordingPart): void {
  if (!isValidTag(tag)) {
    // A space is the typo a hurried hand makes most (`v1 .0`): say so rather than list the rules only.
    const cause = /\s/.test(tag) ? 'it contains a space; ' : '';
    throw new ConfigurationError(
      words`${where}tag ${quote(tag)} is invalid: ${cause}a tag is 1 to 128 characters of letters, digits, "_", "." and "-", and must not start with "." or "-"`,
    );
  }
}

/**
 * Parses `registry/repo[:tag][@digest]` or `oci:<dir>[:tag]`. Docker Hub names are completed the
 * way docker does (`alpine` → `docker.io/library/alpine`). Invalid input is a ConfigurationError
 * that names the offending part; nothing is looked up.
 */
export function parseReference(input: string, options: ParseReferenceOptions = {}): Reference {
  const where = describeInput(options.inputName);
  const text = input.trim();
  refuseUrlCredentials(text, {
    input: options.inputName ?? 'image',
    instead: REGISTRY_CREDENTIALS_GO,
  });
  if (text === '')
    throw new ConfigurationError(
      words`${where}the reference is empty: give registry/repository[:tag] or oci:<dir>[:tag]`,
    );
  if (text.startsWith('oci:')) return parseLayoutReference(text, where);
  const scheme = /^([a-z]+):\/\//i.exec(text)?.[1];
  if (scheme) {
    throw new ConfigurationError(
      words`${where}reference ${quote(text)} has a URL scheme: write it without "${scheme}://", e.g. ghcr.io/acme/api:v1`,
    );
  }
  return parseRegistryReference(text, where);
}

/** Like parseReference, but a layout reference is an error: for inputs that must name a registry. */
export function parseRegistryOnlyReference(
  input: string,
  options: ParseReferenceOptions = {},
): RegistryReference {
  const reference = parseReference(input, options);
  if (reference.kind !== 'registry') {
    throw new ConfigurationError(
      words`${describeInput(options.inputName)}${quote(input)} is a local OCI layout; a registry reference is needed here`,
    );
  }
  return reference;
}

/** The canonical text of a reference: `registry/repo[:tag][@digest]` or `oci:<dir>[:tag]`. */
export function formatReference(reference: Reference): string {
  if (reference.kind === 'layout') return `oci:${reference.path}${reference.tag ? `:${reference.tag}` : ''}`;
  const tag = reference.tag ? `:${reference.tag}` : '';
  const digest = reference.digest ? `@${reference.digest}` : '';
  return `${reference.registry}/${reference.repository}${tag}${digest}`;
}

/** True when a reference names a version (a tag or digest), not just a repository. */
export function hasVersion(reference: Reference): boolean {
  return Boolean(reference.tag || (reference.kind === 'registry' && reference.digest));
}

/** The host[:port] that serves the API for a registry name (`docker.io` → `registry-1.docker.io`). */
export function apiHostOf(registry: string): string {
  return isDockerHub(registry) ? DOCKER_HUB.apiHost : registry;
}

/** True for the names Docker Hub goes by. */
export function isDockerHub(registry: string): boolean {
  const host = registry.toLowerCase();
  return host === 'docker.io' || host === 'index.docker.io' || host === 'registry-1.docker.io';
}

function parseLayoutReference(text: string, where: WordingPart): LayoutReference {
  const rest = text.slice('oci:'.length);
  // Like skopeo: the first ":" after the prefix separates the directory from the tag.
  const colon = rest.indexOf(':');
  const path = colon === -1 ? rest : rest.slice(0, colon);
  const tag = colon === -1 ? undefined : rest.slice(colon + 1);
  if (path === '')
    throw new ConfigurationError(
      words`${where}${quote(text)} names no directory: write oci:<dir>[:tag], e.g. oci:./layout:v1`,
    );
  if (tag === '') throw emptyTag(text, where);
  if (tag !== undefined) checkTag(tag, where);
  return tag === undefined ? { kind: 'layout', path } : { kind: 'layout', path, tag };
}

function parseRegistryReference(text: string, where: WordingPart): RegistryReference {
  if (/\s/.test(text)) {
    throw new ConfigurationError(
      words`${where}reference ${quote(text)} contains a space: write registry/repository[:tag] without spaces, e.g. ghcr.io/acme/api:v1`,
    );
  }
  let name = text;
  let digest: string | undefined;
  const at = name.indexOf('@');
  if (at !== -1) {
    digest = name.slice(at + 1);
    name = name.slice(0, at);
    if (!isDigest(digest)) {
      throw new ConfigurationError(
        words`${where}digest ${quote(digest)} in ${quote(text)} is invalid: expected sha256: followed by 64 lower-case hex characters`,
      );
    }
  }
  const lone = registryWithoutRepository(name);
  if (lone) throw missingRepository(text, lone, where);
  let tag: string | undefined;
  const lastSlash = name.lastIndexOf('/');
  const tagColon = name.indexOf(':', lastSlash + 1);
  // A colon after the last slash starts the tag; a port's colon always comes before a slash.
  if (tagColon !== -1) {
    tag = name.slice(tagColon + 1);
    name = name.slice(0, tagColon);
    if (tag === '') throw emptyTag(text, where);
    checkTag(tag, where);
  }
  const slash = name.indexOf('/');
  const first = slash === -1 ? '' : name.slice(0, slash);
  let registry: string;
  let path: string;
  if (
    slash !== -1 &&
    (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['))
  ) {
    registry = first;
    path = name.slice(slash + 1);
  } else {
    registry = DOCKER_HUB.registry;
    path = name;
  }
  if (!HOST_PATTERN.test(registry)) {
    throw new ConfigurationError(
      words`${where}registry ${quote(registry)} in ${quote(text)} is not a valid host[:port]`,
    );
  }
  registry = registry.toLowerCase();
  if (isDockerHub(registry)) {
    registry = DOCKER_HUB.registry;
    if (!path.includes('/')) path = `library/${path}`;
  }
  if (path === '') throw missingRepository(text, registry, where);
  if (path !== path.toLowerCase()) {
    throw new ConfigurationError(
      words`${where}repository ${quote(path)} in ${quote(text)} must be lower-case: use ${quote(path.toLowerCase())}`,
    );
  }
  for (const component of path.split('/')) {
    if (!PATH_COMPONENT.test(component)) {
      throw new ConfigurationError(
        words`${where}repository ${quote(path)} in ${quote(text)} is invalid at ${quote(component)}: each path component is lower-case letters and digits, separated by ".", "_", "__" or "-"`,
      );
    }
  }
  if (`${registry}/${path}`.length > MAX_NAME_LENGTH) {
    throw new ConfigurationError(
      words`${where}repository name ${quote(`${registry}/${path}`)} is longer than ${MAX_NAME_LENGTH} characters`,
    );
  }
  const reference: RegistryReference = {
    kind: 'registry',
    registry,
    apiHost: apiHostOf(registry),
    repository: path,
  };
  if (tag !== undefined) reference.tag = tag;
  if (digest !== undefined) reference.digest = digest;
  return reference;
}

/**
 * The registry of a name that is only a registry (`127.0.0.1:5000`, `ghcr.io`, `localhost`), or
 * undefined. Docker reads such a name as a Docker Hub image (`library/ghcr.io`), which is never
 * what was meant: Docker Hub's one-component names have no dot, and `localhost` is no image.
 */
function registryWithoutRepository(name: string): string | undefined {
  if (name.includes('/')) return undefined;
  const host = HOST_PATTERN.test(name) ? name : (name.split(':')[0] ?? '');
  const hostname = host.replace(/:\d+$/, '').toLowerCase();
  return hostname.includes('.') || hostname === 'localhost' || host.startsWith('[') ? host : undefined;
}

function missingRepository(text: string, registry: string, where: WordingPart): ConfigurationError {
  return new ConfigurationError(
    words`${where}${quote(text)} names registry ${registry} but no repository: write ${registry}/<repository>[:tag], e.g. ${registry}/acme/api`,
  );
}

function emptyTag(text: string, where: WordingPart): ConfigurationError {
  return new ConfigurationError(
    words`${where}${quote(text)} ends with ":" but names no tag: add the tag after it, or drop the ":"`,
  );
}

/** A value in double quotes, with line breaks and tabs escaped, so a message stays one line. */
function quote(value: string): string {
  return JSON.stringify(value);
}

/** The prefix that names the input (the flag) a reference came from: `input "image": `. */
function describeInput(inputName: string | undefined): WordingPart {
  return inputName ? words`${input(inputName)}: ` : '';
}
