import { nullLogger } from '@flow-actions/action-kit';
import { buildCommitMessage, describeArtifact, type Lineage } from './commit-message';
import { collectManifestFiles, planFileUpdates, writeFileUpdates } from './files';
import { type AppHistory, type ForwardVerdict, judgeForward } from './forward-only';
import type { ManifestGit } from './git';
import type { ImageTarget } from './image-reference';
import type { Mode } from './inputs';
import type { FieldChange, FormatInput } from './manifest-edit';
import { type RaceSettings, startOverAfterRace } from './race';

export interface PullRequestRef {
  number: number;
  url: string;
}

/** The few pull request calls pull-request mode makes. */
export interface PullRequestApi {
  findOpen(head: string, base: string): Promise<PullRequestRef | undefined>;
  create(request: { head: string; base: string; title: string; body: string }): Promise<PullRequestRef>;
  update(number: number, request: { title: string; body: string }): Promise<PullRequestRef>;
}

export interface UpdateRequest {
  /** For messages: `owner/name` or the local path. */
  repositoryLabel: string;
  /** Undefined: the default branch. */
  branch?: string;
  paths: string[];
  target: ImageTarget;
  format: FormatInput;
  helmKeys: string[];
  mode: Mode;
  /** Default: `flow/update-manifest/<branch>/<paths>/<image>`. */
  pullRequestBranch?: string;
  /** The commit subject. Default: see buildCommitMessage. */
  message?: string;
  /** Pull-request mode: the pull request's body. Default: the commit message's changes and trailers. */
  pullRequestBody?: string;
  lineage: Lineage;
  dryRun: boolean;
  /**
   * Never move the environment back: skip the deploy when `lineage.sourceCommit` is an ancestor
   * of the commit the environment runs (see judgeForward). Needs `appHistory`. Default: false.
   */
  forwardOnly?: boolean;
}

export interface UpdateDependencies extends RaceSettings {
  /** Needed in pull-request mode only. */
  pullRequests?: PullRequestApi;
  /** The app repository's history; needed with forwardOnly only. */
  appHistory?: AppHistory;
}

/** `behind`: forward-only skipped the deploy, the environment runs a newer commit. */
export type UpdateStatus = 'pushed' | 'pull-request' | 'unchanged' | 'dry-run' | 'behind';

export interface UpdateResult {
  status: UpdateStatus;
  /** The branch updated (the base branch in pull-request mode). */
  branch: string;
  /** The commit written; undefined when nothing was committed. */
  commit?: string;
  /** The head the change was applied on. */
  base: string;
  changes: FieldChange[];
  changedFiles: string[];
  /** `git diff` of the change. */
  diff: string;
  /** Pushes tried (1 unless another deploy won a race). */
  attempts: number;
  /** Pull-request mode: the branch pushed and the pull request. */
  pullRequestBranch?: string;
  pullRequest?: PullRequestRef & { created: boolean };
  /** With forwardOnly: what it found, for the step's notice and summary. */
  forward?: ForwardVerdict;
}

/**
 * Clones the manifest repository, edits the matching image fields, commits with lineage
 * trailers and pushes. When another deploy pushed first, it fetches the new head, re-applies the
 * edits there and pushes again, up to `maxAttempts` times. Nothing to change is a success.
 */
