// `pnpm release:npm <version> --npm-registry <url>`: publish the flow CLI of a release from its release commit.
import { ConfigurationError } from '@flow-actions/action-kit';
import { parseReleaseVersion } from '@flow-actions/versions';
import { readCommandLine, runCommand } from './release/cli';
import { CLI_FOLDER, CLI_PACKAGE, readTreeCliPackage } from './release/cli-package';
import { fetchRef, gitIn, readRemoteLine, readSourceCommit } from './release/git';
import { checkNpmTarget, describePublication, publishTreeCli, withReleaseFiles } from './release/publish-cli';

const USAGE = `usage: pnpm release:npm <version> --npm-registry <url> [--remote <name|url>] [--dry-run]

Publishes ${CLI_PACKAGE} of a released version to npm, from the release commit v<version> on the
remote — the ${CLI_FOLDER}/ folder the release tree holds, not rebuilt — through the npm-publish gate
(the release's own flow publish). What the release workflow's publish-cli job does; for a local
release, pnpm release --npm-registry runs it after the push. Run again, it finishes what is
missing: a version npm has with the same tarball is a green skip.

  --npm-registry <url>   the npm registry; the token comes from NPM_TOKEN
  --remote <name|url>    where the release line lives (default: origin)
  --dry-run              evaluate every gate; publish nothing`;

const { values, positionals } = readCommandLine(
  'pnpm release:npm',
  USAGE,
  {
    'npm-registry': { type: 'string' },
    remote: { type: 'string' },
    'dry-run': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  1,
);

await runCommand('pnpm release:npm', async () => {
  const release = parseReleaseVersion(positionals[0] as string);
  const remote = values.remote ?? 'origin';
  const registry = values['npm-registry'];
  if (!registry)
    throw new ConfigurationError(
      '--npm-registry is missing: name the npm registry to publish to, e.g. https://registry.npmjs.org/.',
    );
  const target = { registry, token: process.env.NPM_TOKEN };
  checkNpmTarget(target);
  const git = gitIn(process.cwd());
  const { line } = await readRemoteLine(git, remote);
  if (!line.versions.has(release.tag))
    throw new ConfigurationError(
      `${release.tag} is not released on ${remote}: release it first (pnpm release ${release.version}).`,
    );
  const commit = await fetchRef(git, remote, `refs/tags/${release.tag}`);
  const source = (await readSourceCommit(git, commit)) ?? commit;
  const publication = await withReleaseFiles(git, commit, async (tree) => {
    const manifest = await readTreeCliPackage(tree);
    if (manifest?.name !== CLI_PACKAGE || manifest.version !== release.version)
      throw new ConfigurationError(
        `Release ${release.tag} (${commit.slice(0, 12)}) holds ${manifest ? `${manifest.name}@${manifest.version}` : `no ${CLI_FOLDER}/package.json`}, not ${CLI_PACKAGE}@${release.version}: there is nothing of this release to publish; release the next version.`,
      );
    return publishTreeCli(tree, target, source, { dryRun: values['dry-run'] });
  });
  console.log(describePublication(publication, registry));
});
