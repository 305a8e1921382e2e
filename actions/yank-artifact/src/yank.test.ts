import { type CliAudience, messageFor, RecordingLogger, wordingFor } from '@flow-actions/action-kit';
import { createTagPatternMatcher, readTombstone } from '@flow-actions/artifact-protocol';
import { GitHubApiError } from '@flow-actions/github-api';
import { MemoryStore, RegistryError } from '@flow-actions/oci-store';
import { describe, expect, it } from 'vitest';
import { seedImage } from '../../../test/support/artifacts';
import { createOciDeleter } from './deleters';
import { type YankError, type YankOptions, yankCommit } from './yank';

const sha = (char: string) => char.repeat(40);
/** `flow yank`'s reader, for the advice a terminal gets. */
const YANK_FLAGS: CliAudience = {
  kind: 'cli',
  flags: { mode: { type: 'string' }, username: { type: 'string' }, password: { type: 'string' } },
};
const options = (overrides: Partial<YankOptions> = {}): YankOptions => ({
  sha: sha('a'),
  reason: 'stage smoke tests failed',
  actor: 'octocat',
  runUrl: 'https://github.com/acme/app/actions/runs/7',
  shaOptions: {},
  isProtected: createTagPatternMatcher(['v*', 'prod'], {}, 'protected-tags'),
  ...overrides,
});

/** A store that records every write in order, so tests can see what happened first. */
function recordingStore(location = 'registry.test/acme/api'): { store: MemoryStore; writes: string[] } {
  const store = new MemoryStore(location);
  const writes: string[] = [];
  store.beforeWrite = (operation, reference) => {
    if (operation !== 'putBlob') writes.push(`${operation} ${reference}`);
  };
  return { store, writes };
}

async function tag(store: MemoryStore, name: string, digest: string): Promise<void> {
  const manifest = await store.getManifest(digest);
  if (!manifest) throw new Error(`no ${digest}`);
  await store.putManifest(name, manifest);
}

const target = (store: MemoryStore, image = store.location) => ({
  image,
  store,
  deleter: createOciDeleter(store),
});

