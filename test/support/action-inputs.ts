import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';

const ACTIONS = join(import.meta.dirname, '..', '..', 'actions');

/** Every input of every action, as its action.yml declares it: the names a flag may mirror. */
export function allActionInputs(): Set<string> {
  return new Set(
    readdirSync(ACTIONS).flatMap((action) => {
      const metadata = parse(readFileSync(join(ACTIONS, action, 'action.yml'), 'utf8')) as {
        inputs?: Record<string, unknown>;
      };
      return Object.keys(metadata.inputs ?? {});
    }),
  );
}
