import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { requireBinary } from '../services';

// skopeo is the independent client: what it reads from a registry, and the digest it computes
// itself, are what we check our writes against. If skopeo disagrees with us, we are wrong.

export const SKOPEO_INSTALL = 'apt-get install -y skopeo';

export interface SkopeoOptions {
  /** `user:password` for the registry (`--creds`). Default: none. */
  creds?: string;
  /** A Docker config.json with the registry's credentials (`--authfile`). Default: none. */
  authFile?: string;
}

/** Runs skopeo with an environment free of NODE_EXTRA_CA_CERTS (it slows node, not skopeo, but keeps runs alike). */
export async function runSkopeo(args: readonly string[]): Promise<string> {
  const skopeo = await requireBinary('skopeo', SKOPEO_INSTALL);
  const { NODE_EXTRA_CA_CERTS: _unused, ...env } = process.env;
  const result = await exec(skopeo, args, { env });
  return result.stdout;
}

/**
 * The digest skopeo computes (`inspect --raw`, then `manifest-digest`) for a reference on a
 * loopback registry, or undefined when skopeo finds no such manifest.
 */
export async function skopeoDigest(
  reference: string,
  options: SkopeoOptions = {},
): Promise<string | undefined> {
  const auth = [
    ...(options.creds ? ['--creds', options.creds] : []),
    ...(options.authFile ? ['--authfile', options.authFile] : []),
  ];
  const skopeo = await requireBinary('skopeo', SKOPEO_INSTALL);
  const { NODE_EXTRA_CA_CERTS: _unused, ...env } = process.env;
  const result = await exec(
    skopeo,
    ['inspect', '--raw', '--tls-verify=false', ...auth, `docker://${reference}`],
    {
      env,
      allowFailure: true,
    },
  );
  if (result.exitCode !== 0) {
    if (/manifest unknown|not found|MANIFEST_UNKNOWN|NAME_UNKNOWN/i.test(result.stderr)) return undefined;
    throw new Error(`skopeo inspect ${reference} failed: ${result.stderr.trim()}`);
  }
  const dir = await mkdtemp(join(tmpdir(), 'flow-skopeo-'));
  try {
    const file = join(dir, 'manifest.json');
    await writeFile(file, result.stdout);
    return (await runSkopeo(['manifest-digest', file])).trim();
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/**
 * The tags skopeo lists for a repository on a loopback registry (`list-tags`), sorted; empty
 * when the registry does not know the repository at all (nothing was ever pushed to it).
 */
export async function skopeoTags(repository: string, options: SkopeoOptions = {}): Promise<string[]> {
  const auth = [
    ...(options.creds ? ['--creds', options.creds] : []),
    ...(options.authFile ? ['--authfile', options.authFile] : []),
  ];
  const skopeo = await requireBinary('skopeo', SKOPEO_INSTALL);
  const { NODE_EXTRA_CA_CERTS: _unused, ...env } = process.env;
  const result = await exec(skopeo, ['list-tags', '--tls-verify=false', ...auth, `docker://${repository}`], {
    env,
    allowFailure: true,
  });
  if (result.exitCode !== 0) {
    if (/NAME_UNKNOWN|repository name not known|not found/i.test(result.stderr)) return [];
    throw new Error(`skopeo list-tags ${repository} failed: ${result.stderr.trim()}`);
  }
  return ((JSON.parse(result.stdout) as { Tags?: string[] }).Tags ?? []).sort();
}
