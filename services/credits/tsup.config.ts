import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/main.ts'],
  format: 'esm',
  platform: 'node',
  target: 'node24',
  sourcemap: true,
  clean: true,
  // The workspace's TypeScript packages are bundled in; npm dependencies stay external.
  noExternal: [/^@credits\//],
  // The ledger's SQL files, read at start-up beside the bundle (src/db/repeatable.ts).
  onSuccess: 'cp src/db/*.sql dist/',
});
