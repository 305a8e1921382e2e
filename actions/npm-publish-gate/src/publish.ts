import { errorMessage, type Logger } from '@flow-actions/action-kit';
import type { RequiredChecksResult } from '@flow-actions/github-api';
import {
  evaluatePackage,
  type GateRow,
  type InternalDependencyState,
  type PackageFacts,
  type PackageVerdict,
} from './gates';
import type { NpmClient } from './npm-cli';
import type { StagedPackage } from './stage';
import {
  type Discovery,
  orderForPublish,
  type RewriteResult,
  RUNTIME_FIELDS,
  rewriteWorkspaceRanges,
  type WorkspacePackage,
} from './workspace';

export interface PublishGateRequest {
  discovery: Discovery;
  /** The commit the required checks are read on. */
  sha: string;
  requiredChecks: readonly string[];
  /** `auto` or a tag name. */
  distTag: string;
  provenance: boolean;
  /** True when the job may request an OIDC token (`permissions: id-token: write`). */
  idTokenAvailable: boolean;
  access?: 'public' | 'restricted';
  dryRun: boolean;
}

export interface PublishGateDependencies {
  npm: NpmClient;
  /** Packs a staged copy of the package with its rewritten package.json. */
  prepare(pkg: WorkspacePackage, rewrite: RewriteResult): Promise<StagedPackage>;
  /** Reads the required checks of a commit; only called when some are required. */
  checks?(sha: string, names: readonly string[]): Promise<RequiredChecksResult>;
  logger: Logger;
}

export interface PublishedPackage {
  name: string;
  version: string;
  tag: string;
  integrity: string;
}

export interface SkippedPackage {
  name: string;
  version: string;
  reason: string;
}

export interface PublishGateResult {
  sha: string;
  dryRun: boolean;
  /** Gates that hold for the whole commit: required checks, provenance. */
  commitRows: GateRow[];
  /** One verdict per package, in publish order. */
  packages: PackageVerdict[];
  /** True when a gate failed: nothing was published. */
  blocked: boolean;
  /** One line per failed gate. */
  failures: string[];
  published: PublishedPackage[];
  /** Published already (green), or (dry run) what would have been published. */
  skipped: SkippedPackage[];
  /** The publish that failed midway, if one did. */
  failed?: { name: string; version: string; message: string };
  /** Packages after the failed one, left for a re-run. */
  notAttempted: string[];
  /** Dist-tags on the registry after the run, by package. */
  distTags: Record<string, Record<string, string>>;
}

/**
 * The whole gate: plan every package (staged, packed, compared with the registry), evaluate
 * every gate, and only when all hold publish in dependency order. A publish that fails midway
 * stops the run; what went out is reported, and a re-run skips it as already published.
 */
