import {
  ConfigurationError,
  describeError,
  forAudience,
  input,
  inputName,
  isConfigurationError,
  type Logger,
  type WordingPart,
  words,
} from '@flow-actions/action-kit';
import { readTombstone } from '@flow-actions/artifact-protocol';
import { isFullSha, type ShaTagOptions, shortSha } from '@flow-actions/commit-identity';
import type { RequiredChecksResult } from '@flow-actions/github-api';
import type { SemverImpact } from '@flow-actions/merge-gate/labels';
import type { ArtifactStore } from '@flow-actions/oci-store';
import type { GitHistory } from '@flow-actions/retag-promote/git-history';
import { compilePathPatterns } from '@flow-actions/retag-promote/path-patterns';
import { type ResolvedSource, resolveSource } from '@flow-actions/retag-promote/source';
import { TRAILERS } from '@flow-actions/update-manifest/commit-message';
import { runningDeploy } from '@flow-actions/update-manifest/git';
import { compareSemver, parseSemver } from '@flow-actions/versions';
import { parse as parseYaml } from 'yaml';
import { type ComponentChanges, renderChangelog } from './changelog';
import { commitsBetween, firstParentLine, type History, type HistoryCommit, reachableFrom } from './history';
import {
  checkVersionOptions,
  computeNextVersion,
  findPreviousRelease,
  type NextVersion,
  parseCalverFormat,
  type ReleaseKind,
  type VersionScheme,
} from './version';

/**
 * Cutting a release, in two steps that the action and `flow release` share:
 *
 * - {@link planRelease} does every read — the history, the stage checks, the tombstone, the
 *   artifact, the tags and releases on GitHub — and returns the plan: the version, the tag, the
 *   changelog and one row per sanity check. It writes nothing, so a terminal can show the table
 *   and ask before anything happens.
 * - {@link cutRelease} takes a plan whose checks all passed and writes: the annotated tag (through
 *   the GitHub API: a tag object, then its ref), then the GitHub release whose notes are the
 *   changelog.
 *
 * Everything outside is passed in ({@link ReleaseIO}): the history (read from git by
 * `readGitHistory`), GitHub (`createReleaseGitHub` over a `GitHubClient`), the artifact store
 * (oci-store's `openStore`) and retag-promote's git view for the nearest-ancestor rule.
 */

/** What to release, as the action's inputs or `flow release`'s flags say it. */
export interface ReleaseRequest {
  /** The full sha to release. Default: the newest commit of `branch`'s first-parent line whose stage checks are green. */
  commit?: string;
  kind: ReleaseKind;
  /** Default: semver. */
  scheme?: VersionScheme;
  /** The release branch, e.g. `main`. Commits of a `release/*` branch cut from a `v*` tag are accepted too (hotfixes). */
  branch: string;
  /** Check names (check runs or commit statuses) that must be green on the commit. At least one. */
  stageChecks: readonly string[];
  /** A monorepo component's tag prefix (`api/`). Default: none. */
  tagPrefix?: string;
  /** The component's paths. Default: every commit counts. */
  paths?: readonly string[];
  /** Release a version below what the commits call for; the reason is recorded. Default: false. */
  force?: boolean;
  /**
   * The artifact repository whose sha tag must exist and which holds the yank tombstones, e.g.
   * `ghcr.io/acme/api`. Default: none — a repository with no artifact of its own (a manifest
   * repository): those two rows say they were not checked.
   */
  image?: string;
  /** How sha tags are named (build-by-sha's `sha-length` and `tag-prefix`). */
  sha: Required<ShaTagOptions>;
  /** promote's nearest-ancestor rule for a commit without an artifact of its own. Default: none. */
  fallback?: 'none' | 'nearest-ancestor';
  /** With `fallback: nearest-ancestor`: the paths whose changes need no new artifact. */
  ignorePaths?: readonly string[];
  /** Components pinned by this repository, whose changes are rolled into the notes. Default: none. */
  components?: readonly BundledComponent[];
  /** `https://github.com/org/repo`, for links in the notes. Default: plain `#123`. */
  repositoryUrl?: string;
  /** Calver's date. Default: now. */
  now?: Date;
}

