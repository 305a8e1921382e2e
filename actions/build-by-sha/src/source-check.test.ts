// biome-ignore-all lint/suspicious/noTemplateCurlyInString: the strings hold workflow ${{ }} expressions, not JavaScript templates
import { ACTION_AUDIENCE, type CliAudience } from '@flow-actions/action-kit';
import { createImmutableTagPolicy } from '@flow-actions/artifact-protocol';
import type { CommitIdentity } from '@flow-actions/commit-identity';
import { describe, expect, it } from 'vitest';
import {
  type Checkout,
  describeChanges,
  digestChanges,
  dirtyTag,
  judgeSources,
  parseStatus,
  refusalMessage,
  type SourceTarget,
  type SourceVerdict,
  type TreeChange,
} from './source-check';

const SHA = '6113728f27ae82c7b1a177c8d03f9e96e0adf246';
const MERGE = 'feedfacefeedfacefeedfacefeedfacefeedface';
const ROOT = '/ws';

const checkout = (changes: TreeChange[] = [], head = SHA): Checkout => ({ root: ROOT, head, changes });
const change = (status: string, path: string): TreeChange => ({ status, path });

const build = (paths = [ROOT, `${ROOT}/Dockerfile`], state: Checkout | null = checkout()): SourceTarget => ({
  repository: 'ghcr.io/acme/api',
  dir: paths[0] as string,
  sources: { kind: 'build', paths },
  ...(state === null ? {} : { checkout: state }),
});
const archive = (path: string, state: Checkout | null = checkout()): SourceTarget => ({
  repository: 'ghcr.io/acme/lambda',
  dir: ROOT,
  sources: { kind: 'output', output: 'archive', path },
  ...(state === null ? {} : { checkout: state }),
});
const layout = (path: string, state: Checkout | null = checkout()): SourceTarget => ({
  repository: 'ghcr.io/acme/api',
  dir: path,
  sources: { kind: 'output', output: 'layout', path },
  ...(state === null ? {} : { checkout: state }),
});
const labelled: SourceTarget = { repository: 'ghcr.io/acme/api', dir: '', sources: { kind: 'labelled' } };

/** The verdict's kind and, for a dirty one, the paths. */
function summarise(verdict: SourceVerdict): string {
  return verdict.kind === 'dirty' ? `dirty: ${verdict.changes.map((c) => c.path).join(', ')}` : verdict.kind;
}

describe('judgeSources', () => {
  it.each<[string, SourceTarget[], string]>([
    ['a clean checkout of the commit', [build()], 'clean'],
    [
      'a modified file in the context',
      [build(undefined, checkout([change(' M', 'src/app.ts')]))],
      'dirty: src/app.ts',
    ],
    [
      'an untracked file in the context',
      [build(undefined, checkout([change('??', 'new.txt')]))],
      'dirty: new.txt',
    ],
    ['a staged deletion', [build(undefined, checkout([change('D ', 'old.txt')]))], 'dirty: old.txt'],
    [
      'a change outside the context and the Dockerfile does not reach the image',
      [
        build(
          [`${ROOT}/services/api`, `${ROOT}/services/api/Dockerfile`],
          checkout([change(' M', 'docs/readme.md')]),
        ),
      ],
      'clean',
    ],
    [
      'a context that shares a prefix with a changed folder is not under it',
      [build([`${ROOT}/api`, `${ROOT}/api/Dockerfile`], checkout([change(' M', 'api-docs/x.md')]))],
      'clean',
    ],
    [
      'a Dockerfile outside the context counts',
      [
        build(
          [`${ROOT}/app`, `${ROOT}/docker/app.Dockerfile`],
          checkout([change(' M', 'docker/app.Dockerfile')]),
        ),
      ],
      'dirty: docker/app.Dockerfile',
    ],
    [
      'a file renamed out of the context counts',
      [
        build(
          [`${ROOT}/app`, `${ROOT}/app/Dockerfile`],
          checkout([{ status: 'R ', path: 'moved.ts', from: 'app/a.ts' }]),
        ),
      ],
      'dirty: moved.ts',
    ],
    [
      'a submodule holding the context, with changes of its own',
      [build([`${ROOT}/vendor/api`, `${ROOT}/vendor/api/Dockerfile`], checkout([change(' M', 'vendor')]))],
      'dirty: vendor',
    ],
    [
      'the untracked archive itself is a build output',
      [archive(`${ROOT}/.serverless/api.zip`, checkout([change('??', '.serverless/api.zip')]))],
      'clean',
    ],
    [
      'anything else untracked reaches an archive: it was made from the whole tree',
      [
        archive(
          `${ROOT}/.serverless/api.zip`,
          checkout([change('??', '.serverless/api.zip'), change('??', 'src/extra.js')]),
        ),
      ],
      'dirty: src/extra.js',
    ],
    [
      "a tracked archive that was changed is not the commit's file",
      [archive(`${ROOT}/app.zip`, checkout([change(' M', 'app.zip')]))],
      'dirty: app.zip',
    ],
    [
      'an unlabelled layout: its own untracked folder is an output, the rest of the tree counts',
      [layout(`${ROOT}/out`, checkout([change('??', 'out/index.json'), change(' M', 'main.go')]))],
      'dirty: main.go',
    ],
    ['a checkout of another commit', [build(undefined, checkout([], MERGE))], 'other-commit'],
    [
      'another commit, even when dirty too',
      [build(undefined, checkout([change(' M', 'a')], MERGE))],
      'other-commit',
    ],
    ['no git checkout at all', [build(undefined, null)], 'no-checkout'],
    ['an archive outside any checkout', [archive('/tmp/api.zip', null)], 'no-checkout'],
    ['an unlabelled layout outside any checkout', [layout('/ws/out', null)], 'no-checkout'],
    ['a labelled layout needs no checkout', [labelled], 'clean'],
    ['a Dockerfile outside the checkout', [build([ROOT, '/elsewhere/Dockerfile'])], 'outside-checkout'],
    [
      'the changes of every artifact are gathered, once each, sorted',
      [
        build(undefined, checkout([change(' M', 'b.txt'), change('??', 'a.txt')])),
        archive(`${ROOT}/x.zip`, checkout([change(' M', 'b.txt'), change('??', 'a.txt')])),
      ],
      'dirty: a.txt, b.txt',
    ],
    [
      'a refusal of one artifact wins over the changes of another',
      [build(undefined, checkout([change(' M', 'a')])), build(undefined, null)],
      'no-checkout',
    ],
  ])('%s', (_name, targets, expected) => {
    expect(summarise(judgeSources(SHA, targets))).toBe(expected);
  });
});

