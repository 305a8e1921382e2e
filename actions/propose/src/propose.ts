import { ConfigurationError, input, type Logger, nullLogger, words } from '@flow-actions/action-kit';
import { DEFAULT_POLICY_FILE, parseRiskSettings, type RiskPolicy } from '@flow-actions/merge-gate/policy';
import { sizeOfChange } from '@flow-actions/merge-gate/risk';
import type { HistoryCommit } from '@flow-actions/release/history';
import { compilePathPatterns } from '@flow-actions/retag-promote/path-patterns';
import { checkBranchName } from '@flow-actions/update-manifest/branch-name';
import {
  type PullRequestApi,
  type UpdateRequest,
  type UpdateResult,
  updateManifest,
} from '@flow-actions/update-manifest/core';
import type { ManifestGit } from '@flow-actions/update-manifest/git';
import type { ComponentHistory, DiffStat } from './component-history';
import {
  assessChange,
  type ChangeAssessment,
  currentPin,
  isNewer,
  type Pin,
  pinnedPast,
  plannedLabels,
  proposalBody,
  proposalTitle,
  readMarker,
} from './proposal';

/** An open pull request of the product, as far as propose reads it. */
export interface OpenPullRequest {
  number: number;
  url: string;
  /** `owner:branch`: a fork's pull request names another owner. */
  headLabel: string;
  body: string;
  labels: string[];
}

/** update-manifest's pull request calls, and the few more that keep one proposal per component. */
export interface ProposalApi extends PullRequestApi {
  listOpen(base: string): Promise<OpenPullRequest[]>;
  addLabels(number: number, labels: readonly string[]): Promise<void>;
  removeLabel(number: number, label: string): Promise<void>;
  comment(number: number, body: string): Promise<void>;
  close(number: number): Promise<void>;
}

export interface ProposeRequest {
  /** What to edit in the product, as update-manifest takes it (`target.tag` is the version; pull-request mode). */
  update: UpdateRequest;
  /** The product repository's owner: only its own branches' pull requests are propose's. */
  owner: string;
  component: string;
  /** `v1.5.0`. */
  version: string;
  hotfixTo?: string;
  toggles: readonly string[];
  coverage?: number;
  /** The artifact's digest, for the body: the product's files get it only when `update.target` has it. */
  digest?: string;
  /** The component's release page, which the digest links to. */
  artifactUrl?: string;
  /** `https://github.com/acme/api`, for the changelog's links. */
  componentUrl?: string;
}

export interface ProposeDependencies {
  /** A git client for a fresh clone of the product; `name` tells the clones apart. */
  openProductGit(name: string): ManifestGit;
  api: ProposalApi;
  component: ComponentHistory;
  logger?: Logger;
}

/**
 * `opened`/`updated`: the proposal is open for this version. `current`: the product already pins
 * it. `behind`: the product pins a newer version (propose's open pull requests for the component
 * are closed, as with `current`), or propose's open pull request proposes a newer one (a re-run of
 * an older release's job: left as it is).
 */
export type ProposeStatus = 'opened' | 'updated' | 'current' | 'behind';

export interface ProposeResult {
  status: ProposeStatus;
  /** The product's branch the proposal goes to. */
  base: string;
  /** The proposal's branch; empty when nothing was proposed. */
  branch: string;
  pullRequest?: { number: number; url: string };
  previous?: Pin;
  assessment?: ChangeAssessment;
  /** The labels the proposal carries. */
  labels: string[];
  /** Propose's other pull requests for the component, closed, and why. */
  closed: { number: number; url: string; reason: string }[];
  /** `behind` because propose's open pull request proposes a newer version: that one, left as it is. */
  newer?: { number: number; url: string; version: string };
  /** What update-manifest did to the product. */
  update: UpdateResult;
}

