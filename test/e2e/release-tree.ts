import { join } from 'node:path';
import { inject } from 'vitest';

/** The folder of a released action in the tree this test run assembled (or was given to test). */
export function releasedAction(uses: string): string {
  return join(inject('releaseTree'), uses);
}

/** The folder of a test-only action (test/fixtures/actions), bundled like a released one. */
export function fixtureAction(uses: string): string {
  return join(inject('fixtureTree'), uses);
}
