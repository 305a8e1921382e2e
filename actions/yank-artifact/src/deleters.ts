import type { DeletePackageVersionOptions, PackageOptions, PackageVersion } from '@flow-actions/github-api';
import type { ArtifactStore } from '@flow-actions/oci-store';
import type { ImagePlan } from './plan';

/** How an artifact is removed once its tombstone is written. */
export interface ArtifactDeleter {
  /** Named in the summary: what did the deleting. */
  readonly via: string;
  /**
   * True when the registry can be asked afterwards to prove every tag is gone. GHCR serves
   * deleted versions from a cache for a while, so there the API's answer is trusted instead.
   */
  readonly verifiable: boolean;
  /**
   * Deletes the artifact the plan found (if the registry still serves it) and its unshared
   * children (also those a partial delete left). Deleting twice is harmless.
   */
  deleteArtifact(plan: ImagePlan): Promise<void>;
}

/**
 * The OCI way: DELETE the manifest by digest, which removes every tag on it; then the children
 * of an index that nothing else uses, so nothing of the commit stays pullable by digest.
 * Backends that can drop single tags (a local layout) lose the tags first.
 */
export function createOciDeleter(store: ArtifactStore): ArtifactDeleter {
  return {
    via: 'registry API (DELETE manifest by digest)',
    verifiable: true,
    async deleteArtifact(plan) {
      if (store.deleteTag) for (const tag of plan.tags) await store.deleteTag(tag);
      if (plan.artifact) await store.deleteManifest(plan.artifact.digest);
      for (const child of plan.children) await store.deleteManifest(child);
    },
  };
}

/** The subset of the GitHub client GHCR deletion needs. */
export interface PackagesApi {
  listPackageVersions(options: PackageOptions): Promise<PackageVersion[]>;
  deletePackageVersion(options: DeletePackageVersionOptions): Promise<void>;
}

export interface GhcrPackage {
  owner: string;
  /** The repository path after the owner, e.g. `team/api` for `ghcr.io/acme/team/api`. */
  packageName: string;
}

/** `acme/team/api` → owner `acme`, package `team/api`: GHCR's package is the path after the owner. */
export function toGhcrPackage(repository: string): GhcrPackage {
  const slash = repository.indexOf('/');
  return { owner: repository.slice(0, slash), packageName: repository.slice(slash + 1) };
}

export interface GhcrDeleterOptions {
  /** `org` or `user`; `auto` tries the organization endpoint and falls back to the user one on 404. */
  ownerType: 'auto' | 'org' | 'user';
}

/**
 * GHCR refuses the registry DELETE, so versions are deleted through the GitHub Packages REST API:
 * the version whose container tags include the sha tag (or whose name is the digest), then the
 * untagged versions that are the index's children. All pages of versions are read, because a
 * busy package has far more than 100.
 */
export function createGhcrDeleter(
  api: PackagesApi,
  repository: string,
  options: GhcrDeleterOptions,
): ArtifactDeleter {
  const { owner, packageName } = toGhcrPackage(repository);
  const base = { owner, packageName, packageType: 'container' as const };
  const ownerTypes: ('org' | 'user')[] = options.ownerType === 'auto' ? ['org', 'user'] : [options.ownerType];

  async function listVersions(): Promise<{ ownerType: 'org' | 'user'; versions: PackageVersion[] }> {
    for (const [index, ownerType] of ownerTypes.entries()) {
      try {
        return { ownerType, versions: await api.listPackageVersions({ ...base, ownerType }) };
      } catch (error) {
        const last = index === ownerTypes.length - 1;
        if (last || !isNotFound(error)) throw error;
      }
    }
    throw new Error('unreachable: no owner type to try');
  }

  return {
    via: `GitHub Packages API (container package "${packageName}" of ${owner})`,
    verifiable: false,
    async deleteArtifact(plan) {
      const artifact = plan.artifact;
      if (!artifact && plan.children.length === 0) return;
      const { ownerType, versions } = await listVersions();
      const top = artifact
        ? (versions.find((version) => version.metadata?.container?.tags.includes(plan.shaTag)) ??
          versions.find((version) => version.name === artifact.digest))
        : undefined;
      // Yanked before and gone from the API: GHCR's registry may serve a deleted version from its
      // cache for a while, which is no reason to fail a re-run.
      if (artifact && !top && plan.existingTombstone) return;
      if (artifact && !top) {
        throw new Error(
          `GitHub lists no version of ${owner}/${packageName} tagged ${plan.shaTag} or named ${artifact.digest} among ${versions.length} versions, though the registry serves it; check that "image" names the package GitHub knows, then re-run.`,
        );
      }
      const children = new Set(plan.children);
      const doomed = [
        ...(top ? [top] : []),
        ...versions.filter((version) => version !== top && children.has(version.name)),
      ];
      for (const version of doomed) {
        await api.deletePackageVersion({ ...base, ownerType, versionId: version.id });
      }
    },
  };
}

function isNotFound(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'status' in error && error.status === 404;
}