/**
 * A component this repository pins, in one of two ways:
 * - `paths`: through update-manifest's deploy commits — the pin at a commit is the
 *   `Flow-Source-Commit` trailer of the deploy running in those paths there (the newest deploy
 *   commit touching them that no later revert undid, as update-manifest reads it);
 * - `versionsFile`: through a file of versions — the pin is the value under `key` in that YAML or
 *   JSON file at the commit: a version, found as the component's tag (`1.2.0` or `v1.2.0` names
 *   `v1.2.0`), or a full commit sha.
 */
export interface BundledComponent {
  name: string;
  /** The product's files that pin it through deploy commits, as path patterns (`envs/prod/api/**`). */
  paths?: readonly string[];
  /** The versions file and the key of this component in it. */
  versionsFile?: { path: string; key: string };
}

/** What release needs of GitHub: see `createReleaseGitHub` for the real one. */
export interface ReleaseGitHub {
  /** The named checks on `sha`, newest report of each name, as the promote and publish gates read them. */
  requiredChecks(sha: string, names: readonly string[]): Promise<RequiredChecksResult>;
  /** The commit a tag names on GitHub (an annotated tag peeled), or undefined when there is no such tag. */
  tagCommit(tag: string): Promise<string | undefined>;
  /** The published GitHub release of a tag, or undefined (GitHub shows no draft by tag). */
  findRelease(tag: string): Promise<{ url: string } | undefined>;
  /** Creates the annotated tag `tag` on `sha`: a tag object, then `refs/tags/<tag>`. */
  createTag(tag: AnnotatedTag): Promise<void>;
  createRelease(release: {
    tag: string;
    name: string;
    body: string;
    prerelease: boolean;
  }): Promise<{ url: string }>;
}

export interface AnnotatedTag {
  tag: string;
  sha: string;
  message: string;
}

export interface ReleaseIO {
  /** The repository's history: commits with parents, messages and (for `paths`) changed files; tags peeled; branches. */
  readHistory(): Promise<History>;
  /** A bundled component's history (its own repository's commits). Needed only with `components`. */
  readComponentHistory?(component: BundledComponent): Promise<History>;
  /** A file of this repository at a commit; undefined when it does not exist there. Needed only with a versions file. */
  readFileAt?(commit: string, path: string): Promise<string | undefined>;
  github: ReleaseGitHub;
  /** Opens the artifact repository (oci-store's `openStore`). Needed only with `image`. */
  openStore?(reference: string): Promise<ArtifactStore>;
  /** retag-promote's view of the checkout, for its nearest-ancestor rule. Default: none (no fallback). */
  promoteGit?: GitHistory;
  logger: Logger;
}

export type ReleaseCheckName = 'release line' | 'stage checks' | 'not yanked' | 'artifact' | 'version';

/** One sanity check, one row of the summary (and of `flow release`'s table). */
export interface ReleaseCheck {
  name: ReleaseCheckName;
  state: 'pass' | 'fail' | 'skip';
  /** What was found; for a failure, the one-line refusal, with its fix (in the action's or the CLI's words). */
  detail: WordingPart;
}

export interface ReleasePlan {
  /** The commit to release (full sha). */
  commit: string;
  /** `given`: asked for; `newest-green`: the newest commit of the branch whose stage checks are green. */
  commitSource: 'given' | 'newest-green';
  /** The branch whose first-parent line holds the commit (`main`, or `release/1.4` for a hotfix); undefined when none does. */
  line?: string;
  /** Undefined when the version check failed. */
  version?: string;
  tag?: string;
  previousTag?: string;
  /** What the commits since `previousTag` call for (0.y.z rules applied). */
  impact?: SemverImpact;
  /** Why force was needed, when it was. */
  forced?: string;
  /** True for an `rc` tag: the GitHub release is a prerelease. */
  prerelease: boolean;
  /** The release notes: the grouped changes, then each bundled component's. */
  changelog: string;
  components: ComponentChanges[];
  /** The artifact found for the commit (its own sha tag, or an ancestor's by the nearest-ancestor rule). */
  artifact?: { reference: string; digest: string; sha?: string; fallbackFrom?: string };
  /**
   * True when the tag already exists on GitHub on this very commit without a release: a run that
   * stopped between the two writes. The cut then only creates the release.
   */
  tagExists: boolean;
  /** Set when the tag and its GitHub release exist on this commit already (a re-run): the cut writes nothing. */
  released?: { url: string };
  /** In order: release line, stage checks, not yanked, artifact, version. */
  checks: ReleaseCheck[];
  /** The first failed check's one-line refusal; undefined when every check passed or was skipped. */
  refusal?: WordingPart;
}

