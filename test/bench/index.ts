import { benchBackcompatMatrix } from './backcompat-matrix';
import { benchBuildBySha } from './build-by-sha';
import { benchColdStart } from './cold-start';
import { benchMergeGate } from './merge-gate';
import { benchPromote } from './promote';
import { benchRelease } from './release';
import { benchRetag } from './retag';

const BENCHES: Record<string, () => Promise<void>> = {
  retag: benchRetag,
  promote: benchPromote,
  'build-by-sha': benchBuildBySha,
  'backcompat-matrix': benchBackcompatMatrix,
  'cold-start': benchColdStart,
  'merge-gate': benchMergeGate,
  release: benchRelease,
};

/**
 * `pnpm bench [name…]`: each benchmark prints its own table; they run one after another so none
 * shares the machine. No name runs them all.
 */
async function main(): Promise<void> {
  const names = process.argv.slice(2).filter((arg) => arg !== '--');
  const unknown = names.filter((name) => !(name in BENCHES));
  if (unknown.length > 0) {
    throw new Error(
      `Unknown benchmark ${unknown.join(', ')}: choose from ${Object.keys(BENCHES).join(', ')}.`,
    );
  }
  for (const name of names.length > 0 ? names : Object.keys(BENCHES)) await BENCHES[name]?.();
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exitCode = 1;
});
