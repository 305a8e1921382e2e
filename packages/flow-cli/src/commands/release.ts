import {
  ConfigurationError,
  exec,
  InputReader,
  type InputSource,
  resolveInside,
  wordingFor,
} from '@flow-actions/action-kit';
import { shortSha } from '@flow-actions/commit-identity';
import { GitHubClient } from '@flow-actions/github-api';
import { cutRelease, planRelease, type ReleasePlan } from '@flow-actions/release/core';
import { readGitHistory } from '@flow-actions/release/git-log';
import { createReleaseGitHub } from '@flow-actions/release/github';
import { getInputs } from '@flow-actions/release/inputs';
import { checkVersionOptions } from '@flow-actions/release/version';
import { openGitHistory } from '@flow-actions/retag-promote/git-history';
import type { Command, CommandContext } from '../command';
import { UsageError } from '../command';
import {
  createFlagInputSource,
  createStoreOpener,
  githubRepository,
  REGISTRY_OPTIONS,
  readInputs,
} from '../inputs';
import { formatTable, type Table } from '../output';

/** How many lines of the release notes the question shows before "…". */
const CHANGELOG_PREVIEW_LINES = 20;

export const releaseCommand: Command = {
  name: 'release',
  summary:
    'Cut rc-X.Y.Z-N or vX.Y.Z for one exact commit: check it (line, stage checks, not yanked, artifact, version), then tag it with release notes.',
  usage: '--stage-checks <name> [--commit <sha>] [--kind rc|release|patch|minor|major|X.Y.Z] [options]',
  details: [
    'The history is read from the git checkout here (fetch it first: git fetch origin --tags); the stage',
    "checks, the tag and the GitHub release go through the GitHub API of origin's repository (--repository),",
    'with the token in $GITHUB_TOKEN (or $GH_TOKEN): it needs contents: write to tag, checks: read to read.',
    'A tag made with your token starts promote.yml on GitHub as your own git push of it would.',
    'flow shows each check and the plan (version, tag, release notes), then asks on a terminal; --yes answers',
    'for scripts. Without a terminal it does not ask. A failed check writes nothing and exits 1.',
  ],
  options: {
    commit: {
      type: 'string',
      description: 'The commit to release (a full sha, or anything git rev-parse takes in this checkout).',
      defaultText: 'the newest commit of --branch whose stage checks are green',
    },
    kind: {
      type: 'string',
      description:
        'rc (the next candidate rc-X.Y.Z-N), release (what the commits call for), patch, minor, major, or a version X.Y.Z.',
      default: 'release',
    },
    branch: {
      type: 'string',
      description:
        'The release branch (origin/<branch>, else the local one): the commit must be on its first-parent line, or on a release/* branch cut from a v* tag.',
      default: 'main',
    },
    'stage-checks': {
      type: 'string',
      multiple: true,
      description: 'A check run or status that must be green on the commit (repeatable; at least one).',
    },
    scheme: { type: 'string', description: 'semver or calver.', default: 'semver' },
    'calver-format': {
      type: 'string',
      description:
        'With --scheme calver: date tokens (YYYY, YY, 0Y, MM, 0M, DD, 0D) joined by dots, ending in MICRO.',
      default: 'YYYY.MM.MICRO',
    },
    'tag-prefix': {
      type: 'string',
      description: "A monorepo component's git tag prefix, e.g. api/ for api/v1.2.0.",
    },
    paths: {
      type: 'string',
      multiple: true,
      description: "The component's paths: only the commits touching them count (repeatable).",
    },
    force: {
      type: 'boolean',
      description: 'Release a version below what the commits call for; the reason is recorded in the tag.',
    },
    image: {
      type: 'string',
      description:
        'The artifact repository (registry/repo or oci:<dir>): the commit must have its sha tag there and no tombstone.',
    },
    'sha-length': {
      type: 'string',
      description: 'Hex characters of the sha in a sha tag of --image (4-40).',
      default: '7',
    },
    'sha-tag-prefix': { type: 'string', description: 'Put before the short sha in a sha tag of --image.' },
    fallback: {
      type: 'string',
      description:
        "none, or nearest-ancestor: a commit without an artifact counts its nearest first-parent ancestor's when only --ignore-paths changed since.",
      default: 'none',
    },
    'ignore-paths': {
      type: 'string',
      multiple: true,
      description: 'With --fallback nearest-ancestor: paths whose changes need no new artifact.',
    },
    components: {
      type: 'string',
      multiple: true,
      description:
        'A bundled component, "<name> <checkout folder> <pinning path>…" (repeatable): its commits between the pins are listed in the notes.',
    },
    'dry-run': { type: 'boolean', description: 'Check and show the plan; write nothing.' },
    yes: {
      type: 'boolean',
      description:
        'Create the tag and the release without asking (on a terminal flow shows the plan and asks first).',
    },
    repository: {
      type: 'string',
      description:
        'The GitHub repository (owner/name) whose checks are read and which gets the tag and release.',
      defaultText: "origin's owner/name",
    },
    ...REGISTRY_OPTIONS,
  },
  async run(args, context) {
    const token = context.env.GITHUB_TOKEN?.trim() || context.env.GH_TOKEN?.trim();
    if (!token) {
      throw new UsageError(
        'no GitHub token: set $GITHUB_TOKEN (or $GH_TOKEN) to a token that may read checks and write contents, e.g. GITHUB_TOKEN=$(gh auth token)',
      );
    }
    const commit = args.values.commit;
    const expanded = typeof commit === 'string' ? await expandCommit(commit, context) : undefined;
    const flags = createFlagInputSource(
      expanded ? { ...args, values: { ...args.values, commit: expanded } } : args,
      releaseCommand.options,
    );
    // The token is the action's github-token; from a terminal it is yours, whose tags start workflows.
    const source: InputSource = (name) => (name === 'github-token' ? token : flags(name));
    // The version options are checked with the flags: a malformed one is a usage error, before any read.
    const inputs = readInputs(() => {
      const read = getInputs(new InputReader(source), context.masker);
      checkVersionOptions(read.request);
      return read;
    });
    const repository =
      (args.values.repository as string | undefined) ?? (await githubRepository(context, 'repository'));
    if (!/^[\w.-]+\/[\w.-]+$/.test(repository))
      throw new UsageError(
        `--repository ${JSON.stringify(repository)} is not owner/name: write e.g. acme/api`,
      );
    const client = new GitHubClient({
      token,
      repository,
      masker: context.masker,
      logger: context.logger,
      ...(context.env.GITHUB_API_URL ? { apiUrl: context.env.GITHUB_API_URL } : {}),
    });
    const github = createReleaseGitHub(client);
    const openStore = createStoreOpener(inputs.registry, context, context.masker);
    const promoteGit = await openGitHistory(context.cwd, context.logger);
    const { request } = inputs;
    const checkouts = new Map(
      inputs.components.map((component) => [component.name, componentDir(context, component.checkout)]),
    );
    const server = context.env.GITHUB_SERVER_URL ?? 'https://github.com';
    const plan = await planRelease(
      { ...request, repositoryUrl: `${server}/${repository}` },
      {
        readHistory: () =>
          readGitHistory(context.cwd, {
            paths: (request.paths ?? []).length > 0 || inputs.components.some((component) => component.paths),
            logger: context.logger,
            masker: context.masker,
            label: 'the checkout',
          }),
        readComponentHistory: (component) =>
          readGitHistory(checkouts.get(component.name) as string, {
            logger: context.logger,
            masker: context.masker,
            label: `component ${component.name}'s checkout`,
          }),
        readFileAt: async (commit, path) => {
          const shown = await exec('git', ['-C', context.cwd, 'show', `${commit}:${path}`], {
            allowFailure: true,
            logger: context.logger,
          });
          return shown.exitCode === 0 ? shown.stdout : undefined;
        },
        github,
        openStore: (reference) => openStore(reference),
        ...(promoteGit ? { promoteGit } : {}),
        logger: context.logger,
      },
    );
    const table = checksTable(plan, context);
    if (plan.refusal) {
      return { json: planJson(plan), lines: [describePlan(plan)], table, failure: plan.refusal };
    }
    if (inputs.dryRun) return { json: planJson(plan), lines: [describePlan(plan), plan.changelog], table };
    // A re-run of a release that is done has nothing to write, so nothing to ask.
    if (args.values.yes !== true && !plan.released) await confirm(context, plan, table);
    const cut = await cutRelease(plan, { github, logger: context.logger });
    const done = cut.releaseCreated
      ? `Released ${cut.tag} on commit ${shortSha(plan.commit)}: ${cut.tagCreated ? 'tag created' : 'the tag was there already'}, GitHub release ${cut.releaseUrl}.`
      : `${cut.tag} is released on commit ${shortSha(plan.commit)} already (${cut.releaseUrl}): nothing written.`;
    return {
      json: {
        ...planJson(plan),
        tagCreated: cut.tagCreated,
        releaseCreated: cut.releaseCreated,
        releaseUrl: cut.releaseUrl,
      },
      lines: [done, ...(plan.forced ? [`Forced: ${plan.forced}.`] : [])],
      table,
    };
  },
};

