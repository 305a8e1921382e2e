import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// Runs the GitHub client and fake tests alone, without the release-tree global setup:
// `node_modules/.bin/vitest run --config test/github-fake/vitest.config.ts`.
export default defineConfig({
  test: {
    root: fileURLToPath(new URL('../..', import.meta.url)),
    include: ['packages/github-api/src/**/*.test.ts', 'test/github-fake/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    testTimeout: 60_000,
    pool: 'forks',
  },
});
