// `pnpm flow …` in this repository: flow from the sources. pnpm runs a script in the workspace
// root, so the directory the developer typed the command in — where relative paths and the git
// checkout are — is read from INIT_CWD, which pnpm (like npm) sets to it. The published bin has
// no such step: it runs where it is started. pnpm prints its "> flow-actions@… flow" banner on
// stdout, so scripts reading --json use `pnpm -s flow` (or the installed `flow`).
import { runCli } from '../packages/flow-cli/src/cli';

const invokedIn = process.env.INIT_CWD;
if (invokedIn) {
  process.chdir(invokedIn);
  // Not handed on to what flow runs (npm, git): it describes this pnpm call only.
  delete process.env.INIT_CWD;
}
process.exitCode = await runCli(process.argv.slice(2));
