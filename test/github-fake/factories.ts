import { createHash } from 'node:crypto';

/**
 * Complete GitHub REST objects for the fake's state: every field GitHub's OpenAPI description
 * marks required, with realistic values (URLs as api.github.com spells them). The fake validates
 * what it sends, so an incomplete factory fails the tests that use it.
 */

export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };
export type JsonRecord = { [key: string]: JsonValue };

export interface FactoryContext {
  /** `owner/name` of the fake's repository. */
  repository: string;
  /** A numeric id for the repository (Link headers use `/repositories/{id}`). */
  repositoryId: number;
  /** Returns a fresh id for each new object. */
  nextId: () => number;
  /** The clock for created_at/updated_at. */
  now: () => Date;
}

const API = 'https://api.github.com';
const WEB = 'https://github.com';

/** A deterministic 40-hex sha from any text, for seeding commits by name. */
export function shaOf(text: string): string {
  return createHash('sha1').update(text).digest('hex');
}

function nodeId(kind: string, id: number): string {
  return Buffer.from(`0${kind.length}:${kind}${id}`).toString('base64');
}

function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}

export interface SimpleUser extends JsonRecord {
  login: string;
  id: number;
}

export function makeUser(
  login: string,
  id: number,
  type: 'User' | 'Organization' | 'Bot' = 'User',
): SimpleUser {
  // GitHub percent-encodes logins in URLs: `github-actions%5Bbot%5D`.
  const url = `${API}/users/${encodeURIComponent(login)}`;
  return {
    login,
    id,
    node_id: nodeId('User', id),
    avatar_url: `https://avatars.githubusercontent.com/u/${id}?v=4`,
    gravatar_id: '',
    url,
    html_url: `${WEB}/${encodeURIComponent(login)}`,
    followers_url: `${url}/followers`,
    following_url: `${url}/following{/other_user}`,
    gists_url: `${url}/gists{/gist_id}`,
    starred_url: `${url}/starred{/owner}{/repo}`,
    subscriptions_url: `${url}/subscriptions`,
    organizations_url: `${url}/orgs`,
    repos_url: `${url}/repos`,
    events_url: `${url}/events{/privacy}`,
    received_events_url: `${url}/received_events`,
    type,
    user_view_type: 'public',
    site_admin: false,
  };
}

/** The bot that GitHub Actions' token acts as. */
export function makeActionsBot(): SimpleUser {
  return makeUser('github-actions[bot]', 41898282, 'Bot');
}

