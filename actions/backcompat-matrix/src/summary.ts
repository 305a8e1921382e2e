import { inlineCode, SummaryBuilder } from '@flow-actions/action-kit';
import type { BackcompatResult } from './backcompat';

/** The job summary: which versions the matrix holds and why each one is in. */
export function buildBackcompatSummary(result: BackcompatResult): SummaryBuilder {
  const { plan, breakingCheck } = result;
  const summary = new SummaryBuilder()
    .heading('Backwards-compatibility matrix')
    .paragraph(
      `Current version ${inlineCode(plan.current)}, floor ${inlineCode(plan.floor)} (${plan.floorFrom}), policy ${inlineCode(plan.policy)}, versions from the ${plan.sourceName}.`,
    )
    .table(
      ['version', 'role', 'image', 'why'],
      plan.entries.map((entry) => [
        inlineCode(entry.version),
        entry.role,
        entry.image ? inlineCode(entry.image) : '—',
        entry.reasons.join('; ') + (entry.released ? '' : ' (not released yet)'),
      ]),
    );
  const notes = [`${plan.availableCount} version(s) at the source.`];
  if (plan.unparsed.length > 0)
    notes.push(`${plan.unparsed.length} name(s) are not semantic versions and were left out.`);
  if (plan.duplicates.length > 0)
    notes.push(
      `${plan.duplicates.length} duplicate spelling(s) dropped: ${plan.duplicates.slice(0, 5).map(inlineCode).join(', ')}.`,
    );
  notes.push(
    breakingCheck
      ? `Breaking check: ${breakingCheck.commitCount} commit(s) in ${inlineCode(breakingCheck.range)}, none breaking.`
      : 'Breaking check: not needed (the floor is in an older major or is the current version) or turned off.',
  );
  return summary.list(notes);
}
