import type { FailureReport } from '@flow-actions/action-kit';
import { type ActionContext, runAction } from '@flow-actions/action-kit/runner';
import { readEventContext, resolveCommit } from '@flow-actions/commit-identity';
import { GitHubClient } from '@flow-actions/github-api';
import { withNpmSession } from '@flow-actions/npm-runner';
import { githubRepositoryUrl, githubRunUrl, openStore } from '@flow-actions/oci-store';
import { expandShortSha } from './commit';
import { type ArtifactDeleter, createGhcrDeleter, createOciDeleter } from './deleters';
import { getInputs, type Inputs } from './inputs';
import { applyNpmYank, type NpmYankResult, planNpmYank } from './npm';
import { buildYankSummary } from './summary';
import { YankError, type YankResult, type YankTarget, yankCommit, yankOptions } from './yank';

/** What a failed yank says it was asked, and what a refusal leaves as it was. */
export const FAILURE_REPORT: FailureReport = {
  step: 'yank-artifact',
  request: ['image', 'sha', 'reason', 'npm-package', 'npm-version'],
  unchanged:
    'Nothing was written: no tombstone was written, nothing was deleted and no npm version was deprecated.',
};

export function run(): Promise<void> {
  return runAction(FAILURE_REPORT, async (context) => {
    const inputs = getInputs(context.inputs, context.masker);
    const targets = await openTargets(inputs, context);
    // An abbreviated sha is expanded through the artifacts' revision annotations: reads only.
    const explicitSha = inputs.sha
      ? await expandShortSha(
          targets.map((target) => target.store),
          inputs.sha,
          inputs.shaOptions,
        )
      : undefined;
    const identity = await resolveCommit(await readEventContext(), explicitSha ? { explicitSha } : {});
    context.describeRequest(`commit (from ${identity.source})`, identity.sha);
    const env = process.env;
    const actor = runActor(context);
    const runUrl = githubRunUrl(env);
    const source = githubRepositoryUrl(env);
    if (!source)
      context.logger.warning(
        'GITHUB_REPOSITORY is not set: the tombstone gets no org.opencontainers.image.source.',
      );

    let images: YankResult | undefined;
    let npm: NpmYankResult | undefined;
    const yankImages = async () => {
      if (targets.length === 0) return;
      images = await yankCommit(
        targets,
        yankOptions(inputs, {
          sha: identity.sha,
          ...(actor ? { actor } : {}),
          ...(runUrl ? { runUrl } : {}),
          ...(source ? { source } : {}),
          logger: context.logger,
        }),
      ).catch((error: unknown) => {
        // What was done before the failure still goes to the summary and the outputs.
        if (error instanceof YankError) images = error.result;
        throw error;
      });
    };
    try {
      const npmInput = inputs.npm;
      if (!npmInput) {
        await yankImages();
      } else {
        const session = {
          registry: npmInput.registry,
          ...(npmInput.token ? { token: npmInput.token } : {}),
          masker: context.masker,
          logger: context.logger,
          tempPrefix: 'flow-yank-npm-',
        };
        await withNpmSession(session, async ({ run: runner }) => {
          const options = {
            packageName: npmInput.packageName,
            version: npmInput.version,
            reason: inputs.reason,
            dryRun: inputs.dryRun,
          };
          // npm is checked (reads only) before any image is touched: a wrong version fails first.
          const plan = await planNpmYank(runner, options);
          await yankImages();
          npm = inputs.dryRun ? plan : await applyNpmYank(runner, plan, inputs.reason);
        });
      }
    } finally {
      if (images || npm) {
        setOutputs(context, images, npm);
        await context.writeSummary(
          buildYankSummary(images, npm, identity.sha, {
            reason: inputs.reason,
            ...(actor ? { actor } : {}),
            ...(runUrl ? { runUrl } : {}),
            shaSource: identity.source,
          }),
        );
      }
    }
  });
}

async function openTargets(inputs: Inputs, context: ActionContext): Promise<YankTarget[]> {
  const github =
    inputs.githubToken && inputs.images.some((image) => image.backend === 'ghcr')
      ? new GitHubClient({
          token: inputs.githubToken,
          // The Packages API is addressed by the package's owner, not by this repository.
          ...(process.env.GITHUB_REPOSITORY ? { repository: process.env.GITHUB_REPOSITORY } : {}),
          masker: context.masker,
          logger: context.logger,
        })
      : undefined;
  const targets: YankTarget[] = [];
  for (const image of inputs.images) {
    const store = await openStore(image.reference, {
      ...inputs.registry,
      masker: context.masker,
      logger: context.logger,
      inputName: 'image',
    });
    let deleter: ArtifactDeleter = createOciDeleter(store);
    if (image.backend === 'ghcr' && github && image.reference.kind === 'registry') {
      deleter = createGhcrDeleter(github, image.reference.repository, { ownerType: inputs.ownerType });
    }
    targets.push({ image: image.image, store, deleter });
  }
  return targets;
}

function setOutputs(
  context: ActionContext,
  images: YankResult | undefined,
  npm: NpmYankResult | undefined,
): void {
  const results = images?.images ?? [];
  context.setOutput('digest', results.find((image) => image.plan.artifact)?.plan.artifact?.digest ?? '');
  context.setOutput('deleted', results.flatMap((image) => image.deleted).join('\n'));
  context.setOutput('tombstone', results.map((image) => image.tombstone).join('\n'));
  context.setOutput(
    'images',
    Object.fromEntries(
      results.map((image) => [
        image.image,
        {
          outcome: image.outcome,
          digest: image.plan.artifact?.digest ?? null,
          tags: image.plan.tags,
          foundBy: image.plan.foundBy ?? null,
          deleted: image.deleted,
          remaining: image.remaining,
          tombstone: image.tombstone,
        },
      ]),
    ),
  );
  context.setOutput(
    'npm',
    npm
      ? {
          package: npm.package,
          version: npm.version,
          deprecated: npm.deprecated,
          distTags: Object.fromEntries(
            npm.distTags.map((move) => [
              move.tag,
              { from: move.from, to: move.to ?? null, action: move.action },
            ]),
          ),
        }
      : '',
  );
}

/** Who yanks, for the tombstone: the runner's actor; left out (and said) rather than guessed. */
function runActor(context: ActionContext): string | undefined {
  const actor = process.env.GITHUB_TRIGGERING_ACTOR || process.env.GITHUB_ACTOR;
  if (!actor) {
    context.logger.warning('GITHUB_ACTOR is not set: the tombstone names no actor.');
  }
  return actor || undefined;
}
