import { InputReader, wordingFor } from '@flow-actions/action-kit';
import { computeBackcompat } from '@flow-actions/backcompat-matrix/core';
import { createBackcompatDependencies } from '@flow-actions/backcompat-matrix/dependencies';
import { getInputs } from '@flow-actions/backcompat-matrix/inputs';
import { toMatrix } from '@flow-actions/backcompat-matrix/plan';
import { shortSha } from '@flow-actions/commit-identity';
import type { Command } from '../command';
import { createFlagInputSource, REGISTRY_OPTIONS, readInputs } from '../inputs';

export const matrixCommand: Command = {
  name: 'matrix',
  summary: 'The test-runner versions this version must stay compatible with, as a strategy.matrix.',
  usage: '[--compatible-version <x.y.z>] [--policy <policy>] [--runner-image <repo>] [options]',
  details: [
    'Reads the checkout in the current directory: the version (package.json, else the newest semver tag),',
    'the floor, the released versions (--runner-image tags, npm versions or git tags), and the commits since the floor.',
    'A breaking commit while the floor shares the current major fails (exit 1). --json prints the matrix with the plan.',
  ],
  options: {
    version: {
      type: 'string',
      description: 'The version under test.',
      defaultText: "package.json's version, else the newest semver git tag",
    },
    'compatible-version': {
      type: 'string',
      description: 'The oldest version this one stays compatible with (the floor).',
    },
    'compatible-version-from': {
      type: 'string',
      description: 'Read the floor from <file>:<key>, e.g. Makefile:backwards_compatible_version.',
    },
    policy: { type: 'string', description: 'pinned, major-floor, minors or last-n.', default: 'major-floor' },
    count: { type: 'string', description: 'How many releases last-n takes.', default: '3' },
    'versions-from': {
      type: 'string',
      description: 'registry, npm or git.',
      defaultText: 'registry with --runner-image, npm with --npm-package, else git',
    },
    'runner-image': {
      type: 'string',
      description: 'The test-runner repository without tag; its tags are the versions.',
    },
    'npm-package': { type: 'string', description: 'The npm package whose versions are listed.' },
    'npm-registry': { type: 'string', description: 'Registry URL for npm view.', defaultText: "npm's own" },
    'include-current': {
      type: 'string',
      description: 'true or false: add the version under test.',
      default: 'true',
    },
    'include-prereleases': {
      type: 'string',
      description: 'true or false: let minors and last-n pick prereleases.',
      default: 'false',
    },
    'breaking-check': {
      type: 'string',
      description:
        'true or false: fail on breaking commits in <floor tag>..HEAD while the floor shares the major.',
      default: 'true',
    },
    ...REGISTRY_OPTIONS,
  },
  async run(args, context) {
    const inputs = readInputs(() =>
      getInputs(new InputReader(createFlagInputSource(args, matrixCommand.options)), context.masker),
    );
    context.logger.info(`Listing released versions from ${inputs.versionsFrom}…`);
    const result = await computeBackcompat(
      inputs,
      createBackcompatDependencies(inputs, context.cwd, context),
    );
    const { plan, breakingCheck } = result;
    const lines = [
      `Matrix for ${plan.current}: floor ${plan.floor} (${wordingFor(plan.floorFrom, context.audience)}), policy ${plan.policy}, ${plan.entries.length} version(s) from ${plan.sourceName}.`,
    ];
    if (breakingCheck) {
      lines.push(
        `Breaking check ${breakingCheck.range}: ${breakingCheck.commitCount} commit(s), ${breakingCheck.breaking.length} breaking${breakingCheck.breaking.map((commit) => ` — ${shortSha(commit.sha)} ${commit.subject}`).join('')}.`,
      );
    }
    return {
      json: {
        ok: true,
        matrix: toMatrix(plan),
        versions: plan.entries.map((entry) => entry.version),
        floor: plan.floor,
        current: plan.current,
        plan,
        breakingCheck: breakingCheck ?? null,
      },
      lines,
      table: {
        columns: ['version', 'role', 'image', 'why'],
        rows: plan.entries.map((entry) => [
          entry.released ? entry.version : `${entry.version} (unreleased)`,
          entry.role,
          entry.image ?? '-',
          entry.reasons.map((reason) => wordingFor(reason, context.audience)).join('; '),
        ]),
      },
    };
  },
};