/** A repository as `GET /repos/{owner}/{repo}` returns it; also fits `repository` and `minimal-repository`. */
export function makeRepository(context: Pick<FactoryContext, 'repository' | 'repositoryId'>): JsonRecord {
  const [owner = 'acme', name = 'api'] = context.repository.split('/');
  const id = context.repositoryId;
  const url = `${API}/repos/${owner}/${name}`;
  return {
    id,
    node_id: nodeId('Repository', id),
    name,
    full_name: `${owner}/${name}`,
    owner: makeUser(owner, 9919, 'Organization'),
    private: false,
    visibility: 'public',
    html_url: `${WEB}/${owner}/${name}`,
    description: 'The acme API service',
    fork: false,
    url,
    archive_url: `${url}/{archive_format}{/ref}`,
    assignees_url: `${url}/assignees{/user}`,
    blobs_url: `${url}/git/blobs{/sha}`,
    branches_url: `${url}/branches{/branch}`,
    collaborators_url: `${url}/collaborators{/collaborator}`,
    comments_url: `${url}/comments{/number}`,
    commits_url: `${url}/commits{/sha}`,
    compare_url: `${url}/compare/{base}...{head}`,
    contents_url: `${url}/contents/{+path}`,
    contributors_url: `${url}/contributors`,
    deployments_url: `${url}/deployments`,
    downloads_url: `${url}/downloads`,
    events_url: `${url}/events`,
    forks_url: `${url}/forks`,
    git_commits_url: `${url}/git/commits{/sha}`,
    git_refs_url: `${url}/git/refs{/sha}`,
    git_tags_url: `${url}/git/tags{/sha}`,
    git_url: `git://github.com/${owner}/${name}.git`,
    issue_comment_url: `${url}/issues/comments{/number}`,
    issue_events_url: `${url}/issues/events{/number}`,
    issues_url: `${url}/issues{/number}`,
    keys_url: `${url}/keys{/key_id}`,
    labels_url: `${url}/labels{/name}`,
    languages_url: `${url}/languages`,
    merges_url: `${url}/merges`,
    milestones_url: `${url}/milestones{/number}`,
    notifications_url: `${url}/notifications{?since,all,participating}`,
    pulls_url: `${url}/pulls{/number}`,
    releases_url: `${url}/releases{/id}`,
    ssh_url: `git@github.com:${owner}/${name}.git`,
    stargazers_url: `${url}/stargazers`,
    statuses_url: `${url}/statuses/{sha}`,
    subscribers_url: `${url}/subscribers`,
    subscription_url: `${url}/subscription`,
    tags_url: `${url}/tags`,
    teams_url: `${url}/teams`,
    trees_url: `${url}/git/trees{/sha}`,
    clone_url: `${WEB}/${owner}/${name}.git`,
    mirror_url: null,
    hooks_url: `${url}/hooks`,
    svn_url: `${WEB}/${owner}/${name}`,
    homepage: null,
    language: 'TypeScript',
    forks_count: 0,
    forks: 0,
    stargazers_count: 3,
    watchers_count: 3,
    watchers: 3,
    size: 1024,
    default_branch: 'main',
    open_issues_count: 0,
    open_issues: 0,
    is_template: false,
    topics: [],
    has_issues: true,
    has_projects: true,
    has_wiki: false,
    has_pages: false,
    has_downloads: true,
    has_discussions: false,
    archived: false,
    disabled: false,
    pushed_at: '2026-11-20T09:00:00Z',
    created_at: '2024-01-15T12:00:00Z',
    updated_at: '2026-11-20T09:00:00Z',
    allow_forking: true,
    // GitHub's default: a repository admin turns auto-merge on in the settings.
    allow_auto_merge: false,
    allow_merge_commit: true,
    allow_squash_merge: true,
    allow_rebase_merge: true,
    web_commit_signoff_required: false,
    subscribers_count: 2,
    network_count: 0,
    license: {
      key: 'mit',
      name: 'MIT License',
      spdx_id: 'MIT',
      url: `${API}/licenses/mit`,
      node_id: 'MDc6TGljZW5zZTEz',
    },
  };
}

/** The GitHub Actions app, as check runs made by workflow jobs name it. */
export function makeActionsApp(): JsonRecord {
  return {
    id: 15368,
    slug: 'github-actions',
    client_id: 'Iv1.05c79e9ad1f6bdfa',
    node_id: 'MDM6QXBwMTUzNjg=',
    owner: makeUser('github', 9919, 'Organization'),
    name: 'GitHub Actions',
    description: 'Automate your workflow from idea to production',
    external_url: 'https://help.github.com/en/actions',
    html_url: `${WEB}/apps/github-actions`,
    created_at: '2018-07-30T09:30:17Z',
    updated_at: '2024-04-10T20:33:16Z',
    permissions: { checks: 'write', contents: 'write', deployments: 'write', statuses: 'write' },
    events: ['check_run', 'check_suite', 'deployment', 'pull_request', 'push', 'status'],
  };
}

export interface CheckRunSeed {
  name: string;
  head_sha: string;
  /** Default: `completed`. */
  status?: 'queued' | 'in_progress' | 'completed' | 'waiting' | 'requested' | 'pending';
  /** Default: `success` when completed, else null. */
  conclusion?: string | null;
  /** Default: now. */
  started_at?: string;
  /** Default: the workflow run's id, as GitHub Actions sets it. */
  external_id?: string;
  output?: { title: string | null; summary: string | null; text: string | null };
  details_url?: string;
}

