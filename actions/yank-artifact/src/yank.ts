import {
  ConfigurationError,
  describeError,
  inputName,
  type Logger,
  mapWording,
  nullLogger,
  StepFailure,
  setInput,
  type WordingPart,
  words,
} from '@flow-actions/action-kit';
import { writeTombstone } from '@flow-actions/artifact-protocol';
import { type ShaTagOptions, shortSha } from '@flow-actions/commit-identity';
import { isGitHubApiError } from '@flow-actions/github-api';
import { type ArtifactStore, isRegistryError, REGISTRY_LOGIN } from '@flow-actions/oci-store';
import type { ArtifactDeleter } from './deleters';
import { type ImagePlan, mapBounded, planImageYank } from './plan';

export interface YankTarget {
  /** The image as the user wrote it. */
  image: string;
  store: ArtifactStore;
  deleter: ArtifactDeleter;
}

export interface YankOptions {
  /** Full sha of the commit. */
  sha: string;
  reason: string;
  /** Who yanks it, e.g. `GITHUB_ACTOR`. Default: none, and the tombstone names no one. */
  actor?: string;
  /** The run that yanks it, kept in the tombstone. Default: none. */
  runUrl?: string;
  /** The repository URL, kept in the tombstone. Default: none. */
  source?: string;
  shaOptions: ShaTagOptions;
  isProtected: (tag: string) => boolean;
  /** Yank even when a protected tag points at the artifact. Default: false. */
  force?: boolean;
  /** `tombstone-only` writes the tombstone and deletes nothing. Default: `delete`. */
  mode?: 'delete' | 'tombstone-only';
  /** Plan and report, write nothing. Default: false. */
  dryRun?: boolean;
  /** Most artifacts read when the sha tag is missing and the commit is searched by revision. Default: 500. */
  revisionSearchLimit?: number;
  /** Default: nullLogger. */
  logger?: Logger;
}

/** Who yanks which commit, from where: what the entry or the CLI knows besides the inputs. */
export interface YankRun {
  sha: string;
  actor?: string;
  runUrl?: string;
  source?: string;
  logger?: Logger;
}

/** The core's options from the inputs and the run: one mapping for the action and `flow yank`. */
export function yankOptions(
  inputs: Pick<YankOptions, 'reason' | 'shaOptions' | 'isProtected' | 'force' | 'mode' | 'dryRun'>,
  run: YankRun,
): YankOptions {
  return {
    sha: run.sha,
    reason: inputs.reason,
    ...(run.actor ? { actor: run.actor } : {}),
    ...(run.runUrl ? { runUrl: run.runUrl } : {}),
    ...(run.source ? { source: run.source } : {}),
    shaOptions: inputs.shaOptions,
    isProtected: inputs.isProtected,
    force: inputs.force,
    mode: inputs.mode,
    dryRun: inputs.dryRun,
    ...(run.logger ? { logger: run.logger } : {}),
  };
}

export type ImageOutcome =
  /** Tombstone written (or there already), artifact deleted. */
  | 'yanked'
  /** Tombstone written; there was no artifact (or `tombstone-only`). */
  | 'tombstoned'
  /** Already yanked: tombstone there, nothing of the artifact left to delete; nothing changed. */
  | 'already-yanked'
  /** Dry run: what would happen. */
  | 'planned'
  /** The tombstone is there but deleting failed: see the error and `remaining`. */
  | 'failed';

export interface ImageResult {
  image: string;
  plan: ImagePlan;
  outcome: ImageOutcome;
  /** `repo:tombstone-tag`. */
  tombstone: string;
  /** True when this run wrote the tombstone (false when it was there already, or dry run). */
  tombstoneWritten: boolean;
  /**
   * References removed (`repo:tag` for each tag, `repo@digest` for the artifact and its
   * children): on a dry run, what would be; after a failure, only what the registry no longer serves.
   */
  deleted: string[];
  /** References still served after a failed delete, in the same form; empty otherwise. */
  remaining: string[];
  via: string;
}

export interface YankResult {
  sha: string;
  images: ImageResult[];
  dryRun: boolean;
}

/**
 * A yank that failed after it had started writing: `result` says what was done, for the summary
 * and the outputs, and the notes say it in words.
 */
export class YankError extends StepFailure {
  override name = 'YankError';
  constructor(
    message: WordingPart,
    readonly result: YankResult,
    /** What to do, as the message ends with it. Default: re-run (see the failure summary). */
    fix: WordingPart | undefined,
    options?: { cause?: unknown },
  ) {
    const tombstones = result.images
      .filter((image) => image.tombstoneWritten)
      .map((image) => image.tombstone);
    const deleted = result.images.flatMap((image) => image.deleted);
    const remaining = result.images.flatMap((image) => image.remaining);
    const written = [
      tombstones.length > 0
        ? `The tombstone ${tombstones.join(', ')}, so ${shortSha(result.sha)} can no longer be built or promoted`
        : `No tombstone (${result.images.map((image) => image.tombstone).join(', ')} was there already)`,
      deleted.length > 0 ? `deleted ${deleted.join(', ')}` : 'deleted nothing',
    ];
    super(
      message,
      {
        written: `${written.join('; ')}.`,
        ...(remaining.length > 0 ? { unchanged: `Still in the registry: ${remaining.join(', ')}.` } : {}),
        ...(fix ? { fix } : {}),
      },
      options,
    );
  }
}

