import { configDefaults, defineConfig } from 'vitest/config';

export default defineConfig({
  resolve: {
    // Tests use the SDK's source; the consumer test packs and installs the built package.
    alias: { '@credits/client': new URL('../../packages/client/src/index.ts', import.meta.url).pathname },
  },
  test: {
    include: ['test/**/*.test.ts'],
    // Crash, outage and soak runs take minutes: `pnpm test:faults` (vitest.faults.config.ts).
    exclude: [...configDefaults.exclude, 'test/faults/**'],
    globalSetup: ['test/support/global-setup.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // CI reads the JSON report (see .ci/run); people read the default one.
    reporters: ['default', ['json', { outputFile: '.vitest/results.json' }]],
  },
});
