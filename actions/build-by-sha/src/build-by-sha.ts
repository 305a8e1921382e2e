import { mkdtemp, rm } from 'node:fs/promises';
import { join } from 'node:path';
import {
  ConfigurationError,
  type FailureNotes,
  inputName,
  inputValue,
  type Logger,
  nullLogger,
  setInput,
  words,
} from '@flow-actions/action-kit';
import {
  applyTagPlans,
  createImmutableTagPolicy,
  type ImmutableTagPolicy,
  planTags,
  readRevision,
  readTombstone,
  type TagPlan,
  type TagWrite,
  type TagWriteResult,
  type Tombstone,
  verifyRevision,
  yankedError,
} from '@flow-actions/artifact-protocol';
import { type CommitIdentity, shaTag, shortSha } from '@flow-actions/commit-identity';
import {
  type ArtifactStore,
  buildLineageAnnotations,
  type CopyResult,
  LineageAnnotations,
  type Manifest,
  packArchive,
  parseReference,
} from '@flow-actions/oci-store';
import type { Builder, BuiltImage } from './builders';
import type { DirtyBuild } from './checkout';
import type { ImageTarget, Inputs } from './inputs';

export interface BuildByShaRequest extends Inputs {
  commit: CommitIdentity;
  /**
   * Repository URL for the lineage, e.g. https://github.com/acme/api. Default: none, and the
   * label is left out rather than guessed.
   */
  source?: string;
  /**
   * Set when checkSources let uncommitted changes through (allow-dirty): the artifact goes under
   * this dirty tag instead of the sha tag, labelled revision `<sha>-dirty`, and is always built.
   * Default: a clean build.
   */
  dirty?: DirtyBuild;
  /** The CI run, for the lineage. Default: none. */
  runUrl?: string;
  /** Build time in the lineage. Default: now. */
  created?: Date;
}

export interface BuildByShaDependencies {
  /** Opens a registry repository or an `oci:` layout (created when missing for destinations). */
  openStore(reference: string, options?: { create?: boolean }): Promise<ArtifactStore>;
  /** Called only when an image must be built from a Dockerfile. */
  getBuilder(): Promise<Builder>;
  copyArtifact(from: ArtifactStore, to: ArtifactStore, reference: string): Promise<CopyResult>;
  /** Where builds get their private work directories (removed afterwards), e.g. RUNNER_TEMP. */
  tempDir: string;
  /** Default: nullLogger. */
  logger?: Logger;
}

export interface ImageOutcome {
  /** The repository as given. */
  image: string;
  digest: string;
  built: boolean;
  /** Why it was built or reused, for the summary. */
  reason: string;
  /** Every tag written or confirmed, with what it pointed at before. */
  tags: TagWriteResult[];
  /** How the artifact was made when built: buildx, buildah, from-oci-layout, archive. */
  via?: string;
}

export interface BuildByShaResult {
  sha: string;
  tag: string;
  images: ImageOutcome[];
  /** The uncommitted changes built, when allow-dirty let them through. */
  dirty?: DirtyBuild;
}

/** What the first look at a repository found, before anything is built or written. */
interface Decision {
  target: ImageTarget;
  store: ArtifactStore;
  existing?: Manifest;
  tombstone?: Tombstone;
  /** The extra tags as they are now; for a reuse, planned against the existing digest. */
  extraPlan: TagPlan;
  reason: string;
}

/**
 * Ensures the commit has exactly one artifact per repository under its sha tag (DESIGN §1, §2).
 * First every repository is looked at — tombstone, then the sha tag, two requests — and every
 * refusal (yanked, short-sha collision, an immutable extra tag in the way) happens before
 * anything is built or pushed. Then what is missing is built and pushed, the pushed digest read
 * back, and the sha, extra and cache tags set; what exists only gets its extra tags.
 */
