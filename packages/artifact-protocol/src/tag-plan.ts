import { ConfigurationError, type Logger, nullLogger } from '@flow-actions/action-kit';
import { type ArtifactStore, isImmutableTagRefusedError, type Manifest } from '@flow-actions/oci-store';
import type { ImmutableTagPolicy } from './immutable-tags';

export type TagChange = 'create' | 'move' | 'unchanged';

export interface PlannedTag {
  tag: string;
  /** The digest the tag pointed at before, or null when it did not exist. */
  previous: string | null;
  change: TagChange;
  immutable: boolean;
}

export interface TagConflict {
  tag: string;
  existing: string;
}

export interface TagPlan {
  digest: string;
  tags: PlannedTag[];
  /** Immutable tags that already point elsewhere: any conflict refuses the whole write. */
  conflicts: TagConflict[];
}

/**
 * Looks at every tag before anything is written (DESIGN §8 rule 2): what each points at now,
 * whether it would move, and which immutable tags would have to move — a conflict.
 */
export async function planTags(
  store: ArtifactStore,
  digest: string,
  tags: readonly string[],
  isImmutable: ImmutableTagPolicy,
): Promise<TagPlan> {
  const unique = [...new Set(tags)];
  const current = await Promise.all(unique.map((tag) => store.resolve(tag)));
  const plan: TagPlan = { digest, tags: [], conflicts: [] };
  unique.forEach((tag, index) => {
    const previous = current[index]?.digest ?? null;
    const immutable = isImmutable(tag);
    const change: TagChange = previous === null ? 'create' : previous === digest ? 'unchanged' : 'move';
    plan.tags.push({ tag, previous, change, immutable });
    if (change === 'move' && immutable) plan.conflicts.push({ tag, existing: previous as string });
  });
  return plan;
}

export interface TagWriteResult {
  tag: string;
  previous: string | null;
  change: TagChange;
}

/**
 * How long a run waits after creating an immutable tag before it reads the tag again (DESIGN §8
 * rule 9): longer than a racing run's check-to-write window — the one request between its last
 * check and its write, plus a registry that is slow to show a write — so that of two runs writing
 * one tag to different digests, the one overwritten finds out. Two seconds.
 */
export const DEFAULT_SETTLE_MS = 2000;

/** One repository's planned tags and the exact manifest bytes they are to point at. */
export interface TagWrite {
  store: ArtifactStore;
  plan: TagPlan;
  manifest: Pick<Manifest, 'bytes' | 'mediaType'>;
}

export interface ApplyTagPlanOptions {
  /**
   * Milliseconds to wait before reading created immutable tags again; 0 reads them only once,
   * right after the write, which misses a concurrent write that lands later. Default: DEFAULT_SETTLE_MS.
   */
  settleMs?: number;
  /** Default: a timer. */
  sleep?: (ms: number) => Promise<void>;
  /** Says why the run pauses. Default: nullLogger. */
  logger?: Logger;
}

/**
 * An immutable tag that another run wrote at the same time as this one: it holds another digest
 * now. Thrown before any moving tag is written, so what this run leaves behind names only its own
 * artifact under tags nobody else claimed.
 */
export class ConcurrentTagWriteError extends ConfigurationError {
  override name = 'ConcurrentTagWriteError';