export function makeCheckRun(context: FactoryContext, seed: CheckRunSeed): JsonRecord {
  const id = context.nextId();
  const status = seed.status ?? 'completed';
  const conclusion =
    seed.conclusion !== undefined ? seed.conclusion : status === 'completed' ? 'success' : null;
  const started = seed.started_at ?? iso(context.now());
  const runId = 10_000 + id;
  return {
    id,
    node_id: nodeId('CheckRun', id),
    head_sha: seed.head_sha,
    external_id: seed.external_id ?? `${runId}`,
    url: `${API}/repos/${context.repository}/check-runs/${id}`,
    html_url: `${WEB}/${context.repository}/actions/runs/${runId}/job/${id}`,
    details_url: seed.details_url ?? `${WEB}/${context.repository}/actions/runs/${runId}/job/${id}`,
    status,
    conclusion,
    started_at: started,
    completed_at: status === 'completed' ? started : null,
    output: {
      title: seed.output?.title ?? null,
      summary: seed.output?.summary ?? null,
      text: seed.output?.text ?? null,
      annotations_count: 0,
      annotations_url: `${API}/repos/${context.repository}/check-runs/${id}/annotations`,
    },
    name: seed.name,
    check_suite: { id: 5_000 + id },
    app: makeActionsApp(),
    pull_requests: [],
  };
}

export interface StatusSeed {
  context: string;
  /** `success`, `failure`, `error` or `pending`. */
  state: 'success' | 'failure' | 'error' | 'pending';
  description?: string;
  target_url?: string;
  /** Default: now. */
  created_at?: string;
}

/** A commit status; the sha it belongs to is kept beside it in the fake's state. */
export function makeStatus(context: FactoryContext, seed: StatusSeed): JsonRecord {
  const id = context.nextId();
  const created = seed.created_at ?? iso(context.now());
  const creator = makeUser('ci-bot', 7_000_001, 'Bot');
  return {
    url: `${API}/repos/${context.repository}/statuses/${id}`,
    avatar_url: creator.avatar_url as string,
    id,
    node_id: nodeId('StatusContext', id),
    state: seed.state,
    description: seed.description ?? `${seed.context}: ${seed.state}`,
    target_url: seed.target_url ?? `https://ci.example.com/${context.repository}/builds/${id}`,
    context: seed.context,
    created_at: created,
    updated_at: created,
    creator,
  };
}

export interface PackageVersionSeed {
  owner: string;
  ownerType: 'org' | 'user';
  packageType: 'container' | 'npm';
  packageName: string;
  /** Container: the manifest digest; npm: the version. */
  name: string;
  /** Container tags. Default: none (an untagged version). */
  tags?: string[];
  created_at?: string;
}

export function makePackageVersion(context: FactoryContext, seed: PackageVersionSeed): JsonRecord {
  const id = context.nextId();
  const scope = seed.ownerType === 'org' ? 'orgs' : 'users';
  const encoded = encodeURIComponent(seed.packageName);
  const created = seed.created_at ?? iso(context.now());
  const web =
    seed.ownerType === 'org'
      ? `${WEB}/orgs/${seed.owner}/packages/${seed.packageType}`
      : `${WEB}/users/${seed.owner}/packages/${seed.packageType}`;
  return {
    id,
    name: seed.name,
    url: `${API}/${scope}/${seed.owner}/packages/${seed.packageType}/${encoded}/versions/${id}`,
    package_html_url: `${web}/package/${encoded}`,
    html_url: `${web}/${encoded}/${id}`,
    created_at: created,
    updated_at: created,
    metadata:
      seed.packageType === 'container'
        ? { package_type: 'container', container: { tags: seed.tags ?? [] } }
        : { package_type: 'npm' },
  };
}

export interface DeploymentSeed {
  ref: string;
  sha: string;
  environment: string;
  description?: string | null;
  payload?: JsonRecord | string;
  task?: string;
  production_environment?: boolean;
  transient_environment?: boolean;
}

