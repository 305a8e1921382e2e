import { ConfigurationError, input, inputName, words } from '@flow-actions/action-kit';
import { hasVersion, parseRegistryOnlyReference } from '@flow-actions/oci-store/reference';

/** An image reference split the way a container runtime reads it. */
export interface ImageReference {
  /** Everything before the tag and digest, as written: `ghcr.io/acme/api`, `nginx`. */
  name: string;
  tag?: string;
  digest?: string;
}

/** What the manifests should point at. At least one of tag and digest is set. */
export interface ImageTarget {
  /** The image name to match, as the user gave it. */
  name: string;
  tag?: string;
  digest?: string;
}

const DIGEST_PATTERN = /^sha256:[0-9a-f]{64}$/;
// The distribution spec's tag grammar.
const TAG_PATTERN = /^[\w][\w.-]{0,127}$/;

export function isDigest(value: string): boolean {
  return DIGEST_PATTERN.test(value);
}

export function isTag(value: string): boolean {
  return TAG_PATTERN.test(value);
}

/** Splits `name[:tag][@digest]`; a `:` before the last `/` is a registry port, not a tag. */
export function parseImageReference(text: string): ImageReference {
  const at = text.indexOf('@');
  const beforeDigest = at >= 0 ? text.slice(0, at) : text;
  const digest = at >= 0 ? text.slice(at + 1) : undefined;
  const colon = beforeDigest.lastIndexOf(':');
  const hasTag = colon > beforeDigest.lastIndexOf('/');
  return {
    name: hasTag ? beforeDigest.slice(0, colon) : beforeDigest,
    ...(hasTag ? { tag: beforeDigest.slice(colon + 1) } : {}),
    ...(digest !== undefined ? { digest } : {}),
  };
}

/**
 * The canonical form of an image name, so that `nginx`, `library/nginx` and
 * `docker.io/library/nginx` match each other as a runtime would resolve them.
 */
export function normalizeImageName(name: string): string {
  const lower = name.toLowerCase();
  const slash = lower.indexOf('/');
  const first = slash >= 0 ? lower.slice(0, slash) : '';
  const hasRegistry = slash >= 0 && (first.includes('.') || first.includes(':') || first === 'localhost');
  if (!hasRegistry) return `docker.io/${lower.includes('/') ? lower : `library/${lower}`}`;
  if (first === 'index.docker.io' || first === 'registry-1.docker.io') {
    const path = lower.slice(slash + 1);
    return `docker.io/${path.includes('/') ? path : `library/${path}`}`;
  }
  if (first === 'docker.io' && !lower.slice(slash + 1).includes('/')) {
    return `docker.io/library/${lower.slice(slash + 1)}`;
  }
  return lower;
}

export function sameImageName(a: string, b: string): boolean {
  return normalizeImageName(a) === normalizeImageName(b);
}

/** `name[:tag][@digest]` with the name kept as the file wrote it. */
export function formatImageReference(name: string, target: Pick<ImageTarget, 'tag' | 'digest'>): string {
  return `${name}${target.tag ? `:${target.tag}` : ''}${target.digest ? `@${target.digest}` : ''}`;
}

/**
 * Checks the image inputs before anything else happens; every error names the input. The name
 * is parsed as every other action parses a reference (lower-case repository, no credentials).
 */
export function checkImageTarget(target: ImageTarget): ImageTarget {
  if (hasVersion(parseRegistryOnlyReference(target.name, { inputName: 'image' }))) {
    throw new ConfigurationError(
      words`${input('image')} must be an image name without tag or digest (e.g. ghcr.io/acme/api), got "${target.name}": put the version in ${inputName('tag')} or ${inputName('digest')}.`,
    );
  }
  if (target.tag === undefined && target.digest === undefined) {
    throw new ConfigurationError(
      words`Give ${input('digest')} (sha256:…, recommended: pins the exact artifact), ${inputName('tag')}, or both.`,
    );
  }
  if (target.tag !== undefined && !isTag(target.tag)) {
    throw new ConfigurationError(
      words`${input('tag')} "${target.tag}" is not a valid tag: letters, digits, "_", "." and "-", up to 128, not starting with "." or "-".`,
    );
  }
  if (target.digest !== undefined && !isDigest(target.digest)) {
    throw new ConfigurationError(
      words`${input('digest')} "${target.digest}" is not a digest: give sha256: followed by 64 lower-case hex characters.`,
    );
  }
  return target;
}
