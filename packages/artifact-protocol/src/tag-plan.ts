import type { ArtifactStore } from '@flow-actions/oci-store';
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
 * Writes the exact manifest bytes under every planned tag that is not already right, then reads
 * each tag back and checks it points at the digest. A tag that is already right is not written.
 */
export async function applyTagPlan(
  store: ArtifactStore,
  plan: TagPlan,
  manifest: { bytes: Buffer; mediaType: string },
): Promise<TagWriteResult[]> {
  if (plan.conflicts.length > 0)
    throw new Error('applyTagPlan called with conflicts; refuse the plan instead');
  const pending = plan.tags.filter((planned) => planned.change !== 'unchanged');
  await Promise.all(pending.map((planned) => store.putManifest(planned.tag, manifest)));
  const readBack = await Promise.all(pending.map((planned) => store.resolve(planned.tag)));
  pending.forEach((planned, index) => {
    const digest = readBack[index]?.digest;
    if (digest !== plan.digest) {
      throw new Error(
        `${store.location}:${planned.tag} reads back as ${digest ?? 'missing'} after writing ${plan.digest}; the registry did not keep the tag.`,
      );
    }
  });
  return plan.tags.map(({ tag, previous, change }) => ({ tag, previous, change }));
}