export function makeDeployment(context: FactoryContext, seed: DeploymentSeed): JsonRecord {
  const id = context.nextId();
  const url = `${API}/repos/${context.repository}/deployments/${id}`;
  const created = iso(context.now());
  return {
    url,
    id,
    node_id: nodeId('Deployment', id),
    sha: seed.sha,
    ref: seed.ref,
    task: seed.task ?? 'deploy',
    payload: seed.payload ?? {},
    original_environment: seed.environment,
    environment: seed.environment,
    description: seed.description ?? null,
    creator: makeActionsBot(),
    created_at: created,
    updated_at: created,
    statuses_url: `${url}/statuses`,
    repository_url: `${API}/repos/${context.repository}`,
    transient_environment: seed.transient_environment ?? false,
    production_environment: seed.production_environment ?? false,
    performed_via_github_app: makeActionsApp(),
  };
}

export interface DeploymentStatusSeed {
  deploymentId: number;
  environment: string;
  state: string;
  description?: string;
  environment_url?: string;
  log_url?: string;
}

export function makeDeploymentStatus(context: FactoryContext, seed: DeploymentStatusSeed): JsonRecord {
  const id = context.nextId();
  const deploymentUrl = `${API}/repos/${context.repository}/deployments/${seed.deploymentId}`;
  const created = iso(context.now());
  return {
    url: `${deploymentUrl}/statuses/${id}`,
    id,
    node_id: nodeId('DeploymentStatus', id),
    state: seed.state,
    creator: makeActionsBot(),
    description: seed.description ?? '',
    environment: seed.environment,
    target_url: seed.log_url ?? '',
    created_at: created,
    updated_at: created,
    deployment_url: deploymentUrl,
    repository_url: `${API}/repos/${context.repository}`,
    // Optional in GitHub's description and a URI when present: left out when the request had none.
    ...(seed.environment_url ? { environment_url: seed.environment_url } : {}),
    ...(seed.log_url ? { log_url: seed.log_url } : {}),
    performed_via_github_app: makeActionsApp(),
  };
}

export interface PullRequestSeed {
  number: number;
  title: string;
  body: string | null;
  /** Branch name in the fake's repository. */
  head: string;
  base: string;
  headSha: string;
  baseSha: string;
  state?: 'open' | 'closed';
  /** The author's login. Default: github-actions[bot]. */
  author?: string;
  /** The owner of the fork the head branch lives in. Default: none, a branch of this repository. */
  forkOwner?: string;
  draft?: boolean;
}

export function makePullRequest(
  context: FactoryContext & { repositoryObject: JsonRecord },
  seed: PullRequestSeed,
): JsonRecord {
  const id = context.nextId();
  const repoUrl = `${API}/repos/${context.repository}`;
  const url = `${repoUrl}/pulls/${seed.number}`;
  const html = `${WEB}/${context.repository}/pull/${seed.number}`;
  const owner = context.repository.split('/')[0] ?? 'acme';
  const ownerUser = makeUser(owner, 9919, 'Organization');
  const created = iso(context.now());
  const branch = (ref: string, sha: string, fork?: string) => {
    const user = fork ? makeUser(fork, 8_000_001) : ownerUser;
    const name = context.repository.split('/')[1] ?? 'api';
    return {
      label: `${user.login}:${ref}`,
      ref,
      sha,
      user,
      repo: fork
        ? { ...makeRepository({ repository: `${fork}/${name}`, repositoryId: 8_000_002 }), fork: true }
        : context.repositoryObject,
    };
  };
  const statusesUrl = `${repoUrl}/statuses/${seed.headSha}`;
  return {
    url,
    id,
    node_id: nodeId('PullRequest', id),
    html_url: html,
    diff_url: `${html}.diff`,
    patch_url: `${html}.patch`,
    issue_url: `${repoUrl}/issues/${seed.number}`,
    commits_url: `${url}/commits`,
    review_comments_url: `${url}/comments`,
    review_comment_url: `${repoUrl}/pulls/comments{/number}`,
    comments_url: `${repoUrl}/issues/${seed.number}/comments`,
    statuses_url: statusesUrl,
    number: seed.number,
    state: seed.state ?? 'open',
    locked: false,
    title: seed.title,
    user: seed.author ? makeUser(seed.author, 6_000_000 + seed.number) : makeActionsBot(),
    body: seed.body,
    labels: [],
    milestone: null,
    active_lock_reason: null,
    created_at: created,
    updated_at: created,
    closed_at: seed.state === 'closed' ? created : null,
    merged_at: null,
    merge_commit_sha: null,
    assignee: null,
    assignees: [],
    requested_reviewers: [],
    requested_teams: [],
    head: branch(seed.head, seed.headSha, seed.forkOwner),
    base: branch(seed.base, seed.baseSha),
    _links: {
      self: { href: url },
      html: { href: html },
      issue: { href: `${repoUrl}/issues/${seed.number}` },
      comments: { href: `${repoUrl}/issues/${seed.number}/comments` },
      review_comments: { href: `${url}/comments` },
      review_comment: { href: `${repoUrl}/pulls/comments{/number}` },
      commits: { href: `${url}/commits` },
      statuses: { href: statusesUrl },
    },
    author_association: 'CONTRIBUTOR',
    auto_merge: null,
    draft: seed.draft ?? false,
    merged: false,
    mergeable: null,
    rebaseable: null,
    mergeable_state: 'unknown',
    merged_by: null,
    comments: 0,
    review_comments: 0,
    maintainer_can_modify: false,
    commits: 1,
    additions: 1,
    deletions: 1,
    changed_files: 1,
  };
}