describe('parseStatus', () => {
  it('reads porcelain v1 -z, renames with their source, paths with spaces', () => {
    expect(parseStatus(' M src/a b.ts\0?? new.txt\0R  to.ts\0from.ts\0D  gone.txt\0A  added.txt\0')).toEqual([
      { status: ' M', path: 'src/a b.ts' },
      { status: '??', path: 'new.txt' },
      { status: 'R ', path: 'to.ts', from: 'from.ts' },
      { status: 'D ', path: 'gone.txt' },
      { status: 'A ', path: 'added.txt' },
    ]);
    expect(parseStatus('')).toEqual([]);
  });
});

describe('describeChanges', () => {
  it('names a handful of files with what happened to them, then how many more', () => {
    const changes = [
      change(' M', 'a'),
      change('??', 'b'),
      change('D ', 'c'),
      { status: 'R ', path: 'd', from: 'old-d' },
      change('A ', 'e'),
      change('UU', 'f'),
      change(' M', 'g'),
    ];
    expect(describeChanges(changes)).toBe(
      'a (modified), b (untracked), c (deleted), d (renamed from old-d), e (added) and 2 more',
    );
    expect(describeChanges(changes.slice(5))).toBe('f (unmerged), g (modified)');
  });
});

describe('dirtyTag', () => {
  const digest = digestChanges([{ ...change(' M', 'Dockerfile'), content: Buffer.from('FROM scratch\n') }]);

  it('is dirty-<short sha>-<12 hex of the changes>, after the tag prefix', () => {
    expect(dirtyTag(SHA, digest)).toMatch(/^dirty-6113728-[0-9a-f]{12}$/);
    expect(dirtyTag(SHA, digest, { tagPrefix: 'api-', shaLength: 10 })).toMatch(
      /^api-dirty-6113728f27-[0-9a-f]{12}$/,
    );
  });

  it.each([
    [{}, ['6113728', 'dirty-6113728']],
    [{ tagPrefix: 'sha-' }, ['sha-6113728']],
    [{ tagPrefix: 'dirty-' }, ['dirty-6113728']],
    [{ shaLength: 40 }, [SHA]],
  ])('never matches an immutable pattern nor the sha tag (options %j)', (options, shaTags) => {
    const tag = dirtyTag(SHA, digest, options);
    expect(createImmutableTagPolicy(undefined, options)(tag)).toBe(false);
    expect(shaTags).not.toContain(tag);
  });

  it('names the changes: other bytes, another path or a deletion give another tag; the same changes the same', () => {
    const same = digestChanges([{ ...change(' M', 'Dockerfile'), content: Buffer.from('FROM scratch\n') }]);
    const bytes = digestChanges([{ ...change(' M', 'Dockerfile'), content: Buffer.from('FROM alpine\n') }]);
    const deleted = digestChanges([change(' D', 'Dockerfile')]);
    const path = digestChanges([{ ...change(' M', 'Other'), content: Buffer.from('FROM scratch\n') }]);
    expect(same).toBe(digest);
    expect(new Set([digest, bytes, deleted, path]).size).toBe(4);
  });

  it('refuses a tag longer than 128 characters, naming what to shorten', () => {
    expect(() => dirtyTag(SHA, digest, { shaLength: 40, tagPrefix: 'p'.repeat(80) })).toThrow(
      'longer than a tag may be (128 characters): lower "sha-length" or shorten "tag-prefix"',
    );
  });
});

