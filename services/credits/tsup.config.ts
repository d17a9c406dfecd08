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
});
