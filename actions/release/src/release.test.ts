import { ACTION_AUDIENCE, nullLogger, wordingFor } from '@flow-actions/action-kit';
import { evaluateRequiredChecks } from '@flow-actions/github-api';
import { describe, expect, it } from 'vitest';
import { createHistory, type History } from './history';
import {
  type AnnotatedTag,
  cutRelease,
  pinAt,
  pinInVersionsFile,
  planRelease,
  type ReleaseGitHub,
  type ReleaseIO,
  type ReleaseRequest,
} from './release';
import { testCommit } from './test-history';

const sha = (name: string) => Buffer.from(name).toString('hex').padEnd(40, '0').slice(0, 40);

/** main: c1 ← c2 (v1.2.3) ← c3 ← c4 ← c5; side: c3 ← s1; release/1.2: c2 ← h1. */
function productHistory(messages: Record<string, string> = {}): History {
  const message = (name: string, fallback: string) => messages[name] ?? fallback;
  const commits = [
    testCommit(sha('c1'), [], 'feat: start'),
    testCommit(sha('c2'), [sha('c1')], 'fix: first'),
    testCommit(sha('c3'), [sha('c2')], message('c3', 'feat: search (#12)'), { login: 'alice' }),
    testCommit(sha('c4'), [sha('c3')], message('c4', 'fix: crash on empty query')),
    testCommit(sha('c5'), [sha('c4')], message('c5', 'docs: readme')),
    testCommit(sha('s1'), [sha('c3')], 'feat: on a side branch'),
    testCommit(sha('h1'), [sha('c2')], 'fix: hotfix'),
  ];
  return createHistory(
    commits,
    [['v1.2.3', sha('c2')]],
    [
      ['main', sha('c5')],
      ['side', sha('s1')],
      ['release/1.2', sha('h1')],
    ],
  );
}

interface FakeGitHub extends ReleaseGitHub {
  green: Set<string>;
  tags: Map<string, string>;
  releases: Map<string, { url: string; body: string; prerelease: boolean }>;
  created: AnnotatedTag[];
  asked: string[];
}

function fakeGitHub(green: string[]): FakeGitHub {
  const github: FakeGitHub = {
    green: new Set(green),
    tags: new Map(),
    releases: new Map(),
    created: [],
    asked: [],
    async requiredChecks(commit, names) {
      github.asked.push(commit);
      const conclusion = github.green.has(commit) ? 'success' : 'failure';
      return evaluateRequiredChecks(
        names,
        names.map((name, index) => ({
          id: index + 1,
          name,
          head_sha: commit,
          status: 'completed',
          conclusion,
          started_at: '2026-11-20T09:00:00Z',
          completed_at: '2026-11-20T09:01:00Z',
          details_url: null,
          html_url: null,
          external_id: null,
        })),
        [],
      );
    },
    async tagCommit(tag) {
      return github.tags.get(tag);
    },
    async findRelease(tag) {
      return github.releases.get(tag);
    },
    async createTag(tag) {
      github.created.push(tag);
      github.tags.set(tag.tag, tag.sha);
    },
    async createRelease({ tag, body, prerelease }) {
      const url = `https://github.com/acme/api/releases/tag/${tag}`;
      github.releases.set(tag, { url, body, prerelease });
      return { url };
    },
  };
  return github;
}

function io(history: History, github: ReleaseGitHub, extra: Partial<ReleaseIO> = {}): ReleaseIO {
  return { readHistory: async () => history, github, logger: nullLogger, ...extra };
}

const request = (overrides: Partial<ReleaseRequest> = {}): ReleaseRequest => ({
  commit: sha('c4'),
  kind: 'release',
  branch: 'main',
  stageChecks: ['stage-smoke'],
  sha: { shaLength: 7, tagPrefix: '' },
  ...overrides,
});

const rows = (plan: { checks: { name: string; state: string }[] }) =>
  Object.fromEntries(plan.checks.map((check) => [check.name, check.state]));

