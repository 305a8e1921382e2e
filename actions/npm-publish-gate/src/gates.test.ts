import { describe, expect, it } from 'vitest';
import { evaluatePackage, type GateOptions, type PackageFacts, type RegistryState } from './gates';

const INTEGRITY = `sha512-${'A'.repeat(86)}==`;
const OTHER = `sha512-${'B'.repeat(86)}==`;

function facts(overrides: Partial<PackageFacts> = {}): PackageFacts {
  return {
    name: '@acme/core',
    version: '1.0.0',
    integrity: INTEGRITY,
    workspaceLeft: [],
    internal: [],
    registry: { versions: [], distTags: {} },
    ...overrides,
  };
}

const auto: GateOptions = { distTag: 'auto', dependencies: new Map() };

describe('evaluatePackage', () => {
  it('a first publish passes every gate and goes to latest', () => {
    const verdict = evaluatePackage(facts(), auto);
    expect(verdict.decision).toEqual({ action: 'publish', tag: 'latest' });
    expect(verdict.rows.map((row) => [row.gate, row.outcome])).toEqual([
      ['valid version', 'pass'],
      ['not yet published', 'pass'],
      ['above its line', 'pass'],
      ['dist-tag', 'pass'],
      ['internal dependencies', 'pass'],
    ]);
  });

  it.each([
    {
      version: 'v1.0',
      reason:
        '@acme/core: "v1.0" is not a semantic version (MAJOR.MINOR.PATCH[-prerelease]): fix the version in package.json',
    },
    {
      version: '1.2.3+build.5',
      reason:
        '@acme/core: "1.2.3+build.5" would be published by npm as 1.2.3 (npm drops a leading v and +build metadata): set the version in package.json to 1.2.3',
    },
  ])('an invalid version $version fails gate 1 and skips the gates that need it', ({ version, reason }) => {
    const verdict = evaluatePackage(facts({ version }), auto);
    expect(verdict.decision).toEqual({ action: 'fail', reason });
    expect(verdict.rows.map((row) => row.outcome)).toEqual(['fail', 'skip', 'skip', 'skip', 'pass']);
  });

  it('the same version with the same tarball is a green skip', () => {
    const registry = { versions: ['1.0.0'], distTags: { latest: '1.0.0' }, integrity: INTEGRITY };
    const verdict = evaluatePackage(facts({ registry }), auto);
    expect(verdict.decision).toEqual({ action: 'skip', reason: 'already published with the same tarball' });
    expect(verdict.rows[1]).toMatchObject({ gate: 'not yet published', outcome: 'pass' });
  });

  it('the same version with other content fails', () => {
    const registry = { versions: ['1.0.0'], distTags: { latest: '1.0.0' }, integrity: OTHER };
    const verdict = evaluatePackage(facts({ registry }), auto);
    expect(verdict.decision).toEqual({
      action: 'fail',
      reason:
        '@acme/core@1.0.0 is already published with different content (registry sha512-BBBBBBBBBBBB…, this build sha512-AAAAAAAAAAAA…): a version never changes; bump the version',
    });
  });

  it.each([
    { version: '1.3.9', published: ['1.4.0', '2.0.0'], reason: 'below 1.4.0, the highest 1.x published' },
    { version: '2.0.0-beta.1', published: ['2.0.0'], reason: 'below 2.0.0, the highest 2.x published' },
    { version: '0.3.1', published: ['0.3.2', '0.4.0'], reason: 'below 0.3.2, the highest 0.3.x published' },
  ])('$version below its line ($published) fails', ({ version, published, reason }) => {
    const verdict = evaluatePackage(
      facts({ version, registry: { versions: published, distTags: {} } }),
      auto,
    );
    expect(verdict.decision.action).toBe('fail');
    expect(verdict.decision).toMatchObject({ reason: expect.stringContaining(reason) });
  });

  it('a hotfix on an older line passes and takes the line tag', () => {
    const registry = { versions: ['1.4.0', '2.0.0'], distTags: { latest: '2.0.0' } };
    const verdict = evaluatePackage(facts({ version: '1.4.1', registry }), auto);
    expect(verdict.decision).toEqual({ action: 'publish', tag: 'latest-1' });
  });

  it.each([
    {
      tag: 'latest',
      registry: { versions: ['1.4.0', '2.0.0'], distTags: { latest: '2.0.0' } },
      reason:
        '@acme/core@1.4.1 would move latest backwards from 2.0.0: let the tag be chosen (auto) or use a line tag such as latest-1',
    },
    {
      tag: 'latest',
      registry: { versions: ['1.4.0', '2.0.0'], distTags: { latest: '1.4.0' } },
      reason:
        '@acme/core@1.4.1 is below 2.0.0, the highest stable published, so it cannot be latest: let the tag be chosen (auto) or use latest-1',
    },
    {
      tag: '1.x',
      registry: { versions: [], distTags: {} },
      reason: 'dist-tag "1.x" reads as a semver range to npm: choose a word such as next or latest-1',
    },
  ])('dist-tag $tag refused: $reason', ({ tag, registry, reason }) => {
    const verdict = evaluatePackage(facts({ version: '1.4.1', registry: registry as RegistryState }), {
      ...auto,
      distTag: tag,
    });
    expect(verdict.decision).toEqual({ action: 'fail', reason });
  });

  it('an explicit tag is used as asked', () => {
    const registry = { versions: ['1.0.0'], distTags: { latest: '1.0.0', canary: '1.0.0' } };
    const verdict = evaluatePackage(facts({ version: '1.1.0', registry }), { ...auto, distTag: 'canary' });
    expect(verdict.decision).toEqual({ action: 'publish', tag: 'canary' });
    expect(verdict.rows[3]?.reason).toBe('canary (as asked; was 1.0.0)');
  });

  describe('internal dependencies', () => {
    const dep = {
      name: '@acme/util',
      field: 'dependencies' as const,
      declared: 'workspace:^',
      published: '^2.0.0',
      version: '2.0.0',
    };
    it.each([
      {
        state: { inRun: true, published: [], private: false },
        outcome: 'pass',
        reason: '@acme/util@2.0.0 (this run, first)',
      },
      {
        state: { inRun: false, published: ['2.0.0'], private: false },
        outcome: 'pass',
        reason: '@acme/util@2.0.0 (published)',
      },
      {
        state: { inRun: false, published: ['1.0.0'], private: false },
        outcome: 'fail',
        reason:
          '@acme/core needs @acme/util@2.0.0 is not published and not in this run: publish it in this run too, or first',
      },
      {
        state: { inRun: false, published: [], private: true },
        outcome: 'fail',
        reason:
          '@acme/core needs @acme/util@2.0.0 is private and never published: make it public or move it to devDependencies',
      },
    ])('$reason', ({ state, outcome, reason }) => {
      const verdict = evaluatePackage(facts({ internal: [dep] }), {
        ...auto,
        dependencies: new Map([['@acme/util', state]]),
      });
      expect(verdict.rows[4]).toEqual({ gate: 'internal dependencies', outcome, reason });
    });

    it('a devDependency never blocks', () => {
      const verdict = evaluatePackage(facts({ internal: [{ ...dep, field: 'devDependencies' }] }), auto);
      expect(verdict.rows[4]).toEqual({ gate: 'internal dependencies', outcome: 'pass', reason: 'none' });
    });

    it('a workspace: range left in the packed package.json fails', () => {
      const verdict = evaluatePackage(
        facts({ workspaceLeft: ['dependencies.@acme/gone: workspace:*'] }),
        auto,
      );
      expect(verdict.decision.action).toBe('fail');
      expect(verdict.rows[4]?.reason).toBe(
        'the packed package.json still says dependencies.@acme/gone: workspace:*: each workspace: range must name a package of this workspace',
      );
    });
  });
});