/**
 * Proposes a component's release to the product: reads the product's current pin with
 * update-manifest's editors (a dry run), the component's commits and diff since that pin, then
 * lets update-manifest's pull-request mode push the bump to the component's own branch (a fresh
 * commit on the product's current base, force-pushed) and open or update its pull request, with
 * propose's title, body and labels. Propose's other open pull requests for the component are
 * closed with a comment; so is every one when the product already pins this version or a newer one.
 */
export async function propose(
  request: ProposeRequest,
  dependencies: ProposeDependencies,
): Promise<ProposeResult> {
  const { api, component } = dependencies;
  const logger = dependencies.logger ?? nullLogger;
  const probeGit = dependencies.openProductGit('product-read');
  const probe = await updateManifest(
    { ...request.update, dryRun: true },
    { git: probeGit, pullRequests: api, logger },
  );
  const base = probe.branch;
  const branch = request.update.pullRequestBranch ?? proposalBranch(base, request.component);
  const pin = currentPin(probe.changes);
  const ours = (await api.listOpen(base)).filter(
    (pull) =>
      readMarker(pull.body)?.component === request.component &&
      pull.headLabel.startsWith(`${request.owner}:`),
  );
  // A re-run of an older release's job must not take the proposal back.
  const newer = ours.find((pull) => isNewer(readMarker(pull.body)?.version ?? 'v0.0.0', request.version));
  if (newer) {
    const proposed = readMarker(newer.body)?.version;
    logger.info(
      `${newer.url} proposes ${request.component} ${proposed}, newer than ${request.version}: left as it is.`,
    );
    return {
      status: 'behind',
      base,
      branch: '',
      labels: [],
      closed: [],
      update: probe,
      ...(pin ? { previous: pin } : {}),
      newer: { number: newer.number, url: newer.url, version: proposed ?? '' },
    };
  }

  const done = (status: ProposeStatus, update: UpdateResult, reason: string) =>
    closeAll(api, ours, reason).then((closed) => ({ status, base, branch: '', labels: [], closed, update }));
  if (probe.status === 'unchanged') {
    logger.info(`${base} already pins ${request.component} ${request.version}: nothing to propose.`);
    return done('current', probe, `${base} already pins ${request.component} ${request.version}.`);
  }
  if (pin && pinnedPast(pin, request.version)) {
    logger.info(`${base} pins ${request.component} ${pin.tag}, past ${request.version}: nothing to propose.`);
    return {
      ...(await done(
        'behind',
        probe,
        `${base} pins ${request.component} ${pin.tag} now, past ${request.version}: this proposal is not needed any more.`,
      )),
      previous: pin,
    };
  }

  const policy = await readRiskPolicy(probeGit, logger);
  const range = await readRange(component, request, pin);
  const assessment = assessChange({
    ...('commits' in range ? { commits: range.commits, diff: range.diff } : {}),
    ...(pin ? { from: pin } : {}),
    version: request.version,
    sizeOf: (change) => sizeOfChange(change, policy.changeSize),
    isNonFunctional: compilePathPatterns(policy.nonFunctionalPaths),
  });
  const title = proposalTitle(request.component, request.version, assessment.impact, request.hotfixTo);
  const body = proposalBody({
    component: request.component,
    version: request.version,
    base,
    paths: request.update.paths,
    image: request.update.target.name,
    ...(request.digest ? { digest: request.digest } : {}),
    ...(request.artifactUrl ? { artifactUrl: request.artifactUrl } : {}),
    ...(pin ? { from: pin } : {}),
    commits: 'commits' in range ? range.commits : { unknown: range.unknown },
    assessment,
    changes: probe.changes,
    ...(request.componentUrl ? { componentUrl: request.componentUrl } : {}),
    ...(request.hotfixTo ? { hotfixTo: request.hotfixTo } : {}),
  });

  const update = await updateManifest(
    {
      ...request.update,
      branch: base,
      pullRequestBranch: branch,
      message: title,
      pullRequestBody: body,
      dryRun: false,
    },
    { git: dependencies.openProductGit('product-write'), pullRequests: api, logger },
  );
  const pullRequest = update.pullRequest;
  if (!pullRequest) {
    // Another run pinned the version between the read and the write.
    return done('current', update, `${base} already pins ${request.component} ${request.version}.`);
  }
  const current = ours.find((pull) => pull.number === pullRequest.number)?.labels ?? [];
  const labels = plannedLabels(current, {
    assessment,
    toggles: request.toggles,
    ...(request.coverage === undefined ? {} : { coverage: request.coverage }),
    ...(request.hotfixTo ? { hotfixTo: request.hotfixTo } : {}),
  });
  for (const label of labels.remove) await api.removeLabel(pullRequest.number, label);
  if (labels.add.length > 0) await api.addLabels(pullRequest.number, labels.add);
  const closed = await closeAll(
    api,
    ours.filter((pull) => pull.number !== pullRequest.number),
    `Superseded by #${pullRequest.number}, which proposes ${request.component} ${request.version}.`,
  );
  return {
    status: pullRequest.created ? 'opened' : 'updated',
    base,
    branch,
    pullRequest: { number: pullRequest.number, url: pullRequest.url },
    ...(pin ? { previous: pin } : {}),
    assessment,
    labels: labels.labels,
    closed,
    update,
  };
}

