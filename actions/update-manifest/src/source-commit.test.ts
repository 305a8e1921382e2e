import { type CliAudience, ConfigurationError, messageFor, wordingFor } from '@flow-actions/action-kit';
import { type ArtifactStore, MemoryStore, RegistryError } from '@flow-actions/oci-store';
import { describe, expect, it } from 'vitest';
import { findSourceCommit } from './source-commit';

const BUILT = 'b0b0b0b0c1c1c1c1d2d2d2d2e3e3e3e3f4f4f4f4';
const OTHER = '1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d';
const TERMINAL: CliAudience = { kind: 'cli', flags: { 'allow-dirty': { type: 'boolean' } } };

async function storeWith(
  annotations: Record<string, string>,
): Promise<{ store: MemoryStore; digest: string }> {
  const store = new MemoryStore('registry.test/acme/api');
  const bytes = Buffer.from(JSON.stringify({ schemaVersion: 2, annotations }));
  const digest = await store.putManifest('v1.0.0', {
    bytes,
    mediaType: 'application/vnd.oci.image.manifest.v1+json',
  });
  return { store, digest };
}

/** The source commit, its warning as the workflow author reads it (a terminal's is tested apart). */
const find = async (
  store: ArtifactStore,
  explicit?: string,
  target: { tag?: string; digest?: string } = { tag: 'v1.0.0' },
) => {
  const found = await findSourceCommit(
    { artifact: 'registry.test/acme/api', target, ...(explicit ? { explicit } : {}) },
    async () => store,
  );
  return found.warning ? { ...found, warning: String(found.warning) } : found;
};

