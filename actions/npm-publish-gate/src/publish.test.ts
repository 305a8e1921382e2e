import { nullLogger } from '@flow-actions/action-kit';
import type { RequiredChecksResult } from '@flow-actions/github-api';
import { describe, expect, it } from 'vitest';
import type { RegistryState } from './gates';
import type { NpmClient, PublishOptions } from './npm-cli';
import { type PublishGateRequest, runPublishGate } from './publish';
import type { Discovery, PackageManifest, WorkspacePackage } from './workspace';

/** An in-memory registry behind the NpmClient interface; `failPublish` makes one publish throw. */
class FakeNpm implements NpmClient {
  readonly packages = new Map<string, { versions: Map<string, string>; distTags: Record<string, string> }>();
  readonly publishes: { tarball: string; options: PublishOptions }[] = [];
  failPublish?: string;

  seed(name: string, version: string, integrity: string, tag = 'latest'): void {
    const entry: { versions: Map<string, string>; distTags: Record<string, string> } = this.packages.get(
      name,
    ) ?? { versions: new Map(), distTags: {} };
    entry.versions.set(version, integrity);
    entry.distTags[tag] = version;
    this.packages.set(name, entry);
  }
  async view(name: string, version: string): Promise<RegistryState> {
    const entry = this.packages.get(name);
    if (!entry) return { versions: [], distTags: {} };
    const integrity = entry.versions.get(version);
    return {
      versions: [...entry.versions.keys()],
      distTags: { ...entry.distTags },
      ...(integrity ? { integrity } : {}),
    };
  }
  async distTags(name: string) {
    return { ...(this.packages.get(name)?.distTags ?? {}) };
  }
  async listPackFiles(): Promise<string[]> {
    return [];
  }
  async pack(): Promise<never> {
    throw new Error('not used: prepare is faked');
  }
  async publish(tarball: string, options: PublishOptions): Promise<void> {
    this.publishes.push({ tarball, options });
    const [name, version] = tarball.split('|') as [string, string];
    if (this.failPublish === name) throw new Error('npm error 503 Service Unavailable');
    if (!options.dryRun) this.seed(name, version, integrityOf(name, version), options.tag);
  }
}

const integrityOf = (name: string, version: string, content = '') => `sha512-${name}-${version}${content}`;

function workspace(
  packages: { name: string; version: string; manifest?: Partial<PackageManifest>; private?: boolean }[],
): Discovery {
  const all: WorkspacePackage[] = packages.map((p) => ({
    name: p.name,
    version: p.version,
    dir: `/ws/${p.name}`,
    path: p.name,
    private: p.private ?? false,
    manifest: { name: p.name, version: p.version, ...p.manifest },
  }));
  return { selected: all.filter((p) => !p.private), byName: new Map(all.map((p) => [p.name, p])) };
}

const TWO = workspace([
  { name: 'cli', version: '1.0.0', manifest: { dependencies: { core: 'workspace:^' } } },
  { name: 'core', version: '1.0.0' },
]);

function request(overrides: Partial<PublishGateRequest> = {}): PublishGateRequest {
  return {
    discovery: TWO,
    sha: 'a'.repeat(40),
    requiredChecks: [],
    distTag: 'auto',
    provenance: false,
    idTokenAvailable: false,
    dryRun: false,
    ...overrides,
  };
}

function gate(npm: FakeNpm, req: PublishGateRequest, checks?: RequiredChecksResult, content = '') {
  return runPublishGate(req, {
    npm,
    prepare: async (pkg, rewrite) => ({
      tarball: `${pkg.name}|${pkg.version}`,
      integrity: integrityOf(pkg.name, pkg.version, content),
      workspaceLeft: JSON.stringify(rewrite.manifest).includes('workspace:') ? ['left'] : [],
    }),
    ...(checks ? { checks: async () => checks } : {}),
    logger: nullLogger,
  });
}

