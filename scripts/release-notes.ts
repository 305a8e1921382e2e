// `pnpm release:notes <version>`: the notes of a released version; `--publish` makes them its GitHub release.
import { ConfigurationError } from '@flow-actions/action-kit';
import { GitHubClient, isGitHubApiError } from '@flow-actions/github-api';
import { parseReleaseVersion } from '@flow-actions/versions';
import { readCommandLine, runCommand } from './release/cli';
import { gitIn, readRemoteLine } from './release/git';
import { isNewestRelease } from './release/line';
import { readNotesInput, releaseNotes } from './release/notes';

const USAGE = `usage: pnpm release:notes <version> [--remote <name|url>] [--publish]

Prints the notes of a released version: the Conventional Commits between the previous release's
source commit and this one's (read from the release commits' Flow-Source-Commit trailers), grouped
as breaking changes, features, fixes and other.

  --remote <name|url>   where the release line lives (default: origin)
  --publish             create the GitHub release of the tag with these notes (GITHUB_TOKEN with
                        contents: write, GITHUB_REPOSITORY); one that exists already is left as it is`;

const { values, positionals } = readCommandLine(
  'pnpm release:notes',
  USAGE,
  { remote: { type: 'string' }, publish: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
  1,
);

await runCommand('pnpm release:notes', async () => {
  const release = parseReleaseVersion(positionals[0] as string);
  const remote = values.remote ?? 'origin';
  const token = process.env.GITHUB_TOKEN;
  const repository = process.env.GITHUB_REPOSITORY;
  if (values.publish && (!token || !repository))
    throw new ConfigurationError(
      '--publish creates the GitHub release: set GITHUB_TOKEN (contents: write) and GITHUB_REPOSITORY (owner/name).',
    );
  const git = gitIn(process.cwd());
  const { line } = await readRemoteLine(git, remote);
  const notes = releaseNotes(await readNotesInput(git, remote, release, line));
  if (!values.publish || !token || !repository) {
    process.stdout.write(notes);
  } else {
    const github = new GitHubClient({ token, repository, apiUrl: process.env.GITHUB_API_URL });
    try {
      const created = await github.createRelease({
        tagName: release.tag,
        name: `flow-actions ${release.tag}`,
        body: notes,
        prerelease: release.prerelease,
        // Only the highest release of all is "Latest": not a patch of an older line or major.
        makeLatest: isNewestRelease(release, line),
      });
      console.log(`GitHub release ${release.tag} created: ${created.html_url}`);
    } catch (error) {
      // A re-run after the release was created: the same tag, nothing to do.
      if (
        !isGitHubApiError(error) ||
        error.status !== 422 ||
        !/already_exists/.test(error.githubMessage ?? '')
      )
        throw error;
      console.log(`GitHub release ${release.tag} exists already: left as it is.`);
    }
  }
});
