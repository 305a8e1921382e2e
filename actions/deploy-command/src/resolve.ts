import { readRevision, readTombstone } from '@flow-actions/artifact-protocol';
import { isFullSha, type ShaTagOptions, shaTag, shortSha } from '@flow-actions/commit-identity';
import type { ArtifactStore } from '@flow-actions/oci-store';
import { isOlderVersion } from '@flow-actions/retag-promote/version-scheme';
import { quote } from './command';
import type { EnvironmentPolicy } from './policy';

// What a command names, resolved once to an immutable digest and the commit it was built from.
// Every lookup reads the registry now; what the deploy job gets is the digest, never a moving tag.

/** A repository and the name its input gave it, for outputs (image) and messages. */
export interface Repository {
  image: string;
  store: ArtifactStore;
}

export interface Artifacts {
  /** Releases, main's commits and the environments' tags (input image). */
  release: Repository;
  /** Pull request builds (input develop-image; the release repository when not given). */
  develop: Repository;
  sha: ShaTagOptions;
}

export interface ResolvedArtifact {
  image: string;
  digest: string;
  /** The full sha of its revision label. */
  commit: string;
  /** An immutable tag that names it: the version tag, else the commit's sha tag. */
  tag: string;
}

/** A refusal that ends the command with a reply: said to the commenter, not a failure of the step. */
export class Refusal extends Error {
  override readonly name = 'Refusal';
}

/** The artifact of a pull request's head: its sha tag in the develop repository, as build-by-sha wrote it. */
export async function resolvePullRequestHead(
  artifacts: Artifacts,
  number: number,
  headSha: string,
): Promise<ResolvedArtifact> {
  const tag = shaTag(headSha, artifacts.sha);
  const found = await resolveTag(artifacts.develop, tag);
  if (!found)
    throw new Refusal(
      `Pull request #${number}’s head ${quote(shortSha(headSha))} has no artifact in ${artifacts.develop.image} (no tag ${quote(tag)}) yet: wait for its build to finish, then comment again.`,
    );
  return checkCommit(artifacts, artifacts.develop, found, headSha, tag);
}

/** A commit's artifact: its sha tag in the release repository, else in the develop repository. */
export async function resolveCommit(artifacts: Artifacts, sha: string): Promise<ResolvedArtifact> {
  const length = artifacts.sha.shaLength ?? 7;
  if (sha.length < length)
    throw new Refusal(
      `${quote(sha)} is shorter than the sha tags (${length} characters): give at least ${length} characters of the commit.`,
    );
  // shaTag keeps the first sha-length characters: padded, the abbreviation gives the same tag.
  const tag = shaTag(sha.padEnd(40, '0'), artifacts.sha);
  for (const repository of unique(artifacts.release, artifacts.develop)) {
    const found = await resolveTag(repository, tag);
    if (found) return checkCommit(artifacts, repository, found, sha, tag);
  }
  await refuseYanked(artifacts, sha);
  throw new Refusal(
    `Commit ${quote(shortSha(sha))} has no artifact (no tag ${quote(tag)} in ${unique(
      artifacts.release,
      artifacts.develop,
    )
      .map((repository) => repository.image)
      .join(' or ')}): deploy a commit that was built.`,
  );
}

/** A tag's artifact in the release repository (rc-3, v1.4.0). */
export async function resolveVersion(artifacts: Artifacts, tag: string): Promise<ResolvedArtifact> {
  const found = await resolveTag(artifacts.release, tag);
  if (!found)
    throw new Refusal(
      `No artifact is tagged ${quote(tag)} in ${artifacts.release.image}: check the version.`,
    );
  return checkCommit(artifacts, artifacts.release, found, undefined, tag);
}

/** The digest an environment's tag points at now in `repository`; undefined when it has none. */
export async function environmentDigest(
  repository: Repository,
  environment: string,
): Promise<string | undefined> {
  return (await repository.store.resolve(environment))?.digest;
}

/** Most version tags read (one manifest HEAD each) while looking for the previous version. */
export const ROLLBACK_LOOKUPS = 50;

/**
 * The version before the one an environment runs: the environment's tag names a digest; the
 * newest version tag the environment accepts that names it is where it stands; the next older
 * version with another digest is where it goes back to. Only tags the policy accepts there count.
 */
