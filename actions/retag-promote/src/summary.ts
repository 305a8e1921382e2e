import { inlineCode, SummaryBuilder, shortDigest } from '@flow-actions/action-kit';
import { shortSha } from '@flow-actions/commit-identity';
import { describeSwap, type ImagePromotion, type PromoteResult } from './promote';

/**
 * The job summary: per image the artifact, which version each moved environment tag leaves for
 * which (a rollback says so), a table of tags moved from → to with short digests, the full ones
 * folded below, and a lineage diagram.
 */
export function buildPromoteSummary(result: PromoteResult): SummaryBuilder {
  const summary = new SummaryBuilder().heading(
    result.dryRun ? 'Promotion plan (dry run: nothing written)' : 'Promoted',
  );
  for (const promotion of result.promotions) {
    const { source } = promotion;
    const commit = source.sha ? inlineCode(shortSha(source.sha)) : 'an artifact without revision';
    summary.paragraph(
      `${inlineCode(`${promotion.destination}@${promotion.digest}`)} — built from commit ${commit}, found as ${inlineCode(source.reference)}` +
        (promotion.destination !== promotion.image ? `, copied from ${inlineCode(promotion.image)}` : '') +
        '.',
    );
    if (source.fallbackFrom) {
      summary.paragraph(
        `Commit ${inlineCode(shortSha(source.fallbackFrom))} has no artifact of its own; since ${inlineCode(shortSha(source.sha ?? ''))} it changed only ignored paths (${(source.fallbackChanges ?? []).map(inlineCode).join(', ') || 'nothing'}), so that ancestor's artifact was promoted.`,
      );
    }
    if (source.yankedOverride)
      summary.paragraph('⚠️ The source commit was yanked; allow-yanked let it through.');
    if (promotion.swaps.length > 0) {
      summary
        .paragraph(result.dryRun ? 'Would replace:' : 'Replaced:')
        .list(promotion.swaps.map((swap) => describeSwap(swap, inlineCode)));
    }
    const rows = promotion.plan.tags.map((tag) => [
      inlineCode(tag.tag),
      tag.previous ? inlineCode(shortDigest(tag.previous)) : 'new',
      inlineCode(shortDigest(promotion.digest)),
      tag.change === 'unchanged' ? 'already there' : tag.change === 'move' ? 'moved' : 'created',
    ]);
    summary.table(['tag', 'before', 'after', 'what happened'], rows);
    summary.fullDigests(
      promotion.plan.tags.flatMap((tag) =>
        tag.previous && tag.previous !== promotion.digest
          ? [[`${inlineCode(tag.tag)} before`, `${promotion.destination}@${tag.previous}`] as const]
          : [],
      ),
    );
    if (promotion.copy) {
      const copy = promotion.copy;
      summary.paragraph(
        `Copy: ${copy.manifests} manifest(s); blobs ${copy.blobsMounted} mounted, ${copy.blobsUploaded} uploaded (${copy.bytesUploaded} bytes), ${copy.blobsSkipped} already there.`,
      );
    }
    summary.mermaid(lineageDiagram(promotion));
  }
  if (result.deploymentId !== undefined) summary.paragraph(`Deployment ${result.deploymentId} recorded.`);
  return summary;
}

function lineageDiagram(promotion: ImagePromotion): string {
  const label = (text: string) => `"${text.replace(/"/g, "'")}"`;
  const lines = ['flowchart LR'];
  const commit = promotion.source.sha ? `commit ${shortSha(promotion.source.sha)}` : 'unknown commit';
  lines.push(`  C[${label(commit)}] --> D[${label(shortDigest(promotion.digest))}]`);
  promotion.plan.tags.forEach((tag, tagIndex) => {
    lines.push(`  D --> T${tagIndex}[${label(tag.tag)}]`);
    if (tag.previous && tag.previous !== promotion.digest) {
      lines.push(`  P${tagIndex}[${label(`was ${shortDigest(tag.previous)}`)}] -.-> T${tagIndex}`);
    }
  });
  return lines.join('\n');
}
