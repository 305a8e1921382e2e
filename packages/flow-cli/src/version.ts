import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The fields of a package.json `flow --version` reads. */
interface PackageManifest {
  name?: string;
  version?: string;
  private?: boolean;
  /** Written by the release assembly into the npm package: the commit its bundle was built from. */
  flowActions?: { sourceCommit?: string; sourceDirty?: boolean };
}

/**
 * What `flow --version` prints after `flow `: the version of the package the running code belongs
 * to — the nearest package.json with a name above `file`. From the npm package that is
 * `@flow-actions/cli` (the bundle is its dist/index.js) with the commit it was built from; from
 * the sources it is the workspace package, and says so.
 */
export async function readCliVersion(file: string = fileURLToPath(import.meta.url)): Promise<string> {
  for (let dir = dirname(file); ; dir = dirname(dir)) {
    const manifest = await readManifest(join(dir, 'package.json'));
    if (manifest?.name) return describeVersion(manifest);
    if (dirname(dir) === dir) return 'unknown version (no package.json above the program)';
  }
}

export function describeVersion(manifest: PackageManifest): string {
  const version = manifest.version ?? 'unknown version';
  const commit = manifest.flowActions?.sourceCommit;
  if (commit)
    return `${version} (built from ${commit.slice(0, 12)}${manifest.flowActions?.sourceDirty ? ' with uncommitted changes' : ''})`;
  return manifest.private ? `${version} (workspace sources)` : version;
}

async function readManifest(path: string): Promise<PackageManifest | undefined> {
  try {
    return JSON.parse(await readFile(path, 'utf8')) as PackageManifest;
  } catch {
    return undefined;
  }
}