/** A component's checkout (`--components`), inside the checkout here: a path that climbs out is refused. */
function componentDir(context: CommandContext, checkout: string): string {
  const dir = resolveInside(context.cwd, checkout);
  if (!dir) {
    throw new UsageError(
      `--components names the checkout ${JSON.stringify(checkout)}, which is outside ${context.cwd}: clone the component under it`,
    );
  }
  return dir;
}

/**
 * An abbreviated sha, branch or tag as the full sha of its commit, through the checkout's git; a
 * value git cannot resolve is passed on as written, for the action's own check to refuse by name.
 */
async function expandCommit(value: string, context: CommandContext): Promise<string | undefined> {
  if (value.startsWith('-')) return undefined;
  const result = await exec('git', ['rev-parse', '--verify', '--quiet', `${value}^{commit}`], {
    cwd: context.cwd,
    allowFailure: true,
  }).catch(() => undefined);
  const sha = result?.exitCode === 0 ? result.stdout.trim() : '';
  return /^[0-9a-f]{40}$/.test(sha) ? sha : undefined;
}

/** One row per sanity check, in the order they were made. */
function checksTable(plan: ReleasePlan, context: CommandContext): Table {
  return {
    columns: ['check', 'result', 'detail'],
    rows: plan.checks.map((check) => [check.name, check.state, wordingFor(check.detail, context.audience)]),
  };
}