/**
 * Yanks a commit from every repository given: plan all (read only), refuse if a protected tag
 * points at an artifact, then per repository write the tombstone first and delete after — so a
 * failure midway leaves a commit that cannot be rebuilt or promoted, and a re-run finishes it.
 */
export async function yankCommit(targets: readonly YankTarget[], options: YankOptions): Promise<YankResult> {
  const logger = options.logger ?? nullLogger;
  const plans = await mapBounded(targets, 4, (target) =>
    planImageYank(target.store, {
      sha: options.sha,
      shaOptions: options.shaOptions,
      isProtected: options.isProtected,
      ...(options.revisionSearchLimit ? { revisionSearchLimit: options.revisionSearchLimit } : {}),
    }),
  );

  for (const plan of plans) {
    if (plan.revision === 'absent') {
      logger.warning(
        `${plan.location}:${plan.shaTag} carries no revision annotation or label, so it cannot be checked against ${options.sha}; yanking it as the commit's artifact.`,
      );
    }
  }
  const protectedRefs = plans.flatMap((plan) => plan.protectedTags.map((tag) => `${plan.location}:${tag}`));
  if (protectedRefs.length > 0 && !options.force) {
    throw new ConfigurationError(
      words`Refusing to yank ${shortSha(options.sha)}: protected tags point at its artifact: ${protectedRefs.join(', ')}. Deploy something else there first (promote another version), or ${setInput('force', true)} to yank it from under them.`,
    );
  }

  const result: YankResult = { sha: options.sha, images: [], dryRun: options.dryRun ?? false };
  for (const [index, target] of targets.entries()) {
    const plan = plans[index] as ImagePlan;
    try {
      result.images.push(await yankImage(target, plan, options, logger, result));
    } catch (error) {
      if (error instanceof YankError || result.images.length === 0) throw error;
      // The repositories before this one are yanked: the error must not read as if nothing was.
      throw new YankError(words`${plan.location}: ${describeError(error)}`, result, undefined, {
        cause: error,
      });
    }
  }
  return result;
}

async function yankImage(
  target: YankTarget,
  plan: ImagePlan,
  options: YankOptions,
  logger: Logger,
  done: YankResult,
): Promise<ImageResult> {
  const mode = options.mode ?? 'delete';
  const doomed = mode === 'delete' ? doomedReferences(plan) : [];
  const tombstone = `${plan.location}:${plan.tombstoneTag}`;
  const result: ImageResult = {
    image: target.image,
    plan,
    outcome: 'planned',
    tombstone,
    tombstoneWritten: false,
    deleted: doomed.map((reference) => displayReference(plan, reference)),
    remaining: [],
    via: target.deleter.via,
  };
  if (plan.revisionSearch && !plan.revisionSearch.complete) {
    logger.warning(
      `${plan.location}: no sha tag ${plan.shaTag}; searched ${plan.revisionSearch.read} of ${plan.revisionSearch.candidates} artifacts under other tags for revision ${shortSha(options.sha)} without a match. The others were not read: a copy among them stays pullable (flow inspect shows an artifact's commit).`,
    );
  }
  if (options.dryRun) return result;
  const previous = plan.existingTombstone;
  if (previous && doomed.length === 0) {
    logger.info(
      `${plan.location}: ${shortSha(options.sha)} was already yanked by ${previous.actor || 'unknown'} at ${previous.yankedAt || 'an unknown time'} ("${previous.reason}", ${tombstone}); nothing to do.`,
    );
    return { ...result, outcome: 'already-yanked' };
  }

  if (!previous) {
    await writeTombstone(
      target.store,
      {
        sha: options.sha,
        reason: options.reason,
        ...(options.actor ? { actor: options.actor } : {}),
        ...(plan.artifact ? { artifactDigest: plan.artifact.digest } : {}),
        artifactTags: plan.tags,
        platformManifests: plan.children,
        mode,
        ...(options.source ? { source: options.source } : {}),
        ...(options.runUrl ? { runUrl: options.runUrl } : {}),
      },
      options.shaOptions,
    );
    result.tombstoneWritten = true;
    logger.info(`${plan.location}: wrote the tombstone ${tombstone}.`);
  }
  if (doomed.length === 0) return { ...result, outcome: 'tombstoned' };

  logger.info(`${plan.location}: deleting ${describeReferences(plan, doomed)} via ${target.deleter.via}.`);
  const failed = async (message: (left: string) => WordingPart, fix: WordingPart, cause: unknown) => {
    // Only a registry that can be asked afterwards tells what the failure left; GHCR's cache cannot.
    const left = target.deleter.verifiable ? await findRemaining(target.store, doomed) : doomed;
    const failure: ImageResult = {
      ...result,
      outcome: 'failed',
      deleted: doomed.filter((reference) => !left.includes(reference)).map((r) => displayReference(plan, r)),
      remaining: left.map((reference) => displayReference(plan, reference)),
    };
    const shown = left.length > 0 ? describeReferences(plan, left) : 'nothing';
    return new YankError(
      words`${message(shown)} ${fix}`,
      { ...done, images: [...done.images, failure] },
      fix,
      {
        cause,
      },
    );
  };
  try {
    await target.deleter.deleteArtifact(plan);
  } catch (error) {
    throw await failed(
      (left) =>
        words`Deleting ${plan.location}@${plan.artifact?.digest ?? plan.children.join(', ')} failed: ${mapWording(describeError(error), withoutFinalStop)}. The tombstone ${tombstone} is written, so ${shortSha(options.sha)} cannot be rebuilt or promoted; still in the registry: ${left}.`,
      fixFor(error),
      error,
    );
  }
  if (target.deleter.verifiable) {
    const left = await findRemaining(target.store, doomed);
    if (left.length > 0) {
      throw await failed(
        (shown) =>
          `${plan.location} accepted the delete but still serves ${shown}. The tombstone ${tombstone} is written, so ${shortSha(options.sha)} cannot be rebuilt or promoted.`,
        'Delete those by hand, or re-run.',
        undefined,
      );
    }
  }
  return { ...result, outcome: 'yanked' };
}