describe('runPublishGate', () => {
  it('publishes internal dependencies first, then skips them all on a re-run', async () => {
    const npm = new FakeNpm();
    const first = await gate(npm, request());
    expect(first.published.map((p) => `${p.name}@${p.version}:${p.tag}`)).toEqual([
      'core@1.0.0:latest',
      'cli@1.0.0:latest',
    ]);
    expect(npm.publishes.map((p) => p.tarball)).toEqual(['core|1.0.0', 'cli|1.0.0']);
    const again = await gate(npm, request());
    expect(again.published).toEqual([]);
    expect(again.skipped.map((s) => s.name)).toEqual(['core', 'cli']);
    expect(npm.publishes).toHaveLength(2);
    expect(again.distTags).toEqual({ core: { latest: '1.0.0' }, cli: { latest: '1.0.0' } });
  });

  it('a failed gate publishes nothing, even for the packages that passed', async () => {
    const npm = new FakeNpm();
    npm.seed('core', '1.0.0', 'sha512-other');
    const result = await gate(npm, request());
    expect(result.blocked).toBe(true);
    expect(result.failures).toEqual([
      expect.stringContaining('core@1.0.0 is already published with different content'),
    ]);
    expect(npm.publishes).toEqual([]);
  });

  it('stops at a failed publish and names what is left; a re-run publishes only the rest', async () => {
    const npm = new FakeNpm();
    const discovery = workspace([
      { name: 'core', version: '1.0.0' },
      { name: 'cli', version: '1.0.0', manifest: { dependencies: { core: 'workspace:*' } } },
      { name: 'app', version: '1.0.0', manifest: { dependencies: { cli: 'workspace:*' } } },
    ]);
    npm.failPublish = 'cli';
    const first = await gate(npm, request({ discovery }));
    expect(first.published.map((p) => p.name)).toEqual(['core']);
    expect(first.failed).toEqual({
      name: 'cli',
      version: '1.0.0',
      message: 'npm error 503 Service Unavailable',
    });
    expect(first.notAttempted).toEqual(['app@1.0.0']);
    npm.failPublish = undefined;
    const again = await gate(npm, request({ discovery }));
    expect(again.failed).toBeUndefined();
    expect(again.published.map((p) => p.name)).toEqual(['cli', 'app']);
    expect(again.skipped.map((s) => s.name)).toEqual(['core']);
  });

  it('required checks and provenance are commit gates that block every package', async () => {
    const npm = new FakeNpm();
    const pending: RequiredChecksResult = {
      ok: false,
      rows: [],
      message: '1 of 1 required check(s) not green: wait for `ci`',
    };
    const result = await gate(npm, request({ requiredChecks: ['ci'], provenance: true }), pending);
    expect(result.commitRows.map((row) => [row.gate, row.outcome])).toEqual([
      ['required checks', 'fail'],
      ['provenance', 'fail'],
    ]);
    expect(result.failures[0]).toBe('1 of 1 required check(s) not green: wait for `ci`');
    expect(npm.publishes).toEqual([]);
  });

  it('passes provenance, access and dry-run to npm; a dry run publishes nothing', async () => {
    const npm = new FakeNpm();
    const result = await gate(
      npm,
      request({ provenance: true, idTokenAvailable: true, access: 'public', dryRun: true }),
    );
    expect(npm.publishes.map((p) => p.options)).toEqual([
      { tag: 'latest', access: 'public', provenance: true, dryRun: true },
      { tag: 'latest', access: 'public', provenance: true, dryRun: true },
    ]);
    expect(result.published).toEqual([]);
    expect(result.skipped.map((s) => s.reason)).toEqual([
      'dry run: would publish under latest',
      'dry run: would publish under latest',
    ]);
    expect(npm.packages.size).toBe(0);
  });

  it('an internal dependency that is neither published nor in the run blocks', async () => {
    const npm = new FakeNpm();
    const discovery = workspace([
      { name: 'cli', version: '1.0.0', manifest: { dependencies: { core: 'workspace:^' } } },
      { name: 'core', version: '2.0.0', private: true },
    ]);
    const result = await gate(npm, request({ discovery }));
    expect(result.failures).toEqual([
      'cli needs core@2.0.0 is private and never published: make it public or move it to devDependencies',
    ]);
  });

  it('a registry that reports another tarball after the publish is a failure', async () => {
    const npm = new FakeNpm();
    const result = await gate(
      npm,
      request({ discovery: workspace([{ name: 'core', version: '1.0.0' }]) }),
      undefined,
      '-local',
    );
    expect(result.failed?.message).toBe(
      'the registry reports sha512-core-1.0.0 for core@1.0.0, not the published sha512-core-1.0.0-local',
    );
  });
});