describe('findSourceCommit', () => {
  it("takes the artifact's revision, read by digest when one is given", async () => {
    const { store, digest } = await storeWith({ 'org.opencontainers.image.revision': BUILT });
    expect(await find(store, undefined, { tag: 'elsewhere', digest })).toEqual({
      sha: BUILT,
      from: 'artifact',
    });
  });

  it('expands an explicit abbreviation that agrees, and refuses one the artifact contradicts', async () => {
    const { store, digest } = await storeWith({ 'org.opencontainers.image.revision': BUILT });
    expect(await find(store, BUILT.slice(0, 7))).toEqual({ sha: BUILT, from: 'artifact' });
    const refused = find(store, OTHER);
    await expect(refused).rejects.toThrow(ConfigurationError);
    await expect(refused).rejects.toThrow(
      `Input "source-commit" ${OTHER} is not the commit the artifact was built from: registry.test/acme/api@${digest} names ${BUILT}`,
    );
  });

  it('leaves the trailer out, with the reason, when the artifact names no full commit or is missing', async () => {
    const none = await storeWith({});
    expect(await find(none.store)).toEqual({
      warning: expect.stringMatching(
        new RegExp(
          `^registry\\.test/acme/api@${none.digest} carries no revision annotation or label. The Flow-Source-Commit trailer is left out`,
        ),
      ),
    });
    const short = await storeWith({ 'org.opencontainers.image.revision': 'main' });
    expect((await find(short.store)).warning).toContain(
      'names "main" as its revision, not a full commit sha',
    );
    expect((await find(none.store, undefined, { tag: 'v9.9.9' })).warning).toMatch(
      /^registry\.test\/acme\/api has no v9\.9\.9\. /,
    );
    expect(await find(none.store, OTHER)).toEqual({
      sha: OTHER,
      from: 'input',
      warning: expect.stringContaining(
        `; input "source-commit" ${OTHER} is recorded as Flow-Source-Commit unverified.`,
      ),
    });
  });

  it('a dirty build is refused, naming the input and the fix; allow-dirty lets it through loudly, with no trailer', async () => {
    const { store, digest } = await storeWith({ 'org.opencontainers.image.revision': `${BUILT}-dirty` });
    const refused = find(store, undefined, { tag: 'dirty-b0b0b0b-0123456789ab', digest });
    await expect(refused).rejects.toThrow(ConfigurationError);
    await expect(refused).rejects.toThrow(
      `Input "digest" ${digest} is registry.test/acme/api@${digest}, which was built from uncommitted changes on top of commit b0b0b0b (revision ${BUILT}-dirty): a dirty build is not deployed. Commit the changes and deploy that commit's artifact, or set allow-dirty: true to deploy it anyway to an environment of your own.`,
    );
    const allowed = await findSourceCommit(
      { artifact: 'registry.test/acme/api', target: { tag: 'v1.0.0' }, allowDirty: true },
      async () => store,
    );
    expect({ ...allowed, warning: String(allowed.warning) }).toEqual({
      dirtyOf: BUILT,
      warning: expect.stringMatching(
        /^DEPLOYING UNCOMMITTED CHANGES \(allow-dirty\): input "tag" v1\.0\.0 is .*No commit vouches for it, so the Flow-Source-Commit trailer is left out: "revert-deploy-of" and "forward-only" cannot recognise this deploy/,
      ),
    });
    expect(wordingFor(allowed.warning ?? '', TERMINAL)).toMatch(
      /^DEPLOYING UNCOMMITTED CHANGES \(--allow-dirty\): --tag v1\.0\.0 is .*: --revert-deploy-of and --forward-only cannot recognise this deploy/,
    );
    expect(allowed.sha).toBeUndefined();
    // Naming a commit for it would make the trailer lie.
    await expect(
      findSourceCommit(
        { artifact: 'registry.test/acme/api', target: { tag: 'v1.0.0' }, allowDirty: true, explicit: BUILT },
        async () => store,
      ),
    ).rejects.toThrow(`Input "source-commit" ${BUILT} cannot name the commit of a dirty build`);
  });

  it('on a terminal, the dirty build refusals name the flags', async () => {
    const { store, digest } = await storeWith({ 'org.opencontainers.image.revision': `${BUILT}-dirty` });
    const refusal = async (request: Partial<Parameters<typeof findSourceCommit>[0]>) => {
      const error = await findSourceCommit(
        { artifact: 'registry.test/acme/api', target: { digest }, ...request },
        async () => store,
      ).catch((thrown: unknown) => thrown);
      return messageFor(error, TERMINAL);
    };
    expect(await refusal({})).toMatch(
      new RegExp(
        `^--digest ${digest} is .*: a dirty build is not deployed\\. .*, or pass --allow-dirty to deploy it anyway`,
      ),
    );
    expect(await refusal({ allowDirty: true, explicit: BUILT })).toMatch(
      /^--source-commit b0b0\w+ cannot name the commit of a dirty build: .*\. Leave out --source-commit\.$/,
    );
  });

  it('an unreadable registry is a warning; a store that cannot even be opened is a configuration error', async () => {
    const failing = new MemoryStore('registry.test/acme/api');
    failing.getManifest = async () => {
      throw new RegistryError('registry.test answered 401 UNAUTHORIZED', {
        status: 401,
        temporary: false,
        operation: 'get-manifest',
        url: 'https://registry.test/v2/acme/api/manifests/v1.0.0',
      });
    };
    expect((await find(failing)).warning).toBe(
      'Could not read registry.test/acme/api:v1.0.0 (registry.test answered 401 UNAUTHORIZED). The Flow-Source-Commit trailer is left out: it is never guessed from a checkout. Name the commit with input "source-commit", or let the artifact be read (input "artifact", registry credentials).',
    );
    const { warning } = await findSourceCommit(
      { artifact: 'registry.test/acme/api', target: { tag: 'v1.0.0' } },
      async () => failing,
    );
    expect(wordingFor(warning ?? '', TERMINAL)).toContain(
      'Name the commit with --source-commit, or let the artifact be read (--artifact, registry credentials).',
    );
    const broken = findSourceCommit({ artifact: 'oci:/nowhere', target: { tag: 'v1' } }, async () => {
      throw new ConfigurationError('oci:/nowhere is not an OCI image layout (no oci-layout file).');
    });
    await expect(broken).rejects.toThrow('oci:/nowhere is not an OCI image layout');
  });
});