/** One branch per component and base: a newer release of the component replaces its commit. */
export function proposalBranch(base: string, component: string): string {
  const branch = `flow/propose/${base.replace(/[^A-Za-z0-9._-]+/g, '-')}/${component}`;
  checkBranchName(branch, 'component');
  return branch;
}

async function closeAll(
  api: ProposalApi,
  pulls: readonly OpenPullRequest[],
  reason: string,
): Promise<ProposeResult['closed']> {
  const closed: ProposeResult['closed'] = [];
  for (const pull of pulls) {
    await api.comment(pull.number, `${reason} Closed by flow-actions/propose.`);
    await api.close(pull.number);
    closed.push({ number: pull.number, url: pull.url, reason });
  }
  return closed;
}

type Range =
  | { commits: HistoryCommit[]; diff: DiffStat }
  | {
      unknown: string;
    };

/** The component's commits and diff from the product's pin to the version, when both are tags of the checkout. */
async function readRange(
  component: ComponentHistory,
  request: ProposeRequest,
  pin: Pin | undefined,
): Promise<Range> {
  const to = await component.tagCommit(request.version);
  if (!to) {
    throw new ConfigurationError(
      words`${input('version')} ${request.version} is not a tag of the component checkout: check it out with actions/checkout and fetch-depth: 0 (which fetches the tags), or give the version the component released.`,
    );
  }
  if (!pin)
    return {
      unknown: `The product pins no version of ${request.component} yet: the changes are not listed.`,
    };
  const from = await component.tagCommit(pin.tag);
  if (!from)
    return {
      unknown: `The product pins ${pin.written}, which is no tag of the component checkout: the changes are not listed.`,
    };
  return { commits: await component.commitsBetween(from, to), diff: await component.diffStat(from, to) };
}

/**
 * The product's risk settings — change size bounds and non-functional paths — from its merge-gate
 * policy on the base branch, so the size label is the one its gate would compute; merge-gate's
 * defaults when there is none or it does not parse (the gate will say why).
 */
async function readRiskPolicy(git: ManifestGit, logger: Logger): Promise<RiskPolicy> {
  const text = await git.fileAt('HEAD', DEFAULT_POLICY_FILE);
  if (text !== undefined) {
    try {
      return parseRiskSettings({ path: DEFAULT_POLICY_FILE, text });
    } catch (error) {
      logger.warning(
        `The product's ${DEFAULT_POLICY_FILE} does not parse (${error instanceof Error ? error.message : String(error)}): sizes use merge-gate's defaults.`,
      );
    }
  }
  return parseRiskSettings();
}
