// `pnpm release <version>`: release this checkout's HEAD on the release line of a git remote.
import { setOutput } from '@flow-actions/action-kit/runner';
import { readCommandLine, runCommand } from './release/cli';
import { publishRelease } from './release/publish';

const USAGE = `usage: pnpm release <version> [--remote <name|url>] [--main <branch>] [--tree <dir>]
                    [--require-checks <name,...>] [--npm-registry <url>] [--allow-dirty]
                    [--allow-off-main] [--dry-run]

Releases the checkout's HEAD as v<version>: builds the release tree once (or takes --tree, a tree
pnpm release:assemble wrote and the tests ran), commits it on the orphan branch releases/v<major>
with the source commit in a Flow-Source-Commit trailer, tags it v<version>, moves v<major> when it
is that major's newest release, and pushes the three refs in one atomic push. With --npm-registry it
then publishes the tree's flow CLI (cli/, @flow-actions/cli) through the npm-publish gate, when the
release is its major's newest (a patch of an older minor leaves its CLI off npm).

  --remote <name|url>        where the release line lives (default: origin)
  --main <branch>            the branch a released commit must be on, first-parent (default: main)
  --tree <dir>               commit this assembled tree as it is instead of assembling one
                             (assembled for this version: pnpm release:assemble --version)
  --require-checks <names>   check runs that must be green on HEAD, read from GitHub with
                             GITHUB_TOKEN and GITHUB_REPOSITORY (release.yml passes CI)
  --npm-registry <url>       publish the CLI there once released (NPM_TOKEN); the gate runs as a
                             dry run before the push, and pnpm release:npm finishes a failed one
  --allow-dirty              release uncommitted changes too (the commit says so)
  --allow-off-main           release a commit off main, e.g. a hotfix of an older line
  --dry-run                  check everything and print the plan; write nothing

A version is released once. Above every release of its major it moves v<major>; below, only a
patch of an older minor is allowed (v1.4.1 after v1.5.0), and v<major> stays.`;

const { values, positionals } = readCommandLine(
  'pnpm release',
  USAGE,
  {
    remote: { type: 'string' },
    main: { type: 'string' },
    tree: { type: 'string' },
    'require-checks': { type: 'string' },
    'npm-registry': { type: 'string' },
    'allow-dirty': { type: 'boolean' },
    'allow-off-main': { type: 'boolean' },
    'dry-run': { type: 'boolean' },
    help: { type: 'boolean', short: 'h' },
  },
  1,
);

await runCommand('pnpm release', async () => {
  const result = await publishRelease({
    version: positionals[0] as string,
    cwd: process.cwd(),
    remote: values.remote,
    main: values.main,
    tree: values.tree,
    requireChecks: values['require-checks']
      ?.split(',')
      .map((name) => name.trim())
      .filter(Boolean),
    github: {
      token: process.env.GITHUB_TOKEN,
      repository: process.env.GITHUB_REPOSITORY,
      apiUrl: process.env.GITHUB_API_URL,
    },
    ...(values['npm-registry']
      ? { npm: { registry: values['npm-registry'], token: process.env.NPM_TOKEN } }
      : {}),
    allowDirty: values['allow-dirty'],
    allowOffMain: values['allow-off-main'],
    dryRun: values['dry-run'],
    log: (line) => console.log(line),
  });
  // In a workflow the later jobs read what was released (GITHUB_OUTPUT; nothing happens elsewhere).
  if (result.commit) {
    setOutput('version', result.plan.release.version);
    setOutput('tag', result.plan.release.tag);
    setOutput('commit', result.commit);
    setOutput('source-commit', result.source.commit);
    setOutput('moved-major', String(result.plan.movesMajor));
    setOutput('newest-of-major', String(result.newestOfMajor));
  }
});
