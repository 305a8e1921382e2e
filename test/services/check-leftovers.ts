// Run after the suite (.ci/run): fails, and stops them, when kit services outlived their tests.
import { findLeftoverServices } from './leftovers';

const leftovers = findLeftoverServices();
for (const leftover of leftovers) process.kill(leftover.pid, 'SIGKILL');
if (leftovers.length > 0) {
  console.error(`${leftovers.length} service process(es) outlived the suite:`);
  for (const leftover of leftovers) console.error(`  ${leftover.pid} ${leftover.commandLine}`);
  process.exitCode = 1;
} else {
  console.log('no service process outlived the suite');
}