describe('yankCommit', () => {
  it('writes the tombstone first, then deletes the digest with every tag on it', async () => {
    const { store, writes } = recordingStore();
    const yanked = await seedImage(store, { revision: sha('a') });
    const other = await seedImage(store, { revision: sha('b') });
    await tag(store, 'rc-1', yanked.digest);
    await tag(store, 'demo', yanked.digest);
    await tag(store, 'latest', other.digest);
    writes.length = 0;

    const result = await yankCommit([target(store)], options());

    const [image] = result.images;
    expect(image?.outcome).toBe('yanked');
    expect(image?.plan.artifact?.digest).toBe(yanked.digest);
    expect(image?.plan.tags).toEqual(['aaaaaaa', 'demo', 'rc-1']);
    expect(image?.deleted).toEqual([
      'registry.test/acme/api:aaaaaaa',
      'registry.test/acme/api:demo',
      'registry.test/acme/api:rc-1',
      `registry.test/acme/api@${yanked.digest}`,
    ]);
    expect(image?.tombstone).toBe('registry.test/acme/api:yanked-aaaaaaa');
    expect(writes[0]).toBe('putManifest yanked-aaaaaaa');
    expect(writes.slice(1)).toEqual(
      expect.arrayContaining([
        'deleteTag aaaaaaa',
        'deleteTag rc-1',
        'deleteTag demo',
        `deleteManifest ${yanked.digest}`,
      ]),
    );
    expect(await store.listTags()).toEqual(['bbbbbbb', 'latest', 'yanked-aaaaaaa']);
    const tombstone = await readTombstone(store, sha('a'));
    expect(tombstone).toMatchObject({
      sha: sha('a'),
      reason: 'stage smoke tests failed',
      actor: 'octocat',
      artifactDigest: yanked.digest,
      artifactTags: ['aaaaaaa', 'demo', 'rc-1'],
      platformManifests: [],
      mode: 'delete',
      runUrl: 'https://github.com/acme/app/actions/runs/7',
    });
  });

  it('refuses when a protected tag points at the artifact, naming them, and writes nothing anywhere', async () => {
    const first = recordingStore('registry.test/acme/api');
    const second = recordingStore('registry.test/acme/worker');
    await seedImage(first.store, { revision: sha('a') });
    const image = await seedImage(second.store, { revision: sha('a') });
    await tag(second.store, 'v1.2.0', image.digest);
    await tag(second.store, 'prod', image.digest);
    first.writes.length = 0;
    second.writes.length = 0;

    await expect(yankCommit([target(first.store), target(second.store)], options())).rejects.toThrow(
      'Refusing to yank aaaaaaa: protected tags point at its artifact: registry.test/acme/worker:prod, registry.test/acme/worker:v1.2.0. Deploy something else there first (promote another version), or set force: true to yank it from under them.',
    );
    expect([...first.writes, ...second.writes]).toEqual([]);
    expect(await second.store.resolve('prod')).toBeDefined();
  });

  it('yanks from under protected tags with force', async () => {
    const { store } = recordingStore();
    const image = await seedImage(store, { revision: sha('a') });
    await tag(store, 'prod', image.digest);
    const result = await yankCommit([target(store)], options({ force: true }));
    expect(result.images[0]?.outcome).toBe('yanked');
    expect(result.images[0]?.plan.protectedTags).toEqual(['prod']);
    expect(await store.resolve('prod')).toBeUndefined();
  });

  it('a second yank is a no-op that writes nothing and lists no tags: the tombstone says what to check', async () => {
    const { store, writes } = recordingStore();
    await seedImage(store, { revision: sha('a'), platforms: ['linux/amd64'] });
    await yankCommit([target(store)], options());
    const tombstoneBefore = await store.resolve('yanked-aaaaaaa');
    writes.length = 0;
    store.counters.listTags = 0;

    const again = await yankCommit([target(store)], options({ reason: 'a different reason' }));

    expect(again.images[0]?.outcome).toBe('already-yanked');
    expect(again.images[0]?.deleted).toEqual([]);
    expect(again.images[0]?.plan.existingTombstone).toMatchObject({
      actor: 'octocat',
      reason: 'stage smoke tests failed',
    });
    expect(store.counters.listTags).toBe(0);
    expect(writes).toEqual([]);
    expect(await store.resolve('yanked-aaaaaaa')).toEqual(tombstoneBefore);
  });

  it('a commit with no artifact still gets its tombstone, so a late build cannot appear', async () => {
    const { store } = recordingStore();
    const result = await yankCommit([target(store)], options());
    expect(result.images[0]?.outcome).toBe('tombstoned');
    expect(result.images[0]?.deleted).toEqual([]);
    const tombstone = await readTombstone(store, sha('a'));
    expect(tombstone?.artifactDigest).toBeUndefined();
    expect(tombstone?.artifactTags).toEqual([]);
  });

  it('deletes a multi-platform index and its children, keeping a child another index still uses', async () => {
    const { store } = recordingStore();
    const yanked = await seedImage(store, { revision: sha('a'), platforms: ['linux/amd64', 'linux/arm64'] });
    // Another commit's index that happens to share the arm64 manifest.
    const shared = yanked.children[1] as string;
    const sharedManifest = await store.getManifest(shared);
    const otherIndex = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: 'application/vnd.oci.image.index.v1+json',
        manifests: [
          { mediaType: sharedManifest?.mediaType, digest: shared, size: sharedManifest?.bytes.length },
        ],
      }),
    );
    await store.putManifest('bbbbbbb', {
      bytes: otherIndex,
      mediaType: 'application/vnd.oci.image.index.v1+json',
    });

    const result = await yankCommit([target(store)], options());

    const plan = result.images[0]?.plan;
    expect(plan?.children).toEqual([yanked.children[0]]);
    expect(plan?.sharedChildren).toEqual([shared]);
    expect(await store.resolve(yanked.digest)).toBeUndefined();
    expect(await store.resolve(yanked.children[0] as string)).toBeUndefined();
    expect(await store.resolve(shared)).toBeDefined();
    expect(result.images[0]?.deleted).toContain(`registry.test/acme/api@${yanked.children[0]}`);
  });

  it('dry-run plans everything and writes nothing', async () => {
    const { store, writes } = recordingStore();
    const image = await seedImage(store, { revision: sha('a') });
    writes.length = 0;
    const result = await yankCommit([target(store)], options({ dryRun: true }));
    expect(result.images[0]).toMatchObject({ outcome: 'planned', tombstoneWritten: false });
    expect(result.images[0]?.deleted).toEqual([
      'registry.test/acme/api:aaaaaaa',
      `registry.test/acme/api@${image.digest}`,
    ]);
    expect(writes).toEqual([]);
  });

  it('tombstone-only writes the tombstone and leaves the artifact', async () => {
    const { store } = recordingStore();
    const image = await seedImage(store, { revision: sha('a') });
    const result = await yankCommit([target(store)], options({ mode: 'tombstone-only' }));
    expect(result.images[0]?.outcome).toBe('tombstoned');
    expect(await store.resolve('aaaaaaa')).toMatchObject({ digest: image.digest });
    expect(await readTombstone(store, sha('a'))).toMatchObject({
      artifactDigest: image.digest,
      artifactTags: ['aaaaaaa'],
      mode: 'tombstone-only',
    });
  });

  it('a registry that refuses DELETE (405): the error says the tombstone is written and what remains; a re-run finishes', async () => {
    const { store, writes } = recordingStore();
    const image = await seedImage(store, { revision: sha('a') });
    await tag(store, 'rc-1', image.digest);
    const unsupported = new RegistryError('registry.test refused DELETE: 405 UNSUPPORTED', {
      status: 405,
      code: 'UNSUPPORTED',
      temporary: false,
      operation: 'delete-manifest',
      url: 'http://registry.test',
    });
    store.beforeWrite = (operation) => {
      if (operation === 'deleteManifest' || operation === 'deleteTag') throw unsupported;
    };
    // A registry store has no deleteTag: only the manifest DELETE is tried.
    const registryLike = new Proxy(store, {
      get: (store, property) => {
        if (property === 'deleteTag') return undefined;
        const value = Reflect.get(store, property, store);
        return typeof value === 'function' ? value.bind(store) : value;
      },
    });

    await expect(yankCommit([target(registryLike)], options())).rejects.toThrow(
      `Deleting registry.test/acme/api@${image.digest} failed: registry.test refused DELETE: 405 UNSUPPORTED. The tombstone registry.test/acme/api:yanked-aaaaaaa is written, so aaaaaaa cannot be rebuilt or promoted; still in the registry: ${image.digest} tagged aaaaaaa, rc-1. Once deletion is enabled (or the artifact deleted by hand), re-run: yanking is idempotent.`,
    );
    expect(await readTombstone(store, sha('a'))).toBeDefined();

    store.beforeWrite = (operation, reference) => {
      if (operation !== 'putBlob') writes.push(`${operation} ${reference}`);
    };
    writes.length = 0;
    const rerun = await yankCommit([target(store)], options());
    expect(rerun.images[0]?.outcome).toBe('yanked');
    expect(rerun.images[0]?.tombstoneWritten).toBe(false);
    expect(writes.filter((write) => write.startsWith('putManifest'))).toEqual([]);
    expect(await store.resolve('rc-1')).toBeUndefined();
  });

  it.each([
    [
      'a wrong password',
      new RegistryError(
        'registry registry.test rejected the credentials for user robot (401 UNAUTHORIZED): check username/password',
        {
          status: 401,
          temporary: false,
          operation: 'delete-manifest',
          url: 'http://registry.test',
          access: 'credentials-rejected',
        },
      ),
      'The registry rejected the credentials themselves (a wrong username, password or token, not a missing right): fix them, then re-run: yanking is idempotent.',
    ],
    [
      'credentials short of the delete right',
      new RegistryError(
        'registry registry.test accepted the credentials of user robot, but they may not delete from repository acme/api (401 insufficient_scope during delete-manifest): give the account delete access to it',
        {
          status: 401,
          temporary: false,
          operation: 'delete-manifest',
          url: 'http://registry.test',
          access: 'permission-missing',
        },
      ),
      'The credentials were accepted but may not delete: give them delete rights on the repository, then re-run: yanking is idempotent.',
    ],
    [
      'no credentials at all',
      new RegistryError(
        'registry registry.test requires credentials to delete-manifest acme/api (401 UNAUTHORIZED): log in',
        {
          status: 401,
          temporary: false,
          operation: 'delete-manifest',
          url: 'http://registry.test',
          access: 'credentials-missing',
        },
      ),
      'No credentials reached the registry: log in with docker/login-action or set username and password, then re-run: yanking is idempotent.',
    ],
    [
      'a GitHub token GitHub rejects',
      new GitHubApiError(
        'DELETE /orgs/acme/packages/container/api/versions/1 answered 401: Bad credentials',
        {
          status: 401,
          method: 'DELETE',
          path: '/orgs/acme/packages/container/api/versions/1',
          temporary: false,
        },
      ),
      'GitHub rejected the token itself (missing, invalid or expired): pass a valid "github-token", then re-run: yanking is idempotent.',
    ],
    [
      'a GitHub token without the package right',
      new GitHubApiError('DELETE /orgs/acme/packages/container/api/versions/1 answered 403: Forbidden', {
        status: 403,
        method: 'DELETE',
        path: '/orgs/acme/packages/container/api/versions/1',
        temporary: false,
      }),
      'The token was accepted but may not delete the package version: give it packages: write and admin rights on the package, then re-run: yanking is idempotent.',
    ],
  ])(
    'a delete refused for %s: the advice follows the cause, the tombstone is written',
    async (_, refusal, advice) => {
      const { store } = recordingStore();
      await seedImage(store, { revision: sha('a') });
      store.beforeWrite = (operation) => {
        if (operation === 'deleteManifest' || operation === 'deleteTag') throw refusal;
      };
      const error = (await yankCommit([target(store)], options()).catch(
        (caught: unknown) => caught,
      )) as Error;
      expect(error.message).toContain(refusal.message);
      expect(error.message.endsWith(advice)).toBe(true);
      // A wrong password is never called a missing right, nor the other way round.
      if (!advice.includes('may not delete')) expect(error.message).not.toContain('may not delete:');
      expect(await readTombstone(store, sha('a'))).toBeDefined();
    },
  );

  it('on a terminal, a failed delete advises in flow yank’s flags, and its summary notes in the workflow’s words', async () => {
    const refused = async (refusal: RegistryError) => {
      const { store } = recordingStore();
      await seedImage(store, { revision: sha('a') });
      store.beforeWrite = (operation) => {
        if (operation === 'deleteManifest' || operation === 'deleteTag') throw refusal;
      };
      return (await yankCommit([target(store)], options()).catch((caught: unknown) => caught)) as YankError;
    };
    const details = { temporary: false, operation: 'delete-manifest', url: 'http://registry.test' } as const;
    const disabled = await refused(
      new RegistryError('registry.test refused DELETE: 405', { ...details, status: 405 }),
    );
    expect(messageFor(disabled, YANK_FLAGS)).toMatch(
      /re-run: yanking is idempotent\. To keep the artifact and only block it, pass --mode tombstone-only\.$/,
    );
    expect(disabled.message).toMatch(/To keep the artifact and only block it, set mode: tombstone-only\.$/);
    expect(wordingFor(disabled.notes.fix ?? '', YANK_FLAGS)).toMatch(/pass --mode tombstone-only\.$/);
    const anonymous = await refused(
      new RegistryError('registry registry.test requires credentials to delete-manifest acme/api (401)', {
        ...details,
        status: 401,
        access: 'credentials-missing',
      }),
    );
    expect(messageFor(anonymous, YANK_FLAGS)).toMatch(
      /No credentials reached the registry: log in with docker login or pass --username and --password, then re-run: yanking is idempotent\.$/,
    );
  });

  it('a short-sha collision (the tag names another commit) is refused before any write', async () => {
    const { store, writes } = recordingStore();
    await seedImage(store, { revision: `aaaaaaa${'b'.repeat(33)}` });
    writes.length = 0;
    await expect(yankCommit([target(store)], options())).rejects.toThrow(
      `Short-sha collision: registry.test/acme/api:aaaaaaa was built from commit aaaaaaa${'b'.repeat(33)}, not ${sha('a')}`,
    );
    expect(writes).toEqual([]);
  });

  it('uses the configured sha length and prefix for the sha tag and the tombstone', async () => {
    const { store } = recordingStore();
    await seedImage(store, { revision: sha('c'), tag: 'sha-cccccccccc' });
    const result = await yankCommit(
      [target(store)],
      options({ sha: sha('c'), shaOptions: { shaLength: 10, tagPrefix: 'sha-' } }),
    );
    expect(result.images[0]?.plan.tags).toEqual(['sha-cccccccccc']);
    expect(result.images[0]?.tombstone).toBe('registry.test/acme/api:yanked-cccccccccc');
  });

  it('finds a copy without its sha tag by its revision, and says what the search read', async () => {
    const { store } = recordingStore('registry.test/prod/api');
    // As promote to another repository used to leave it: v1.0.0 and prod, no sha tag.
    const copy = await seedImage(store, { revision: sha('a'), tag: 'v1.0.0' });
    await tag(store, 'prod', copy.digest);
    const other = await seedImage(store, { revision: sha('b'), tag: 'v0.9.0' });
    await tag(store, 'bbbbbbb', other.digest);
    await seedImage(store, { revision: sha('c') });

    const result = await yankCommit([target(store)], options({ force: true }));

    const [image] = result.images;
    expect(image?.outcome).toBe('yanked');
    expect(image?.plan.foundBy).toBe('revision');
    expect(image?.plan.tags).toEqual(['prod', 'v1.0.0']);
    // Two artifacts under tags that are not sha tags: v0.9.0's and v1.0.0's; sha tags are skipped.
    expect(image?.plan.revisionSearch).toEqual({ tags: 5, candidates: 2, read: 2, complete: true });
    expect(await store.resolve('v1.0.0')).toBeUndefined();
    expect(await store.resolve('v0.9.0')).toBeDefined();
    expect(await readTombstone(store, sha('a'))).toMatchObject({
      artifactDigest: copy.digest,
      artifactTags: ['prod', 'v1.0.0'],
    });
  });

  it('bounds the revision search and warns that the rest was not read', async () => {
    const { store } = recordingStore();
    for (const [index, char] of ['b', 'c', 'd'].entries()) {
      await seedImage(store, { revision: sha(char), tag: `v0.${index}.0` });
    }
    const logger = new RecordingLogger();
    const result = await yankCommit([target(store)], options({ logger, revisionSearchLimit: 2 }));
    expect(result.images[0]?.outcome).toBe('tombstoned');
    expect(result.images[0]?.plan.revisionSearch).toEqual({
      tags: 3,
      candidates: 3,
      read: 2,
      complete: false,
    });
    expect(logger.entries.filter((entry) => entry.level === 'warning').map((entry) => entry.message)).toEqual(
      [
        "registry.test/acme/api: no sha tag aaaaaaa; searched 2 of 3 artifacts under other tags for revision aaaaaaa without a match. The others were not read: a copy among them stays pullable (flow inspect shows an artifact's commit).",
      ],
    );
  });

  it('a partial delete (the index gone, a platform manifest left) is finished by the re-run', async () => {
    const { store } = recordingStore();
    const image = await seedImage(store, { revision: sha('a'), platforms: ['linux/amd64', 'linux/arm64'] });
    const [first, second] = image.children as [string, string];
    store.beforeWrite = (operation, reference) => {
      if (operation === 'deleteManifest' && reference === second) throw new Error('connection reset');
    };
    const failed = yankCommit([target(store)], options());
    await expect(failed).rejects.toThrow(
      `still in the registry: platform manifest(s) ${second}. Re-run to finish: yanking is idempotent.`,
    );
    const error = (await failed.catch((caught: unknown) => caught)) as YankError;
    expect(error.result.images[0]).toMatchObject({
      outcome: 'failed',
      deleted: [
        `registry.test/acme/api:aaaaaaa`,
        `registry.test/acme/api@${image.digest}`,
        `registry.test/acme/api@${first}`,
      ],
      remaining: [`registry.test/acme/api@${second}`],
    });

    store.beforeWrite = () => {};
    const rerun = await yankCommit([target(store)], options());
    expect(rerun.images[0]).toMatchObject({
      outcome: 'yanked',
      deleted: [`registry.test/acme/api@${second}`],
    });
    expect(rerun.images[0]?.plan.foundBy).toBeUndefined();
    expect(await store.resolve(second)).toBeUndefined();
    const third = await yankCommit([target(store)], options());
    expect(third.images[0]?.outcome).toBe('already-yanked');
  });
});