describe('planRelease', () => {
  it('plans a green commit of main: version, tag, changelog and every row, writing nothing', async () => {
    const github = fakeGitHub([sha('c4')]);
    const plan = await planRelease(request(), io(productHistory(), github));
    expect(plan).toMatchObject({
      commit: sha('c4'),
      commitSource: 'given',
      line: 'main',
      version: '1.3.0',
      tag: 'v1.3.0',
      previousTag: 'v1.2.3',
      impact: 'minor',
      prerelease: false,
      tagExists: false,
    });
    expect(plan.refusal).toBeUndefined();
    expect(rows(plan)).toEqual({
      'release line': 'pass',
      'stage checks': 'pass',
      'not yanked': 'skip',
      artifact: 'skip',
      version: 'pass',
    });
    expect(plan.changelog).toContain('### Features\n\n- search (#12) by @alice');
    expect(plan.changelog).toContain('### Fixes\n\n- crash on empty query');
    expect(github.created).toEqual([]);
    expect(github.releases.size).toBe(0);
  });

  it('without a commit, releases the newest commit of main whose stage checks are green', async () => {
    const github = fakeGitHub([sha('c3')]);
    const plan = await planRelease(request({ commit: undefined }), io(productHistory(), github));
    expect(plan).toMatchObject({ commit: sha('c3'), commitSource: 'newest-green', version: '1.3.0' });
    expect(github.asked).toEqual([sha('c5'), sha('c4'), sha('c3')]);
  });

  it('refuses red stage checks in a row and in the refusal', async () => {
    const plan = await planRelease(request(), io(productHistory(), fakeGitHub([])));
    expect(rows(plan)['stage checks']).toBe('fail');
    expect(plan.refusal && wordingFor(plan.refusal, ACTION_AUDIENCE)).toMatch(
      /^Stage checks of 6334000: 1 of 1 required check\(s\) not green: did not pass: `stage-smoke`/,
    );
  });

  it('refuses a commit of a side branch, and accepts a release/* branch cut from a v* tag (hotfix)', async () => {
    const side = await planRelease(
      request({ commit: sha('s1') }),
      io(productHistory(), fakeGitHub([sha('s1')])),
    );
    expect(rows(side)['release line']).toBe('fail');
    expect(String(side.refusal)).toMatch(
      /is not on main's first-parent line, nor on a release\/\* branch cut from a v\* tag/,
    );

    const hotfix = await planRelease(
      request({ commit: sha('h1') }),
      io(productHistory(), fakeGitHub([sha('h1')])),
    );
    expect(hotfix).toMatchObject({ line: 'release/1.2', tag: 'v1.2.4' });
    expect(hotfix.checks[0]?.detail).toBe("on release/1.2's first-parent line, cut from v1.2.3 (hotfix)");
  });

  it('refuses a version at or below a release already on the line, and one taken on GitHub', async () => {
    const history = productHistory();
    const withNewer = createHistory(
      history.commits.values(),
      [...history.tags, ['v1.4.0', sha('c5')]],
      history.branches ?? [],
    );
    const older = await planRelease(request({ commit: sha('c4') }), io(withNewer, fakeGitHub([sha('c4')])));
    expect(String(older.refusal)).toMatch(
      /^Input "kind": 1\.3\.0 is not above v1\.4\.0, already released on main/,
    );

    const github = fakeGitHub([sha('c4')]);
    github.tags.set('v1.3.0', sha('c5'));
    const taken = await planRelease(request(), io(history, github));
    expect(String(taken.refusal)).toMatch(/v1\.3\.0 is already a tag on GitHub, on 6335000/);
  });

  it('a patch over a breaking change is refused, and with force the reason is recorded in the plan and the tag', async () => {
    const history = productHistory({ c3: 'feat(api)!: drop v1' });
    const github = fakeGitHub([sha('c4')]);
    const refused = await planRelease(request({ kind: 'patch' }), io(history, github));
    expect(String(refused.refusal)).toMatch(
      /^Input "kind": 1\.2\.4 is a patch release but 6333000 calls for major/,
    );
    const forced = await planRelease(request({ kind: 'patch', force: true }), io(history, github));
    expect(forced).toMatchObject({
      tag: 'v1.2.4',
      forced: '1.2.4 is a patch release but 6333000 calls for major',
    });
    const result = await cutRelease(forced, { github, logger: nullLogger });
    expect(result).toEqual({
      tag: 'v1.2.4',
      tagCreated: true,
      releaseCreated: true,
      releaseUrl: 'https://github.com/acme/api/releases/tag/v1.2.4',
    });
    expect(github.created[0]?.message).toContain(
      'Forced: 1.2.4 is a patch release but 6333000 calls for major',
    );
  });

  it.each<[string, Partial<ReleaseRequest>, RegExp]>([
    ['a short sha', { commit: '6334000' }, /^Input "commit" "6334000" is not a full commit sha/],
    [
      'a tag prefix climbing out',
      { tagPrefix: 'api/../' },
      /^Input "tag-prefix" "api\/\.\.\/" is not a tag prefix/,
    ],
    ['a version typo', { kind: { version: 'v1.4' } }, /^Input "kind" "v1\.4" is not a release version/],
    ['no stage checks', { stageChecks: [] }, /^Input "stage-checks" is required/],
    ['an unknown branch', { branch: 'mian' }, /^Input "branch" "mian" is not a branch of the checkout/],
    [
      'a commit the checkout does not have',
      { commit: 'f'.repeat(40) },
      /^Input "commit" f{40} is not in the checkout's history: name a commit of this repository, checked out with fetch-depth: 0\.$/,
    ],
  ])('refuses %s before asking GitHub anything', async (_, overrides, message) => {
    const github = fakeGitHub([sha('c4')]);
    await expect(planRelease(request(overrides), io(productHistory(), github))).rejects.toThrow(message);
    expect(github.asked).toEqual([]);
  });
});

