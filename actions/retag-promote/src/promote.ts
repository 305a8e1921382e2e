import {
  ConfigurationError,
  input,
  inputName,
  type Logger,
  shortDigest,
  words,
} from '@flow-actions/action-kit';
import {
  applyTagPlans,
  createImmutableTagPolicy,
  type ImmutableTagPolicy,
  planTags,
  readTombstone,
  type TagPlan,
  type TagWriteResult,
  yankedError,
} from '@flow-actions/artifact-protocol';
import { isFullSha, type ShaTagOptions, shaTag } from '@flow-actions/commit-identity';
import { type ArtifactStore, type CopyResult, isRegistryError } from '@flow-actions/oci-store';
import type { GitHistory } from './git-history';
import { compilePathPatterns } from './path-patterns';
import { parseSourceSpec, type ResolvedSource, resolveSource } from './source';
import {
  checkReleaseTagForm,
  checkReleaseTagSequence,
  isOlderVersion,
  type VersionScheme,
} from './version-scheme';
import { findVersions } from './versions';

export interface PromoteRequest {
  /** Source repositories, as given. */
  images: string[];
  /** Destination repositories, one per image; undefined where the image is promoted in place. */
  toImages: (string | undefined)[];
  /** `from` as given, or the event's commit sha. */
  from: string;
  tags: string[];
  immutablePatterns: string[];
  fallback: 'none' | 'nearest-ancestor';
  ignorePaths: string[];
  requireChecks: string[];
  environment?: string;
  allowYanked: boolean;
  sha: Required<ShaTagOptions>;
  dryRun: boolean;
  /** How long to wait before reading created immutable tags again (see applyTagPlans). */
  settleMs: number;
  /** The numbering immutable `v*` tags must follow. */
  versionScheme: VersionScheme;
  /** Lets a `v*` version through that is not the next step of the repository's versions. */
  allowVersionGap: boolean;
}

/** What promote needs of GitHub; absent when no input asks for it. */
export interface PromoteGitHub {
  /** Throws a ConfigurationError unless every named check is green on the commit. */
  requireChecks(sha: string, names: readonly string[]): Promise<void>;
  recordDeployment(input: DeploymentInput): Promise<{ id: number }>;
}

export interface DeploymentInput {
  sha: string;
  environment: string;
  payload: { images: { image: string; digest: string; tags: string[] }[] };
}

export interface PromoteDependencies {
  openStore(reference: string): Promise<ArtifactStore>;
  copyArtifact(from: ArtifactStore, to: ArtifactStore, digest: string): Promise<CopyResult>;
  git?: GitHistory;
  github?: PromoteGitHub;
  /**
   * Asked once everything is planned and checked, before anything is written, when the promotion
   * creates an immutable tag; false writes nothing. Absent: no question (the action, scripts).
   */
  confirm?: (promotions: readonly ImagePromotion[]) => Promise<boolean>;
  logger: Logger;
}

export interface ImagePromotion {
  image: string;
  destination: string;
  source: ResolvedSource;
  digest: string;
  mediaType: string;
  plan: TagPlan;
  /** Set once written; empty on a dry run. */
  written: TagWriteResult[];
  /** Each moving tag that leaves another artifact for this one (a deploy, a rollback), with versions. */
  swaps: TagSwap[];
  copy?: CopyResult;
}

/** An artifact by digest, and the version tag that names it when one does. */
export interface NamedArtifact {
  digest: string;
  version?: string;
}

/** A moving tag (`prod`) that leaves one artifact for another. */
export interface TagSwap {
  tag: string;
  from: NamedArtifact;
  to: NamedArtifact;
  /** True when both are versions and `to` is the older one. */
  rollback: boolean;
}

/**
 * `prod: v1.1.0 (sha256:28c3…) → v1.0.0 (sha256:5391…), a rollback to the older v1.0.0`, with
 * `code` around the tag and digests (Markdown's inline code in a summary).
 */
export function describeSwap(swap: TagSwap, code: (text: string) => string = (text) => text): string {
  const named = ({ digest, version }: NamedArtifact) =>
    version ? `${version} (${code(shortDigest(digest))})` : `${code(shortDigest(digest))} (no version tag)`;
  const rollback = swap.rollback ? `, a rollback to the older ${swap.to.version}` : '';
  return `${code(swap.tag)}: ${named(swap.from)} → ${named(swap.to)}${rollback}`;
}

export interface PromoteResult {
  promotions: ImagePromotion[];
  sourceSha?: string;
  deploymentId?: number;
  dryRun: boolean;
}

interface OpenedImage {
  image: string;
  destination: string;
  source: ArtifactStore;
  target: ArtifactStore;
}

/**
 * Promotes by adding tags: check the release tags' form, resolve every source, refuse yanked ones
 * and failing checks, plan every tag of every image, and only when no immutable tag would move and
 * every new version follows the repository's, write — copies first, then immutable tags (checked,
 * read back, read again after the settle interval), then moving tags — and record the deployment.
 */