export async function resolvePreviousVersion(
  artifacts: Artifacts,
  environment: EnvironmentPolicy,
): Promise<{ artifact: ResolvedArtifact; current: string; currentDigest: string }> {
  const { release } = artifacts;
  if (!environment.sources.some((source) => source !== 'pull-request' && source !== 'commit'))
    throw new Refusal(
      `${quote(environment.name)} accepts no versions (only ${environment.sources.join(' and ')}), so it has no previous version to go back to: say what to deploy, \`/deploy <what> to ${environment.name}\`.`,
    );
  const currentDigest = await environmentDigest(release, environment.name);
  if (!currentDigest)
    throw new Refusal(
      `${quote(environment.name)} has no tag in ${release.image}, so there is nothing to roll back from: deploy a version, \`/deploy <version> to ${environment.name}\`.`,
    );
  const versions = (await release.store.listTags())
    .filter((tag) => environment.acceptsTag(tag))
    .sort((a, b) => (isOlderVersion(a, b) ? 1 : isOlderVersion(b, a) ? -1 : 0))
    .slice(0, ROLLBACK_LOOKUPS);
  let current: string | undefined;
  for (const tag of versions) {
    const digest = (await release.store.resolve(tag))?.digest;
    if (!current) {
      if (digest === currentDigest) current = tag;
      continue;
    }
    if (digest && digest !== currentDigest)
      return { artifact: await resolveVersion(artifacts, tag), current, currentDigest };
  }
  if (!current)
    throw new Refusal(
      `${quote(environment.name)} runs \`${currentDigest}\`, which no tag it accepts (${environment.sources.join(', ')}) names among the newest ${ROLLBACK_LOOKUPS}: name the version, \`/rollback ${environment.name} to <version>\`.`,
    );
  throw new Refusal(
    `${quote(environment.name)} runs ${quote(current)}, and no older version it accepts has another artifact: there is nothing to roll back to.`,
  );
}

async function resolveTag(repository: Repository, tag: string): Promise<{ digest: string } | undefined> {
  const descriptor = await repository.store.resolve(tag);
  return descriptor ? { digest: descriptor.digest } : undefined;
}

/**
 * Reads the artifact's revision (DESIGN §8 rule 11: lineage from the artifact, never from the caller):
 * an artifact without one, or with another commit than its sha tag says, is refused.
 */
async function checkCommit(
  artifacts: Artifacts,
  repository: Repository,
  found: { digest: string },
  expectedSha: string | undefined,
  tag: string,
): Promise<ResolvedArtifact> {
  const manifest = await repository.store.getManifest(found.digest);
  const revision = manifest ? await readRevision(repository.store, manifest) : undefined;
  if (!revision || !isFullSha(revision))
    throw new Refusal(
      `${repository.image}:${tag} carries no commit (no org.opencontainers.image.revision${revision ? ` but ${quote(revision)}` : ''}): only artifacts built by build-by-sha are deployed from comments.`,
    );
  if (expectedSha && !revision.startsWith(expectedSha))
    throw new Refusal(
      `${repository.image}:${tag} was built from \`${revision}\`, not from ${quote(expectedSha)}: two commits share the short sha; give more characters.`,
    );
  await refuseYanked(artifacts, revision);
  return {
    image: repository.image,
    digest: found.digest,
    commit: revision,
    tag,
  };
}

/** A yanked commit is never deployed again, whatever tag still names it. */
async function refuseYanked(artifacts: Artifacts, sha: string): Promise<void> {
  for (const repository of unique(artifacts.release, artifacts.develop)) {
    const tombstone = await readTombstone(repository.store, sha, artifacts.sha);
    if (tombstone)
      throw new Refusal(
        `Commit ${quote(shortSha(tombstone.sha))} was yanked by ${quote(tombstone.actor || 'unknown')} at ${tombstone.yankedAt || 'an unknown time'} (${quote(tombstone.reason)}): it is not deployed again; fix forward with a new commit.`,
      );
  }
}

function unique(release: Repository, develop: Repository): Repository[] {
  return release.image === develop.image ? [release] : [release, develop];
}