describe('cutRelease', () => {
  it('writes the annotated tag, then the release with the changelog; rc is a prerelease', async () => {
    const github = fakeGitHub([sha('c4')]);
    const plan = await planRelease(request({ kind: 'rc' }), io(productHistory(), github));
    await cutRelease(plan, { github, logger: nullLogger });
    expect(github.created).toEqual([
      { tag: 'rc-1.3.0-1', sha: sha('c4'), message: `Release rc-1.3.0-1 of ${sha('c4')}\n` },
    ]);
    expect(github.releases.get('rc-1.3.0-1')).toMatchObject({ prerelease: true, body: plan.changelog });
  });

  it('a re-run on the released commit, from a fresh or a stale checkout, plans the same tag and writes nothing', async () => {
    const github = fakeGitHub([sha('c4')]);
    await cutRelease(await planRelease(request(), io(productHistory(), github)), {
      github,
      logger: nullLogger,
    });
    const history = productHistory();
    const fresh = createHistory(
      history.commits.values(),
      [...history.tags, ['v1.3.0', sha('c4')]],
      history.branches ?? [],
    );
    for (const checkout of [fresh, history]) {
      const plan = await planRelease(request(), io(checkout, github));
      expect(plan).toMatchObject({
        tag: 'v1.3.0',
        released: { url: 'https://github.com/acme/api/releases/tag/v1.3.0' },
      });
      expect(plan.refusal).toBeUndefined();
      expect(await cutRelease(plan, { github, logger: nullLogger })).toMatchObject({
        tagCreated: false,
        releaseCreated: false,
      });
    }
    expect(github.created).toHaveLength(1);
    expect(github.releases.size).toBe(1);
  });

  it('refuses a plan with a failed check, writing nothing', async () => {
    const github = fakeGitHub([]);
    const plan = await planRelease(request(), io(productHistory(), github));
    await expect(cutRelease(plan, { github, logger: nullLogger })).rejects.toThrow(/^Stage checks of/);
    expect(github.created).toEqual([]);
  });

  it('finishes a run that stopped after the tag: only the release is created', async () => {
    const github = fakeGitHub([sha('c4')]);
    github.tags.set('v1.3.0', sha('c4'));
    const plan = await planRelease(request(), io(productHistory(), github));
    expect(plan.tagExists).toBe(true);
    expect(await cutRelease(plan, { github, logger: nullLogger })).toMatchObject({ tagCreated: false });
    expect(github.created).toEqual([]);
    expect(github.releases.has('v1.3.0')).toBe(true);
  });
});

describe('planRelease with bundled components', () => {
  const component = createHistory(
    [
      testCommit(sha('a1'), [], 'feat: users'),
      testCommit(sha('a2'), [sha('a1')], 'feat: search users', { login: 'bob' }),
      testCommit(sha('a3'), [sha('a2')], 'fix: null user'),
    ],
    [],
  );
  const deploy = (name: string, parents: string[], source: string) =>
    testCommit(
      sha(name),
      parents,
      `Deploy ghcr.io/acme/api:${source.slice(0, 7)}\n\nFlow-Source-Commit: ${source}`,
      {
        paths: ['envs/prod/api/kustomization.yaml'],
      },
    );
  const manifest = createHistory(
    [deploy('m1', [], sha('a1')), deploy('m2', [sha('m1')], sha('a3'))],
    [['v2.0.0', sha('m1')]],
    [['main', sha('m2')]],
  );
  const api = { name: 'api', paths: ['envs/prod/api/**'] };

  it("counts a component's commits for the version (a feat makes the product's minor) and lists them under it", async () => {
    const github = fakeGitHub([sha('m2')]);
    const plan = await planRelease(
      request({ commit: sha('m2'), components: [api] }),
      io(manifest, github, { readComponentHistory: async () => component }),
    );
    expect(plan).toMatchObject({ tag: 'v2.1.0', impact: 'minor' });
    expect(
      plan.components.map((change) => [
        change.name,
        change.from,
        change.to,
        change.commits.map((c) => c.sha),
      ]),
    ).toEqual([['api', sha('a1'), sha('a3'), [sha('a3'), sha('a2')]]]);
    expect(plan.changelog).toContain('#### api');
    expect(plan.changelog).toContain('- search users by @bob');
    const patch = await planRelease(
      request({ commit: sha('m2'), components: [api], kind: 'patch' }),
      io(manifest, github, { readComponentHistory: async () => component }),
    );
    expect(String(patch.refusal)).toMatch(
      /^Input "kind": 2\.0\.1 is a patch release but 6132000 calls for minor/,
    );
  });
});