export interface CutResult {
  tag: string;
  /** False when a previous run had created it already (see ReleasePlan.tagExists). */
  tagCreated: boolean;
  /** False when a previous run had published it already (see ReleasePlan.released). */
  releaseCreated: boolean;
  releaseUrl: string;
}

/** How many first-parent commits of the branch are asked for their checks when no commit is given. */
export const NEWEST_GREEN_LOOKBACK = 30;

/**
 * Reads everything a release needs and checks it; writes nothing. Input mistakes (a commit that is
 * not a full sha, a tag prefix or explicit version that is none) throw before any read; a failed
 * sanity check is a row, and the first one becomes `refusal`.
 */
export async function planRelease(request: ReleaseRequest, io: ReleaseIO): Promise<ReleasePlan> {
  checkRequest(request);
  const history = await io.readHistory();
  const tip = history.branches?.get(request.branch);
  if (!tip) {
    throw new ConfigurationError(
      words`${input('branch')} ${JSON.stringify(request.branch)} is not a branch of the checkout: name the release branch (e.g. main), ${forAudience({ action: 'and check out with fetch-depth: 0', cli: 'and fetch it (git fetch origin)' })}.`,
    );
  }
  if (request.commit && !history.commits.has(request.commit)) {
    throw new ConfigurationError(
      words`${input('commit')} ${request.commit} is not in the checkout's history: name a commit of this repository, ${forAudience({ action: 'checked out with fetch-depth: 0', cli: 'fetched (git fetch origin)' })}.`,
    );
  }
  const { commit, commitSource, checksResult } = request.commit
    ? {
        commit: request.commit,
        commitSource: 'given' as const,
        checksResult: await io.github.requiredChecks(request.commit, request.stageChecks),
      }
    : await newestGreen(history, tip, request, io);
  const checks: ReleaseCheck[] = [];
  const line = findLine(history, commit, request.branch);
  checks.push(lineCheck(line, commit, request.branch));
  checks.push(stageChecksRow(checksResult, request.stageChecks, commit));
  const artifactRows = await checkArtifact(request, commit, io);
  checks.push(...artifactRows.rows);

  // A re-run on a commit already tagged (by this action, or by hand) plans the same tag as the
  // first run did: the commit's own tag of that kind is left out of the history for the count.
  const own = ownReleaseTag(history, commit, request);
  const counted = own
    ? { ...history, tags: new Map([...history.tags].filter(([tag]) => tag !== own)) }
    : history;
  const components = await bundledChanges(counted, request, commit, io);
  const version = await checkVersion(counted, request, commit, line?.branch, io, components);
  checks.push(version.row);
  const next = version.next;
  const failed = checks.find((check) => check.state === 'fail');
  return {
    commit,
    commitSource,
    ...(line ? { line: line.branch } : {}),
    ...(next
      ? {
          version: next.version,
          tag: next.tag,
          impact: next.required,
          ...(next.previous ? { previousTag: next.previous.tag } : {}),
          ...(next.forced ? { forced: next.forced } : {}),
        }
      : {}),
    prerelease: request.kind === 'rc',
    changelog: next
      ? renderChangelog(
          next.commits,
          components,
          request.repositoryUrl ? { repositoryUrl: request.repositoryUrl } : {},
        )
      : '',
    components: next ? components : [],
    ...(artifactRows.artifact ? { artifact: artifactRows.artifact } : {}),
    tagExists: version.tagExists,
    ...(version.released ? { released: version.released } : {}),
    checks,
    ...(failed ? { refusal: failed.detail } : {}),
  };
}

/**
 * Writes the plan: the annotated tag (unless a previous run left it on this commit), then the
 * GitHub release with the changelog as its notes (a prerelease for `rc`). Refuses a plan with a
 * failed check, with that check's line, before writing anything.
 */
export async function cutRelease(
  plan: ReleasePlan,
  io: Pick<ReleaseIO, 'github' | 'logger'>,
): Promise<CutResult> {
  if (plan.refusal) throw new ConfigurationError(plan.refusal);
  const tag = plan.tag as string;
  if (plan.released) {
    io.logger.info(`${tag} is released on ${plan.commit} already (${plan.released.url}): nothing written.`);
    return { tag, tagCreated: false, releaseCreated: false, releaseUrl: plan.released.url };
  }
  if (!plan.tagExists) {
    await io.github.createTag({ tag, sha: plan.commit, message: tagMessage(plan) });
    io.logger.info(`Created the annotated tag ${tag} on ${plan.commit}.`);
  }
  const release = await io.github.createRelease({
    tag,
    name: tag,
    body: plan.changelog,
    prerelease: plan.prerelease,
  });
  io.logger.info(`Published the GitHub release ${release.url}.`);
  return { tag, tagCreated: !plan.tagExists, releaseCreated: true, releaseUrl: release.url };
}

