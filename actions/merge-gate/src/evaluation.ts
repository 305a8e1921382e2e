/**
 * Two evaluations of one PR can run at once (a review and a check completing together). Each
 * writes the gate's check run on the head sha with an external id that says what it judged and
 * when it read the state; an evaluation writes only when no newer one already has, so the check
 * ends up showing the newest state read.
 */
const PREFIX = 'merge-gate';

/** `merge-gate/<head sha>/<ISO time the snapshot was read>`. */
export function evaluationId(headSha: string, readAt: Date): string {
  return `${PREFIX}/${headSha.toLowerCase()}/${readAt.toISOString()}`;
}

/**
 * Whether an evaluation of `headSha` read at `readAt` may overwrite a check run carrying
 * `existing`: yes when that is no evaluation of this head (another app's id, none, or another
 * sha), or one read earlier; no when it was read at the same time or later.
 */
export function supersedes(headSha: string, readAt: Date, existing: string | null | undefined): boolean {
  const [prefix, sha, time, ...rest] = (existing ?? '').split('/');
  if (prefix !== PREFIX || sha !== headSha.toLowerCase() || rest.length > 0) return true;
  const before = Date.parse(time ?? '');
  return Number.isNaN(before) || readAt.getTime() > before;
}

/** Whether an external id is one this gate wrote (of any head): such a run is ours to update. */
export function isEvaluationId(externalId: string | null | undefined): boolean {
  return (externalId ?? '').startsWith(`${PREFIX}/`);
}
