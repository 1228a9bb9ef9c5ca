import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    // The Temporal core bridge is a native module: worker threads crash it.
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One PostgreSQL cluster and one Temporal dev server for the whole run, on free ports.
    globalSetup: ['test/setup/services.ts'],
    setupFiles: ['test/setup/runtime.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: '.data/test-results.json' },
    projects: [
      // `npm test`: every suite that runs on each Node version in CI.
      { extends: true, test: { name: 'default', include: ['test/**/*.test.ts'], exclude: ['test/system/**'] } },
      // `npm run test:system`: the slow suites, once per CI run (a production install, …).
      { extends: true, test: { name: 'system', include: ['test/system/**/*.test.ts'] } },
    ],
  },
});