/** The annotated tag's message: what it is, and why force was needed when it was. */
export function tagMessage(plan: ReleasePlan): string {
  const lines = [`Release ${plan.tag} of ${plan.commit}`];
  if (plan.forced) lines.push('', `Forced: ${plan.forced}`);
  return `${lines.join('\n')}\n`;
}

function checkRequest(request: ReleaseRequest): void {
  if (request.commit !== undefined && !isFullSha(request.commit)) {
    throw new ConfigurationError(
      words`${input('commit')} ${JSON.stringify(request.commit)} is not a full commit sha (40 hex characters): give the whole sha (git rev-parse <commit>), or leave it empty for the newest green commit of ${inputName('branch')}.`,
    );
  }
  if (request.stageChecks.length === 0) {
    throw new ConfigurationError(
      words`${input('stage-checks')} is required: name the checks that must be green on the commit, one per line (e.g. stage-smoke).`,
    );
  }
  checkVersionOptions(request);
}

/** The first commit of the branch's first-parent line, newest first, whose stage checks are all green. */
async function newestGreen(
  history: History,
  tip: string,
  request: ReleaseRequest,
  io: ReleaseIO,
): Promise<{ commit: string; commitSource: 'newest-green'; checksResult: RequiredChecksResult }> {
  const line = firstParentLine(history, tip).slice(0, NEWEST_GREEN_LOOKBACK);
  for (const candidate of line) {
    const result = await io.github.requiredChecks(candidate.sha, request.stageChecks);
    if (result.ok) {
      io.logger.info(
        `Releasing ${candidate.sha}, the newest commit of ${request.branch} with its stage checks green.`,
      );
      return { commit: candidate.sha, commitSource: 'newest-green', checksResult: result };
    }
  }
  throw new ConfigurationError(
    words`${input('commit')} is empty, and none of the ${line.length} newest commits of ${request.branch} has every stage check green (${request.stageChecks.join(', ')}): wait for them, or name a commit.`,
  );
}

/**
 * The branch whose first-parent line holds the commit: the release branch, else a `release/*`
 * branch cut from a `v*` tag (a tag under the tag prefix on its first-parent line, below the
 * commit): the hotfix route.
 */
function findLine(
  history: History,
  commit: string,
  branch: string,
): { branch: string; hotfixOf?: string } | undefined {
  const tip = history.branches?.get(branch);
  if (tip && firstParentLine(history, tip).some((entry) => entry.sha === commit)) return { branch };
  const tagsByCommit = new Map<string, string>();
  for (const [tag, sha] of history.tags) if (/^(?:.*\/)?v\d/.test(tag)) tagsByCommit.set(sha, tag);
  for (const [name, hotfixTip] of history.branches ?? []) {
    if (!name.startsWith('release/')) continue;
    const line = firstParentLine(history, hotfixTip);
    const at = line.findIndex((entry) => entry.sha === commit);
    if (at < 0) continue;
    const cutFrom = line.slice(at).find((entry) => tagsByCommit.has(entry.sha));
    if (cutFrom) return { branch: name, hotfixOf: tagsByCommit.get(cutFrom.sha) as string };
  }
  return undefined;
}

function lineCheck(
  line: { branch: string; hotfixOf?: string } | undefined,
  commit: string,
  branch: string,
): ReleaseCheck {
  if (!line) {
    return {
      name: 'release line',
      state: 'fail',
      detail: words`Commit ${shortSha(commit)} is not on ${branch}'s first-parent line, nor on a release/* branch cut from a v* tag: release a commit of ${branch} (merged, not a side branch's), or cut a hotfix branch release/X.Y from the v* tag and release its commit.`,
    };
  }
  return {
    name: 'release line',
    state: 'pass',
    detail: line.hotfixOf
      ? `on ${line.branch}'s first-parent line, cut from ${line.hotfixOf} (hotfix)`
      : `on ${line.branch}'s first-parent line`,
  };
}

