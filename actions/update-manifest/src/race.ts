import { type Logger, nullLogger } from '@flow-actions/action-kit';
import type { ManifestGit } from './git';

// Another deploy may push to the branch between our clone and our push. Both an update and a
// revert then start again on the new head, a bounded number of times, after a jittered pause.

export const DEFAULT_MAX_ATTEMPTS = 5;

const WORDS = {
  update: { again: 'apply the change', retrying: 're-applying' },
  revert: { again: 'revert', retrying: 'reverting' },
} as const;

/** What the retries are made of; tests replace the clock and the dice. */
export interface RaceSettings {
  git: ManifestGit;
  /** Default: nowhere. */
  logger?: Logger;
  /** Default: setTimeout. */
  sleep?: (ms: number) => Promise<void>;
  /** Default: Math.random. */
  random?: () => number;
  /** Pushes tried before giving up on a branch that keeps moving. Default: 5. */
  maxAttempts?: number;
}

/**
 * After push `attempt` lost a race: throws when that was the last attempt allowed; else waits
 * (250–1000 ms times the attempt) and resets the clone to the branch's new head.
 */
export async function startOverAfterRace(
  settings: RaceSettings,
  race: { attempt: number; branch: string; where: string; reason: string; work: 'update' | 'revert' },
): Promise<void> {
  const maxAttempts = settings.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
  if (race.attempt >= maxAttempts) {
    throw new Error(
      `Branch ${race.branch} of ${race.where} moved on each of ${maxAttempts} pushes (${race.reason}); re-run the job to ${WORDS[race.work].again} on the newest head.`,
    );
  }
  const delay = Math.round((250 + (settings.random ?? Math.random)() * 750) * race.attempt);
  (settings.logger ?? nullLogger).info(
    `Another push reached ${race.branch} first (${race.reason}); ${WORDS[race.work].retrying} on the new head in ${delay} ms.`,
  );
  await (settings.sleep ?? ((ms: number) => new Promise<void>((done) => setTimeout(done, ms))))(delay);
  await settings.git.resetToRemote(race.branch);
}
