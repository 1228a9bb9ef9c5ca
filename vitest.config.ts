import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The Temporal core bridge is a native module: worker threads crash it (notes E3).
    pool: 'forks',
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // One PostgreSQL cluster and one Temporal dev server for the whole run, on free ports.
    globalSetup: ['test/setup/services.ts'],
    setupFiles: ['test/setup/runtime.ts'],
    reporters: ['default', 'json'],
    outputFile: { json: '.data/test-results.json' },
  },
});