function stageChecksRow(
  result: RequiredChecksResult,
  names: readonly string[],
  commit: string,
): ReleaseCheck {
  if (result.ok) return { name: 'stage checks', state: 'pass', detail: `green: ${names.join(', ')}` };
  return {
    name: 'stage checks',
    state: 'fail',
    detail: `Stage checks of ${shortSha(commit)}: ${result.message}.`,
  };
}

/** The tombstone row and the artifact row: promote's own source resolution, nearest-ancestor rule included. */
async function checkArtifact(
  request: ReleaseRequest,
  commit: string,
  io: ReleaseIO,
): Promise<{ rows: ReleaseCheck[]; artifact?: ReleasePlan['artifact'] }> {
  if (!request.image || !io.openStore) {
    const detail = words`not checked: no ${inputName('image')} (a repository without an artifact of its own)`;
    return {
      rows: [
        { name: 'not yanked', state: 'skip', detail },
        { name: 'artifact', state: 'skip', detail },
      ],
    };
  }
  const store = await io.openStore(request.image);
  const tombstone = await readTombstone(store, commit, request.sha);
  const yankRow: ReleaseCheck = tombstone
    ? {
        name: 'not yanked',
        state: 'fail',
        detail: `Commit ${shortSha(commit)} was yanked by ${tombstone.actor || 'unknown'} at ${tombstone.yankedAt || 'an unknown time'}: "${tombstone.reason}" (tombstone ${tombstone.reference}). A yanked commit is never released: fix forward with a new commit and release that.`,
      }
    : { name: 'not yanked', state: 'pass', detail: `no tombstone in ${store.location}` };
  let source: ResolvedSource;
  try {
    // allowYanked: the tombstone has its own row; an ancestor's is reported below.
    source = await resolveSource(
      store,
      { kind: 'commit', revision: commit },
      {
        sha: request.sha,
        fallback: request.fallback ?? 'none',
        isIgnoredPath: compilePathPatterns(request.ignorePaths ?? []),
        allowYanked: true,
        ...(io.promoteGit ? { git: io.promoteGit } : {}),
      },
    );
  } catch (error) {
    if (!isConfigurationError(error)) throw error;
    return { rows: [yankRow, { name: 'artifact', state: 'fail', detail: describeError(error) }] };
  }
  const artifact = {
    reference: `${store.location}:${source.reference}`,
    digest: source.manifest.digest,
    ...(source.sha ? { sha: source.sha } : {}),
    ...(source.fallbackFrom ? { fallbackFrom: source.fallbackFrom } : {}),
  };
  if (source.fallbackFrom && source.yankedOverride) {
    return {
      rows: [
        yankRow,
        {
          name: 'artifact',
          state: 'fail',
          detail: `Commit ${shortSha(commit)} has no artifact of its own, and the nearest ancestor's (${source.reference}) was yanked: build ${shortSha(commit)} first.`,
        },
      ],
      artifact,
    };
  }
  const found = source.fallbackFrom
    ? `${artifact.reference} (${shortSha(source.sha ?? '')}, the nearest ancestor with one: since then only ignored paths changed)`
    : artifact.reference;
  return {
    rows: [yankRow, { name: 'artifact', state: 'pass', detail: `${found} = ${source.manifest.digest}` }],
    artifact,
  };
}

/**
 * The version row: the core's computation (above every release reachable from the commit, not
 * tagged in the checkout, not below what the commits call for unless forced), and above every
 * release on the commit's line, and not a tag or release on GitHub already.
 */