  constructor(
    readonly location: string,
    readonly tag: string,
    /** The digest this run wrote. */
    readonly expected: string,
    /** The digest the tag holds now; undefined when it is gone. */
    readonly actual: string | undefined,
    how: string,
    /** Moving tags this run was asked for and did not write. */
    readonly unwritten: readonly string[],
    /** Other immutable tags (`location:tag`) this run created, which keep naming its artifact. */
    readonly created: readonly string[] = [],
  ) {
    const holds = actual ? `it holds ${actual}` : 'it is gone';
    const untouched =
      unwritten.length > 0 ? ` This run wrote none of its moving tags (${unwritten.join(', ')}).` : '';
    const fix = `If ${actual ?? 'nothing'} is what ${tag} should name, the other run did the work and nothing needs fixing; otherwise give this artifact a new tag.`;
    super(
      `Concurrent write: ${location}:${tag} is immutable and another run ${how}; ${holds}, not ${expected} from this run.${untouched} ${fix}`,
      {
        fix,
        ...(created.length > 0
          ? { written: `Created ${created.join(', ')}, naming ${expected} as planned.` }
          : {}),
        unchanged: `The tag ${location}:${tag} is not this run's${actual ? `: it names ${actual}, from the other run` : ''}${
          unwritten.length > 0
            ? `; none of this run's moving tags (${unwritten.join(', ')}) was written, so each points where it did before`
            : ''
        }.`,
      },
    );
  }
}

/**
 * Writes the exact manifest bytes under every planned tag that is not already right, and reads
 * each back. OCI registries have no compare-and-swap, so immutable tags are written first and
 * guarded on every side: checked again just before the write, read back after it, and, when this
 * run created one, read once more after `settleMs` — a concurrent writer that overwrote it by then
 * makes this run fail with a ConcurrentTagWriteError. Moving tags (`latest`, `prod`, environments)
 * are written only after that, so a run that loses such a race has moved none of them. A registry
 * that refuses the write under its own tag immutability (ECR, Artifact Registry, Harbor, Docker
 * Hub) is the same conflict, or no conflict when the tag already holds this digest. A store that
 * can check and write in one step (`createTag`: a local layout, under its lock) needs no settle.
 * Several repositories go through the phases together: no moving tag anywhere before every
 * immutable tag everywhere has settled.
 */
export async function applyTagPlans(
  writes: readonly TagWrite[],
  options: ApplyTagPlanOptions = {},
): Promise<TagWriteResult[][]> {
  if (writes.some(({ plan }) => plan.conflicts.length > 0))
    throw new Error('applyTagPlans called with conflicts; refuse the plan instead');
  const settleMs = options.settleMs ?? DEFAULT_SETTLE_MS;
  const pending = (immutable: boolean) =>
    writes.flatMap((write) =>
      write.plan.tags
        .filter((planned) => planned.immutable === immutable && planned.change !== 'unchanged')
        .map((planned) => ({ write, tag: planned.tag })),
    );
  const created = pending(true);
  const moving = pending(false);
  const unwritten = [...new Set(moving.map(({ tag }) => tag))];
  // Every write is let finish before a conflict is reported, so that the error can say which
  // immutable tags this run did create.
  const outcomes = await Promise.allSettled(created.map(writeImmutableTag));
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed) throw failed.reason;
  const wroteNow = created.filter((_, index) => {
    const outcome = outcomes[index];
    return (
      outcome?.status === 'fulfilled' && (outcome.value === 'wrote' || outcome.value === 'created atomically')
    );
  });
  // Only a tag whose store cannot compare and swap needs the second read.
  const toSettle = created.filter(({ write }) => !write.store.createTag);
  const conflicts = outcomes.flatMap((outcome, index) =>
    outcome.status === 'fulfilled' && typeof outcome.value === 'object'
      ? [{ entry: created[index] as PendingTag, ...outcome.value }]
      : [],
  );
  const refuse = (conflict: SeenConflict & { entry: PendingTag }): ConcurrentTagWriteError => {
    const { write, tag } = conflict.entry;
    const others = wroteNow
      .filter((entry) => entry !== conflict.entry)
      .map((entry) => `${entry.write.store.location}:${entry.tag}`);
    return new ConcurrentTagWriteError(
      write.store.location,
      tag,
      write.plan.digest,
      conflict.actual,
      conflict.how,
      unwritten,
      others,
    );
  };
  if (conflicts[0]) throw refuse(conflicts[0]);

  if (toSettle.length > 0 && settleMs > 0) {
    (options.logger ?? nullLogger).info(
      `Created ${toSettle.map(({ tag }) => tag).join(', ')}; reading again in ${settleMs / 1000} s, in case another run wrote the same tag at the same time.`,
    );
    await (options.sleep ?? wait)(settleMs);
    const settled = await Promise.all(toSettle.map(({ write, tag }) => write.store.resolve(tag)));
    toSettle.forEach((entry, index) => {
      const digest = settled[index]?.digest;
      if (digest !== entry.write.plan.digest) {
        throw refuse({
          entry,
          actual: digest,
          how: `wrote it at the same time (read again ${settleMs / 1000} s after writing)`,
        });
      }
    });
  }

  await Promise.all(moving.map(({ write, tag }) => write.store.putManifest(tag, write.manifest)));
  const readBack = await Promise.all(moving.map(({ write, tag }) => write.store.resolve(tag)));
  moving.forEach(({ write, tag }, index) => {
    const digest = readBack[index]?.digest;
    if (digest !== write.plan.digest) {
      throw new Error(
        `${write.store.location}:${tag} reads back as ${digest ?? 'missing'} after writing ${write.plan.digest}; the registry did not keep the tag.`,
      );
    }
  });
  return writes.map(({ plan }) => plan.tags.map(({ tag, previous, change }) => ({ tag, previous, change })));
}

interface PendingTag {
  write: TagWrite;
  tag: string;
}

/** Another run's write to a tag this run was creating: the digest it holds now, and how that was seen. */
interface SeenConflict {
  actual: string | undefined;
  how: string;
}

/**
 * Creates one immutable tag: a last check right before the write keeps the window in which a
 * racing run can slip in to one request, and the read-back catches a write that landed meanwhile.
 * `wrote` when this run wrote it, `already` when it already held this digest, else the conflict.
 */
async function writeImmutableTag(
  entry: PendingTag,
): Promise<'wrote' | 'created atomically' | 'already' | SeenConflict> {
  const { write, tag } = entry;
  if (write.store.createTag) {
    // A store that checks and writes in one step (a local layout, under its lock) leaves no window.
    const { digest, created } = await write.store.createTag(tag, write.manifest);
    if (digest !== write.plan.digest) {
      return { actual: digest, how: "created it first (the store checked and refused this run's write)" };
    }
    return created ? 'created atomically' : 'already';
  }
  const before = await write.store.resolve(tag);
  if (before) {
    // Created by another run since the plan: with this digest there is nothing to write (the
    // settle read still checks it), with another it is that run's tag.
    if (before.digest === write.plan.digest) return 'already';
    return { actual: before.digest, how: "created it between this run's check and its write" };
  }
  try {
    await write.store.putManifest(tag, write.manifest);
  } catch (error) {
    if (!isImmutableTagRefusedError(error)) throw error;
    const now = await write.store.resolve(tag);
    // ECR refuses even a write of the digest the tag already holds: that is no conflict.
    if (now?.digest === write.plan.digest) return 'already';
    const { registry, setting } = error.immutability;
    return {
      actual: now?.digest,
      how: `created it first, and ${registry} refused this run's write (${setting})`,
    };
  }
  const readBack = await write.store.resolve(tag);
  if (readBack?.digest !== write.plan.digest) {
    return { actual: readBack?.digest, how: 'wrote it at the same time (read back right after writing)' };
  }
  return 'wrote';
}

function wait(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