export type ReviewState = 'APPROVED' | 'CHANGES_REQUESTED' | 'COMMENTED' | 'DISMISSED' | 'PENDING';

export interface ReviewSeed {
  pullNumber: number;
  /** The reviewer's login. */
  login: string;
  state: ReviewState;
  /** `MEMBER`, `OWNER` and `COLLABORATOR` have write access; `CONTRIBUTOR`, `NONE`… do not. Default: `MEMBER`. */
  authorAssociation?: string;
  /** Default: now. A pending review has none. */
  submittedAt?: string;
  /** The head commit the review was given on. Default: derived from the number. */
  commitId?: string;
  /** Teams (`org/slug`) the review was requested from and given on behalf of (GraphQL `onBehalfOf`). */
  onBehalfOf?: string[];
}

/** A pull request review as `GET /repos/{owner}/{repo}/pulls/{pull_number}/reviews` returns it. */
export function makeReview(context: FactoryContext, seed: ReviewSeed): JsonRecord {
  const id = context.nextId();
  const html = `${WEB}/${context.repository}/pull/${seed.pullNumber}`;
  return {
    id,
    node_id: nodeId('PullRequestReview', id),
    user: makeUser(seed.login, id + 50_000, seed.login.endsWith('[bot]') ? 'Bot' : 'User'),
    body: '',
    state: seed.state,
    html_url: `${html}#pullrequestreview-${id}`,
    pull_request_url: `${API}/repos/${context.repository}/pulls/${seed.pullNumber}`,
    _links: {
      html: { href: `${html}#pullrequestreview-${id}` },
      pull_request: { href: `${API}/repos/${context.repository}/pulls/${seed.pullNumber}` },
    },
    ...(seed.state === 'PENDING' ? {} : { submitted_at: seed.submittedAt ?? iso(context.now()) }),
    commit_id: seed.commitId ?? shaOf(`pull ${seed.pullNumber}`),
    author_association: seed.authorAssociation ?? 'MEMBER',
  };
}

export interface ReleaseSeed {
  tag_name: string;
  name?: string | null;
  body?: string | null;
  target_commitish?: string;
  draft?: boolean;
  prerelease?: boolean;
}

