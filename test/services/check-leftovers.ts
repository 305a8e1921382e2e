// Run after the suite (.ci/run): fails when kit services outlived their tests. It only reports:
// on a developer's machine another test run's services may be alive, and they are not ours to stop.
import { findLeftoverServices } from './leftovers';

const leftovers = findLeftoverServices();
if (leftovers.length > 0) {
  console.error(`${leftovers.length} service process(es) outlived the suite:`);
  for (const leftover of leftovers) console.error(`  ${leftover.pid} ${leftover.commandLine}`);
  process.exitCode = 1;
} else {
  console.log('no service process outlived the suite');
}
