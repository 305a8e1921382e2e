import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputReader } from '@flow-actions/action-kit';
import { shortSha } from '@flow-actions/commit-identity';
import { openAppHistory } from '@flow-actions/update-manifest/app-history';
import type { Lineage } from '@flow-actions/update-manifest/commit-message';
import { updateManifest } from '@flow-actions/update-manifest/core';
import type { ManifestGit } from '@flow-actions/update-manifest/git';
import {
  type CommonInputs,
  getInputs,
  getRevertInputs,
  type Inputs,
  type RevertInputs,
} from '@flow-actions/update-manifest/inputs';
import {
  createManifestGit,
  repositoryLabel,
  toRevertRequest,
  toSourceCommitRequest,
  toUpdateRequest,
} from '@flow-actions/update-manifest/request';
import { revertManifestCommit } from '@flow-actions/update-manifest/revert';
import { findSourceCommit, type SourceCommit } from '@flow-actions/update-manifest/source-commit';
import type { Command, CommandContext, CommandOutput } from '../command';
import { createFlagInputSource, createStoreOpener, REGISTRY_OPTIONS, readInputs } from '../inputs';

export const updateManifestCommand: Command = {
  name: 'update-manifest',
  summary:
    'Point an environment in a GitOps manifest repository at an artifact; commit with lineage and push.',
  usage:
    '--repository <owner/name|path> --path <dir> --image <name> (--tag <tag> | --digest <digest>) [options]',
  details: [
    'Edits kustomize images:, Helm values keys or plain Kubernetes manifests, keeping comments; pushes with retry on races.',
    'The Flow-Source-Commit trailer names the commit the artifact says it was built from (its org.opencontainers.image.revision, read from --artifact, by default --image), never the checkout here; --source-commit must agree with it, and is used unverified only when the artifact cannot be read.',
    'Pull-request mode calls the GitHub API and is left to the action.',
    '--revert <commit> undoes a deploy commit instead: its files under --path go back as they were, refused if changed since.',
    "--forward-only never moves the environment back: when the artifact's commit is an ancestor of the one the environment runs (its current deploy's Flow-Source-Commit), nothing is written and the command says so (exit 0). The commits are compared in the git checkout of the current directory, which needs their history (a shallow clone is deepened from origin).",
  ],
  options: {
    repository: {
      type: 'string',
      description:
        'The manifest repository: owner/name on GitHub ($GITHUB_SERVER_URL for GitHub Enterprise Server), or a local path.',
    },
    token: { type: 'string', description: 'Token to clone and push an owner/name repository (masked).' },
    branch: {
      type: 'string',
      description: 'Branch to update.',
      defaultText: "the repository's default branch",
    },
    path: { type: 'string', multiple: true, description: 'File or folder to update, e.g. envs/stage.' },
    image: {
      type: 'string',
      description: 'The image name as written in the manifests, e.g. ghcr.io/acme/api.',
    },
    artifact: {
      type: 'string',
      description:
        'Where the artifact is read for its lineage: registry/repo or oci:<dir>, when the manifests name a registry you cannot reach.',
      defaultText: '--image',
    },
    tag: { type: 'string', description: 'The tag to point at.' },
    digest: { type: 'string', description: 'The digest to point at (pins the tag too when both are given).' },
    format: { type: 'string', description: 'auto, kustomize, helm or kubernetes.', default: 'auto' },
    'helm-key': { type: 'string', multiple: true, description: 'Helm values key to set, e.g. image.tag.' },
    revert: {
      type: 'string',
      description: 'Undo this deploy commit (full sha) instead of pointing at an artifact.',
    },
    'revert-deploy-of': {
      type: 'string',
      description: 'Undo the current deploy of --path if it deployed this app commit (full sha).',
    },
    message: {
      type: 'string',
      description: 'The commit subject.',
      defaultText: 'deploy <image> <tag> to <path>',
    },
    author: {
      type: 'string',
      description: 'Commit author, "Name <email>".',
      default: 'flow-actions[bot] <flow-actions@users.noreply.github.com>',
    },
    'source-commit': {
      type: 'string',
      description: 'The commit the artifact was built from; refused if the artifact names another.',
      defaultText: "the artifact's org.opencontainers.image.revision",
    },
    'forward-only': {
      type: 'boolean',
      description:
        'Skip the deploy (exit 0) when the environment runs a newer commit than the artifact; compared in the checkout here.',
    },
    'allow-dirty': {
      type: 'boolean',
      description:
        'Deploy an artifact built from uncommitted changes (revision <sha>-dirty) anyway, to an environment of your own; loudly, with no Flow-Source-Commit.',
    },
    'dry-run': { type: 'boolean', description: 'Show the change; commit and push nothing.' },
    ...REGISTRY_OPTIONS,
  },
  async run(args, context) {
    const source = createFlagInputSource(args, updateManifestCommand.options);
    // owner/name is on github.com, or on the server GITHUB_SERVER_URL names (GitHub Enterprise
    // Server), as for the action.
    const server = context.env.GITHUB_SERVER_URL;
    const runner = { workspace: context.cwd, ...(server ? { serverUrl: server } : {}) };
    const revert = readInputs(() => getRevertInputs(new InputReader(source), context.masker, runner));
    if (revert) return revertDeploy(revert, context);
    const inputs = readInputs(() => getInputs(new InputReader(source), context.masker, runner));
    const label = repositoryLabel(inputs);
    const sourceCommit = await readSourceCommit(inputs, context);
    const appHistory = inputs.forwardOnly ? await openAppHistory(context.cwd, context) : undefined;
    const result = await withClone(inputs, sourceCommit.sha, context, async (git, lineage) =>
      updateManifest(toUpdateRequest(inputs, lineage, 'push'), {
        git,
        ...(appHistory ? { appHistory } : {}),
        logger: context.logger,
      }),
    );
    const verb = {
      pushed: 'Pushed',
      unchanged: 'Nothing to change on',
      'dry-run': 'Would update',
      'pull-request': 'Opened a pull request on',
      behind: 'Skipped (--forward-only) on',
    }[result.status];
    return {
      json: {
        ...outcome(result, label),
        base: result.base,
        attempts: result.attempts,
        changedFiles: result.changedFiles,
        changes: result.changes,
        diff: result.diff,
        sourceCommit: sourceCommit.sha ?? null,
        sourceCommitFrom: sourceCommit.from ?? null,
        supersededBy: result.forward?.kind === 'behind' ? result.forward.runs : null,
      },
      lines: [
        `${verb} ${label} ${result.branch}${result.commit ? ` (commit ${shortSha(result.commit)}${result.attempts > 1 ? `, ${result.attempts} attempts` : ''})` : ''}.`,
        describeSourceCommit(sourceCommit),
        ...(result.forward ? [result.forward.reason] : []),
        ...dryRunDiff(result),
      ],
      table: {
        columns: ['file', 'field', 'from', 'to'],
        rows: result.changes.map((change) => [
          change.file,
          change.field,
          change.from ?? '-',
          change.to ?? '-',
        ]),
      },
    };
  },
};