describe('planRelease with components pinned in a versions file', () => {
  const component = createHistory(
    [
      testCommit(sha('a1'), [], 'feat: users'),
      testCommit(sha('a2'), [sha('a1')], 'feat!: drop v1 users'),
      testCommit(sha('a3'), [sha('a2')], 'fix: null user'),
    ],
    [
      ['v1.0.0', sha('a1')],
      ['v2.0.0', sha('a3')],
    ],
  );
  const product = createHistory(
    [
      testCommit(sha('p1'), [], 'chore: pin api 1.0.0', { paths: ['versions.yaml'] }),
      testCommit(sha('p2'), [sha('p1')], 'chore: pin api 2.0.0', { paths: ['versions.yaml'] }),
    ],
    [['v3.1.0', sha('p1')]],
    [['main', sha('p2')]],
  );
  const files: Record<string, string> = {
    [`${sha('p1')}:versions.yaml`]: '# pinned components\napi: 1.0.0\nweb: v4.0.0\n',
    [`${sha('p2')}:versions.yaml`]: 'api: v2.0.0 # after the breaking change\nweb: v4.0.0\n',
  };
  const api = { name: 'api', versionsFile: { path: 'versions.yaml', key: 'api' } };

  it("reads the pins at the previous release and at the commit: the component's breaking change makes the product's major", async () => {
    const plan = await planRelease(
      request({ commit: sha('p2'), components: [api] }),
      io(product, fakeGitHub([sha('p2')]), {
        readComponentHistory: async () => component,
        readFileAt: async (commit, path) => files[`${commit}:${path}`],
      }),
    );
    expect(plan).toMatchObject({ tag: 'v4.0.0', impact: 'major', previousTag: 'v3.1.0' });
    expect(plan.components.map((change) => [change.from, change.to, change.commits.length])).toEqual([
      [sha('a1'), sha('a3'), 2],
    ]);
    expect(plan.changelog).toContain('#### api');
    expect(plan.changelog).toContain('- drop v1 users by Dev');
  });

  it.each([
    ['a version', 'api: 2.0.0', sha('a3')],
    ['a v version', 'api: "v1.0.0"', sha('a1')],
    ['a full sha', `api: ${sha('a2')}`, sha('a2')],
    ['a version the component never tagged', 'api: 9.9.9', undefined],
    ['another key', 'web: 1.0.0', undefined],
    ['text that is no YAML map', '- api\n- : [', undefined],
  ])('a pin given as %s', (_, text, expected) => {
    expect(pinInVersionsFile(text, 'api', component)).toBe(expected);
  });
});

describe('pinAt: a component pin from update-manifest deploy commits', () => {
  const deploy = (name: string, parents: string[], source: string, extra = '') =>
    testCommit(
      sha(name),
      parents,
      `Deploy api\n\n${extra}Flow-Image: ghcr.io/acme/api\nFlow-Source-Commit: ${source}`,
      {
        paths: ['envs/prod/api/kustomization.yaml'],
      },
    );
  const history = createHistory(
    [
      deploy('d1', [], 'aaa'),
      deploy('d2', [sha('d1')], 'bbb'),
      testCommit(sha('w1'), [sha('d2')], 'Deploy web\n\nFlow-Source-Commit: www', {
        paths: ['envs/prod/web/k.yaml'],
      }),
      testCommit(sha('r1'), [sha('w1')], `Revert "Deploy api"\n\nFlow-Reverts: ${sha('d2')}`, {
        paths: ['envs/prod/api/kustomization.yaml'],
      }),
    ],
    [],
  );
  const api = { name: 'api', paths: ['envs/prod/api/**'] };
  it('is the running deploy: a revert puts back the one before', () => {
    expect(pinAt(history, sha('w1'), api)).toBe('bbb');
    expect(pinAt(history, sha('r1'), api)).toBe('aaa');
    expect(pinAt(history, sha('r1'), { name: 'web', paths: ['envs/prod/web/**'] })).toBe('www');
    expect(pinAt(history, sha('r1'), { name: 'db', paths: ['envs/prod/db/**'] })).toBeUndefined();
  });
});
