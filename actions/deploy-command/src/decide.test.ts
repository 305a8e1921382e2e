import type { CollaboratorPermission, PullRequestDetail } from '@flow-actions/github-api';
import { MemoryStore } from '@flow-actions/oci-store';
import { describe, expect, it } from 'vitest';
import { type Command, parseCommand } from './command';
import { type DecideReads, decide } from './decide';
import type { CommentEvent } from './event';
import { POLICY_EXAMPLE } from './policy';
import { renderReport } from './render';

const HEAD = 'c'.repeat(40);
const store = new MemoryStore('registry.test/acme/api');
await store.putManifest('ccccccc', {
  bytes: Buffer.from(
    `{"schemaVersion": 2, "mediaType": "application/vnd.oci.image.manifest.v1+json", "config": {}, "layers": [], "annotations": {"org.opencontainers.image.revision": "${HEAD}"}}`,
  ),
  mediaType: 'application/vnd.oci.image.manifest.v1+json',
});

function pull(number: number, author: string, fork?: string): PullRequestDetail {
  return {
    id: number,
    number,
    state: 'open',
    title: 't',
    body: null,
    html_url: '',
    url: '',
    user: { login: author, type: 'User' },
    head: {
      ref: 'b',
      sha: HEAD,
      label: '',
      repo: { full_name: fork ? `${fork}/api` : 'acme/api', fork: Boolean(fork) },
    },
    base: { ref: 'main', sha: 'd'.repeat(40), label: '', repo: { full_name: 'acme/api' } },
  };
}

/** Plain reads that record what was asked, in order. */
function reads(roles: Record<string, string>, pulls: PullRequestDetail[] = [pull(12, 'alice')]) {
  const asked: string[] = [];
  const value: DecideReads = {
    getPermission: async (login) => {
      asked.push(`permission ${login}`);
      const role = roles[login];
      if (!role) return undefined;
      // As GitHub answers: maintain and a custom role built on write fold into write, triage into read.
      const permission =
        role === 'maintain' || role === 'deployer' ? 'write' : role === 'triage' ? 'read' : role;
      return { permission, role_name: role, user: { login } } as CollaboratorPermission;
    },
    getPullRequest: async (number) => {
      asked.push(`pull ${number}`);
      return pulls.find((entry) => entry.number === number);
    },
    getPolicyText: async () => {
      asked.push('policy');
      return POLICY_EXAMPLE;
    },
    isTeamMember: async (team, login) => {
      asked.push(`team ${team} ${login}`);
      return login === 'rob';
    },
    artifacts: {
      release: { image: 'registry.test/acme/api', store },
      develop: { image: 'registry.test/acme/api', store },
      sha: {},
    },
  };
  return { value, asked };
}

function event(
  login: string,
  options: { type?: string; issue?: number; onIssue?: boolean } = {},
): CommentEvent {
  return {
    action: 'created',
    comment: { id: 1, body: '', user: { login, type: options.type ?? 'User' } },
    issue: { number: options.issue ?? 12, ...(options.onIssue ? {} : { pull_request: {} }) },
    repository: { full_name: 'acme/api', default_branch: 'main', owner: { login: 'acme' } },
  };
}

const command = (body: string) => parseCommand(body) as Extract<Command, { verb: 'deploy' | 'rollback' }>;
const context = (comment: CommentEvent) => ({ event: comment, policyFile: '.github/flow-environments.yml' });

