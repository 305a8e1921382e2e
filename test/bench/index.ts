import { benchBuildBySha } from './build-by-sha';
import { benchPromote } from './promote';
import { benchRetag } from './retag';

/** `pnpm bench`: each benchmark prints its own table; they run one after another so none shares the machine. */
async function main(): Promise<void> {
  await benchRetag();
  await benchPromote();
  await benchBuildBySha();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