/**
 * The deployed artifact's own commit, read through the store with the Docker config or the
 * registry flags; the warning (unreadable, no revision) goes to stderr, in the flags' words.
 */
async function readSourceCommit(inputs: Inputs, context: CommandContext): Promise<SourceCommit> {
  const openStore = createStoreOpener(inputs.registry, context, context.masker);
  const source = await findSourceCommit(toSourceCommitRequest(inputs), (reference) =>
    openStore(reference, { inputName: 'artifact' }),
  );
  if (source.warning) context.logger.warning(source.warning);
  return source;
}

function describeSourceCommit(source: SourceCommit): string {
  if (!source.sha) return 'Source commit unknown: no Flow-Source-Commit trailer (see the warning).';
  return `Source commit ${source.sha} (${source.from === 'artifact' ? "the artifact's revision" : '--source-commit, not verified'}).`;
}

/**
 * Clones the manifest repository into a temporary folder (removed afterwards) and runs `work` on
 * it with the lineage for the trailers: the source commit and the actor ($FLOW_ACTOR, else $USER).
 */
async function withClone<T>(
  inputs: CommonInputs,
  sourceCommit: string | undefined,
  context: CommandContext,
  work: (git: ManifestGit, lineage: Lineage) => Promise<T>,
): Promise<T> {
  const actor = context.env.FLOW_ACTOR || context.env.USER;
  const lineage = { ...(sourceCommit ? { sourceCommit } : {}), ...(actor ? { actor } : {}) };
  const workDir = await mkdtemp(join(context.env.TMPDIR || tmpdir(), 'flow-update-manifest-'));
  try {
    context.logger.info(`Cloning ${repositoryLabel(inputs)}…`);
    return await work(createManifestGit(inputs, join(workDir, 'repository'), context), lineage);
  } finally {
    await rm(workDir, { recursive: true, force: true });
  }
}

/** What `--json` says first of either: whether and where a commit was written. */
function outcome(result: { status: string; branch: string; commit?: string }, label: string) {
  return {
    ok: true,
    status: result.status,
    repository: label,
    branch: result.branch,
    commit: result.commit ?? null,
  };
}

function dryRunDiff(result: { status: string; diff: string }): string[] {
  return result.status === 'dry-run' && result.diff ? ['', result.diff.trimEnd()] : [];
}

/** `--revert`: the deploy commit is undone in the manifest repository. */
async function revertDeploy(inputs: RevertInputs, context: CommandContext): Promise<CommandOutput> {
  const label = repositoryLabel(inputs);
  // A revert deploys no artifact of its own: it names a source commit only when told one.
  const result = await withClone(inputs, inputs.sourceCommit, context, (git, lineage) =>
    revertManifestCommit(toRevertRequest(inputs, lineage), { git, logger: context.logger }),
  );
  const reverted = result.reverted;
  const verb = { pushed: 'Reverted', unchanged: 'Already reverted', 'dry-run': 'Would revert' }[
    result.status
  ];
  return {
    json: {
      ...outcome(result, label),
      reverted: reverted ?? null,
      changedFiles: result.changedFiles,
      diff: result.diff,
    },
    lines: [
      reverted
        ? `${verb} ${shortSha(reverted.commit)} "${reverted.subject}" on ${label} ${result.branch}${result.commit ? ` (commit ${shortSha(result.commit)})` : ''}.`
        : `Nothing to revert: ${inputs.paths.join(', ')} on ${label} ${result.branch} does not run a deploy of ${shortSha(inputs.revertDeployOf ?? '')}.`,
      ...dryRunDiff(result),
    ],
    table: {
      columns: ['file', 'reverted'],
      rows: result.changedFiles.map((file) => [file, reverted?.commit ?? '']),
    },
  };
}
