import { join } from 'node:path';
import { InputReader } from '@flow-actions/action-kit';
import { shortSha } from '@flow-actions/commit-identity';
import { runPublishGate } from '@flow-actions/npm-publish-gate/core';
import { getInputs } from '@flow-actions/npm-publish-gate/inputs';
import { withNpm } from '@flow-actions/npm-publish-gate/npm-cli';
import { stageAndPack } from '@flow-actions/npm-publish-gate/stage';
import { discoverPackages } from '@flow-actions/npm-publish-gate/workspace';
import { type Command, UsageError } from '../command';
import { createFlagInputSource, currentCommit, readInputs } from '../inputs';

export const publishCommand: Command = {
  name: 'publish',
  summary:
    'Publish the npm packages of the workspace here, only when every gate holds; a re-run finishes a partial publish.',
  usage: '[--token <npm token>] [--packages <glob>] [options]',
  details: [
    'Gates: version valid and above what its line has published, not already published (same tarball: a green skip),',
    'the right dist-tag (prereleases and older lines never move latest), internal dependencies first.',
    'The workspace is the current directory. The token comes from --token, else $NPM_TOKEN (prefer the variable:',
    'a flag is visible to other users in the process list). It is written only to a temporary npmrc, removed afterwards.',
    'Required checks read the GitHub API and are left to the action.',
  ],
  options: {
    packages: {
      type: 'string',
      multiple: true,
      description: 'Package folder or glob relative to the workspace root; empty: the public packages.',
    },
    registry: { type: 'string', description: 'The npm registry.', default: 'https://registry.npmjs.org/' },
    token: {
      type: 'string',
      description: 'npm token with publish rights (masked).',
      defaultText: '$NPM_TOKEN',
    },
    'dist-tag': { type: 'string', description: 'auto, or a tag name.', default: 'auto' },
    provenance: { type: 'boolean', description: 'Publish with npm provenance (needs a CI OIDC token).' },
    access: { type: 'string', description: 'public or restricted.', defaultText: "npm's own" },
    sha: {
      type: 'string',
      description: 'The commit being published, for the report.',
      defaultText: 'git rev-parse HEAD',
    },
    'dry-run': {
      type: 'boolean',
      description: 'Evaluate every gate and run npm publish --dry-run; publish nothing.',
    },
  },
  async run(args, context) {
    const token = args.values.token ?? context.env.NPM_TOKEN;
    const values = { ...args.values, ...(token ? { token } : {}) };
    const inputs = readInputs(() =>
      getInputs(
        new InputReader(createFlagInputSource({ ...args, values }, publishCommand.options)),
        context.masker,
      ),
    );
    // npm signs provenance with the CI job's OIDC token; the runner sets both only when it may ask for one.
    const idTokenAvailable = Boolean(
      context.env.ACTIONS_ID_TOKEN_REQUEST_URL && context.env.ACTIONS_ID_TOKEN_REQUEST_TOKEN,
    );
    if (inputs.provenance && !idTokenAvailable) {
      throw new UsageError(
        '--provenance needs the OIDC token of a CI job to sign with, and there is none here (ACTIONS_ID_TOKEN_REQUEST_URL is unset): publish with provenance from a CI job that may request one, or drop --provenance',
      );
    }
    const sha = await currentCommit(
      typeof args.values.sha === 'string' ? args.values.sha : undefined,
      context,
    );
    const discovery = await discoverPackages({ root: context.cwd, patterns: inputs.packages });
    context.logger.info(
      `Gating ${inputs.dryRun ? '(dry run) ' : ''}the packages of ${context.cwd} for ${inputs.registry}…`,
    );
    const result = await withNpm(
      {
        registry: inputs.registry,
        ...(inputs.token ? { token: inputs.token } : {}),
        masker: context.masker,
        logger: context.logger,
        ...(context.env.TMPDIR ? { tempDir: context.env.TMPDIR } : {}),
      },
      async ({ npm, workDir }) => {
        let staged = 0;
        return runPublishGate(
          {
            discovery,
            sha,
            requiredChecks: [],
            distTag: inputs.distTag,
            provenance: inputs.provenance,
            idTokenAvailable,
            ...(inputs.access ? { access: inputs.access } : {}),
            dryRun: inputs.dryRun,
          },
          {
            npm,
            prepare: (pkg, rewrite) => stageAndPack(npm, pkg, rewrite, join(workDir, String(staged++))),
            logger: context.logger,
          },
        );
      },
    );

    const verb = result.dryRun ? 'would publish' : 'published';
    let failure: string | undefined;
    if (result.blocked) failure = `Nothing was published: ${result.failures.join('; ')}.`;
    else if (result.failed) {
      const went = result.published.map((p) => `${p.name}@${p.version}`).join(', ') || 'nothing';
      failure = `Publishing ${result.failed.name}@${result.failed.version} failed after ${went} went out: ${result.failed.message}. Run flow publish again to publish the rest.`;
    }
    return {
      json: {
        ok: !failure,
        sha: result.sha,
        dryRun: result.dryRun,
        blocked: result.blocked,
        failures: result.failures,
        published: result.published,
        skipped: result.skipped,
        failed: result.failed ?? null,
        notAttempted: result.notAttempted,
        distTags: result.distTags,
        packages: result.packages.map((verdict) => ({
          name: verdict.name,
          version: verdict.version,
          decision: verdict.decision,
          gates: verdict.rows,
        })),
      },
      lines: [
        result.blocked
          ? `Commit ${shortSha(result.sha)}: a gate failed, nothing was published.`
          : `Commit ${shortSha(result.sha)}: ${result.dryRun ? result.skipped.length : result.published.length} package(s) ${verb} to ${inputs.registry}.`,
        ...result.failures.map((line) => `  ${line}`),
      ],
      table: {
        columns: ['package', 'version', 'decision', 'tag or reason'],
        rows: result.packages.map((verdict) => [
          verdict.name,
          verdict.version,
          verdict.decision.action === 'publish' && result.dryRun ? 'would publish' : verdict.decision.action,
          verdict.decision.action === 'publish' ? verdict.decision.tag : verdict.decision.reason,
        ]),
      },
      ...(failure ? { failure } : {}),
    };
  },
};
