import { inlineCode, SummaryBuilder, shortDigest } from '@flow-actions/action-kit';
import type { GateOutcome } from './gates';
import type { PublishGateResult } from './publish';

const MARK: Record<GateOutcome, string> = { pass: '✅ pass', fail: '❌ fail', skip: '➖ skip' };

/** The job summary: one row per gate and package (pass, fail or skip, and why), then what went out. */
export function buildPublishSummary(result: PublishGateResult, registry: string): SummaryBuilder {
  const summary = new SummaryBuilder().heading(`npm publish gate${result.dryRun ? ' (dry run)' : ''}`);
  summary.paragraph(`Commit ${inlineCode(result.sha)} → ${inlineCode(registry)}`);
  summary.paragraph(outcomeLine(result));

  const rows = [
    ...result.commitRows.map((row) => ['(commit)', '', row.gate, MARK[row.outcome], row.reason]),
    ...result.packages.flatMap((verdict) =>
      verdict.rows.map((row) => [
        inlineCode(verdict.name),
        verdict.version,
        row.gate,
        MARK[row.outcome],
        row.reason,
      ]),
    ),
  ];
  summary.heading('Gates', 3).table(['package', 'version', 'gate', 'outcome', 'why'], rows);

  if (result.published.length > 0)
    summary
      .heading('Published', 3)
      .table(
        ['package', 'version', 'dist-tag', 'integrity'],
        result.published.map((p) => [
          inlineCode(p.name),
          p.version,
          p.tag,
          inlineCode(shortDigest(p.integrity)),
        ]),
      )
      .fullDigests(result.published.map((p) => [inlineCode(`${p.name}@${p.version}`), p.integrity] as const));
  if (result.skipped.length > 0)
    summary.heading('Skipped', 3).table(
      ['package', 'version', 'why'],
      result.skipped.map((s) => [inlineCode(s.name), s.version, s.reason]),
    );
  if (result.failed) {
    summary
      .heading('Failed', 3)
      .paragraph(`${inlineCode(`${result.failed.name}@${result.failed.version}`)}: ${result.failed.message}`);
    if (result.notAttempted.length > 0)
      summary.paragraph(`Not attempted: ${result.notAttempted.map(inlineCode).join(', ')}`);
    summary.paragraph('Re-run the job: what went out is skipped as published, and the rest is published.');
  }
  const tags = Object.entries(result.distTags);
  if (tags.length > 0)
    summary.heading('Dist-tags on the registry', 3).table(
      ['package', 'dist-tags'],
      tags.map(([name, map]) => [
        inlineCode(name),
        Object.entries(map)
          .map(([tag, version]) => `${tag}: ${version}`)
          .join(', ') || 'none',
      ]),
    );
  return summary;
}

function outcomeLine(result: PublishGateResult): string {
  if (result.blocked) return `**Blocked — nothing was published.** ${result.failures.length} gate(s) failed.`;
  const went = result.published.map((p) => inlineCode(`${p.name}@${p.version}`)).join(', ') || 'nothing';
  if (result.failed)
    return `**Partly published:** ${went} went out before ${inlineCode(result.failed.name)} failed.`;
  return `Published ${went}; ${result.skipped.length} skipped.`;
}