describe('refusalMessage', () => {
  const TERMINAL: CliAudience = { kind: 'cli', flags: { 'allow-dirty': { type: 'boolean' } } };
  const pullRequest: CommitIdentity = { sha: SHA, source: 'pull_request.head.sha', pullRequest: 7 };
  const push: CommitIdentity = { sha: SHA, source: 'GITHUB_SHA' };
  const other = (target: SourceTarget): SourceVerdict & { kind: 'other-commit' } => ({
    kind: 'other-commit',
    target,
    checkout: checkout([], MERGE),
  });

  it('a pull request run on the merge commit: says what was checked out and the exact ref to give', () => {
    expect(refusalMessage(other(build()), pullRequest).for(ACTION_AUDIENCE)).toBe(
      `/ws has commit feedfac checked out, not 6113728 (pull_request.head.sha): ghcr.io/acme/api would be built from another commit's files. Without a ref, actions/checkout checks out the merge commit refs/pull/7/merge of a pull request, while the artifact is the head's. Check out the commit itself: actions/checkout with "ref: \${{ github.event.pull_request.head.sha }}".`,
    );
  });

  it.each<[CommitIdentity, string]>([
    [push, '"ref: ${{ github.sha }}"'],
    [{ sha: SHA, source: 'workflow_run.head_sha' }, '"ref: ${{ github.event.workflow_run.head_sha }}"'],
    [{ sha: SHA, source: 'input' }, `"ref: ${SHA}"`],
  ])('another commit checked out for %j: the ref of that commit', (commit, ref) => {
    const message = refusalMessage(other(build()), commit).for(ACTION_AUDIENCE);
    expect(message).toContain(`actions/checkout with ${ref}.`);
    expect(message).not.toContain('merge commit');
  });

  it('on a terminal, the fix is git, not a workflow', () => {
    expect(refusalMessage(other(build()), push).for(TERMINAL)).toBe(
      `/ws has commit feedfac checked out, not 6113728 (GITHUB_SHA): ghcr.io/acme/api would be built from another commit's files. Check out 6113728 there (git switch --detach 6113728).`,
    );
    expect(refusalMessage(other(archive('/ws/app.zip')), push).for(TERMINAL)).toBe(
      `/ws has commit feedfac checked out, not 6113728 (GITHUB_SHA), and the archive for ghcr.io/acme/lambda was made there: make it again in a checkout of 6113728 (git switch --detach 6113728).`,
    );
    expect(refusalMessage(other(layout('/ws/out')), push).for(TERMINAL)).toContain(
      `The layout for ghcr.io/acme/api carries no org.opencontainers.image.revision and /ws has commit feedfac checked out, not 6113728 (GITHUB_SHA): label the image with org.opencontainers.image.revision=${SHA}, or make it in a checkout of 6113728`,
    );
  });

  it("a dirty tree: how many changes, which files, and both ways out, in each reader's words", () => {
    const verdict = judgeSources(SHA, [
      build(undefined, checkout([change(' M', 'Dockerfile'), change('??', 'x')])),
    ]);
    expect(verdict.kind).toBe('dirty');
    expect(
      refusalMessage(verdict as Exclude<SourceVerdict, { kind: 'clean' }>, push).for(ACTION_AUDIENCE),
    ).toBe(
      '2 change(s) not in commit 6113728 reach what is built: Dockerfile (modified), x (untracked). Commit them (build outputs belong in .gitignore), or set allow-dirty: true to build them anyway under a dirty-6113728-… tag, which no lookup by commit finds.',
    );
    expect(
      refusalMessage(verdict as Exclude<SourceVerdict, { kind: 'clean' }>, push).for(TERMINAL),
    ).toContain('or pass --allow-dirty to build them anyway');
  });

  it('no checkout: says so, and how to make one or label a ready image', () => {
    const verdict = { kind: 'no-checkout', target: build(undefined, null) } as const;
    expect(refusalMessage(verdict, push).for(ACTION_AUDIENCE)).toBe(
      `/ws is not in a git checkout, so nothing shows that the build context for ghcr.io/acme/api is commit 6113728's: check the commit out before this step with actions/checkout ("ref: \${{ github.sha }}"), with git on the runner's PATH so that it clones, and build there; a ready image may instead carry the label org.opencontainers.image.revision=${SHA} (from-oci-layout).`,
    );
    expect(refusalMessage(verdict, push).for(TERMINAL)).toContain('run flow build in a checkout of 6113728');
  });
});