export async function buildBySha(
  request: BuildByShaRequest,
  dependencies: BuildByShaDependencies,
): Promise<BuildByShaResult> {
  const logger = dependencies.logger ?? nullLogger;
  const { sha } = request.commit;
  const tag = request.dirty?.tag ?? shaTag(sha, request.sha);
  const extraTags = [...request.extraTags, ...(request.latest ? ['latest'] : [])].filter((t) => t !== tag);
  const policy = createImmutableTagPolicy(undefined, request.sha);
  const lineage = buildLineageAnnotations({
    revision: sha,
    ...(request.dirty ? { dirty: true } : {}),
    ...(request.source ? { source: request.source } : {}),
    created: request.created ?? new Date(),
    ...(request.runUrl ? { runUrl: request.runUrl } : {}),
  });

  const decisions = await Promise.all(
    request.images.map((target) => decide(target, request, tag, extraTags, policy, dependencies)),
  );

  // Everything is built and pushed by digest first; then every repository's tags are written
  // together, immutable ones settled before any moving one (applyTagPlans).
  const outcomes: ImageOutcome[] = [];
  const writes: TagWrite[] = [];
  for (const decision of decisions) {
    const { target, store } = decision;
    if (decision.tombstone) {
      logger.warning(
        words`${store.location}: commit ${shortSha(sha)} was yanked ("${decision.tombstone.reason}"); going on because of ${inputValue('allow-yanked', true)}.`,
      );
    }
    if (decision.existing) {
      writes.push({ store, plan: decision.extraPlan, manifest: decision.existing });
      outcomes.push({
        image: target.repository,
        digest: decision.existing.digest,
        built: false,
        reason: decision.reason,
        tags: [{ tag, previous: decision.existing.digest, change: 'unchanged' }],
      });
      continue;
    }
    const made = await makeArtifact(decision, request, tag, lineage, dependencies);
    // Planned again now that the digest is known: the sha tag's plan also catches a parallel run
    // that pushed this commit meanwhile (it is immutable, so a different digest is a conflict).
    const plan = await planTags(store, made.manifest.digest, [tag, ...extraTags], policy);
    refuseConflicts(store, plan, `pushed ${made.manifest.digest} but did not tag it`, {
      written: `Pushed ${store.location}@${made.manifest.digest} by digest only: no tag names it.`,
    });
    writes.push({ store, plan, manifest: made.manifest });
    outcomes.push({
      image: target.repository,
      digest: made.manifest.digest,
      built: true,
      reason: decision.reason,
      tags: [],
      via: made.via,
    });
  }
  const written = await applyTagPlans(writes, { settleMs: request.settleMs, logger });
  outcomes.forEach((outcome, index) => {
    outcome.tags.push(...(written[index] ?? []));
    const location = (writes[index] as TagWrite).store.location;
    logger.info(
      outcome.built
        ? `${location}:${tag} is ${outcome.digest}, built with ${outcome.via}.`
        : `${location}:${tag} is ${outcome.digest}, ${outcome.reason}: nothing built.`,
    );
  });
  return { sha, tag, images: outcomes, ...(request.dirty ? { dirty: request.dirty } : {}) };
}

async function decide(
  target: ImageTarget,
  request: BuildByShaRequest,
  tag: string,
  extraTags: string[],
  policy: ImmutableTagPolicy,
  dependencies: BuildByShaDependencies,
): Promise<Decision> {
  const { sha } = request.commit;
  const store = await dependencies.openStore(target.repository, { create: true });
  const [tombstone, found] = await Promise.all([
    readTombstone(store, sha, request.sha),
    store.getManifest(tag),
  ]);
  // A dirty build is never reused: its tag's digest of the changes is no proof of equal files
  // (a submodule, a folder), and it is a moving tag, so it is simply built again.
  const existing = request.dirty ? undefined : found;
  if (tombstone && !request.allowYanked) throw yankedError(tombstone);
  let reason: string;
  if (existing) {
    if (request.ifExists === 'fail') {
      throw new ConfigurationError(
        words`${store.location}:${tag} already exists (${existing.digest}) and ${inputValue('if-exists', 'fail')} refuses it: this commit was built before; ${setInput('if-exists', 'skip')} to reuse it.`,
      );
    }
    // The same manifest the decision fetched: its annotations answer without another request.
    const check = await verifyRevision(store, existing, sha, tag);
    reason =
      check === 'match'
        ? `already built from ${shortSha(sha)} (revision checked)`
        : 'already there, without a revision to check';
    if (check === 'absent') {
      (dependencies.logger ?? nullLogger).warning(
        `${store.location}:${tag} carries no org.opencontainers.image.revision: it is reused, but a short-sha collision cannot be ruled out. Images built by this action carry it.`,
      );
    }
  } else if (request.dirty) {
    reason = 'uncommitted changes, built as allowed';
  } else {
    reason = tombstone ? 'yanked, rebuilt as allowed' : `no ${tag} yet`;
  }
  const extraPlan = await planTags(store, existing?.digest ?? '', extraTags, policy);
  refuseConflicts(store, extraPlan, 'nothing was built or pushed');
  return {
    target,
    store,
    ...(existing ? { existing } : {}),
    ...(tombstone ? { tombstone } : {}),
    extraPlan,
    reason,
  };
}

/** Refuses a plan that would move an immutable tag; `notes` say what this run pushed already, if anything. */
function refuseConflicts(
  store: ArtifactStore,
  plan: TagPlan,
  consequence: string,
  notes: FailureNotes = {},
): void {
  const conflict = plan.conflicts[0];
  if (!conflict) return;
  throw new ConfigurationError(
    words`${store.location}:${conflict.tag} already points at ${conflict.existing} and is immutable: ${consequence}. Drop it from ${inputName('extra-tags')}, or let a new commit take a new tag.`,
    notes,
  );
}

interface MadeArtifact {
  manifest: Manifest;
  via: string;
}