export function makeRelease(context: FactoryContext, seed: ReleaseSeed): JsonRecord {
  const id = context.nextId();
  const repoUrl = `${API}/repos/${context.repository}`;
  const url = `${repoUrl}/releases/${id}`;
  const created = iso(context.now());
  const draft = seed.draft ?? false;
  return {
    url,
    html_url: `${WEB}/${context.repository}/releases/tag/${encodeURIComponent(seed.tag_name)}`,
    assets_url: `${url}/assets`,
    upload_url: `https://uploads.github.com/repos/${context.repository}/releases/${id}/assets{?name,label}`,
    tarball_url: `${repoUrl}/tarball/${encodeURIComponent(seed.tag_name)}`,
    zipball_url: `${repoUrl}/zipball/${encodeURIComponent(seed.tag_name)}`,
    id,
    node_id: nodeId('Release', id),
    tag_name: seed.tag_name,
    target_commitish: seed.target_commitish ?? 'main',
    name: seed.name ?? seed.tag_name,
    body: seed.body ?? null,
    draft,
    prerelease: seed.prerelease ?? false,
    immutable: false,
    created_at: created,
    updated_at: created,
    published_at: draft ? null : created,
    author: makeActionsBot(),
    assets: [],
  };
}

/** A label as GitHub's REST API shows it. */
export function makeLabel(context: Pick<FactoryContext, 'repository'>, name: string, id: number): JsonRecord {
  return {
    id,
    node_id: nodeId('Label', id),
    url: `${API}/repos/${context.repository}/labels/${encodeURIComponent(name)}`,
    name,
    description: '',
    color: 'ededed',
    default: false,
  };
}

/** An issue event (`labeled`, `unlabeled`) as `GET /repos/{o}/{r}/issues/{n}/events` lists it. */
export function makeLabelEvent(
  context: FactoryContext,
  seed: { event: 'labeled' | 'unlabeled'; label: string; actor: string },
): JsonRecord {
  const id = context.nextId();
  return {
    id,
    node_id: nodeId('LabeledEvent', id),
    url: `${API}/repos/${context.repository}/issues/events/${id}`,
    actor: makeUser(seed.actor, 30_000 + id, seed.actor.endsWith('[bot]') ? 'Bot' : 'User'),
    event: seed.event,
    commit_id: null,
    commit_url: null,
    created_at: iso(context.now()),
    label: { name: seed.label, color: 'ededed' },
    performed_via_github_app: null,
  };
}

/** A changed file of a pull request or a comparison (`diff-entry`). */
export interface ChangedFileSeed {
  path: string;
  additions: number;
  deletions: number;
  /** Default: `modified`, or `renamed` with a previous path. */
  status?: 'added' | 'removed' | 'modified' | 'renamed' | 'copied' | 'changed' | 'unchanged';
  previousPath?: string;
  /** The unified diff. Default: lines made up from the counts, the same for the same seed. */
  patch?: string;
}

export function makeDiffEntry(
  context: Pick<FactoryContext, 'repository'>,
  seed: ChangedFileSeed,
  headSha: string,
): JsonRecord {
  const patch =
    seed.patch ??
    [
      `@@ -1,${seed.deletions} +1,${seed.additions} @@`,
      ...Array.from({ length: seed.deletions }, (_, index) => `-old line ${index} of ${seed.path}`),
      ...Array.from({ length: seed.additions }, (_, index) => `+new line ${index} of ${seed.path}`),
    ].join('\n');
  const encoded = seed.path.split('/').map(encodeURIComponent).join('/');
  return {
    sha: shaOf(`${seed.path}\n${patch}`),
    filename: seed.path,
    status: seed.status ?? (seed.previousPath ? 'renamed' : 'modified'),
    additions: seed.additions,
    deletions: seed.deletions,
    changes: seed.additions + seed.deletions,
    blob_url: `${WEB}/${context.repository}/blob/${headSha}/${encoded}`,
    raw_url: `${WEB}/${context.repository}/raw/${headSha}/${encoded}`,
    contents_url: `${API}/repos/${context.repository}/contents/${encoded}?ref=${headSha}`,
    patch,
    ...(seed.previousPath ? { previous_filename: seed.previousPath } : {}),
  };
}

