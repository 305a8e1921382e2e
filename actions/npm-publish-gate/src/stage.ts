import { copyFile, mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import { gunzipSync } from 'node:zlib';
import type { NpmClient, PackResult } from './npm-cli';
import type { PackageManifest, WorkspacePackage } from './workspace';

export interface StagedPackage extends PackResult {
  /** `name: range` pairs of the packed package.json that still say `workspace:`. */
  workspaceLeft: string[];
}

/**
 * Packs a package from a staged copy, never touching the repository: the files `npm pack`
 * would take are copied to `stagingDir`, package.json is replaced by its rewritten form when
 * it had `workspace:` ranges, and the tarball is packed there. The tarball's own package.json
 * is then read back, so what is checked is what would be published.
 */
export async function stageAndPack(
  npm: NpmClient,
  pkg: WorkspacePackage,
  manifest: { manifest: PackageManifest; changed: boolean },
  stagingDir: string,
): Promise<StagedPackage> {
  const copy = join(stagingDir, 'package');
  await mkdir(copy, { recursive: true });
  const files = await npm.listPackFiles(pkg.dir);
  for (const file of files) {
    const target = resolve(copy, file);
    // npm lists paths inside the package; anything else is not ours to copy.
    if (!target.startsWith(copy + sep)) continue;
    await mkdir(dirname(target), { recursive: true });
    await copyFile(join(pkg.dir, file), target);
  }
  if (manifest.changed)
    await writeFile(join(copy, 'package.json'), `${JSON.stringify(manifest.manifest, null, 2)}\n`);
  const packed = await npm.pack(copy, stagingDir);
  const packedManifest = readPackedManifest(await readFile(packed.tarball));
  return { ...packed, workspaceLeft: findWorkspaceRanges(packedManifest) };
}

/** Every `name: range` of a manifest whose range still says `workspace:`. */
export function findWorkspaceRanges(manifest: PackageManifest): string[] {
  const left: string[] = [];
  for (const [field, value] of Object.entries(manifest)) {
    if (!value || typeof value !== 'object' || Array.isArray(value)) continue;
    for (const [name, range] of Object.entries(value as Record<string, unknown>)) {
      if (typeof range === 'string' && range.startsWith('workspace:'))
        left.push(`${field}.${name}: ${range}`);
    }
  }
  return left;
}

/** `package/package.json` of an npm tarball (gzip, ustar), read without unpacking anything else. */
export function readPackedManifest(tarball: Buffer): PackageManifest {
  const tar = gunzipSync(tarball);
  let offset = 0;
  let longName: string | undefined;
  while (offset + 512 <= tar.length) {
    const header = tar.subarray(offset, offset + 512);
    if (header.every((byte) => byte === 0)) break;
    const field = (start: number, length: number) =>
      header
        .subarray(start, start + length)
        .toString('utf8')
        .replace(/\0.*$/s, '');
    const size = Number.parseInt(field(124, 12).trim() || '0', 8);
    const type = field(156, 1);
    const prefix = field(345, 155);
    const name = longName ?? (prefix ? `${prefix}/${field(0, 100)}` : field(0, 100));
    longName = undefined;
    const body = tar.subarray(offset + 512, offset + 512 + size);
    if (type === 'L') longName = body.toString('utf8').replace(/\0.*$/s, '');
    else if (name.replace(/^[^/]+\//, '') === 'package.json' && name.split('/').length === 2)
      return JSON.parse(body.toString('utf8')) as PackageManifest;
    offset += 512 + Math.ceil(size / 512) * 512;
  }
  throw new Error('the packed tarball has no package.json');
}
