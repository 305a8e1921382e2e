import { exec } from '@flow-actions/action-kit';

/** Real git as Alice: no user or system config, a fixed author and committer, `cwd` as HOME. */
export function git(args: string[], cwd: string) {
  return exec('git', args, {
    cwd,
    env: {
      PATH: process.env.PATH,
      HOME: cwd,
      GIT_CONFIG_NOSYSTEM: '1',
      GIT_AUTHOR_NAME: 'Alice',
      GIT_AUTHOR_EMAIL: 'alice@example.com',
      GIT_COMMITTER_NAME: 'Alice',
      GIT_COMMITTER_EMAIL: 'alice@example.com',
    },
  });
}
