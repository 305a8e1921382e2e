import { mkdir, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import {
  ConfigurationError,
  forAudience,
  inputName,
  type Logger,
  nullLogger,
  words,
} from '@flow-actions/action-kit';
import { type Lineage, TRAILERS } from './commit-message';
import type { ManifestGit } from './git';
import { type RaceSettings, startOverAfterRace } from './race';

// Undoing a deploy: the files a deploy commit changed go back to what they were before it, when
// nothing touched them since. It is how main.yml puts stage back after yanking a commit whose
// stage checks failed, so that stage never points at an artifact that no longer exists.

export interface RevertRequest {
  /** For messages: `owner/name` or the local path. */
  repositoryLabel: string;
  /** Undefined: the default branch. */
  branch?: string;
  /** The deploy commit to undo (full sha). Give this or `deployOf`. */
  commit?: string;
  /**
   * Undo the environment's current deploy if it deployed this app commit (full sha), whatever
   * manifest commit did it: how a yank by hand puts an environment back. Give this or `commit`.
   */
  deployOf?: string;
  /** The folders or files the commit may have changed: anything else is refused. */
  paths: string[];
  /** The commit subject. Default: `Revert "<subject of the commit>"`. */
  message?: string;
  lineage: Lineage;
  dryRun: boolean;
}

export type RevertDependencies = RaceSettings;

export interface RevertResult {
  /** `pushed`: reverted now; `unchanged`: already reverted; `dry-run`: shown, not written. */
  status: 'pushed' | 'unchanged' | 'dry-run';
  branch: string;
  /** The revert commit written; undefined when nothing was committed. */
  commit?: string;
  base: string;
  /** The commit undone and its subject; undefined when `deployOf` found no deploy of that commit. */
  reverted?: { commit: string; subject: string };
  changedFiles: string[];
  diff: string;
  attempts: number;
}

/**
 * Puts back the files `commit` changed, as they were before it, and pushes (re-applied on the new
 * head when another push won the race). Refused, before anything is written, when the commit is
 * not on the branch, is a merge, changed files outside `paths`, or when a file changed again
 * since. A commit already undone is a success with nothing to do.
 */
export async function revertManifestCommit(
  request: RevertRequest,
  dependencies: RevertDependencies,
): Promise<RevertResult> {
  const { git } = dependencies;
  const logger = dependencies.logger ?? nullLogger;
  const where = `${request.repositoryLabel}`;

  if ((request.commit === undefined) === (request.deployOf === undefined))
    throw new Error('revertManifestCommit needs exactly one of commit and deployOf');
  const branch = await git.clone(request.branch);
  for (let attempt = 1; ; attempt++) {
    const base = await git.head();
    const target = request.commit ?? (await currentDeployOf(git, request, branch, logger));
    if (!target) return { branch, base, attempts: attempt, status: 'unchanged', changedFiles: [], diff: '' };
    if (!(await git.reaches(target))) {
      throw new ConfigurationError(
        words`Commit ${target} is not on branch ${branch} of ${where}: give a commit of that branch in ${inputName('revert')}${forAudience({ action: ' (the commit output of the deploy step)', cli: '' })}.`,
      );
    }
    const change = await git.describeChange(target);
    if (change.parents !== 1) {
      throw new ConfigurationError(
        `Commit ${target} of ${where} is ${change.parents === 0 ? 'the first commit' : 'a merge'}: only a deploy commit with one parent can be reverted.`,
      );
    }
    const outside = change.files.filter((file) => !request.paths.some((path) => isInside(file, path)));
    if (outside.length > 0) {
      throw new ConfigurationError(
        words`Commit ${target} of ${where} also changed ${outside.join(', ')}, outside ${request.paths.join(', ')}: revert it by hand, or name those paths in ${inputName('path')}.`,
      );
    }
    const plan = await planRevert(git, target, change.files, where);
    const reverted = { commit: target, subject: change.subject };
    const result = { branch, base, reverted, attempts: attempt };
    if (plan.length === 0) {
      logger.info(`Nothing to revert: the changes of ${target} are already undone on ${branch}.`);
      return { ...result, status: 'unchanged', changedFiles: [], diff: '' };
    }
    for (const file of plan) await putBack(git.dir, file.path, file.before);
    const changedFiles = plan.map((file) => file.path);
    const diff = await git.diff(changedFiles);
    if (request.dryRun) return { ...result, status: 'dry-run', changedFiles, diff };

    const commit = await git.commit(
      changedFiles,
      buildRevertMessage({ ...request, commit: target }, change.subject),
    );
    const pushed = await git.push(branch);
    if (pushed.ok) {
      logger.info(`Pushed ${commit} to ${branch}: ${target} reverted.`);
      return { ...result, status: 'pushed', commit, changedFiles, diff };
    }
    await startOverAfterRace(dependencies, {
      attempt,
      branch,
      where,
      reason: pushed.reason,
      work: 'revert',
    });
  }
}

/**
 * The manifest commit of the environment's current deploy when it deployed `deployOf`; undefined
 * (nothing to do) when the environment runs another commit, or its deploy was already reverted.
 */
async function currentDeployOf(
  git: ManifestGit,
  request: RevertRequest,
  branch: string,
  logger: Logger,
): Promise<string | undefined> {
  const deploy = await git.lastDeploy(request.paths);
  if (deploy && !deploy.reverts && deploy.sourceCommit === request.deployOf) return deploy.commit;
  const now = !deploy
    ? 'no deploy'
    : deploy.reverts
      ? `the revert ${deploy.commit} of ${deploy.reverts}`
      : `a deploy of ${deploy.sourceCommit ?? 'an artifact that names no commit'}`;
  logger.info(
    `Nothing to revert: the last change to ${request.paths.join(', ')} on ${branch} is ${now}, not a deploy of ${request.deployOf}.`,
  );
  return undefined;
}

interface FileRevert {
  path: string;
  /** The content before the commit; undefined when the commit created the file. */
  before: string | undefined;
}

/**
 * The files to put back: each must still be as the commit left it. One already as it was before
 * the commit needs nothing; one changed again since is a conflict, refused.
 */
async function planRevert(
  git: ManifestGit,
  commit: string,
  files: string[],
  where: string,
): Promise<FileRevert[]> {
  const plan: FileRevert[] = [];
  for (const path of files) {
    const [before, after, now] = await Promise.all([
      git.fileAt(`${commit}^`, path),
      git.fileAt(commit, path),
      git.fileAt('HEAD', path),
    ]);
    if (now === before) continue;
    if (now !== after) {
      throw new ConfigurationError(
        `${path} in ${where} changed again after ${commit}: reverting would undo those changes too; put it back by hand.`,
      );
    }
    plan.push({ path, before });
  }
  return plan;
}

async function putBack(dir: string, path: string, content: string | undefined): Promise<void> {
  const file = join(dir, path);
  if (content === undefined) {
    await rm(file, { force: true });
    return;
  }
  await mkdir(dirname(file), { recursive: true });
  await writeFile(file, content);
}

function isInside(file: string, path: string): boolean {
  return path === '.' || file === path || file.startsWith(`${path}/`);
}

/** `Revert "<subject>"`, git's own line naming the commit, and the lineage trailers. */
export function buildRevertMessage(
  request: Pick<RevertRequest, 'message' | 'lineage'> & { commit: string },
  subject: string,
): string {
  const trailers: [string, string | undefined][] = [
    [TRAILERS.reverts, request.commit],
    [TRAILERS.sourceCommit, request.lineage.sourceCommit],
    [TRAILERS.sourceRepository, request.lineage.sourceRepository],
    [TRAILERS.runUrl, request.lineage.runUrl],
    [TRAILERS.actor, request.lineage.actor],
  ];
  const title = (request.message ?? `Revert "${subject}"`).replace(/\s*\r?\n\s*/g, ' ').trim();
  const lines = trailers.flatMap(([key, value]) => (value ? [`${key}: ${value}`] : []));
  return `${title}\n\nThis reverts commit ${request.commit}.\n\n${lines.join('\n')}\n`;
}
