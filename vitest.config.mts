import { defineConfig } from 'vitest/config';

// Two projects: `unit` (pure code, no servers) and `integration` (*.int.test.ts: a real Temporal
// dev server started once per run by test/global-setup.ts, real processes, the real Pulumi engine).
export default defineConfig({
  test: {
    // Native Temporal core panics under worker threads (sdk-typescript#876): use processes.
    pool: 'forks',
    // Two cores: more parallel files than that only adds contention with the Temporal server.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: 'unit',
          include: ['test/**/*.test.ts'],
          exclude: ['test/**/*.int.test.ts'],
          testTimeout: 30_000,
        },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/**/*.int.test.ts'],
          globalSetup: ['test/global-setup.ts'],
          testTimeout: 120_000,
          hookTimeout: 180_000,
        },
      },
    ],
  },
});
