import { describe, expect, it } from 'vitest';
import { type NpmRunner, yankNpmVersion } from './npm';

/**
 * The few npm commands the yank runs, answered from a packument in memory the way npm 11 prints
 * them (checked against verdaccio and the real CLI in test/yank-artifact).
 */
function fakeNpm(
  versions: string[],
  distTags: Record<string, string>,
  deprecated: Record<string, string> = {},
) {
  const calls: string[] = [];
  const runner: NpmRunner = async (args) => {
    calls.push(args.join(' '));
    const ok = (stdout = '') => ({ exitCode: 0, stdout, stderr: '' });
    const [command, spec, ...rest] = args;
    const version = spec?.slice(spec.lastIndexOf('@') + 1) ?? '';
    if (command === 'view' && rest[0] === 'dist-tags') {
      return ok(JSON.stringify({ 'dist-tags': distTags, versions }));
    }
    if (command === 'view' && rest[0] === 'deprecated') {
      return ok(deprecated[version] ? JSON.stringify(deprecated[version]) : '');
    }
    if (command === 'deprecate') {
      deprecated[version] = rest[0] ?? '';
      return ok();
    }
    if (command === 'dist-tag' && spec === 'add') {
      const target = rest[0] ?? '';
      distTags[rest[1] ?? ''] = target.slice(target.lastIndexOf('@') + 1);
      return ok();
    }
    if (command === 'dist-tag' && spec === 'rm') {
      delete distTags[rest[1] ?? ''];
      return ok();
    }
    return { exitCode: 1, stdout: '', stderr: `unexpected npm ${args.join(' ')}` };
  };
  return { runner, calls, distTags, deprecated };
}

const options = { packageName: '@acme/lib', version: '1.3.0', reason: 'stage smoke tests failed' };

describe('yankNpmVersion', () => {
  it('deprecates the version and moves latest back to the highest live release below it on its line', async () => {
    const npm = fakeNpm(
      ['1.0.0', '1.1.0', '1.2.0', '1.2.1-rc.1', '1.3.0', '2.0.0-rc.1'],
      { latest: '1.3.0', next: '2.0.0-rc.1' },
      {
        '1.2.0': 'broken too',
      },
    );
    const result = await yankNpmVersion(npm.runner, options);
    expect(result.deprecated).toBe(true);
    expect(result.distTags).toEqual([{ tag: 'latest', from: '1.3.0', to: '1.1.0', action: 'moved' }]);
    expect(npm.deprecated['1.3.0']).toBe('stage smoke tests failed');
    expect(npm.distTags).toEqual({ latest: '1.1.0', next: '2.0.0-rc.1' });
    expect(npm.calls).toContain('deprecate @acme/lib@1.3.0 stage smoke tests failed');
    expect(npm.calls).toContain('dist-tag add @acme/lib@1.1.0 latest');
  });

  it('a second run changes nothing', async () => {
    const npm = fakeNpm(['1.2.0', '1.3.0'], { latest: '1.3.0' });
    await yankNpmVersion(npm.runner, options);
    npm.calls.length = 0;
    const again = await yankNpmVersion(npm.runner, options);
    expect(again).toMatchObject({
      deprecated: false,
      previousDeprecation: 'stage smoke tests failed',
      distTags: [],
    });
    expect(npm.calls.filter((call) => !call.startsWith('view'))).toEqual([]);
  });

  it('a prerelease tag may move to an earlier prerelease; with nothing earlier on the line, a tag is removed and latest kept', async () => {
    const npm = fakeNpm(['1.0.0', '2.0.0-rc.1', '2.0.0-rc.2'], {
      latest: '1.0.0',
      next: '2.0.0-rc.2',
      beta: '2.0.0-rc.1',
    });
    const moved = await yankNpmVersion(npm.runner, { ...options, version: '2.0.0-rc.2' });
    expect(moved.distTags).toEqual([{ tag: 'next', from: '2.0.0-rc.2', to: '2.0.0-rc.1', action: 'moved' }]);

    const first = fakeNpm(['2.0.0'], { latest: '2.0.0', stable: '2.0.0' });
    const result = await yankNpmVersion(first.runner, { ...options, version: '2.0.0' });
    expect(result.distTags).toEqual([
      { tag: 'latest', from: '2.0.0', action: 'kept' },
      { tag: 'stable', from: '2.0.0', action: 'removed' },
    ]);
    expect(first.distTags).toEqual({ latest: '2.0.0' });
  });

  it('dry-run only reads', async () => {
    const npm = fakeNpm(['1.2.0', '1.3.0'], { latest: '1.3.0' });
    const result = await yankNpmVersion(npm.runner, { ...options, dryRun: true });
    expect(result.distTags).toEqual([{ tag: 'latest', from: '1.3.0', to: '1.2.0', action: 'moved' }]);
    expect(npm.calls.every((call) => call.startsWith('view'))).toBe(true);
  });

  it('an unpublished version is an error that lists what is published', async () => {
    const npm = fakeNpm(['1.0.0', '1.1.0'], { latest: '1.1.0' });
    await expect(yankNpmVersion(npm.runner, options)).rejects.toThrow(
      'npm has no @acme/lib@1.3.0 (published: 1.0.0, 1.1.0): check "npm-version".',
    );
  });

  it('an unknown package names the inputs to check', async () => {
    const runner: NpmRunner = async () => ({
      exitCode: 1,
      stdout: '{"error":{"code":"E404"}}',
      stderr: 'npm error code E404',
    });
    await expect(yankNpmVersion(runner, options)).rejects.toThrow(
      'npm package @acme/lib was not found on the registry: check "npm-package" and "npm-registry"',
    );
  });
});
