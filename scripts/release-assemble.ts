// `pnpm release:assemble <dir>`: build every action once and write the release tree to <dir>.
import { assembleRelease } from './release/assemble';

const outDir = process.argv[2];
if (!outDir) {
  console.error('usage: pnpm release:assemble <dir>');
  process.exit(2);
}
const tree = await assembleRelease({ outDir });
const paths = Object.keys(tree.actions);
console.log(
  `Release tree written to ${tree.dir}: ${paths.length} action(s)${paths.length ? `: ${paths.join(', ')}` : ''}.`,
);