/** A commit as the REST API shows it (`commit`), from the fake's model of it. */
export function makeCommit(
  context: Pick<FactoryContext, 'repository'>,
  commit: {
    sha: string;
    message: string;
    author: string;
    committer: string;
    parents: readonly string[];
    date: string;
  },
): JsonRecord {
  const url = `${API}/repos/${context.repository}/commits/${commit.sha}`;
  const person = (login: string) => ({
    name: login,
    email: `${login}@users.noreply.github.com`,
    date: commit.date,
  });
  return {
    url,
    sha: commit.sha,
    node_id: nodeId('Commit', Number.parseInt(commit.sha.slice(0, 7), 16)),
    html_url: `${WEB}/${context.repository}/commit/${commit.sha}`,
    comments_url: `${url}/comments`,
    commit: {
      url: `${API}/repos/${context.repository}/git/commits/${commit.sha}`,
      author: person(commit.author),
      committer: person(commit.committer),
      message: commit.message,
      comment_count: 0,
      tree: {
        sha: shaOf(`tree ${commit.sha}`),
        url: `${API}/repos/${context.repository}/git/trees/${shaOf(`tree ${commit.sha}`)}`,
      },
    },
    author: makeUser(commit.author, 40_000),
    committer: makeUser(commit.committer, 40_001),
    parents: commit.parents.map((parent) => ({
      sha: parent,
      url: `${API}/repos/${context.repository}/commits/${parent}`,
      html_url: `${WEB}/${context.repository}/commit/${parent}`,
    })),
  };
}

// deploy-command: the conversation and the policy file.

export interface IssueCommentSeed {
  id: number;
  issueNumber: number;
  body: string;
  user: SimpleUser;
  /** OWNER, MEMBER, COLLABORATOR, CONTRIBUTOR, NONE… */
  authorAssociation: string;
}

export function makeIssueComment(context: FactoryContext, seed: IssueCommentSeed): JsonRecord {
  const now = new Date(context.now()).toISOString().replace(/\.\d{3}Z$/, 'Z');
  return {
    id: seed.id,
    node_id: nodeId('IssueComment', seed.id),
    url: `${API}/repos/${context.repository}/issues/comments/${seed.id}`,
    html_url: `${WEB}/${context.repository}/issues/${seed.issueNumber}#issuecomment-${seed.id}`,
    issue_url: `${API}/repos/${context.repository}/issues/${seed.issueNumber}`,
    body: seed.body,
    user: seed.user as unknown as JsonRecord,
    created_at: now,
    updated_at: now,
    author_association: seed.authorAssociation,
  };
}

export function makeReaction(
  context: FactoryContext,
  seed: { id: number; content: string; user: SimpleUser },
): JsonRecord {
  return {
    id: seed.id,
    node_id: nodeId('Reaction', seed.id),
    user: seed.user as unknown as JsonRecord,
    content: seed.content,
    created_at: new Date(context.now()).toISOString().replace(/\.\d{3}Z$/, 'Z'),
  };
}

/** A file as the contents API returns it: base64 in lines of 60 characters, as GitHub sends it. */
export function makeContentFile(seed: {
  repository: string;
  ref: string;
  sha: string;
  path: string;
  text: string;
}): JsonRecord {
  const bytes = Buffer.from(seed.text, 'utf8');
  const blobSha = createHash('sha1').update(`blob ${bytes.length}\0`).update(bytes).digest('hex');
  const url = `${API}/repos/${seed.repository}/contents/${seed.path}?ref=${encodeURIComponent(seed.ref)}`;
  const gitUrl = `${API}/repos/${seed.repository}/git/blobs/${blobSha}`;
  const htmlUrl = `${WEB}/${seed.repository}/blob/${seed.ref}/${seed.path}`;
  return {
    type: 'file',
    encoding: 'base64',
    size: bytes.length,
    name: seed.path.split('/').at(-1) ?? seed.path,
    path: seed.path,
    content: `${bytes.toString('base64').replace(/.{60}/g, '$&\n')}\n`,
    sha: blobSha,
    url,
    git_url: gitUrl,
    html_url: htmlUrl,
    download_url: `https://raw.githubusercontent.com/${seed.repository}/${seed.sha}/${seed.path}`,
    _links: { self: url, git: gitUrl, html: htmlUrl },
  };
}
