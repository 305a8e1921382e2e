// GitHub Actions' concurrency groups, and the runner the simulated runs share.
//
// A group holds at most one run or job in progress and one pending. A newcomer becomes the pending
// one and the one it replaces is cancelled — even with cancel-in-progress: false ("Canceling since
// a higher priority waiting request for '<group>' exists"); with cancel-in-progress: true the one
// in progress is cancelled too. When the one in progress ends, the pending one starts.
//
// Jobs run on one runner, one at a time, first come first served, and everything between two jobs
// (conditions, groups, which job is next) is decided before the next job starts. So the order in
// which a story starts its runs decides every interleaving: a test asserts outcomes, never races.
// A story makes a job slow to have the jobs queued behind it finish first (see schedule).

/** A run or a job, as a group sees it. */
export interface GroupMember {
  /** For the history: `run 1001` or `run 1001 job stage-checks`. */
  label: string;
  /** Its turn came: it is now the one in progress. */
  start(): void;
  /** It was cancelled, for this reason (GitHub's annotation). */
  cancel(reason: string): void;
}

interface Group {
  inProgress?: GroupMember;
  pending?: GroupMember;
}

export class Scheduler {
  /** What happened in each group, in order: `deploy-stage: run 1002 job stage-checks pending`. */
  readonly history: string[] = [];
  private readonly groups = new Map<string, Group>();
  private readonly queue: { task: () => Promise<void>; slow: boolean }[] = [];
  private busy = false;

  /**
   * Runs `task` on the runner once every task scheduled before it has finished. A task catches
   * its own errors: a failing one must not stop the runs behind it. A `slow` task stands for a job
   * that takes longer than the ones queued with it (a build of a bigger change): when its turn
   * comes it lets the tasks queued behind it go first, once, so they finish before it does.
   */
  schedule(task: () => Promise<void>, options: { slow?: boolean } = {}): void {
    this.queue.push({ task, slow: options.slow ?? false });
    if (this.busy) return;
    this.busy = true;
    // Not in the caller's stack: a task is never half-way through when the next is scheduled.
    queueMicrotask(() => void this.drain());
  }

  /** `member` joins `group`: it starts now, waits as the pending one, or is cancelled later. */
  enter(group: string, cancelInProgress: boolean, member: GroupMember): void {
    const state = this.groups.get(group) ?? {};
    this.groups.set(group, state);
    if (!state.inProgress) {
      state.inProgress = member;
      this.note(group, member, 'in progress');
      member.start();
      return;
    }
    const replaced = state.pending;
    state.pending = member;
    this.note(group, member, 'pending');
    if (replaced) this.cancel(group, replaced);
    // It still holds the group until it has wound down; then the newcomer starts.
    if (cancelInProgress) this.cancel(group, state.inProgress);
  }

  /** `member` is done (or gave up while pending): the pending one, if any, starts. */
  leave(group: string, member: GroupMember): void {
    const state = this.groups.get(group);
    if (!state) return;
    if (state.pending === member) {
      state.pending = undefined;
      return;
    }
    if (state.inProgress !== member) return;
    this.note(group, member, 'done');
    state.inProgress = state.pending;
    state.pending = undefined;
    if (state.inProgress) {
      this.note(group, state.inProgress, 'in progress');
      state.inProgress.start();
    }
  }

  private cancel(group: string, member: GroupMember): void {
    this.note(group, member, 'cancelled');
    member.cancel(`Canceling since a higher priority waiting request for '${group}' exists`);
  }

  private note(group: string, member: GroupMember, what: string): void {
    this.history.push(`${group}: ${member.label} ${what}`);
  }

  private async drain(): Promise<void> {
    for (let next = this.queue.shift(); next; next = this.queue.shift()) {
      if (next.slow && this.queue.length > 0) {
        this.queue.push({ task: next.task, slow: false });
        continue;
      }
      await next.task();
    }
    this.busy = false;
  }
}
