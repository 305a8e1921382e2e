import { access, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ConfigurationError,
  errorMessage,
  exec,
  oneLine,
  refuseUrlCredentials,
  SecretMasker,
} from '@flow-actions/action-kit';
import { CLI_BIN, CLI_FOLDER, CLI_PACKAGE } from './cli-package';
import type { Git } from './git';

// The flow CLI of a release goes to npm from the release tree itself, through the npm-publish
// gate: the workflow's publish-cli job runs the tree's npm-publish-gate action, and locally the
// tree's own `flow publish` runs the same gate. Nothing is rebuilt: the bytes published are the
// bytes the release commit holds and the tests ran.

/** Where the CLI goes and with which token. */
export interface NpmTarget {
  /** The registry URL, e.g. https://registry.npmjs.org/. */
  registry: string;
  /** An npm token with publish rights; read from NPM_TOKEN, never from a flag. */
  token?: string;
}

export interface CliPublication {
  name: string;
  version: string;
  /** `published` under `tag`, or `skipped` for `reason` (the same tarball is there already). */
  outcome: 'published' | 'skipped' | 'would publish';
  tag?: string;
  reason?: string;
}

/** Refuses an npm target that cannot work before anything is released: no token, a token in the URL. */
export function checkNpmTarget(target: NpmTarget): asserts target is Required<NpmTarget> {
  refuseUrlCredentials(target.registry, { input: '--npm-registry', instead: 'set NPM_TOKEN' });
  let url: URL | undefined;
  try {
    url = new URL(target.registry);
  } catch {
    url = undefined;
  }
  if (!url || !/^https?:$/.test(url.protocol))
    throw new ConfigurationError(
      `--npm-registry "${target.registry}" is not an http(s) URL: use e.g. https://registry.npmjs.org/.`,
    );
  if (!target.token)
    throw new ConfigurationError(
      `--npm-registry publishes ${CLI_PACKAGE} and needs a token: set NPM_TOKEN to an npm token with publish rights.`,
    );
}

/**
 * Publishes the CLI package of the release tree `tree` through the npm-publish gate, with the
 * tree's own `flow publish` (run on this Node): a version npm already has with the same tarball is
 * a green skip, anything the gate refuses is one line. `dryRun` evaluates every gate and publishes
 * nothing.
 */
export async function publishTreeCli(
  tree: string,
  target: Required<NpmTarget>,
  sourceCommit: string,
  options: { dryRun?: boolean } = {},
): Promise<CliPublication> {
  const bin = join(tree, CLI_FOLDER, CLI_BIN);
  await access(bin).catch(() => {
    throw new ConfigurationError(
      `The release tree ${tree} has no bundled flow CLI (${CLI_FOLDER}/${CLI_BIN}): assemble it with pnpm release:assemble.`,
    );
  });
  const masker = new SecretMasker();
  masker.add(target.token);
  const args = ['publish', '--packages', CLI_FOLDER, '--registry', target.registry, '--sha', sourceCommit];
  const run = await exec(
    process.execPath,
    [bin, ...args, '--json', ...(options.dryRun ? ['--dry-run'] : [])],
    {
      cwd: tree,
      env: { ...process.env, NPM_TOKEN: target.token },
      allowFailure: true,
    },
  );
  const report = parseReport(run.stdout);
  if (run.exitCode !== 0 || !report?.ok) {
    const reason = run.stderr.trim().split('\n').at(-1) || report?.error || `exit code ${run.exitCode}`;
    throw new ConfigurationError(
      `The npm-publish gate ${options.dryRun ? 'would not publish' : 'did not publish'} ${CLI_PACKAGE}: ${masker.redact(oneLine(reason))}`,
    );
  }
  const published = report.published?.find((entry) => entry.name === CLI_PACKAGE);
  if (published) return { ...published, outcome: 'published' };
  const skipped = report.skipped?.find((entry) => entry.name === CLI_PACKAGE);
  if (skipped) return { ...skipped, outcome: options.dryRun ? 'would publish' : 'skipped' };
  throw new Error(
    `flow publish reported nothing about ${CLI_PACKAGE}: ${masker.redact(oneLine(run.stdout))}`,
  );
}

interface PublishReport {
  ok?: boolean;
  error?: string;
  published?: { name: string; version: string; tag: string }[];
  skipped?: { name: string; version: string; reason: string }[];
}

function parseReport(stdout: string): PublishReport | undefined {
  try {
    return JSON.parse(stdout) as PublishReport;
  } catch {
    return undefined;
  }
}

/** One line for a publication: what a maintainer reads after the release. */
export function describePublication(publication: CliPublication, registry: string): string {
  const what = `${publication.name}@${publication.version}`;
  if (publication.outcome === 'published')
    return `Published ${what} to ${registry} under ${publication.tag}.`;
  if (publication.outcome === 'would publish')
    return `The npm-publish gate holds for ${what} on ${registry} (${publication.reason}).`;
  return `${what} is on ${registry} already, with the same tarball: ${publication.reason}.`;
}

/**
 * Runs `body` on the files of release commit `commit`, written out of git's object store into a
 * temporary folder (`git archive`, no checkout: the local branches and index stay as they are).
 */
export async function withReleaseFiles<T>(
  git: Git,
  commit: string,
  body: (tree: string) => Promise<T>,
): Promise<T> {
  const scratch = await mkdtemp(join(tmpdir(), 'flow-release-files-'));
  try {
    const archive = join(scratch, 'tree.tar');
    const tree = join(scratch, 'tree');
    await mkdir(tree);
    try {
      await git(['archive', '--format=tar', '-o', archive, commit]);
      await exec('tar', ['-xf', archive, '-C', tree]);
    } catch (error) {
      throw new Error(
        `Reading release commit ${commit.slice(0, 12)} failed: ${oneLine(errorMessage(error))}`,
        {
          cause: error,
        },
      );
    }
    return await body(tree);
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
