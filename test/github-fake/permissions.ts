// What the GITHUB_TOKEN of a job must be granted, under `permissions:`, for each operation the
// fake serves — from GitHub's "Permissions required for GitHub Apps" reference, which the
// workflow token follows. The repository's metadata is always readable.

export type PermissionLevel = 'none' | 'read' | 'write';

/** A job's `permissions:` as a map (`{}` grants nothing; `read-all`/`write-all` are expanded). */
export type Permissions = Readonly<Record<string, PermissionLevel>>;

export const REQUIRED_PERMISSIONS: Readonly<Record<string, [scope: string, level: PermissionLevel]>> = {
  'GET /repos/{owner}/{repo}/commits/{ref}/check-runs': ['checks', 'read'],
  'GET /repos/{owner}/{repo}/commits/{ref}/statuses': ['statuses', 'read'],
  'GET /repos/{owner}/{repo}/commits/{ref}/status': ['statuses', 'read'],
  'POST /repos/{owner}/{repo}/deployments': ['deployments', 'write'],
  'POST /repos/{owner}/{repo}/deployments/{deployment_id}/statuses': ['deployments', 'write'],
  'GET /orgs/{org}/packages/{package_type}/{package_name}/versions': ['packages', 'read'],
  'GET /users/{username}/packages/{package_type}/{package_name}/versions': ['packages', 'read'],
  'DELETE /orgs/{org}/packages/{package_type}/{package_name}/versions/{package_version_id}': [
    'packages',
    'write',
  ],
  'DELETE /users/{username}/packages/{package_type}/{package_name}/versions/{package_version_id}': [
    'packages',
    'write',
  ],
  'GET /repos/{owner}/{repo}/pulls': ['pull-requests', 'read'],
  'POST /repos/{owner}/{repo}/pulls': ['pull-requests', 'write'],
  'PATCH /repos/{owner}/{repo}/pulls/{pull_number}': ['pull-requests', 'write'],
  'POST /repos/{owner}/{repo}/releases': ['contents', 'write'],
  'POST /repos/{owner}/{repo}/check-runs': ['checks', 'write'],
  'PATCH /repos/{owner}/{repo}/check-runs/{check_run_id}': ['checks', 'write'],
  'GET /repos/{owner}/{repo}/commits/{commit_sha}/pulls': ['pull-requests', 'read'],
  'GET /repos/{owner}/{repo}/pulls/{pull_number}/files': ['pull-requests', 'read'],
  'GET /repos/{owner}/{repo}/compare/{basehead}': ['contents', 'read'],
  'POST /repos/{owner}/{repo}/issues/{issue_number}/labels': ['issues', 'write'],
  'DELETE /repos/{owner}/{repo}/issues/{issue_number}/labels/{name}': ['issues', 'write'],
  'PUT /repos/{owner}/{repo}/pulls/{pull_number}/merge': ['contents', 'write'],
  // release
  'GET /repos/{owner}/{repo}/releases/tags/{tag}': ['contents', 'read'],
  'GET /repos/{owner}/{repo}/git/ref/{ref}': ['contents', 'read'],
  'GET /repos/{owner}/{repo}/git/tags/{tag_sha}': ['contents', 'read'],
  'POST /repos/{owner}/{repo}/git/tags': ['contents', 'write'],
  'POST /repos/{owner}/{repo}/git/refs': ['contents', 'write'],
  // deploy-command: on a pull request's comments, pull-requests: write serves as well on GitHub.
  'POST /repos/{owner}/{repo}/issues/comments/{comment_id}/reactions': ['issues', 'write'],
  'POST /repos/{owner}/{repo}/issues/{issue_number}/comments': ['issues', 'write'],
  'PATCH /repos/{owner}/{repo}/issues/comments/{comment_id}': ['issues', 'write'],
  'GET /repos/{owner}/{repo}/contents/{path}': ['contents', 'read'],
  'GET /repos/{owner}/{repo}/pulls/{pull_number}': ['pull-requests', 'read'],
  // An organization permission no workflow's GITHUB_TOKEN can be granted.
  'GET /orgs/{org}/teams/{team_slug}/memberships/{username}': ['members', 'read'],
};

/** The same for the GraphQL fields the fake resolves, by `Type.field`; the rest need none. */
export const REQUIRED_GRAPHQL_PERMISSIONS: Readonly<Record<string, [scope: string, level: PermissionLevel]>> =
  {
    'Repository.pullRequest': ['pull-requests', 'read'],
    'Query.node': ['pull-requests', 'read'],
    'Mutation.enablePullRequestAutoMerge': ['pull-requests', 'write'],
    'Mutation.disablePullRequestAutoMerge': ['pull-requests', 'write'],
    'Repository.object': ['contents', 'read'],
    'Commit.file': ['contents', 'read'],
    'Commit.statusCheckRollup': ['checks', 'read'],
    'Commit.deployments': ['deployments', 'read'],
  };

const RANK: Record<PermissionLevel, number> = { none: 0, read: 1, write: 2 };

function grants(
  granted: Permissions,
  required: [scope: string, level: PermissionLevel] | undefined,
): boolean {
  if (!required) return true;
  const [scope, level] = required;
  return RANK[granted[scope] ?? 'none'] >= RANK[level];
}

/** Whether `granted` allows the operation; operations not listed need no permission. */
export function permits(granted: Permissions, method: string, path: string): boolean {
  return grants(granted, REQUIRED_PERMISSIONS[`${method} ${path}`]);
}

/** Whether `granted` allows resolving a GraphQL field (`Type.field`). */
export function permitsField(granted: Permissions, field: string): boolean {
  return grants(granted, REQUIRED_GRAPHQL_PERMISSIONS[field]);
}

/** A workflow's or job's `permissions:` value as a map. */
export function toPermissions(written: unknown): Permissions {
  const scopes = [
    'actions',
    'checks',
    'contents',
    'deployments',
    'id-token',
    'issues',
    'packages',
    'pages',
    'pull-requests',
    'statuses',
  ];
  if (written === 'read-all') return Object.fromEntries(scopes.map((scope) => [scope, 'read' as const]));
  if (written === 'write-all') return Object.fromEntries(scopes.map((scope) => [scope, 'write' as const]));
  if (written && typeof written === 'object') return written as Permissions;
  return {};
}
