import { asWording, type Wording, type WordingPart } from '@flow-actions/action-kit';

/** What the store was doing when a registry answered with an error, for messages. */
export type RegistryOperation =
  | 'ping'
  | 'token'
  | 'resolve'
  | 'get-manifest'
  | 'put-manifest'
  | 'delete-manifest'
  | 'list-tags'
  | 'has-blob'
  | 'get-blob'
  | 'put-blob'
  | 'mount-blob';

/**
 * Why a registry refused access, as the store told the cases apart: `credentials-rejected`, a
 * wrong username, password or token; `permission-missing`, credentials accepted but short of the
 * right (push, delete, pull) the request needs; `credentials-missing`, no credentials were sent.
 */
export type AccessRefusal = 'credentials-rejected' | 'permission-missing' | 'credentials-missing';

export interface RegistryErrorDetails {
  /** HTTP status, or undefined when the registry could not be reached. */
  status?: number;
  /** The distribution spec error code from the body (`MANIFEST_UNKNOWN`, `DENIED`, …), if any. */
  code?: string;
  /** True when repeating the request later may succeed (429, 408, 5xx, resets). */
  temporary: boolean;
  operation: RegistryOperation;
  /** The request URL with credentials and query secrets removed. */
  url: string;
  /** Set for a 401 or 403 about access: which of the cases it was. */
  access?: AccessRefusal;
}

/**
 * A registry's answer that the store cannot turn into a result. Its message is one line that
 * names the registry, the cause and the fix; it never contains a credential or token. The fix may
 * name inputs (flags, read by `flow`): `wording` has it for either reader, `message` for a workflow.
 */
export class RegistryError extends Error {
  override name = 'RegistryError';
  readonly wording: Wording;
  readonly status: number | undefined;
  readonly code: string | undefined;
  readonly temporary: boolean;
  readonly operation: RegistryOperation;
  readonly url: string;
  readonly access: AccessRefusal | undefined;

  constructor(message: WordingPart, details: RegistryErrorDetails, options?: { cause?: unknown }) {
    super(String(message), options);
    this.wording = asWording(message);
    this.status = details.status;
    this.code = details.code;
    this.temporary = details.temporary;
    this.operation = details.operation;
    this.url = details.url;
    this.access = details.access;
  }
}

export function isRegistryError(error: unknown): error is RegistryError {
  return error instanceof RegistryError;
}

/** One entry of the distribution spec error body `{"errors":[{code,message,detail}]}`. */
export interface SpecError {
  code: string;
  message?: string;
}

/** Reads the spec error list from a response body; anything else gives an empty list. */
export function parseSpecErrors(body: string): SpecError[] {
  try {
    const parsed: unknown = JSON.parse(body);
    if (!parsed || typeof parsed !== 'object' || !('errors' in parsed) || !Array.isArray(parsed.errors))
      return [];
    const errors: SpecError[] = [];
    for (const entry of parsed.errors as unknown[]) {
      if (entry && typeof entry === 'object' && 'code' in entry && typeof entry.code === 'string') {
        const message = 'message' in entry && typeof entry.message === 'string' ? entry.message : undefined;
        errors.push({ code: entry.code, message });
      }
    }
    return errors;
  } catch {
    return [];
  }
}

/** A registry's own tag immutability, named the way its settings name it. */
export interface ImmutabilitySetting {
  /** The registry product, e.g. `Amazon ECR`. */
  registry: string;
  /** Where its tag immutability is configured, e.g. `imageTagMutability: IMMUTABLE`. */
  setting: string;
}

/**
 * Each registry's refusal of a manifest PUT that would move an existing tag under its own tag
 * immutability: the status, the spec error code and the message it answers with, as observed and
 * documented (an unknown answer stays a plain RegistryError).
 */
const IMMUTABILITY_REFUSALS: readonly (ImmutabilitySetting & {
  /** Undefined where no public record shows the status: any 4xx. */
  status?: number;
  code: string;
  message: RegExp;
})[] = [
  // 400 TAG_INVALID "The image tag '1.0.2' already exists in the '…' repository and cannot be
  // overwritten because the repository is immutable." (jib log of an ECR push; the same text in
  // moby/buildkit#3776 and aws/containers-roadmap#862); "…because the tag is immutable." since ECR
  // added per-tag exclusions (osscontainertools/kaniko#204). ECR's API calls it
  // ImageTagAlreadyExistsException (docs.aws.amazon.com AmazonECR userguide repository-edit).
  {
    registry: 'Amazon ECR',
    setting: 'imageTagMutability: IMMUTABLE',
    status: 400,
    code: 'TAG_INVALID',
    message: /cannot be overwritten because the (?:repository|tag) is immutable/i,
  },
  // "manifest invalid: cannot update tag v3. The repository has enabled tag immutability": the
  // docker CLI prints the spec code MANIFEST_INVALID and the message (the status is not in any
  // record found, so any 4xx). Artifact Registry's troubleshooting page
  // (cloud.google.com/artifact-registry/docs/docker/troubleshoot#push) names the same sentence,
  // which GoogleContainerTools/kaniko pkg/executor/push.go matches too.
  {
    registry: 'Google Artifact Registry',
    setting: 'immutable tags (dockerConfig.immutableTags)',
    code: 'MANIFEST_INVALID',
    message: /enabled tag immutability/i,
  },
  // Harbor 2.x: src/server/middleware/immutable/pushmf.go answers ErrImmutable with
  // PreconditionCode, which src/server/error/error.go maps to 412; the message is
  // "Failed to process request due to 'library/app:v1' configured as immutable." (error.go).
  {
    registry: 'Harbor',
    setting: 'tag immutability rules',
    status: 412,
    code: 'PRECONDITION',
    message: /configured as immutable/i,
  },
  // Docker Hub (docker/hub-feedback#2466: a 403): "denied: requested access to the resource is
  // denied - This tag is already assigned to an image in this repository and cannot be updated due
  // to immutability settings. To push this image, use a different tag."
  {
    registry: 'Docker Hub',
    setting: 'immutable tags (Settings > General > Tag mutability settings)',
    status: 403,
    code: 'DENIED',
    message: /cannot be updated due to immutability settings/i,
  },
];

/**
 * Recognises a registry's refusal to move a tag under its own tag immutability from the answer to
 * a manifest PUT, so that it reads as an immutable-tag conflict and not as an unknown error (or, for
 * Docker Hub's 403, as missing push permission). Undefined for every other answer.
 */
export function recognizeImmutabilityRefusal(
  status: number,
  errors: readonly SpecError[],
): ImmutabilitySetting | undefined {
  for (const candidate of IMMUTABILITY_REFUSALS) {
    const statusMatches =
      candidate.status === undefined ? status >= 400 && status < 500 : status === candidate.status;
    const matches =
      statusMatches &&
      errors.some((error) => error.code === candidate.code && candidate.message.test(error.message ?? ''));
    if (matches) return { registry: candidate.registry, setting: candidate.setting };
  }
  return undefined;
}

/** A manifest PUT refused because the registry's own tag immutability keeps the tag where it is. */
export class ImmutableTagRefusedError extends RegistryError {
  override name = 'ImmutableTagRefusedError';
  readonly immutability: ImmutabilitySetting;

  constructor(message: WordingPart, details: RegistryErrorDetails, immutability: ImmutabilitySetting) {
    super(message, details);
    this.immutability = immutability;
  }
}

export function isImmutableTagRefusedError(error: unknown): error is ImmutableTagRefusedError {
  return error instanceof ImmutableTagRefusedError;
}
