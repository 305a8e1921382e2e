import { ConfigurationError } from '@flow-actions/action-kit';

/**
 * The lineage annotation keys (DESIGN §2) every manifest an action writes carries. The first three
 * are the OCI pre-defined annotations; OCI defines no key for the CI run that built an artifact, so
 * the run URL goes under our own reverse-domain key. `org.opencontainers.image.url` is deliberately
 * not used: OCI defines it as "where to find more information on the image", a page for people, and
 * tools display it as the project's homepage.
 */
export const LineageAnnotations = {
  /** Full commit sha the artifact was built from. Compared on reuse to detect short-sha collisions. */
  revision: 'org.opencontainers.image.revision',
  /** Repository URL, e.g. `https://github.com/acme/api`. */
  source: 'org.opencontainers.image.source',
  /** RFC 3339 time the artifact was built. */
  created: 'org.opencontainers.image.created',
  /** URL of the CI run that built it, e.g. `https://github.com/acme/api/actions/runs/42/attempts/1`. */
  runUrl: 'dev.flow-actions.run-url',
} as const;

/**
 * What ends the revision of an artifact built from a commit plus uncommitted changes: `<sha>-dirty`,
 * as `git describe --dirty` and buildx's git info write it.
 */
export const DIRTY_REVISION_SUFFIX = '-dirty';

export interface Lineage {
  revision: string;
  source: string;
  created: string;
  runUrl?: string;
}

export interface LineageOptions {
  /** Full commit sha (40 or 64 hex characters). Required. */
  revision: string;
  /**
   * Built from the commit plus uncommitted changes: the revision is written `<sha>-dirty` (as
   * `git describe --dirty` and buildx's git info do), so it never claims the commit. Default: false.
   */
  dirty?: boolean;
  /** Repository URL. Default: none, and the label is left out rather than guessed. */
  source?: string;
  /** Build time. Default: now. */
  created?: Date | string;
  /** CI run URL. Default: none (a local build has no run). */
  runUrl?: string;
}

const FULL_SHA = /^(?:[0-9a-f]{40}|[0-9a-f]{64})$/;
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:Z|[+-]\d{2}:\d{2})$/;

/** The lineage annotations for a manifest; throws a one-line error on malformed input before anything is written. */
export function buildLineageAnnotations(options: LineageOptions): Record<string, string> {
  if (!FULL_SHA.test(options.revision)) {
    throw new ConfigurationError(
      `Invalid lineage revision "${options.revision}": expected the full commit sha (40 lower-case hex characters), not a short sha or a ref.`,
    );
  }
  if (options.source !== undefined) {
    assertUrl(options.source, 'source', 'the repository URL, e.g. https://github.com/acme/api');
  }
  const created = options.created ?? new Date();
  let createdText: string;
  if (created instanceof Date) {
    if (Number.isNaN(created.getTime()))
      throw new ConfigurationError('Invalid lineage created time: the Date is invalid.');
    createdText = created.toISOString();
  } else {
    if (!RFC3339.test(created) || Number.isNaN(Date.parse(created))) {
      throw new ConfigurationError(
        `Invalid lineage created time "${created}": expected RFC 3339, e.g. 2026-01-31T12:00:00Z.`,
      );
    }
    createdText = created;
  }
  const annotations: Record<string, string> = {
    [LineageAnnotations.revision]: options.dirty
      ? `${options.revision}${DIRTY_REVISION_SUFFIX}`
      : options.revision,
    ...(options.source === undefined ? {} : { [LineageAnnotations.source]: options.source }),
    [LineageAnnotations.created]: createdText,
  };
  if (options.runUrl !== undefined) {
    assertUrl(options.runUrl, 'run URL', 'the URL of the CI run');
    annotations[LineageAnnotations.runUrl] = options.runUrl;
  }
  return annotations;
}

/** The lineage fields present in a manifest's annotations (absent keys stay absent). */
export function readLineage(annotations: Record<string, string> | undefined): Partial<Lineage> {
  const lineage: Partial<Lineage> = {};
  if (!annotations) return lineage;
  const revision = annotations[LineageAnnotations.revision];
  const source = annotations[LineageAnnotations.source];
  const created = annotations[LineageAnnotations.created];
  const runUrl = annotations[LineageAnnotations.runUrl];
  if (revision !== undefined) lineage.revision = revision;
  if (source !== undefined) lineage.source = source;
  if (created !== undefined) lineage.created = created;
  if (runUrl !== undefined) lineage.runUrl = runUrl;
  return lineage;
}

/**
 * The URL of the repository a GitHub Actions run belongs to (`https://github.com/acme/api`), for
 * `org.opencontainers.image.source`; undefined outside a run, so that none is ever made up.
 */
export function githubRepositoryUrl(env: Record<string, string | undefined>): string | undefined {
  const repository = env.GITHUB_REPOSITORY;
  if (!repository) return undefined;
  return `${(env.GITHUB_SERVER_URL || 'https://github.com').replace(/\/+$/, '')}/${repository}`;
}

/**
 * The URL of the current GitHub Actions run attempt, from the runner's environment; undefined
 * outside a run. Takes the environment as a parameter so callers and tests pass what they have.
 */
export function githubRunUrl(env: Record<string, string | undefined>): string | undefined {
  const server = env.GITHUB_SERVER_URL;
  const repository = env.GITHUB_REPOSITORY;
  const runId = env.GITHUB_RUN_ID;
  if (!server || !repository || !runId) return undefined;
  const attempt = env.GITHUB_RUN_ATTEMPT ? `/attempts/${env.GITHUB_RUN_ATTEMPT}` : '';
  return `${server.replace(/\/+$/, '')}/${repository}/actions/runs/${runId}${attempt}`;
}

function assertUrl(value: string, what: string, expected: string): void {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (url?.username || url?.password) {
    // A label is public to every puller: credentials in it would be published with the image.
    url.username = '***';
    url.password = '';
    throw new ConfigurationError(
      `Invalid lineage ${what} "${url.href}": it carries credentials; give the URL without user info.`,
    );
  }
  if (url?.protocol !== 'https:' && url?.protocol !== 'http:') {
    throw new ConfigurationError(`Invalid lineage ${what} "${value}": expected ${expected}.`);
  }
}
