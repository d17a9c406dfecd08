import { defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    alias: { '@credits/client': new URL('../packages/client/src/index.ts', import.meta.url).pathname },
  },
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
    // CI reads the JSON report (see .ci/run); people read the default one.
    reporters: ['default', ['json', { outputFile: '.vitest/results.json' }]],
  },
});