async function checkVersion(
  history: History,
  request: ReleaseRequest,
  commit: string,
  line: string | undefined,
  io: ReleaseIO,
  components: readonly ComponentChanges[],
): Promise<{ row: ReleaseCheck; next?: NextVersion; tagExists: boolean; released?: { url: string } }> {
  let next: NextVersion;
  try {
    next = computeNextVersion(history, {
      head: commit,
      kind: request.kind,
      ...(request.scheme ? { scheme: request.scheme } : {}),
      ...(request.tagPrefix ? { tagPrefix: request.tagPrefix } : {}),
      ...(request.paths && request.paths.length > 0 ? { paths: request.paths } : {}),
      ...(request.force ? { force: true } : {}),
      ...(request.now ? { now: request.now } : {}),
      ...((request.components ?? []).length > 0
        ? { bundled: components.flatMap((change) => [...change.commits]) }
        : {}),
    });
  } catch (error) {
    if (!isConfigurationError(error)) throw error;
    return { row: { name: 'version', state: 'fail', detail: describeError(error) }, tagExists: false };
  }
  const fail = (detail: WordingPart) => ({
    row: { name: 'version' as const, state: 'fail' as const, detail },
    tagExists: false,
  });
  const newer = line ? newerReleaseOnLine(history, request, line, next.version) : undefined;
  if (newer) {
    return fail(
      words`${input('kind')}: ${next.version} is not above ${newer}, already released on ${line ?? ''}: release a newer commit, or cut a release/* branch from the tag for a hotfix.`,
    );
  }
  const [onGitHub, release] = await Promise.all([
    io.github.tagCommit(next.tag),
    io.github.findRelease(next.tag),
  ]);
  if (release && onGitHub === commit) {
    return {
      row: {
        name: 'version',
        state: 'pass',
        detail: `${next.tag} is released on this commit already (${release.url}): nothing to do`,
      },
      next,
      tagExists: true,
      released: release,
    };
  }
  if (release || (onGitHub && onGitHub !== commit)) {
    return fail(
      words`${input('kind')}: ${next.tag} is already ${release ? `released (${release.url})` : `a tag on GitHub, on ${shortSha(onGitHub as string)}`}: fetch the tags (the checkout does not have it), and choose a version that is not taken.`,
    );
  }
  const forced = next.forced ? `; forced: ${next.forced}` : '';
  const previous = next.previous ? `after ${next.previous.tag}` : 'first release';
  const resumed = onGitHub
    ? '; the tag exists on this commit already (an earlier run): only the release is created'
    : '';
  return {
    row: {
      name: 'version',
      state: 'pass',
      detail: `${next.tag} (${previous}, ${next.required} change${forced}${resumed})`,
    },
    next,
    tagExists: onGitHub === commit,
  };
}

/** The commit's own tag of the kind asked for (`v*`, `rc-*`, or the explicit version), if the checkout has one. */
function ownReleaseTag(history: History, commit: string, request: ReleaseRequest): string | undefined {
  const prefix = request.tagPrefix ?? '';
  const kind = request.kind;
  const wanted = (tag: string) => {
    if (typeof kind === 'object') return tag === `${prefix}v${kind.version}`;
    if (kind === 'rc') return tag.startsWith(`${prefix}rc-`);
    return tag.startsWith(`${prefix}v`) && !tag.slice(prefix.length).includes('-');
  };
  for (const [tag, sha] of history.tags) if (sha === commit && wanted(tag)) return tag;
  return undefined;
}

/** The newest release tag on the line's first-parent line that is not below `version`, if any. */
function newerReleaseOnLine(
  history: History,
  request: ReleaseRequest,
  line: string,
  version: string,
): string | undefined {
  const tip = history.branches?.get(line);
  if (!tip) return undefined;
  const onLine = new Set(firstParentLine(history, tip).map((commit) => commit.sha));
  const prefix = `${request.tagPrefix ?? ''}v`;
  const compare = versionComparer(request.scheme);
  for (const [tag, sha] of history.tags) {
    if (!tag.startsWith(prefix) || !onLine.has(sha)) continue;
    const order = compare(tag.slice(prefix.length), version);
    if (order !== undefined && order >= 0) return tag;
  }
  return undefined;
}

/** Orders two release versions of the scheme; undefined when one is not such a version. */
function versionComparer(scheme: VersionScheme | undefined): (a: string, b: string) => number | undefined {
  if (scheme?.kind === 'calver') {
    const format = parseCalverFormat(scheme.format);
    return (a, b) => {
      const [left, right] = [format.parse(a), format.parse(b)];
      if (!left || !right) return undefined;
      const length = Math.max(left.numbers.length, right.numbers.length);
      for (let index = 0; index < length; index++) {
        const difference = (left.numbers[index] ?? 0) - (right.numbers[index] ?? 0);
        if (difference !== 0) return difference;
      }
      return 0;
    };
  }
  return (a, b) => {
    const [left, right] = [parseSemver(a), parseSemver(b)];
    if (!left || !right || left.prerelease.length > 0) return undefined;
    return compareSemver(left, right);
  };
}

/**
 * Each bundled component's commits between its pin at the previous release (the newest one
 * reachable from the commit) and its pin at the commit; none for a component whose pin did not
 * move. A pin that cannot be read is a warning, not a refusal: the notes are the less complete.
 */
