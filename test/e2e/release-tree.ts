import { join } from 'node:path';
import { inject } from 'vitest';

/** The folder of a released action in the tree this test run assembled. */
export function releasedAction(uses: string): string {
  return join(inject('releaseTree'), uses);
}