describe('decide: who may, checked before anything is resolved', () => {
  it('a bot is refused before any read', async () => {
    const { value, asked } = reads({ 'dependabot[bot]': 'write' });
    await expect(
      decide(command('/deploy to appdev'), value, context(event('dependabot[bot]'))),
    ).rejects.toThrow('`dependabot[bot]` is a bot');
    await expect(
      decide(command('/deploy to appdev'), value, context(event('helper', { type: 'Bot' }))),
    ).rejects.toThrow('`helper` is a bot');
    expect(asked).toEqual([]);
  });

  it('without write, the policy, the teams and the registry are never read', async () => {
    const { value, asked } = reads({ rita: 'read' });
    await expect(decide(command('/deploy v1.4.0 to prod'), value, context(event('rita')))).rejects.toThrow(
      '`rita` has read access to acme/api',
    );
    expect(asked).toEqual(['pull 12', 'permission rita']);
  });

  it.each([
    ['admin', true],
    ['maintain', true],
    ['write', true],
    ['deployer', true],
    ['triage', false],
    ['read', false],
  ])('role %s (a custom role counts by the permission it folds into): may deploy %s', async (role, may) => {
    const { value } = reads({ someone: role });
    const decided = decide(command('/deploy to appdev'), value, context(event('someone')));
    if (may) await expect(decided).resolves.toMatchObject({ source: 'pr-12' });
    else await expect(decided).rejects.toThrow(`\`someone\` has ${role} access to acme/api`);
  });

  it('a writer deploys this pull request: the head read once, the policy once, no team for appdev', async () => {
    const { value, asked } = reads({ alice: 'write' });
    const accepted = await decide(command('/deploy to appdev'), value, context(event('alice')));
    expect(accepted).toMatchObject({
      source: 'pr-12',
      pullRequest: 12,
      artifact: { commit: HEAD, tag: 'ccccccc' },
    });
    expect(asked).toEqual(['pull 12', 'permission alice', 'policy']);
  });

  it('the policy refuses before the team is asked; the team before the registry', async () => {
    const { value, asked } = reads({ rob: 'maintain', alice: 'admin' });
    await expect(decide(command('/deploy pr-12 to prod'), value, context(event('rob')))).rejects.toThrow(
      '`prod` accepts tags v* only; `pr-12` is a pull request.',
    );
    expect(asked).not.toContain('team acme/release-managers rob');
    await expect(decide(command('/deploy v9.9.9 to prod'), value, context(event('alice')))).rejects.toThrow(
      '`prod` is for members of acme/release-managers; `alice` is not an active member.',
    );
    await expect(decide(command('/deploy v9.9.9 to prod'), value, context(event('rob')))).rejects.toThrow(
      'No artifact is tagged `v9.9.9` in registry.test/acme/api: check the version.',
    );
  });

  it('a fork: its author is refused on it; anyone asking for it is refused', async () => {
    const { value } = reads({ alice: 'write', mallory: 'write' }, [
      pull(12, 'alice'),
      pull(13, 'mallory', 'mallory'),
    ]);
    await expect(
      decide(command('/deploy to appdev'), value, context(event('mallory', { issue: 13 }))),
    ).rejects.toThrow('`mallory` opened this pull request from the fork `mallory/api`');
    await expect(decide(command('/deploy pr-13 to appdev'), value, context(event('alice')))).rejects.toThrow(
      'Pull request #13 comes from the fork `mallory/api`',
    );
    await expect(decide(command('/deploy pr-99 to appdev'), value, context(event('alice')))).rejects.toThrow(
      'There is no pull request #99 in this repository: check the number.',
    );
  });

  it('an invalid policy is refused naming the branch, the file and the key', async () => {
    const { value } = reads({ alice: 'write' });
    value.getPolicyText = async () =>
      'environments:\n  appdev:\n    manifest-path: a\n    sources: [pull-requests]\n';
    await expect(decide(command('/deploy to appdev'), value, context(event('alice')))).rejects.toThrow(
      'The policy on `main` is invalid, nothing was deployed: .github/flow-environments.yml: environments.appdev.sources has "pull-requests": did you mean pull-request?',
    );
  });
});

describe('renderReport', () => {
  const facts = {
    outcome: 'success' as const,
    environment: 'appdev',
    source: 'pr-12',
    digest: `sha256:${'b'.repeat(64)}`,
    commit: HEAD,
    fromDigest: '',
    manifestCommit: 'abc1234',
    deploymentUrl: 'https://github.com/acme/api/deployments/appdev',
    runUrl: 'https://github.com/acme/api/actions/runs/1',
  };
  it('the table: environment, from → to, commit, manifest commit, deployment, run', () => {
    expect(renderReport(facts)).toBe(
      [
        '**Deployed `pr-12` to `appdev`.**',
        '',
        '| | |',
        '|---|---|',
        '| environment | `appdev` |',
        `| from → to | nothing → \`sha256:${'b'.repeat(64)}\` |`,
        `| commit | \`${'c'.repeat(12)}\` |`,
        '| manifest commit | `abc1234` |',
        '| deployment | https://github.com/acme/api/deployments/appdev |',
        '| run | https://github.com/acme/api/actions/runs/1 |',
      ].join('\n'),
    );
  });
  it('a deployment link that is no http(s) URL is left out', () => {
    expect(renderReport({ ...facts, deploymentUrl: 'javascript:alert(1)' })).toContain(
      '| deployment | none |',
    );
    expect(renderReport({ ...facts, outcome: 'cancelled' })).toContain(
      '**The deploy of `pr-12` to `appdev` did not finish (cancelled)**',
    );
    expect(renderReport({ ...facts, outcome: 'failure', environment: '', source: '', digest: '' })).toMatch(
      /^\*\*The deploy command did not finish \(failure\)\*\*: see the run\.\n/,
    );
  });
});
