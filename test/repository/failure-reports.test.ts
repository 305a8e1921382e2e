import { join } from 'node:path';
import type { FailureReport } from '@flow-actions/action-kit';
import { readActionMetadata } from '@flow-actions/runner-harness';
import { describe, expect, it } from 'vitest';
import { discoverActions } from '../../scripts/release/actions';

// Every action tells runAction how a failed run explains itself; what it lists as asked must be
// inputs its action.yml has (a renamed input would silently drop out of the summary), and never
// one that holds a secret.
const SECRET_INPUT = /password|token/;

describe('failure reports', async () => {
  const actions = await discoverActions();

  it('cover every action', () => {
    expect(actions.map((action) => action.uses).sort()).toEqual([
      'backcompat-matrix',
      'build-by-sha',
      'deploy-command',
      'merge-gate',
      'npm-publish-gate',
      'promote',
      'propose',
      'release',
      'risk',
      'update-manifest',
      'yank-artifact',
    ]);
  });

  it.each(actions)(
    '$uses: named after its uses: path, asking only inputs it has, no secret',
    async (action) => {
      const { FAILURE_REPORT } = (await import(join(action.dir, 'src', 'main.ts'))) as {
        FAILURE_REPORT: FailureReport;
      };
      const { inputs } = await readActionMetadata(action.dir);
      expect(FAILURE_REPORT.step).toBe(action.uses);
      expect(FAILURE_REPORT.request.length).toBeGreaterThan(0);
      for (const name of FAILURE_REPORT.request) {
        expect(Object.keys(inputs)).toContain(name);
        expect(name).not.toMatch(SECRET_INPUT);
      }
      expect(FAILURE_REPORT.unchanged).toMatch(/^[A-Z].*\.$/);
    },
  );
});