/** What deleting removes: the tags on the artifact, the artifact, its unshared platform manifests. */
function doomedReferences(plan: ImagePlan): string[] {
  return [...plan.tags, ...(plan.artifact ? [plan.artifact.digest] : []), ...plan.children];
}

/** `repo:tag` for a tag, `repo@digest` for a digest. */
function displayReference(plan: ImagePlan, reference: string): string {
  return `${plan.location}${reference.startsWith('sha256:') ? '@' : ':'}${reference}`;
}

/** Asks the registry for each reference again: what it still serves was not deleted. */
async function findRemaining(store: ArtifactStore, references: readonly string[]): Promise<string[]> {
  const found = await mapBounded(references, 8, (reference) => store.resolve(reference));
  return references.filter((_, index) => found[index] !== undefined);
}

/** `sha256:… tagged a, b and its 2 platform manifest(s)`: the artifact's references, for messages. */
function describeReferences(plan: ImagePlan, references: readonly string[]): string {
  const tags = references.filter((reference) => !reference.startsWith('sha256:'));
  const digest = plan.artifact && references.includes(plan.artifact.digest) ? plan.artifact.digest : '';
  const children = references.filter((reference) => plan.children.includes(reference));
  const top = digest ? `${digest}${tags.length > 0 ? ` tagged ${tags.join(', ')}` : ''}` : tags.join(', ');
  if (children.length === 0) return top;
  return top
    ? `${top} and its ${children.length} platform manifest(s)`
    : `platform manifest(s) ${children.join(', ')}`;
}

function withoutFinalStop(message: string): string {
  return message.replace(/[.\s]+$/, '');
}

/**
 * What follows a failed delete. The error already names its cause and fix; this adds what to do
 * after, and for an access refusal follows the store's own classification, so a wrong password is
 * never called a missing right.
 */
function fixFor(error: unknown): WordingPart {
  const rerun = 'then re-run: yanking is idempotent.';
  if (isRegistryError(error)) {
    if (error.status === 405) {
      return words`Once deletion is enabled (or the artifact deleted by hand), re-run: yanking is idempotent. To keep the artifact and only block it, ${setInput('mode', 'tombstone-only')}.`;
    }
    switch (error.access) {
      case 'permission-missing':
        return `The credentials were accepted but may not delete: give them delete rights on the repository, ${rerun}`;
      case 'credentials-rejected':
        return `The registry rejected the credentials themselves (a wrong username, password or token, not a missing right): fix them, ${rerun}`;
      case 'credentials-missing':
        return words`No credentials reached the registry: ${REGISTRY_LOGIN}, ${rerun}`;
    }
  }
  if (isGitHubApiError(error) && error.status === 401) {
    return words`GitHub rejected the token itself (missing, invalid or expired): pass a valid ${inputName('github-token')}, ${rerun}`;
  }
  if (isGitHubApiError(error) && error.status === 403) {
    return `The token was accepted but may not delete the package version: give it packages: write and admin rights on the package, ${rerun}`;
  }
  return 'Re-run to finish: yanking is idempotent.';
}