export async function promote(request: PromoteRequest, deps: PromoteDependencies): Promise<PromoteResult> {
  const isImmutable = createImmutableTagPolicy(request.immutablePatterns, request.sha);
  const versionCheck = { scheme: request.versionScheme, allowGap: request.allowVersionGap };
  checkReleaseTagForm(releaseTags(request.tags, isImmutable), versionCheck);
  const spec = parseSourceSpec(request.from);
  const isIgnoredPath = compilePathPatterns(request.ignorePaths);
  const opened = await Promise.all(
    request.images.map((image, index) => openImage(image, request.toImages[index], deps)),
  );

  const sources = await Promise.all(
    opened.map(({ source }) =>
      resolveSource(source, spec, {
        sha: request.sha,
        fallback: request.fallback,
        isIgnoredPath,
        allowYanked: request.allowYanked,
        ...(deps.git ? { git: deps.git } : {}),
      }),
    ),
  );

  const sourceShas = [...new Set(sources.map((source) => source.sha).filter((sha): sha is string => !!sha))];
  if (request.requireChecks.length > 0) {
    if (!deps.github)
      throw new ConfigurationError(words`${input('require-checks')} needs ${inputName('github-token')}.`);
    if (sourceShas.length === 0) {
      throw new ConfigurationError(
        words`${input('require-checks')} needs the source commit, but the artifact carries no revision annotation or label.`,
      );
    }
    for (const sha of sourceShas) await deps.github.requireChecks(sha, request.requireChecks);
  }

  await Promise.all(
    opened.map((image, index) => refuseYankedDestination(image, sources[index] as ResolvedSource, request)),
  );
  const promotions: ImagePromotion[] = await Promise.all(
    opened.map(async (image, index) => {
      const source = sources[index] as ResolvedSource;
      const { tags, policy } = destinationTags(image, source, request, isImmutable, deps.logger);
      const plan = await planTags(image.target, source.manifest.digest, tags, policy);
      return {
        image: image.image,
        destination: image.destination,
        source,
        digest: source.manifest.digest,
        mediaType: source.manifest.mediaType,
        plan,
        written: [],
        swaps: await findSwaps(image.target, source, plan, request, isImmutable, deps.logger),
      };
    }),
  );

  const conflicts = promotions.flatMap(({ destination, plan, source }) =>
    plan.conflicts.map(
      (conflict) =>
        `${destination}:${conflict.tag} points at ${conflict.existing}, not ${plan.digest}${
          source.sha && isFullSha(source.sha) && conflict.tag === shaTag(source.sha, request.sha)
            ? ` (the sha tag of ${source.sha}: ${destination} already holds another artifact for that commit; flow inspect shows it)`
            : ''
        }`,
    ),
  );
  if (conflicts.length > 0) {
    throw new ConfigurationError(
      words`Refusing to move immutable tags, so nothing was written: ${conflicts.join('; ')}. Promote under a new version, or change ${inputName('immutable-tags')} if this tag is meant to move.`,
    );
  }
  // Only versions this promotion creates: re-promoting an existing one is no new version.
  await Promise.all(
    promotions.map(async (promotion, index) => {
      const created = releaseTags(
        promotion.plan.tags.filter((tag) => tag.change === 'create').map((tag) => tag.tag),
        isImmutable,
      );
      if (created.length === 0 || request.versionScheme === 'none' || request.allowVersionGap) return;
      const existing = await listTagsOf((opened[index] as OpenedImage).target);
      checkReleaseTagSequence(created, existing, promotion.destination, versionCheck);
    }),
  );

  const result: PromoteResult = {
    promotions,
    dryRun: request.dryRun,
    ...(sourceShas[0] ? { sourceSha: sourceShas[0] } : {}),
  };
  if (request.dryRun) return result;
  const createsImmutable = promotions.some(({ plan }) =>
    plan.tags.some((tag) => tag.immutable && tag.change === 'create'),
  );
  if (createsImmutable && deps.confirm && !(await deps.confirm(promotions))) {
    throw new ConfigurationError('The promotion was not confirmed, so nothing was written.');
  }

  for (const [index, promotion] of promotions.entries()) {
    const image = opened[index] as OpenedImage;
    if (image.target !== image.source) {
      promotion.copy = await deps.copyArtifact(image.source, image.target, promotion.digest);
    }
  }
  const written = await applyTagPlans(
    promotions.map((promotion, index) => ({
      store: (opened[index] as OpenedImage).target,
      plan: promotion.plan,
      manifest: promotion.source.manifest,
    })),
    { settleMs: request.settleMs, logger: deps.logger },
  );
  for (const [index, promotion] of promotions.entries()) {
    promotion.written = written[index] ?? [];
    deps.logger.info(
      `${promotion.destination}@${promotion.digest}: ${promotion.written.map((w) => `${w.tag} (${w.change})`).join(', ')}`,
    );
  }

  if (request.environment) {
    if (!deps.github)
      throw new ConfigurationError(words`${input('environment')} needs ${inputName('github-token')}.`);
    if (!result.sourceSha) {
      throw new ConfigurationError(
        words`${input('environment')} needs the source commit, but the artifact carries no revision.`,
      );
    }
    const deployment = await deps.github.recordDeployment({
      sha: result.sourceSha,
      environment: request.environment,
      payload: {
        images: promotions.map((p) => ({
          image: p.destination,
          digest: p.digest,
          tags: p.written.map((w) => w.tag),
        })),
      },
    });
    result.deploymentId = deployment.id;
  }
  return result;
}