export async function runPublishGate(
  request: PublishGateRequest,
  deps: PublishGateDependencies,
): Promise<PublishGateResult> {
  const { discovery } = request;
  const rewrites = new Map(
    discovery.selected.map((pkg) => [pkg.name, rewriteWorkspaceRanges(pkg.manifest, discovery.byName)]),
  );
  const runtimeDeps = (pkg: WorkspacePackage) =>
    (rewrites.get(pkg.name)?.internal ?? [])
      .filter((dep) => (RUNTIME_FIELDS as readonly string[]).includes(dep.field))
      .map((dep) => dep.name);
  const ordered = orderForPublish(discovery.selected, runtimeDeps);
  const selectedNames = new Set(ordered.map((pkg) => pkg.name));

  const commitRows = await gateCommit(request, deps);

  const facts: PackageFacts[] = [];
  const staged = new Map<string, StagedPackage>();
  for (const pkg of ordered) {
    const rewrite = rewrites.get(pkg.name) as RewriteResult;
    const packed = await deps.prepare(pkg, rewrite);
    staged.set(pkg.name, packed);
    const registry = await deps.npm.view(pkg.name, pkg.version);
    facts.push({
      name: pkg.name,
      version: pkg.version,
      integrity: packed.integrity,
      workspaceLeft: [
        ...packed.workspaceLeft,
        ...rewrite.unresolved
          .map((u) => `${u.name}: ${u.declared}`)
          .filter((u) => !packed.workspaceLeft.includes(u)),
      ],
      internal: rewrite.internal,
      registry,
    });
    deps.logger.info(
      `${pkg.name}@${pkg.version}: packed ${packed.integrity}; registry has ${registry.versions.length} version(s).`,
    );
  }

  const dependencyStates = new Map<string, InternalDependencyState>();
  const internalNames = new Set(facts.flatMap((f) => f.internal.map((dep) => dep.name)));
  for (const name of internalNames) {
    const inRun = selectedNames.has(name);
    const known = discovery.byName.get(name);
    const version = known?.version ?? '';
    const published = inRun ? [] : (await deps.npm.view(name, version)).versions;
    dependencyStates.set(name, { inRun, published, private: known?.private ?? false });
  }

  const packages = facts.map((f) =>
    evaluatePackage(f, { distTag: request.distTag, dependencies: dependencyStates }),
  );
  const failures = [
    ...commitRows.filter((row) => row.outcome === 'fail').map((row) => row.reason),
    ...packages.flatMap((verdict) => (verdict.decision.action === 'fail' ? [verdict.decision.reason] : [])),
  ];
  const result: PublishGateResult = {
    sha: request.sha,
    dryRun: request.dryRun,
    commitRows,
    packages,
    blocked: failures.length > 0,
    failures,
    published: [],
    skipped: [],
    notAttempted: [],
    distTags: {},
  };
  if (result.blocked) {
    result.distTags = Object.fromEntries(facts.map((f) => [f.name, f.registry.distTags]));
    return result;
  }

  for (const [index, verdict] of packages.entries()) {
    const { decision } = verdict;
    if (decision.action === 'skip') {
      result.skipped.push({ name: verdict.name, version: verdict.version, reason: decision.reason });
      continue;
    }
    if (decision.action !== 'publish') continue;
    const packed = staged.get(verdict.name) as StagedPackage;
    try {
      await deps.npm.publish(packed.tarball, {
        tag: decision.tag,
        ...(request.access ? { access: request.access } : {}),
        provenance: request.provenance,
        dryRun: request.dryRun,
      });
      if (request.dryRun) {
        result.skipped.push({
          name: verdict.name,
          version: verdict.version,
          reason: `dry run: would publish under ${decision.tag}`,
        });
        continue;
      }
      // The registry must now hold exactly the tarball that passed the gates.
      const after = await deps.npm.view(verdict.name, verdict.version);
      if (after.integrity !== packed.integrity)
        throw new Error(
          `the registry reports ${after.integrity ?? 'no integrity'} for ${verdict.name}@${verdict.version}, not the published ${packed.integrity}`,
        );
      result.published.push({
        name: verdict.name,
        version: verdict.version,
        tag: decision.tag,
        integrity: packed.integrity,
      });
      deps.logger.info(`Published ${verdict.name}@${verdict.version} under ${decision.tag}.`);
    } catch (error) {
      result.failed = { name: verdict.name, version: verdict.version, message: errorMessage(error) };
      result.notAttempted = packages
        .slice(index + 1)
        .filter((later) => later.decision.action === 'publish')
        .map((later) => `${later.name}@${later.version}`);
      break;
    }
  }
  // Only a publish moves a dist-tag: the others are as read before.
  const moved = new Set(result.published.map((p) => p.name));
  if (result.failed) moved.add(result.failed.name);
  for (const f of facts)
    result.distTags[f.name] = moved.has(f.name) ? await deps.npm.distTags(f.name) : f.registry.distTags;
  return result;
}

async function gateCommit(request: PublishGateRequest, deps: PublishGateDependencies): Promise<GateRow[]> {
  const rows: GateRow[] = [];
  if (request.requiredChecks.length === 0) {
    rows.push({
      gate: 'required checks',
      outcome: 'skip',
      reason: 'none configured',
    });
  } else if (!deps.checks) {
    rows.push({ gate: 'required checks', outcome: 'fail', reason: 'required checks need a GitHub token' });
  } else {
    const verdict = await deps.checks(request.sha, request.requiredChecks);
    rows.push({ gate: 'required checks', outcome: verdict.ok ? 'pass' : 'fail', reason: verdict.message });
  }
  if (!request.provenance) {
    rows.push({ gate: 'provenance', outcome: 'skip', reason: 'not requested' });
  } else if (request.idTokenAvailable) {
    rows.push({ gate: 'provenance', outcome: 'pass', reason: 'the job may request an OIDC token' });
  } else {
    rows.push({
      gate: 'provenance',
      outcome: 'fail',
      reason:
        'provenance needs an OIDC token, and this job has none: add "permissions: id-token: write" to the job (ACTIONS_ID_TOKEN_REQUEST_URL is unset)',
    });
  }
  return rows;
}
