import type { RequirementRow } from './checks';
import { sameSha, timestamp } from './checks';
import { type CodeownersRule, ownersOf, parseCodeowners } from './codeowners';
import type { ReviewPolicy } from './policy';
import { type PullRequestSnapshot, type SnapshotReview, sameLogin } from './snapshot';
import type { Verdict } from './verdict';

/** Each reviewer's standing, from their newest review that approves, requests changes or was dismissed. */
interface ReviewerStanding {
  review: SnapshotReview;
  /** An approval that counts now: eligible, and fresh for the head commit. */
  approves: boolean;
  /** A change request that blocks until they approve or the review is dismissed. */
  blocks: boolean;
  row: RequirementRow;
}

export interface ReviewOutcome {
  verdict: Verdict;
  rows: RequirementRow[];
  missing: string[];
  /** Logins whose approval counts. */
  approvers: string[];
  /** The change requests that block, whatever the expression says. */
  blockers: RequirementRow[];
}

const DECISIVE = new Set(['APPROVED', 'CHANGES_REQUESTED', 'DISMISSED']);

/**
 * Each reviewer's newest decisive review (APPROVED, CHANGES_REQUESTED or DISMISSED; a comment
 * changes nothing, as on GitHub) and what it counts for. A review counts only from someone who
 * can push to the repository, is neither the author nor the last pusher, and is no bot unless
 * allowed. An approval counts only when fresh: given on the head commit, or — with
 * keep-approvals-on-base-merge — on an earlier head after which every push only merged the base
 * branch in with the PR's own diff unchanged (`onlyBaseMergedSince`). Why: the reviewer approved
 * a diff; merging the base brings in only code that already passed the base's own gate, and
 * asking again after every "Update branch" teaches people to approve without reading. A conflict
 * resolution that changes the diff is new code, and the approval goes stale. A change request
 * blocks, on whichever commit it was made, until the same reviewer approves or it is dismissed.
 */
function reviewerStandings(pr: PullRequestSnapshot, policy: ReviewPolicy): ReviewerStanding[] {
  const newest = new Map<string, SnapshotReview>();
  for (const review of pr.reviews) {
    if (!DECISIVE.has(review.state.toUpperCase())) continue;
    const key = review.author.toLowerCase();
    const known = newest.get(key);
    const [at, knownAt] = [timestamp(review.submittedAt), timestamp(known?.submittedAt)];
    if (!known || at > knownAt || (at === knownAt && review.id > known.id)) newest.set(key, review);
  }
  return [...newest.values()]
    .sort((a, b) => timestamp(a.submittedAt) - timestamp(b.submittedAt) || a.id - b.id)
    .map((review) => standing(review, pr, policy));
}

function standing(review: SnapshotReview, pr: PullRequestSnapshot, policy: ReviewPolicy): ReviewerStanding {
  const state = review.state.toUpperCase();
  const on = review.commitId.slice(0, 7);
  const base = { name: `@${review.author}`, ...(review.url ? { url: review.url } : {}) };
  const ignored = (detail: string, fix?: string): ReviewerStanding => ({
    review,
    approves: false,
    blocks: false,
    row: { ...base, verdict: 'pending', detail, ...(fix ? { fix } : {}) },
  });
  const what =
    state === 'APPROVED'
      ? `approved ${on}`
      : state === 'DISMISSED'
        ? 'dismissed'
        : `requested changes on ${on}`;

  if (state === 'DISMISSED') return ignored('review dismissed: counts for nothing');
  const ineligible = whyNotCounted(review, pr, policy);
  if (ineligible) return ignored(`${what}, but ${ineligible}: not counted`);
  if (state === 'CHANGES_REQUESTED')
    return {
      review,
      approves: false,
      blocks: true,
      row: {
        ...base,
        verdict: 'red',
        detail: what,
        fix: `address the requested changes, then ask @${review.author} to approve, or have the review dismissed`,
      },
    };
  if (sameSha(review.commitId, pr.reviewHeadSha ?? pr.headSha))
    return {
      review,
      approves: true,
      blocks: false,
      row: { ...base, verdict: 'green', detail: `${what}, the head commit` },
    };
  const baseMergeOnly = pr.onlyBaseMergedSince.some((sha) => sameSha(sha, review.commitId));
  if (baseMergeOnly && policy.keepApprovalsOnBaseMerge)
    return {
      review,
      approves: true,
      blocks: false,
      row: { ...base, verdict: 'green', detail: `${what}; since then only the base branch was merged in` },
    };
  const since = baseMergeOnly
    ? 'only the base branch was merged in since, but keep-approvals-on-base-merge is off'
    : 'newer changes were pushed since';
  return ignored(`${what}; stale: ${since}`, `ask @${review.author} to review the head commit again`);
}

/** Why a reviewer's review does not count, or undefined when it does. */
function whyNotCounted(
  review: SnapshotReview,
  pr: PullRequestSnapshot,
  policy: ReviewPolicy,
): string | undefined {
  if (sameLogin(review.author, pr.author)) return 'they are the author';
  if (sameLogin(review.author, pr.lastPusher)) return 'they pushed the newest commits';
  if (review.authorIsBot && !policy.allowedBots.some((bot) => sameLogin(bot, review.author)))
    return 'a bot counts only when listed in allowed-bots';
  if (!review.authorCanPush)
    return `they cannot push to the repository (${review.association.toLowerCase()})`;
  return undefined;
}