async function bundledChanges(
  history: History,
  request: ReleaseRequest,
  commit: string,
  io: ReleaseIO,
): Promise<ComponentChanges[]> {
  const components = request.components ?? [];
  if (components.length === 0) return [];
  if (!io.readComponentHistory) throw new Error('release: components need readComponentHistory');
  const previous = findPreviousRelease(history, {
    head: commit,
    ...(request.scheme ? { scheme: request.scheme } : {}),
    ...(request.tagPrefix ? { tagPrefix: request.tagPrefix } : {}),
  });
  const changes: ComponentChanges[] = [];
  for (const component of components) {
    const componentHistory = await io.readComponentHistory(component);
    const pin = (revision: string) => readPin(history, componentHistory, revision, component, io);
    const to = await pin(commit);
    if (!to) {
      io.logger.warning(
        `Component ${component.name}: no pin found in ${shortSha(commit)}, so its changes are not listed.`,
      );
      continue;
    }
    const from = previous ? await pin(previous.commit) : undefined;
    if (from === to) continue;
    if (!componentHistory.commits.has(to)) {
      io.logger.warning(
        `Component ${component.name}: its pin ${shortSha(to)} is not in its repository's history as read, so its changes are not listed: check out the component with its whole history.`,
      );
      continue;
    }
    const commits = from ? commitsBetween(componentHistory, from, to) : reachableFrom(componentHistory, to);
    changes.push({ name: component.name, from: from ?? '(none)', to, commits });
  }
  return changes;
}

/** The component commit the product pins at `revision`: by its deploy commits or its versions file. */
async function readPin(
  history: History,
  componentHistory: History,
  revision: string,
  component: BundledComponent,
  io: ReleaseIO,
): Promise<string | undefined> {
  if (!component.versionsFile) return pinAt(history, revision, component);
  if (!io.readFileAt) throw new Error('release: a versions file needs readFileAt');
  const text = await io.readFileAt(revision, component.versionsFile.path);
  return text === undefined
    ? undefined
    : pinInVersionsFile(text, component.versionsFile.key, componentHistory);
}

/**
 * The value under `key` in a YAML or JSON versions file, as a commit of the component: a full sha
 * it has, or a version its tags name (`1.2.0` and `v1.2.0` both name the tag `v1.2.0`).
 */
export function pinInVersionsFile(text: string, key: string, componentHistory: History): string | undefined {
  let parsed: unknown;
  try {
    // Every scalar as text: a sha of digits (or `12e4…`) must not turn into a number.
    parsed = parseYaml(text, { schema: 'failsafe' });
  } catch {
    return undefined;
  }
  const value = parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>)[key] : undefined;
  if (typeof value !== 'string') return undefined;
  const pin = String(value).trim();
  if (isFullSha(pin) && componentHistory.commits.has(pin)) return pin;
  return componentHistory.tags.get(`v${pin.replace(/^v/, '')}`) ?? componentHistory.tags.get(pin);
}

/**
 * The component commit `revision` runs: update-manifest's running deploy among the commits
 * touching the component's paths, read from their `Flow-Source-Commit` and `Flow-Reverts` trailers.
 */
export function pinAt(history: History, revision: string, component: BundledComponent): string | undefined {
  const touches = compilePathPatterns(component.paths ?? []);
  const deploys = reachableFrom(history, revision)
    .filter((entry) => entry.paths.some(touches))
    .flatMap((entry) => {
      const sourceCommit = readTrailer(entry, TRAILERS.sourceCommit);
      const reverts = readTrailer(entry, TRAILERS.reverts);
      if (!sourceCommit && !reverts) return [];
      return [
        { commit: entry.sha, ...(sourceCommit ? { sourceCommit } : {}), ...(reverts ? { reverts } : {}) },
      ];
    });
  return runningDeploy(deploys)?.sourceCommit;
}

/** A trailer's value in the message's last paragraph, as `git interpret-trailers` reads `Key: value` (key case-insensitive). */
function readTrailer(commit: HistoryCommit, key: string): string | undefined {
  const paragraphs = commit.body.trim().split(/\n\s*\n/);
  const last = paragraphs.at(-1) ?? '';
  const wanted = key.toLowerCase();
  for (const line of last.split('\n')) {
    const colon = line.indexOf(':');
    if (colon > 0 && line.slice(0, colon).trim().toLowerCase() === wanted)
      return line.slice(colon + 1).trim();
  }
  return undefined;
}
