import {
  ConfigurationError,
  describeError,
  forAudience,
  input,
  inputLabel,
  inputName,
  isConfigurationError,
  mapWording,
  setInput,
  type WordingPart,
  words,
} from '@flow-actions/action-kit';
import {
  describeUncommitted,
  judgeRevision,
  type RevisionLineage,
  readRevision,
} from '@flow-actions/artifact-protocol';
import { shortSha } from '@flow-actions/commit-identity';
import type { ArtifactStore } from '@flow-actions/oci-store';
import type { ImageTarget } from './image-reference';

// Lineage is read from the artifact (DESIGN §8 rule 11): the Flow-Source-Commit trailer names the
// commit the deployed artifact says it was built from, never the commit the caller happens to
// have checked out. A trailer that lied would let `revert-deploy-of` undo the wrong deploy.

export interface SourceCommitRequest {
  /** Where the artifact is read: a registry repository or `oci:<dir>`, as the user gave it. */
  artifact: string;
  /** The deployed tag and/or digest; the digest is read when both are given. */
  target: Pick<ImageTarget, 'tag' | 'digest'>;
  /** The `source-commit` input (4 to 40 hex characters), if given. */
  explicit?: string;
  /** Deploy an artifact built from uncommitted changes (`<sha>-dirty`) anyway. Default: false, refused. */
  allowDirty?: boolean;
}

export interface SourceCommit {
  /** The commit for the trailer; undefined when it is unknown (the trailer is left out). */
  sha?: string;
  /** `artifact`: read from its revision; `input`: given and confirmed, or given and unverifiable. */
  from?: 'artifact' | 'input';
  /** Why the artifact could not vouch for the commit, for a warning; undefined when it did. */
  warning?: WordingPart;
  /** Set when allow-dirty let a dirty build through: the commit its changes were made on. */
  dirtyOf?: string;
}

/**
 * The commit the deployed artifact was built from: its `org.opencontainers.image.revision`
 * (annotation, else config label), read through the store. An explicit `source-commit` must agree
 * with it (a disagreement is refused: the trailer would lie); it is used unverified only when the
 * artifact cannot be read or names no commit. With neither, the trailer is left out, with a warning.
 * A dirty build (`<sha>-dirty`) is refused unless allowDirty; let through, it names no commit.
 */
export async function findSourceCommit(
  request: SourceCommitRequest,
  openStore: (reference: string) => Promise<ArtifactStore>,
): Promise<SourceCommit> {
  const reference = request.target.digest ?? request.target.tag ?? '';
  const read = await readArtifactRevision(request.artifact, reference, openStore);
  const { explicit } = request;
  if ('dirty' in read) return acceptDirty(request, reference, read);
  if ('revision' in read) {
    if (explicit && !read.revision.startsWith(explicit)) {
      throw new ConfigurationError(
        words`${input('source-commit')} ${explicit} is not the commit the artifact was built from: ${read.where} names ${read.revision} (org.opencontainers.image.revision). Leave it empty to record the artifact's own commit, or deploy the artifact built from ${shortSha(explicit)}.`,
      );
    }
    return { sha: read.revision, from: 'artifact' };
  }
  if (explicit) {
    return {
      sha: explicit,
      from: 'input',
      warning: words`${read.problem}; ${input('source-commit')} ${explicit} is recorded as Flow-Source-Commit unverified.`,
    };
  }
  return {
    warning: words`${read.problem}. The Flow-Source-Commit trailer is left out: it is never guessed from a checkout. Name the commit with ${input('source-commit')}, or let the artifact be read (${input('artifact')}, registry credentials).`,
  };
}

type RevisionRead =
  | { revision: string; where: string }
  | { dirty: Extract<RevisionLineage, { kind: 'dirty' }>; where: string }
  | { problem: WordingPart };

/**
 * A dirty build stands for no commit (DESIGN §8 rule 7): refused, before anything is cloned, unless
 * allow-dirty lets it reach an environment of the user's own — loudly, and never with a trailer.
 */
function acceptDirty(
  request: SourceCommitRequest,
  reference: string,
  read: Extract<RevisionRead, { dirty: unknown }>,
): SourceCommit {
  const built = words`${input(request.target.digest ? 'digest' : 'tag')} ${reference} is ${read.where}, which ${describeUncommitted(read.dirty)}`;
  if (!request.allowDirty) {
    throw new ConfigurationError(
      words`${built}: a dirty build is not deployed. Commit the changes and deploy that commit's artifact, or ${setInput('allow-dirty', true)} to deploy it anyway to an environment of your own.`,
    );
  }
  if (request.explicit) {
    throw new ConfigurationError(
      words`${input('source-commit')} ${request.explicit} cannot name the commit of a dirty build: ${read.where} ${describeUncommitted(read.dirty)}. ${forAudience({ action: 'Leave it empty', cli: words`Leave out ${inputName('source-commit')}` })}.`,
    );
  }
  return {
    dirtyOf: read.dirty.of,
    warning: words`DEPLOYING UNCOMMITTED CHANGES (${inputLabel('allow-dirty')}): ${built}. No commit vouches for it, so the Flow-Source-Commit trailer is left out: ${inputName('revert-deploy-of')} and ${inputName('forward-only')} cannot recognise this deploy. Deploy a commit's artifact over it as soon as you are done.`,
  };
}

/** The artifact's full revision, or why there is none: unreachable, missing, or without lineage. */
async function readArtifactRevision(
  artifact: string,
  reference: string,
  openStore: (reference: string) => Promise<ArtifactStore>,
): Promise<RevisionRead> {
  let store: ArtifactStore | undefined;
  try {
    store = await openStore(artifact);
    const manifest = await store.getManifest(reference);
    if (!manifest) return { problem: `${store.location} has no ${reference}` };
    const where = `${store.location}@${manifest.digest}`;
    const revision = await readRevision(store, manifest);
    if (revision === undefined) return { problem: `${where} carries no revision annotation or label` };
    const lineage = judgeRevision(revision);
    if (lineage.kind === 'commit') return { revision: lineage.sha, where };
    if (lineage.kind === 'dirty') return { dirty: lineage, where };
    return { problem: `${where} ${describeUncommitted(lineage)}` };
  } catch (error) {
    // A wrong "artifact" reference is the user's to fix, not a reason to deploy without lineage.
    if (isConfigurationError(error) && !store) throw error;
    return {
      problem: words`Could not read ${store?.location ?? artifact}:${reference} (${oneSentence(error)})`,
    };
  }
}

function oneSentence(error: unknown): WordingPart {
  return mapWording(describeError(error), (text) => text.replace(/[.\s]+$/, ''));
}