/**
 * The review leg: red while an eligible reviewer's change request stands; green with enough fresh
 * approvals (and, with codeowners, an owner's approval for every owned file); else pending.
 */
export function evaluateReviews(pr: PullRequestSnapshot, policy: ReviewPolicy): ReviewOutcome {
  const standings = reviewerStandings(pr, policy);
  const approvers = standings.filter((entry) => entry.approves).map((entry) => entry.review);
  const blockers = standings.filter((entry) => entry.blocks).map((entry) => entry.row);
  const rows = standings.map((entry) => entry.row);
  const missing: string[] = [];

  const short = policy.approvals - approvers.length;
  if (short > 0)
    missing.push(
      `${short} more approval${short === 1 ? '' : 's'} (of ${policy.approvals}) from someone other than @${pr.author} who can push to the repository, on the head commit`,
    );
  const ownership = policy.codeowners ? codeownerRows(pr, approvers) : [];
  rows.push(...ownership);
  for (const row of ownership)
    if (row.verdict !== 'green') missing.push(`${row.name}: ${row.fix ?? row.detail}`);
  for (const row of blockers) missing.push(`${row.name} requested changes: ${row.fix}`);

  const verdict: Verdict =
    blockers.length > 0
      ? 'red'
      : short <= 0 && ownership.every((row) => row.verdict === 'green')
        ? 'green'
        : 'pending';
  return { verdict, rows, missing, approvers: approvers.map((review) => review.author), blockers };
}

/**
 * One row per set of owners (from the base branch's CODEOWNERS): green when one of them approved.
 * Owners are matched as logins and as teams (members as the caller read them, or the review made
 * on the team's behalf); an email owner cannot be matched to a login and never approves.
 */
function codeownerRows(pr: PullRequestSnapshot, approvals: readonly SnapshotReview[]): RequirementRow[] {
  if (pr.codeowners === undefined)
    return [
      {
        name: 'CODEOWNERS',
        verdict: 'red',
        detail: 'the base branch has no CODEOWNERS file',
        fix: 'add one to the base branch, or set codeowners: false',
      },
    ];
  const rules: CodeownersRule[] = parseCodeowners(pr.codeowners);
  const groups = new Map<string, { owners: string[]; paths: string[] }>();
  for (const file of pr.files) {
    const { owners } = ownersOf(rules, file.path);
    if (owners.length === 0) continue;
    const key = owners.map((owner) => owner.toLowerCase()).join(' ');
    const group = groups.get(key) ?? { owners, paths: [] };
    group.paths.push(file.path);
    groups.set(key, group);
  }
  return [...groups.values()].map(({ owners, paths }) => {
    const shown = paths.length > 1 ? `${paths[0]} and ${paths.length - 1} more` : (paths[0] ?? '');
    const approver = approvals.find((review) => owners.some((owner) => isOwner(owner, review, pr)));
    const name = `owners of ${shown} (${owners.join(', ')})`;
    return approver
      ? { name, verdict: 'green', detail: `approved by @${approver.author}` }
      : {
          name,
          verdict: 'pending',
          detail: 'no approval by an owner yet',
          fix: `an approval by one of ${owners.join(', ')}`,
        };
  });
}

function isOwner(owner: string, review: SnapshotReview, pr: PullRequestSnapshot): boolean {
  if (!owner.startsWith('@')) return false;
  const name = owner.slice(1);
  return name.includes('/') ? isTeamMember(name, review, pr) : sameLogin(name, review.author);
}

/** A member of `team` as the caller read the team, or a review made on the team's behalf. */
function isTeamMember(team: string, review: SnapshotReview, pr: PullRequestSnapshot): boolean {
  if (review.onBehalfOf?.some((entry) => sameTeam(entry, team))) return true;
  const members = Object.entries(pr.teamMembers ?? {}).find(([name]) => sameTeam(name, team))?.[1];
  return members?.some((member) => sameLogin(member, review.author)) ?? false;
}

/** `@Acme/Leads` and `acme/leads` are one team. */
function sameTeam(a: string, b: string): boolean {
  return a.replace(/^@/, '').toLowerCase() === b.replace(/^@/, '').toLowerCase();
}

/**
 * What a high-risk change needs: `count` fresh, eligible approvals by members of `team` — by the
 * same rules as the review leg, so never the author's, a stale one, or a bot's unless allowed.
 */
export function evaluateTeamApproval(
  pr: PullRequestSnapshot,
  policy: ReviewPolicy,
  team: string,
  count: number,
): { verdict: Verdict; rows: RequirementRow[]; missing: string[] } {
  const members = reviewerStandings(pr, policy)
    .filter((entry) => entry.approves && isTeamMember(team, entry.review, pr))
    .map((entry) => entry.review);
  const rows: RequirementRow[] = members.map((review) => ({
    name: `@${review.author}`,
    verdict: 'green',
    detail: `approved as a member of @${team}`,
    ...(review.url ? { url: review.url } : {}),
  }));
  const short = count - members.length;
  if (short <= 0) return { verdict: 'green', rows, missing: [] };
  const known = Object.keys(pr.teamMembers ?? {}).some((name) => sameTeam(name, team));
  const unknown = known
    ? ''
    : ' (its members could not be read: a review requested from the team counts on its behalf)';
  const need = `${short} more approval${short === 1 ? '' : 's'} by a member of @${team}${unknown}`;
  rows.push({
    name: `@${team}`,
    verdict: 'pending',
    detail: `${members.length} of ${count} approvals`,
    fix: need,
  });
  return { verdict: 'pending', rows, missing: [need] };
}
