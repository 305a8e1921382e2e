import { shortDigest } from '@flow-actions/action-kit';
import type { ImageTarget } from './image-reference';
import type { FieldChange } from './manifest-edit';

/** Where the artifact came from; each known field becomes a trailer. */
export interface Lineage {
  /** The full sha of the commit the artifact was built from. */
  sourceCommit?: string;
  /** `owner/name` of the repository that built it. */
  sourceRepository?: string;
  /** The URL of the workflow run that deployed it. */
  runUrl?: string;
  /** Who triggered the run. */
  actor?: string;
}

/** Trailer names, defined once: the README and the tests read them from here. */
export const TRAILERS = {
  image: 'Flow-Image',
  tag: 'Flow-Artifact-Tag',
  digest: 'Flow-Artifact-Digest',
  sourceCommit: 'Flow-Source-Commit',
  sourceRepository: 'Flow-Source-Repository',
  runUrl: 'Flow-Run-Url',
  actor: 'Flow-Actor',
  /** On a revert: the deploy commit it undid. */
  reverts: 'Flow-Reverts',
} as const;

export interface CommitMessageOptions {
  target: ImageTarget;
  paths: readonly string[];
  changes: readonly FieldChange[];
  lineage: Lineage;
  /** The first line. Default: `Deploy <image>:<tag> to <paths>`. */
  subject?: string;
}

/** `ghcr.io/acme/api:1a2b3c4`, or `…@sha256:<12 hex>…` when there is only a digest. */
export function describeArtifact(target: ImageTarget): string {
  if (target.tag) return `${target.name}:${target.tag}`;
  return `${target.name}@${shortDigest(target.digest ?? '')}`;
}

/**
 * Subject, what moved where (one line per value), then git trailers: `git log --format=%(trailers)`
 * and `git interpret-trailers --parse` read them back.
 */
export function buildCommitMessage(options: CommitMessageOptions): string {
  const { target, lineage } = options;
  const subject = options.subject ?? `Deploy ${describeArtifact(target)} to ${options.paths.join(', ')}`;
  const body = options.changes.map(
    (change) =>
      `- ${change.file}: ${change.field} ${change.from ?? '(unset)'} -> ${change.to ?? '(removed)'}`,
  );
  const trailers: [string, string | undefined][] = [
    [TRAILERS.image, target.name],
    [TRAILERS.tag, target.tag],
    [TRAILERS.digest, target.digest],
    [TRAILERS.sourceCommit, lineage.sourceCommit],
    [TRAILERS.sourceRepository, lineage.sourceRepository],
    [TRAILERS.runUrl, lineage.runUrl],
    [TRAILERS.actor, lineage.actor],
  ];
  const trailerLines = trailers.flatMap(([key, value]) => (value ? [`${key}: ${oneLine(value)}`] : []));
  return `${[oneLine(subject), body.join('\n'), trailerLines.join('\n')].filter(Boolean).join('\n\n')}\n`;
}

function oneLine(text: string): string {
  return text.replace(/\s*\r?\n\s*/g, ' ').trim();
}
