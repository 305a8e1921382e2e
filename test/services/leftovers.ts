import { readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A kit service that outlived its test: the registry or verdaccio, found by its temp folder. */
export interface LeftoverProcess {
  pid: number;
  commandLine: string;
}

const SERVICE_DIRS = ['flow-registry-', 'flow-verdaccio-'].map((prefix) => join(tmpdir(), prefix));

/**
 * Every process on the machine whose command line points into a kit service's temporary folder.
 * Each test file stops its services; this is the check that none was forgotten.
 */
export function findLeftoverServices(): LeftoverProcess[] {
  const found: LeftoverProcess[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry) || Number(entry) === process.pid) continue;
    let commandLine: string;
    try {
      commandLine = readFileSync(join('/proc', entry, 'cmdline'), 'utf8')
        .split('\0')
        .join(' ')
        .trim();
    } catch {
      continue; // the process ended while we looked
    }
    if (SERVICE_DIRS.some((dir) => commandLine.includes(dir)))
      found.push({ pid: Number(entry), commandLine });
  }
  return found;
}
