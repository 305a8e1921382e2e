// `pnpm demo`: the whole protocol on an embedded OCI layout, with no server and no network.
import { lineagePicture, tagTable } from './demo/picture';
import { runDemo } from './demo/story';

const started = performance.now();
console.log(
  'flow-actions demo: building the actions once, then the story — bundled actions run as the runner runs them.\n',
);
const result = await runDemo({
  onStep: (event) => {
    console.log(`▶ ${event.step}`);
    for (const line of event.lines) console.log(`  ${line}`);
    console.log('');
  },
});
console.log(await tagTable(result));
console.log(`\n${await lineagePicture(result)}`);
console.log(
  `\n${result.builds} builds for 4 commits; every promotion moved tags only. Done in ${((performance.now() - started) / 1000).toFixed(1)} s; files in ${result.dir}.`,
);