function describePlan(plan: ReleasePlan): string {
  const which = plan.commitSource === 'newest-green' ? ' (the newest with green stage checks)' : '';
  if (!plan.tag) return `Commit ${shortSha(plan.commit)}${which}: no version could be computed.`;
  const previous = plan.previousTag ? `after ${plan.previousTag}` : 'the first release';
  return `${plan.refusal ? 'Would release' : 'Release'} commit ${shortSha(plan.commit)}${which} as ${plan.tag} (${previous}, ${plan.impact ?? 'no'} change).`;
}

function planJson(plan: ReleasePlan): Record<string, unknown> {
  return {
    ok: !plan.refusal,
    commit: plan.commit,
    commitSource: plan.commitSource,
    version: plan.version ?? null,
    tag: plan.tag ?? null,
    previousTag: plan.previousTag ?? null,
    impact: plan.impact ?? null,
    forced: plan.forced ?? null,
    prerelease: plan.prerelease,
    artifact: plan.artifact ?? null,
    checks: plan.checks,
    changelog: plan.changelog,
  };
}

/**
 * The question before the tag: the checks, the plan and the release notes, then yes or no — only
 * "y" or "yes" writes. Without a terminal nobody can answer: a script goes on (every check has
 * passed), and a line on stderr says --yes makes that explicit.
 */
async function confirm(context: CommandContext, plan: ReleasePlan, table: Table): Promise<void> {
  const tag = plan.tag as string;
  if (!context.ask) {
    context.logger.info(`Not on a terminal, so not asking: creating the tag ${tag} (pass --yes to say so).`);
    return;
  }
  const notes = plan.changelog.trimEnd().split('\n');
  const preview = [
    ...notes.slice(0, CHANGELOG_PREVIEW_LINES),
    ...(notes.length > CHANGELOG_PREVIEW_LINES
      ? [`… ${notes.length - CHANGELOG_PREVIEW_LINES} more lines`]
      : []),
  ];
  const question = [
    ...formatTable(table).map((line) => `  ${line}`),
    describePlan(plan),
    ...(plan.forced ? [`Forced: ${plan.forced}.`] : []),
    `Release notes of ${tag}:`,
    ...preview.map((line) => `  | ${line}`),
    `Create the tag ${tag} on ${shortSha(plan.commit)} and its GitHub release? The tag can never be moved or taken back. [y/N] `,
  ].join('\n');
  const answer = await context.ask(question);
  if (!/^\s*y(?:es)?\s*$/i.test(answer))
    throw new ConfigurationError('The release was not confirmed, so nothing was written.');
}
