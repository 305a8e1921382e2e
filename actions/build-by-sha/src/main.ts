import { tmpdir } from 'node:os';
import { ConfigurationError, exec, type FailureReport } from '@flow-actions/action-kit';
import { type ActionContext, runAction } from '@flow-actions/action-kit/runner';
import { type CommitIdentity, readEventContext, resolveCommit } from '@flow-actions/commit-identity';
import { githubRepositoryUrl, githubRunUrl, openStore } from '@flow-actions/oci-store';
import { type BuildByShaResult, buildBySha, readLayoutRevision } from './build-by-sha';
import { checkSources } from './checkout';
import { createBuildDependencies } from './dependencies';
import { getInputs, type Inputs } from './inputs';
import { buildSummary } from './summary';

/** What a failed build says it was asked, and what a refusal leaves as it was. */
export const FAILURE_REPORT: FailureReport = {
  step: 'build-by-sha',
  request: ['image', 'path', 'from-oci-layout', 'platforms', 'extra-tags'],
  unchanged: 'Nothing was written: nothing was built or pushed, and no tag was created or moved.',
};

export function run(): Promise<void> {
  return runAction(FAILURE_REPORT, async (context) => {
    const workspace = process.env.GITHUB_WORKSPACE ?? process.cwd();
    const inputs = getInputs(context.inputs, context.masker, workspace);
    const commit = await eventCommit(workspace);
    context.describeRequest(`commit (from ${commit.source})`, commit.sha);
    const storeOptions = { ...inputs.registry, masker: context.masker, logger: context.logger };
    const open = (reference: string, options?: { create?: boolean }) =>
      openStore(reference, { ...storeOptions, createLayout: options?.create });
    const dirty = await checkSources(
      { ...inputs, commit },
      {
        readLayoutRevision: (reference) => readLayoutRevision(reference, open),
        logger: context.logger,
      },
    );
    const result = await buildBySha(
      {
        ...inputs,
        commit,
        ...repositorySource(context),
        ...(dirty ? { dirty } : {}),
        ...optionalRunUrl(),
      },
      createBuildDependencies(inputs, {
        openStore: open,
        tempDir: process.env.RUNNER_TEMP || tmpdir(),
        logger: context.logger,
        masker: context.masker,
      }),
    );
    setOutputs(context, inputs, result);
    await context.writeSummary(buildSummary(result, commit));
  });
}

/** The lineage's repository URL, from the runner; left out (and said) rather than guessed. */
function repositorySource(context: ActionContext): { source?: string } {
  const source = githubRepositoryUrl(process.env);
  if (!source) {
    context.logger.warning(
      'GITHUB_REPOSITORY is not set: the artifact gets no org.opencontainers.image.source label.',
    );
  }
  return source ? { source } : {};
}

function optionalRunUrl(): { runUrl?: string } {
  const runUrl = githubRunUrl(process.env);
  return runUrl ? { runUrl } : {};
}

/** The event's commit; an annotated tag without head_commit is peeled with git in the checkout. */
async function eventCommit(workspace: string): Promise<CommitIdentity> {
  const peel = async (revision: string) => {
    const result = await exec('git', ['rev-parse', '--verify', '--end-of-options', revision], {
      cwd: workspace,
      allowFailure: true,
    }).catch(() => undefined);
    const sha = result?.exitCode === 0 ? result.stdout.trim() : '';
    if (!/^[0-9a-f]{40}$/.test(sha)) {
      throw new ConfigurationError(
        `Cannot turn ${revision} into a commit: run actions/checkout before this step.`,
      );
    }
    return sha;
  };
  return resolveCommit(await readEventContext(), { peel });
}

function setOutputs(context: ActionContext, inputs: Inputs, result: BuildByShaResult): void {
  const first = result.images[0];
  if (!first) return;
  context.setOutput('sha', result.sha);
  context.setOutput('tag', result.tag);
  context.setOutput('digest', first.digest);
  context.setOutput('ref', `${first.image}@${first.digest}`);
  context.setOutput('built', first.built);
  context.setOutput(
    'tags',
    result.images.flatMap((image) => image.tags.map((tag) => `${image.image}:${tag.tag}`)).join('\n'),
  );
  context.setOutput(
    'images',
    Object.fromEntries(
      result.images.map((image) => [
        image.image,
        {
          digest: image.digest,
          built: image.built,
          reason: image.reason,
          tags: image.tags.map((tag) => tag.tag),
        },
      ]),
    ),
  );
  const built = result.images.filter((image) => image.built).length;
  context.logger.info(
    `${result.tag}: ${built} of ${inputs.images.length} image(s) built, ${inputs.images.length - built} reused.`,
  );
}
