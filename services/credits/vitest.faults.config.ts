import { defineConfig } from 'vitest/config';
import base from './vitest.config.ts';

/**
 * The long runs (crash, database outage, soak): `pnpm test:faults`, which .ci/run also runs.
 * The main config with other files, one at a time (each measures the machine's capacity and
 * latency, and the machine has few cores), and a report of their own.
 */
export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: ['test/faults/**/*.test.ts'],
    exclude: ['**/node_modules/**'],
    fileParallelism: false,
    testTimeout: 600_000,
    reporters: ['default', ['json', { outputFile: '.vitest/faults.json' }]],
  },
});