/** Builds or packs the artifact and pushes it by digest; tags are the caller's. */
async function makeArtifact(
  decision: Decision,
  request: BuildByShaRequest,
  tag: string,
  lineage: Record<string, string>,
  dependencies: BuildByShaDependencies,
): Promise<MadeArtifact> {
  const { target, store } = decision;
  const logger = dependencies.logger ?? nullLogger;
  if (request.kind === 'archive') {
    const packed = await packArchive(store, {
      file: target.path as string,
      mediaType: target.mediaType as string,
      annotations: lineage,
    });
    return { manifest: await readBack(store, packed.manifest.digest), via: `archive ${target.mediaType}` };
  }
  if (target.fromOciLayout) {
    return {
      manifest: await pushLayout(target.fromOciLayout, decision, request.commit.sha, dependencies),
      via: 'from-oci-layout',
    };
  }

  const builder = await dependencies.getBuilder();
  const workDir = await mkdtemp(join(dependencies.tempDir, 'flow-build-by-sha-'));
  try {
    const reference = parseReference(target.repository);
    if (reference.kind === 'layout' && builder.name === 'buildx') {
      throw new ConfigurationError(
        words`${target.repository} is an OCI layout; buildx pushes only to registries here: ${setInput('builder', 'buildah')}.`,
      );
    }
    logger.info(`Building ${target.repository}:${tag} with ${builder.name} from ${target.file}.`);
    const built: BuiltImage = await builder.build({
      context: target.context,
      file: target.file,
      ...(target.target ? { target: target.target } : {}),
      buildArgs: target.buildArgs,
      platforms: target.platforms,
      labels: lineage,
      annotations: lineage,
      repository: target.repository,
      registry: reference.kind === 'registry' ? reference.registry : '',
      workDir,
    });
    if (built.kind === 'pushed') {
      // Pushed by digest: it must read back as the digest the builder reported.
      return { manifest: await readBack(store, built.digest), via: builder.name };
    }
    // What this run built carries this run's lineage: the revision it was labelled with.
    const revision = lineage[LineageAnnotations.revision] as string;
    const manifest = await pushLayout(`oci:${built.layout}:${built.tag}`, decision, revision, dependencies);
    return { manifest, via: builder.name };
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/**
 * Copies an image from an OCI layout to the store, byte for byte (the digest is preserved), after
 * checking that a revision it carries is `revision` (the commit's, or `<sha>-dirty`).
 */
async function pushLayout(
  layoutReference: string,
  decision: Decision,
  revision: string,
  dependencies: BuildByShaDependencies,
): Promise<Manifest> {
  const { layout, reference, manifest } = await openLayoutImage(layoutReference, dependencies.openStore);
  const check = await verifyRevision(layout, manifest, revision, reference);
  if (check === 'absent') {
    (dependencies.logger ?? nullLogger).warning(
      `${layout.location}:${reference} carries no org.opencontainers.image.revision; it is pushed as it is, since adding one would change its digest. Label the build with it.`,
    );
  }
  const copied = await dependencies.copyArtifact(layout, decision.store, manifest.digest);
  return readBack(decision.store, copied.digest);
}

/** The revision label of the image in a layout (`oci:<dir>[:tag]`); undefined when it has none. */
export async function readLayoutRevision(
  layoutReference: string,
  openStore: BuildByShaDependencies['openStore'],
): Promise<string | undefined> {
  const { layout, manifest } = await openLayoutImage(layoutReference, openStore);
  return readRevision(layout, manifest);
}

/** The image of `oci:<dir>[:tag]`: the tag named, else the layout's only one. */
async function openLayoutImage(
  layoutReference: string,
  openStore: BuildByShaDependencies['openStore'],
): Promise<{ layout: ArtifactStore; reference: string; manifest: Manifest }> {
  const parsed = parseReference(layoutReference);
  if (parsed.kind !== 'layout') throw new Error(`${layoutReference} is not an OCI layout reference`);
  const layout = await openStore(`oci:${parsed.path}`);
  const reference = parsed.tag ?? (await onlyTag(layout));
  const manifest = await layout.getManifest(reference);
  if (!manifest) {
    throw new ConfigurationError(
      words`${layout.location} has no image tagged ${reference}: name the tag as oci:<dir>:<tag> in ${inputName('from-oci-layout')}.`,
    );
  }
  return { layout, reference, manifest };
}

async function onlyTag(layout: ArtifactStore): Promise<string> {
  const tags = await layout.listTags();
  if (tags.length === 1) return tags[0] as string;
  throw new ConfigurationError(
    words`${layout.location} holds ${tags.length} tagged images (${tags.join(', ') || 'none'}): name one as oci:<dir>:<tag> in ${inputName('from-oci-layout')}.`,
  );
}

/** Reads a pushed manifest back by digest: the store verifies the bytes hash to it. */
async function readBack(store: ArtifactStore, digest: string): Promise<Manifest> {
  const manifest = await store.getManifest(digest);
  if (!manifest)
    throw new Error(`${store.location}@${digest} was pushed but does not read back: the push did not land.`);
  return manifest;
}
