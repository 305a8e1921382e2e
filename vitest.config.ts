import { defineConfig } from 'vitest/config';

// One run covers unit tests beside the code and the integration / end-to-end tests in test/.
// CI also writes a JSON report that .ci/run turns into its closing "N passed, N failed" line.
// `pnpm test` exports npm_config_registry=https://registry.npmjs.org/, which would win over the
// npmrc files tests write for verdaccio; the workers inherit this process's environment.
delete process.env.npm_config_registry;

export default defineConfig({
  test: {
    include: ['actions/*/src/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    globalSetup: ['test/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    // These import JSON without import attributes; vite's transform handles that, Node alone does not.
    server: { deps: { inline: ['@actions/workflow-parser', '@actions/expressions'] } },
    reporters: process.env.FLOW_TEST_REPORT ? ['default', 'json'] : ['default'],
    outputFile: process.env.FLOW_TEST_REPORT ? { json: process.env.FLOW_TEST_REPORT } : undefined,
  },
});
