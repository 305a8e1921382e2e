import { writeTombstone } from '@flow-actions/artifact-protocol';
import { MemoryStore } from '@flow-actions/oci-store';
import { describe, expect, it } from 'vitest';
import { parsePolicy } from './policy';
import {
  type Artifacts,
  Refusal,
  resolveCommit,
  resolvePreviousVersion,
  resolvePullRequestHead,
  resolveVersion,
} from './resolve';

const RELEASE = 'registry.test/acme/api';
const DEVELOP = 'registry.test/acme/api-develop';
const sha = (char: string) => char.repeat(40);

/** An image manifest labelled with revision `revision`, under `tags` (the first decides its digest). */
async function build(store: MemoryStore, revision: string | null, ...tags: string[]): Promise<string> {
  const annotations =
    revision === null ? '' : `, "annotations": {"org.opencontainers.image.revision": "${revision}"}`;
  const bytes = Buffer.from(
    `{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": {}, "layers": []${annotations}, "x": "${tags[0]}"}`,
  );
  let digest = '';
  for (const tag of tags)
    digest = await store.putManifest(tag, { bytes, mediaType: 'application/vnd.oci.image.manifest.v1+json' });
  return digest;
}

function artifacts(): Artifacts & { releaseStore: MemoryStore; developStore: MemoryStore } {
  const releaseStore = new MemoryStore(RELEASE);
  const developStore = new MemoryStore(DEVELOP);
  return {
    release: { image: RELEASE, store: releaseStore },
    develop: { image: DEVELOP, store: developStore },
    sha: { shaLength: 7, tagPrefix: '' },
    releaseStore,
    developStore,
  };
}

const refusal = (message: string) => expect.objectContaining({ name: 'Refusal', message });

describe('resolve: what a command names, to a digest and its commit', () => {
  it('a pull request: its head’s sha tag in develop-image, never the moving pr tag', async () => {
    const world = artifacts();
    const head = await build(world.developStore, sha('c'), 'ccccccc');
    await build(world.developStore, sha('d'), 'pr-12');
    expect(await resolvePullRequestHead(world, 12, sha('c'))).toEqual({
      image: DEVELOP,
      digest: head,
      commit: sha('c'),
      tag: 'ccccccc',
    });
    await expect(resolvePullRequestHead(world, 12, sha('e'))).rejects.toEqual(
      refusal(
        `Pull request #12’s head \`eeeeeee\` has no artifact in ${DEVELOP} (no tag \`eeeeeee\`) yet: wait for its build to finish, then comment again.`,
      ),
    );
  });

  it('a commit: the release repository first, then develop; abbreviated, at least sha-length', async () => {
    const world = artifacts();
    const main = await build(world.releaseStore, sha('a'), 'aaaaaaa');
    const pull = await build(world.developStore, sha('b'), 'bbbbbbb');
    expect(await resolveCommit(world, 'aaaaaaaaaa')).toMatchObject({
      image: RELEASE,
      digest: main,
      tag: 'aaaaaaa',
    });
    expect(await resolveCommit(world, sha('b'))).toMatchObject({
      image: DEVELOP,
      digest: pull,
      commit: sha('b'),
    });
    await expect(resolveCommit(world, 'aaaaa')).rejects.toEqual(
      refusal(
        '`aaaaa` is shorter than the sha tags (7 characters): give at least 7 characters of the commit.',
      ),
    );
  });

  it('a short-sha collision, an artifact without lineage and a yanked commit are refused', async () => {
    const world = artifacts();
    await build(world.releaseStore, `aaaaaaa${'f'.repeat(33)}`, 'aaaaaaa');
    await expect(resolveCommit(world, 'aaaaaaaa')).rejects.toEqual(
      refusal(
        `${RELEASE}:aaaaaaa was built from \`aaaaaaa${'f'.repeat(33)}\`, not from \`aaaaaaaa\`: two commits share the short sha; give more characters.`,
      ),
    );
    await build(world.releaseStore, null, 'v0.1.0');
    await expect(resolveVersion(world, 'v0.1.0')).rejects.toEqual(
      refusal(
        `${RELEASE}:v0.1.0 carries no commit (no org.opencontainers.image.revision): only artifacts built by build-by-sha are deployed from comments.`,
      ),
    );
    await build(world.releaseStore, sha('9'), 'v0.2.0');
    await writeTombstone(world.developStore, { sha: sha('9'), reason: 'stage smoke failed', actor: 'ci' });
    await expect(resolveVersion(world, 'v0.2.0')).rejects.toThrow(
      /^Commit `9999999` was yanked by `ci` at .* \(`stage smoke failed`\): it is not deployed again; fix forward with a new commit\.$/,
    );
  });
});

describe('resolvePreviousVersion: the version before the one the environment runs', () => {
  const policy = parsePolicy(
    "environments:\n  prod: { manifest-path: p, sources: ['v*'] }\n  demo: { manifest-path: d, sources: ['rc-*'] }\n  appdev: { manifest-path: a, sources: [pull-request] }\n",
    '.github/flow-environments.yml',
    'acme',
  );
  const environment = (name: string) => policy.environments.get(name) ?? (undefined as never);

  it('semver order, not text order; a version re-tagged on the same digest is skipped', async () => {
    const world = artifacts();
    const v190 = await build(world.releaseStore, sha('1'), 'v1.9.0');
    await build(world.releaseStore, sha('2'), 'v1.10.0', 'v1.10.1', 'prod');
    await build(world.releaseStore, sha('3'), 'v1.11.0-rc.1');
    const previous = await resolvePreviousVersion(world, environment('prod'));
    expect(previous).toMatchObject({
      current: 'v1.10.1',
      artifact: { tag: 'v1.9.0', digest: v190, commit: sha('1') },
    });
  });

  it('rc-10 comes after rc-9 (natural order), and only the environment’s own tags count', async () => {
    const world = artifacts();
    const rc9 = await build(world.releaseStore, sha('4'), 'rc-9');
    await build(world.releaseStore, sha('5'), 'v2.0.0');
    await build(world.releaseStore, sha('6'), 'rc-10', 'demo');
    expect(await resolvePreviousVersion(world, environment('demo'))).toMatchObject({
      current: 'rc-10',
      artifact: { tag: 'rc-9', digest: rc9 },
    });
  });

  it('refuses where there is nothing to go back to, saying what to do', async () => {
    const world = artifacts();
    await expect(resolvePreviousVersion(world, environment('appdev'))).rejects.toBeInstanceOf(Refusal);
    await expect(resolvePreviousVersion(world, environment('prod'))).rejects.toEqual(
      refusal(
        `\`prod\` has no tag in ${RELEASE}, so there is nothing to roll back from: deploy a version, \`/deploy <version> to prod\`.`,
      ),
    );
    await build(world.releaseStore, sha('7'), 'v1.0.0', 'prod');
    await expect(resolvePreviousVersion(world, environment('prod'))).rejects.toEqual(
      refusal(
        '`prod` runs `v1.0.0`, and no older version it accepts has another artifact: there is nothing to roll back to.',
      ),
    );
    const stray = await build(world.releaseStore, sha('8'), 'hotfix', 'prod');
    await expect(resolvePreviousVersion(world, environment('prod'))).rejects.toEqual(
      refusal(
        `\`prod\` runs \`${stray}\`, which no tag it accepts (v*) names among the newest 50: name the version, \`/rollback prod to <version>\`.`,
      ),
    );
  });
});