/**
 * The tags to write in the image's destination. A copy to another repository also gets the
 * commit's sha tag, so that the commit's artifact is found there by its tag, as build-by-sha left
 * it in the source: a later yank of the commit then removes the copy too. That tag is immutable
 * whatever `immutable-tags` says: a different digest under it is a conflict, refused before
 * anything is written.
 */
function destinationTags(
  image: OpenedImage,
  source: ResolvedSource,
  request: PromoteRequest,
  isImmutable: ImmutableTagPolicy,
  logger: Logger,
): { tags: string[]; policy: ImmutableTagPolicy } {
  if (image.target === image.source) return { tags: request.tags, policy: isImmutable };
  if (!source.sha || !isFullSha(source.sha)) {
    logger.warning(
      `${image.image}@${source.manifest.digest} names no commit (no revision annotation or label): ${image.destination} gets no sha tag, so a yank finds the copy only by its other tags.`,
    );
    return { tags: request.tags, policy: isImmutable };
  }
  const lineageTag = shaTag(source.sha, request.sha);
  return {
    tags: [...request.tags, lineageTag],
    policy: (tag) => tag === lineageTag || isImmutable(tag),
  };
}

/**
 * The moving tags a promotion moves (a deploy, a rollback), each with the versions it leaves and
 * gets. The promoted digest's version is free when the promotion names it (`from: v1.0.0`, or a
 * `v*` tag among `to`); the rest costs what findVersions says, and only when a moving tag moves.
 */
async function findSwaps(
  target: ArtifactStore,
  source: ResolvedSource,
  plan: TagPlan,
  request: PromoteRequest,
  isImmutable: ImmutableTagPolicy,
  logger: Logger,
): Promise<TagSwap[]> {
  const moved = plan.tags.filter((tag) => tag.change === 'move' && !tag.immutable);
  if (moved.length === 0) return [];
  const isRelease = (tag: string) => releaseTags([tag], isImmutable).length > 0;
  const named = [source.reference, ...plan.tags.map((tag) => tag.tag)].find(isRelease);
  const versions = await findVersions(target, {
    digests: [plan.digest, ...moved.map((tag) => tag.previous as string)],
    known: named ? { [plan.digest]: named } : {},
    isRelease,
    scheme: request.versionScheme,
    logger,
  });
  const artifact = (digest: string): NamedArtifact => ({
    digest,
    ...(versions[digest] ? { version: versions[digest] } : {}),
  });
  return moved.map((tag) => {
    const from = artifact(tag.previous as string);
    const to = artifact(plan.digest);
    return {
      tag: tag.tag,
      from,
      to,
      rollback: Boolean(from.version && to.version && isOlderVersion(to.version, from.version)),
    };
  });
}

/** A commit yanked in the destination stays yanked there: copying it in would bring it back. */
async function refuseYankedDestination(
  image: OpenedImage,
  source: ResolvedSource,
  request: PromoteRequest,
): Promise<void> {
  if (image.target === image.source || !source.sha || !isFullSha(source.sha)) return;
  const tombstone = await readTombstone(image.target, source.sha, request.sha);
  if (tombstone && !request.allowYanked) throw yankedError(tombstone);
}

/** The repository's tags; none for a destination repository that does not exist yet (`to-image`). */
async function listTagsOf(store: ArtifactStore): Promise<string[]> {
  try {
    return await store.listTags();
  } catch (error) {
    if (isRegistryError(error) && error.status === 404) return [];
    throw error;
  }
}

/** The release tags among `tags`: the immutable ones named like a version (`v…`). */
function releaseTags(tags: readonly string[], isImmutable: ImmutableTagPolicy): string[] {
  return tags.filter((tag) => tag.startsWith('v') && isImmutable(tag));
}

async function openImage(
  image: string,
  toImage: string | undefined,
  deps: PromoteDependencies,
): Promise<OpenedImage> {
  const source = await deps.openStore(image);
  const target = toImage && toImage !== image ? await deps.openStore(toImage) : source;
  return { image, destination: toImage ?? image, source, target };
}
