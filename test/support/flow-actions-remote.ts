import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { exec } from '@flow-actions/action-kit';
import { makeWorld, ok, treeFor } from '../release/world';

/** An organisation's own flow-actions repository, with the release line `pnpm release` writes. */
export interface FlowActionsRemote {
  /** The bare repository, `<dir>/acme/flow-actions.git`: `uses:` names it acme/flow-actions. */
  path: string;
  /** Releases `version` from a new main commit with `pnpm release --tree`; returns the release commit. */
  release(version: string): Promise<string>;
}

/**
 * A bare "acme/flow-actions" in `dir`, fed by a maintainer's checkout that releases the tree this
 * test run assembled, stamped with each version (as the release workflow assembles it), with
 * `pnpm release`, a real process.
 */
export async function makeFlowActionsRemote(dir: string): Promise<FlowActionsRemote> {
  const world = await makeWorld();
  const path = join(dir, 'acme', 'flow-actions.git');
  await mkdir(path, { recursive: true });
  await exec('git', ['init', '--quiet', '--bare', path]);
  return {
    path,
    async release(version) {
      await world.land(`feat: what ${version} brings`);
      ok(await world.release([version, '--tree', await treeFor(version)]));
      await exec('git', ['--git-dir', world.remote, 'push', '--quiet', '--mirror', path]);
      const refs = await world.refs();
      return refs[`refs/tags/v${version}`] as string;
    },
  };
}
