import type { DeletePackageVersionOptions, PackageOptions, PackageVersion } from '@flow-actions/github-api';
import { describe, expect, it } from 'vitest';
import { createGhcrDeleter, type PackagesApi, toGhcrPackage } from './deleters';
import type { ImagePlan } from './plan';

const digest = (n: number) => `sha256:${n.toString(16).padStart(64, '0')}`;

/** GitHub's Packages API as far as GHCR deletion uses it: versions of one package of one owner. */
class FakePackagesApi implements PackagesApi {
  readonly calls: string[] = [];
  constructor(
    private versions: PackageVersion[],
    private readonly ownerType: 'org' | 'user',
  ) {}

  async listPackageVersions(options: PackageOptions): Promise<PackageVersion[]> {
    this.calls.push(`list ${options.ownerType} ${options.owner} ${options.packageName}`);
    if (options.ownerType !== this.ownerType) throw Object.assign(new Error('Not Found'), { status: 404 });
    return [...this.versions];
  }

  async deletePackageVersion(options: DeletePackageVersionOptions): Promise<void> {
    this.calls.push(`delete ${options.ownerType} ${options.packageName} ${options.versionId}`);
    this.versions = this.versions.filter((version) => version.id !== options.versionId);
  }
}

function version(id: number, name: string, tags: string[]): PackageVersion {
  return {
    id,
    name,
    created_at: '2026-01-01T00:00:00Z',
    updated_at: '2026-01-01T00:00:00Z',
    metadata: { package_type: 'container', container: { tags } },
  };
}

function plan(overrides: Partial<ImagePlan>): ImagePlan {
  return {
    location: 'ghcr.io/acme/team/api',
    shaTag: 'aaaaaaa',
    tombstoneTag: 'yanked-aaaaaaa',
    tags: ['aaaaaaa'],
    protectedTags: [],
    children: [],
    sharedChildren: [],
    ...overrides,
  };
}

describe('toGhcrPackage', () => {
  it.each([
    ['acme/api', { owner: 'acme', packageName: 'api' }],
    ['acme/team/api', { owner: 'acme', packageName: 'team/api' }],
    ['octocat/a/b/c', { owner: 'octocat', packageName: 'a/b/c' }],
  ])('%s', (repository, expected) => expect(toGhcrPackage(repository)).toEqual(expected));
});

describe('GHCR deleter', () => {
  it('finds the version by its sha tag among 250, falls back from org to user, and deletes it with its children', async () => {
    const versions = Array.from({ length: 250 }, (_, index) =>
      version(1000 + index, digest(index), [`t${index}`]),
    );
    versions[200] = version(1200, digest(200), ['aaaaaaa', 'rc-1']);
    versions[201] = version(1201, digest(9001), []);
    versions[202] = version(1202, digest(9002), []);
    const api = new FakePackagesApi(versions, 'user');
    const deleter = createGhcrDeleter(api, 'acme/team/api', { ownerType: 'auto' });

    await deleter.deleteArtifact(
      plan({
        artifact: { mediaType: 'application/vnd.oci.image.index.v1+json', digest: digest(200), size: 10 },
        children: [digest(9001), digest(9002)],
      }),
    );

    expect(api.calls).toEqual([
      'list org acme team/api',
      'list user acme team/api',
      'delete user team/api 1200',
      'delete user team/api 1201',
      'delete user team/api 1202',
    ]);
    expect(deleter.verifiable).toBe(false);
  });

  it('finds the version by digest when GitHub lists it without the tag', async () => {
    const api = new FakePackagesApi([version(7, digest(5), []), version(8, digest(6), ['other'])], 'org');
    const deleter = createGhcrDeleter(api, 'acme/api', { ownerType: 'org' });
    await deleter.deleteArtifact(plan({ artifact: { mediaType: 'x', digest: digest(5), size: 1 } }));
    expect(api.calls).toEqual(['list org acme api', 'delete org api 7']);
  });

  it('fails with the count of versions it searched when GitHub does not know the artifact', async () => {
    const api = new FakePackagesApi([version(8, digest(6), ['other'])], 'org');
    const deleter = createGhcrDeleter(api, 'acme/api', { ownerType: 'auto' });
    await expect(
      deleter.deleteArtifact(plan({ artifact: { mediaType: 'x', digest: digest(5), size: 1 } })),
    ).rejects.toThrow(
      `GitHub lists no version of acme/api tagged aaaaaaa or named ${digest(5)} among 1 versions`,
    );
  });

  it('a re-run while GHCR still serves a deleted version from its cache is not an error', async () => {
    const api = new FakePackagesApi([version(8, digest(6), ['yanked-aaaaaaa'])], 'org');
    const deleter = createGhcrDeleter(api, 'acme/api', { ownerType: 'org' });
    const existingTombstone = {
      sha: 'a'.repeat(40),
      reason: 'r',
      actor: 'a',
      yankedAt: '2026-01-01T00:00:00Z',
      artifactDigest: digest(5),
      artifactTags: ['aaaaaaa'],
      platformManifests: [],
      mode: 'delete' as const,
      reference: 'ghcr.io/acme/api:yanked-aaaaaaa',
      digest: digest(6),
    };
    await deleter.deleteArtifact(
      plan({ artifact: { mediaType: 'x', digest: digest(5), size: 1 }, existingTombstone }),
    );
    expect(api.calls).toEqual(['list org acme api']);
  });

  it('does not fall back to the user endpoint on errors other than 404', async () => {
    const api: PackagesApi = {
      listPackageVersions: async () => {
        throw Object.assign(new Error('GET /orgs/acme/packages/container/api/versions: 403'), {
          status: 403,
        });
      },
      deletePackageVersion: async () => {},
    };
    const deleter = createGhcrDeleter(api, 'acme/api', { ownerType: 'auto' });
    await expect(
      deleter.deleteArtifact(plan({ artifact: { mediaType: 'x', digest: digest(5), size: 1 } })),
    ).rejects.toThrow('403');
  });
});
