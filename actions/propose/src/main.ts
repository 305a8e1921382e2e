import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigurationError, type FailureReport, input, words } from '@flow-actions/action-kit';
import { type ActionContext, runAction } from '@flow-actions/action-kit/runner';
import { openStore } from '@flow-actions/oci-store';
import { createManifestGit, runLineage, toUpdateRequest } from '@flow-actions/update-manifest/request';
import { findSourceCommit } from '@flow-actions/update-manifest/source-commit';
import { openComponentHistory } from './component-history';
import { createProposalApi } from './github';
import { getInputs, type Inputs, OUTPUTS } from './inputs';
import { type ProposeResult, propose } from './propose';
import { buildSummary } from './summary';

/** What a failed proposal says it was asked, and what a refusal leaves as it was. */
export const FAILURE_REPORT: FailureReport = {
  step: 'propose',
  request: ['repository', 'branch', 'component', 'version', 'hotfix-to', 'path', 'image', 'digest'],
  unchanged:
    'When the step failed before the push, the product repository is as it was: no branch, no pull request, no label changed.',
};

export function run(): Promise<void> {
  return runAction(FAILURE_REPORT, async (context) => {
    const env = process.env;
    const workspace = env.GITHUB_WORKSPACE ?? process.cwd();
    const inputs = getInputs(context.inputs, context.masker, {
      ...(env.GITHUB_SERVER_URL ? { serverUrl: env.GITHUB_SERVER_URL } : {}),
      workspace,
    });
    const { manifest } = inputs;
    if (manifest.repository.kind !== 'github' || !manifest.token) {
      throw new Error('getInputs lets only owner/name with a token through in pull-request mode');
    }
    const component = await openComponentHistory(inputs.componentPath, context.logger);
    const target = {
      ...manifest.target,
      digest: manifest.target.digest ?? (await readDigest(inputs, context)),
    };
    const source = await findSourceCommit(
      { artifact: manifest.artifact, target, allowDirty: false },
      (reference) => openArtifact(inputs, context, reference),
    );
    if (source.warning) context.logger.warning(source.warning);
    const server = (env.GITHUB_SERVER_URL ?? 'https://github.com').replace(/\/+$/, '');
    const componentUrl = env.GITHUB_REPOSITORY ? `${server}/${env.GITHUB_REPOSITORY}` : undefined;
    const { owner, name } = manifest.repository;
    const api = createProposalApi({
      token: manifest.token,
      repository: `${owner}/${name}`,
      masker: context.masker,
      logger: context.logger,
    });
    const workDir = await mkdtemp(join(env.RUNNER_TEMP ?? tmpdir(), 'propose-'));
    try {
      const result = await propose(
        {
          update: {
            ...toUpdateRequest(
              { ...manifest, target: inputs.pinDigest ? target : { name: target.name, tag: inputs.version } },
              runLineage(source.sha),
            ),
            mode: 'pull-request',
          },
          digest: target.digest,
          owner,
          component: inputs.component,
          version: inputs.version,
          ...(inputs.hotfixTo ? { hotfixTo: inputs.hotfixTo } : {}),
          toggles: inputs.toggles,
          ...(inputs.coverage === undefined ? {} : { coverage: inputs.coverage }),
          ...(componentUrl
            ? { componentUrl, artifactUrl: `${componentUrl}/releases/tag/${inputs.version}` }
            : {}),
        },
        {
          openProductGit: (clone) => createManifestGit(manifest, join(workDir, clone), context),
          api,
          component,
          logger: context.logger,
        },
      );
      setOutputs(context, result);
      await context.writeSummary(
        buildSummary(result, {
          component: inputs.component,
          version: inputs.version,
          product: `${owner}/${name}`,
        }),
      );
    } finally {
      if (!env.RUNNER_TEMP) await rm(workDir, { recursive: true, force: true });
    }
  });
}

/** The digest of the version's artifact, read from the registry (or layout) promote tagged it in. */
async function readDigest(inputs: Inputs, context: ActionContext): Promise<string> {
  const store = await openArtifact(inputs, context, inputs.manifest.artifact);
  const manifest = await store.getManifest(inputs.version);
  if (!manifest) {
    throw new ConfigurationError(
      words`${store.location} has no tag ${inputs.version}: propose a version after promote tagged it, or give its ${input('digest')}.`,
    );
  }
  return manifest.digest;
}

function openArtifact(inputs: Inputs, context: ActionContext, reference: string) {
  return openStore(reference, {
    ...inputs.manifest.registry,
    masker: context.masker,
    logger: context.logger,
    inputName: 'artifact',
  });
}

function setOutputs(context: ActionContext, result: ProposeResult): void {
  context.setOutput(OUTPUTS.status, result.status);
  context.setOutput(OUTPUTS.pullRequest, result.pullRequest?.url ?? '');
  context.setOutput(OUTPUTS.number, result.pullRequest ? String(result.pullRequest.number) : '');
  context.setOutput(OUTPUTS.branch, result.branch);
  context.setOutput(OUTPUTS.base, result.base);
  context.setOutput(OUTPUTS.previous, result.previous?.tag ?? '');
  context.setOutput(OUTPUTS.impact, result.assessment?.impact ?? '');
  context.setOutput(OUTPUTS.labels, result.labels.join('\n'));
  context.setOutput(OUTPUTS.closed, result.closed.map((pull) => String(pull.number)).join('\n'));
}
