// `pnpm release:assemble <dir> [--version <version>]`: build every action and the flow CLI once and
// write the release tree to <dir>.

import { parseReleaseVersion } from '@flow-actions/versions';
import { assembleRelease } from './release/assemble';
import { readCommandLine, runCommand } from './release/cli';
import { CLI_FOLDER, CLI_PACKAGE, DEVELOPMENT_VERSION } from './release/cli-package';

const USAGE = `usage: pnpm release:assemble <dir> [--version <version>]

Builds every action and the flow CLI once and writes the release tree to <dir> (emptied first):
one folder per released uses: path, the templates, the users' README, and ${CLI_FOLDER}/, the npm
package ${CLI_PACKAGE}.

  --version <version>   the release the tree is for: the version of ${CLI_PACKAGE} (default:
                        ${DEVELOPMENT_VERSION}, which pnpm release refuses to release)`;

const { values, positionals } = readCommandLine(
  'pnpm release:assemble',
  USAGE,
  { version: { type: 'string' }, help: { type: 'boolean', short: 'h' } },
  1,
  { name: 'the folder', example: '/tmp/release-tree' },
);

await runCommand('pnpm release:assemble', async () => {
  const version = values.version === undefined ? undefined : parseReleaseVersion(values.version, '--version');
  const tree = await assembleRelease({ outDir: positionals[0] as string, version: version?.version });
  const paths = Object.keys(tree.actions);
  console.log(
    `Release tree written to ${tree.dir}: ${paths.length} action(s)${paths.length ? `: ${paths.join(', ')}` : ''}; ${CLI_FOLDER}/: ${CLI_PACKAGE}@${version?.version ?? DEVELOPMENT_VERSION}.`,
  );
});
