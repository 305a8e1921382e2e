import { exec } from '@flow-actions/action-kit';
import { computeDigest } from '@flow-actions/oci-store';

export interface SkopeoOptions {
  /** A Docker config.json with the registry's credentials (`--authfile`). Default: none. */
  authFile?: string;
}

/**
 * The digest skopeo — an independent client — sees for a reference on a loopback registry, or
 * undefined when skopeo cannot find it. If skopeo disagrees with us, we are wrong.
 */
export async function skopeoDigest(
  reference: string,
  options: SkopeoOptions = {},
): Promise<string | undefined> {
  const auth = options.authFile ? ['--authfile', options.authFile] : [];
  const result = await exec(
    'skopeo',
    ['inspect', '--raw', '--tls-verify=false', ...auth, `docker://${reference}`],
    {
      allowFailure: true,
    },
  );
  if (result.exitCode !== 0) {
    if (/manifest unknown|not found|MANIFEST_UNKNOWN|NAME_UNKNOWN/i.test(result.stderr)) return undefined;
    throw new Error(`skopeo inspect ${reference} failed: ${result.stderr.trim()}`);
  }
  return computeDigest(Buffer.from(result.stdout, 'utf8'));
}
