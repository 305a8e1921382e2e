import {
  ConfigurationError,
  exec,
  type FailureReport,
  input,
  resolveInside,
  words,
} from '@flow-actions/action-kit';
import { type ActionContext, runAction } from '@flow-actions/action-kit/runner';
import { DEFAULT_IMMUTABLE_PATTERNS } from '@flow-actions/artifact-protocol';
import { GitHubClient } from '@flow-actions/github-api';
import { copyArtifact, openStore } from '@flow-actions/oci-store';
import { promote } from '@flow-actions/retag-promote/core';
import { openGitHistory } from '@flow-actions/retag-promote/git-history';
import { readGitHistory } from './git-log';
import { createReleaseGitHub } from './github';
import { getInputs, type Inputs } from './inputs';
import { cutRelease, planRelease, type ReleasePlan } from './release';
import { buildReleaseSummary, type ReleaseOutcome } from './summary';

/** What a failed release says it was asked, and what a refusal leaves as it was. */
export const FAILURE_REPORT: FailureReport = {
  step: 'release',
  request: ['commit', 'kind', 'branch', 'tag-prefix', 'image'],
  unchanged: 'Nothing was written: no tag, no GitHub release, no artifact tag.',
};

export function run(): Promise<void> {
  return runAction(FAILURE_REPORT, async (context) => {
    const inputs = getInputs(context.inputs, context.masker);
    const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
    const repository = process.env.GITHUB_REPOSITORY ?? '';
    const client = new GitHubClient({
      token: inputs.githubToken,
      repository,
      masker: context.masker,
      logger: context.logger,
    });
    const github = createReleaseGitHub(client);
    const { request } = inputs;
    const checkouts = new Map(
      inputs.components.map((component) => [component.name, componentDir(workspace, component.checkout)]),
    );
    const storeOptions = { ...inputs.registry, masker: context.masker, logger: context.logger };
    const promoteGit = await openGitHistory(workspace, context.logger);
    const server = process.env.GITHUB_SERVER_URL ?? 'https://github.com';

    const plan = await planRelease(
      { ...request, ...(repository ? { repositoryUrl: `${server}/${repository}` } : {}) },
      {
        readHistory: () =>
          readGitHistory(workspace, {
            paths: (request.paths ?? []).length > 0 || inputs.components.some((component) => component.paths),
            logger: context.logger,
            label: 'the checkout',
          }),
        readComponentHistory: (component) =>
          readGitHistory(checkouts.get(component.name) as string, {
            logger: context.logger,
            label: `component ${component.name}'s checkout`,
          }),
        readFileAt: async (commit, path) => {
          const shown = await exec('git', ['-C', workspace, 'show', `${commit}:${path}`], {
            allowFailure: true,
            logger: context.logger,
          });
          return shown.exitCode === 0 ? shown.stdout : undefined;
        },
        github,
        openStore: (reference) => openStore(reference, storeOptions),
        ...(promoteGit ? { promoteGit } : {}),
        logger: context.logger,
      },
    );
    context.describeRequest('commit released', plan.commit);
    const outcome: ReleaseOutcome = { plan, dryRun: inputs.dryRun, workflowToken: inputs.workflowToken };
    setOutputs(context, plan);
    if (plan.refusal || inputs.dryRun) {
      await context.writeSummary(buildReleaseSummary(outcome));
      if (plan.refusal) throw new ConfigurationError(plan.refusal);
      return;
    }
    outcome.cut = await cutRelease(plan, { github, logger: context.logger });
    context.setOutput('release-url', outcome.cut.releaseUrl);
    if (inputs.promoteNow) {
      outcome.promoted = await promoteNow(
        plan,
        inputs,
        context,
        (reference) => openStore(reference, storeOptions),
        promoteGit,
      );
      context.setOutput('promoted', outcome.promoted.join('\n'));
    } else if (inputs.workflowToken) {
      context.logger.warning(
        words`${input('github-token')} is the job's GITHUB_TOKEN: the tag ${plan.tag ?? ''} starts no workflow, so the promote workflow will not run for it. Set promote-now: true to promote in this job, or use a GitHub App token.`,
      );
    }
    await context.writeSummary(buildReleaseSummary(outcome));
  });
}

/** A component's checkout, inside the workspace: a path that climbs out is refused. */
function componentDir(workspace: string, checkout: string): string {
  const dir = resolveInside(workspace, checkout);
  if (!dir) {
    throw new ConfigurationError(
      words`${input('components')} names the checkout ${JSON.stringify(checkout)}, which is outside the workspace: check the component out under it (actions/checkout with path:).`,
    );
  }
  return dir;
}

/**
 * The promotion the tag would have started, done here: the version tag added to the artifact the
 * plan found, through retag-promote's own core — same checks, same immutable-tag rules.
 */
async function promoteNow(
  plan: ReleasePlan,
  inputs: Inputs,
  context: ActionContext,
  open: (reference: string) => ReturnType<typeof openStore>,
  git: Awaited<ReturnType<typeof openGitHistory>>,
): Promise<string[]> {
  const { request } = inputs;
  // An OCI tag has no folders: a component's api/v1.2.0 is v1.2.0 in the component's repository.
  const tag = (plan.tag as string).slice((request.tagPrefix ?? '').length);
  const result = await promote(
    {
      images: [request.image as string],
      toImages: [undefined],
      from: plan.commit,
      tags: [tag],
      immutablePatterns:
        inputs.immutableTags.length > 0 ? inputs.immutableTags : [...DEFAULT_IMMUTABLE_PATTERNS],
      fallback: request.fallback ?? 'none',
      ignorePaths: [...(request.ignorePaths ?? [])],
      requireChecks: [],
      allowYanked: false,
      sha: request.sha,
      dryRun: false,
      settleMs: inputs.settleMs,
      versionScheme: request.scheme?.kind ?? 'semver',
      // The version was checked against the repository's history above: a hotfix below the
      // newest registry version is right here.
      allowVersionGap: true,
    },
    {
      openStore: open,
      copyArtifact: (source, target, digest) =>
        copyArtifact(source, target, digest, { logger: context.logger }),
      ...(git ? { git } : {}),
      logger: context.logger,
    },
  );
  return result.promotions.flatMap((promotion) =>
    promotion.plan.tags.map((planned) => `${promotion.destination}:${planned.tag}@${promotion.digest}`),
  );
}

function setOutputs(context: ActionContext, plan: ReleasePlan): void {
  context.setOutput('commit', plan.commit);
  context.setOutput('version', plan.version ?? '');
  context.setOutput('tag', plan.tag ?? '');
  context.setOutput('previous-tag', plan.previousTag ?? '');
  context.setOutput('impact', plan.impact ?? '');
  context.setOutput('forced', plan.forced ?? '');
  context.setOutput('changelog', plan.changelog);
  context.setOutput('digest', plan.artifact?.digest ?? '');
  context.setOutput(
    'checks',
    plan.checks.map((check) => ({ name: check.name, state: check.state, detail: String(check.detail) })),
  );
}