export async function updateManifest(
  request: UpdateRequest,
  dependencies: UpdateDependencies,
): Promise<UpdateResult> {
  const { git } = dependencies;
  const logger = dependencies.logger ?? nullLogger;
  if (request.mode === 'pull-request' && !dependencies.pullRequests) {
    throw new Error('pull-request mode needs a pull request API client');
  }
  const { appHistory } = dependencies;
  if (request.forwardOnly && !appHistory)
    throw new Error('updateManifest: request.forwardOnly needs dependencies.appHistory');

  const branch = await git.clone(request.branch);
  logger.info(`Cloned ${request.repositoryLabel} at ${branch}.`);
  for (let attempt = 1; ; attempt++) {
    const base = await git.head();
    // Judged again on each attempt: the deploy that won a race may be the newer one.
    const forward =
      request.forwardOnly && appHistory
        ? await judgeForward(request.lineage.sourceCommit, await git.currentDeploy(request.paths), appHistory)
        : undefined;
    // The entry reports the verdict: a notice on a runner, a line on a terminal.
    if (forward?.kind === 'behind') {
      return {
        branch,
        base,
        changes: [],
        changedFiles: [],
        attempts: attempt,
        status: 'behind',
        diff: '',
        forward,
      };
    }
    const files = await collectManifestFiles(git.dir, request.paths, {
      where: `${request.repositoryLabel} on branch ${branch}`,
    });
    const updates = await planFileUpdates(git.dir, files, { ...request, paths: request.paths });
    const changes = updates.flatMap((update) => update.changes);
    const changedFiles = updates.filter((update) => update.changes.length > 0).map((update) => update.file);
    const result = {
      branch,
      base,
      changes,
      changedFiles,
      attempts: attempt,
      ...(forward ? { forward } : {}),
    };
    if (changes.length === 0) {
      logger.info(
        `Nothing to change: ${request.paths.join(', ')} already point at ${describeArtifact(request.target)}.`,
      );
      return { ...result, status: 'unchanged', diff: '' };
    }
    await writeFileUpdates(git.dir, updates);
    const diff = await git.diff(changedFiles);
    if (request.dryRun) return { ...result, status: 'dry-run', diff };

    const message = buildCommitMessage({
      target: request.target,
      paths: request.paths,
      changes,
      lineage: request.lineage,
      ...(request.message ? { subject: request.message } : {}),
    });
    const commit = await git.commit(changedFiles, message);

    if (request.mode === 'pull-request' && dependencies.pullRequests) {
      const head =
        request.pullRequestBranch ?? defaultPullRequestBranch(branch, request.paths, request.target.name);
      const published = await publishPullRequestBranch(git, head, base);
      const pullRequest = await openOrUpdatePullRequest(dependencies.pullRequests, {
        head,
        base: branch,
        title: message.split('\n')[0] ?? '',
        body: request.pullRequestBody ?? pullRequestBody(message),
      });
      logger.info(`${pullRequest.created ? 'Opened' : 'Updated'} pull request ${pullRequest.url}.`);
      return {
        ...result,
        status: 'pull-request',
        commit: published,
        diff,
        pullRequestBranch: head,
        pullRequest,
      };
    }

    const pushed = await git.push(branch);
    if (pushed.ok) {
      logger.info(`Pushed ${commit} to ${branch}.`);
      return { ...result, status: 'pushed', commit, diff };
    }
    await startOverAfterRace(dependencies, {
      attempt,
      branch,
      where: request.repositoryLabel,
      reason: pushed.reason,
      work: 'update',
    });
  }
}

/**
 * Force-pushes the pull request branch: it is regenerated from the base for each deploy, so it is
 * replaced, never merged. When the branch already holds the same change on the same base, it is
 * left as it is, so a re-run does not churn the pull request. Returns the branch's commit.
 */
async function publishPullRequestBranch(git: ManifestGit, head: string, base: string): Promise<string> {
  const local = await git.describeCommit('HEAD');
  const remote = await git.describeCommit({ branch: head });
  if (local && remote && remote.tree === local.tree && remote.parents.join() === base) return remote.commit;
  const pushed = await git.push(head, { force: true });
  if (!pushed.ok) throw new Error(`Could not push ${head}: ${pushed.reason}`);
  return local?.commit ?? (await git.head());
}

async function openOrUpdatePullRequest(
  api: PullRequestApi,
  request: { head: string; base: string; title: string; body: string },
): Promise<PullRequestRef & { created: boolean }> {
  const existing = await api.findOpen(request.head, request.base);
  if (existing) {
    return {
      ...(await api.update(existing.number, { title: request.title, body: request.body })),
      created: false,
    };
  }
  return { ...(await api.create(request)), created: true };
}

/** One branch per environment and image, so that a newer deploy updates the same pull request. */
export function defaultPullRequestBranch(base: string, paths: readonly string[], image: string): string {
  const slug = (text: string) =>
    text
      .toLowerCase()
      .replace(/[^a-z0-9._-]+/g, '-')
      .replace(/^[-.]+|[-.]+$/g, '')
      .replace(/\.{2,}/g, '.') || 'root';
  const imageName = image.split('/').at(-1) ?? image;
  return `flow/update-manifest/${slug(base)}/${slug(paths.join('-'))}/${slug(imageName)}`;
}

function pullRequestBody(message: string): string {
  const [, ...rest] = message.trimEnd().split('\n');
  return `${rest.join('\n').trim()}\n\nOpened by flow-actions/update-manifest.\n`;
}
