import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/main.ts', 'src/generate.ts'],
  format: 'esm',
  platform: 'node',
  target: 'node24',
  sourcemap: true,
  clean: true,
  // The SDK and the runtime kit are compiled in (the SDK from its source, through tsconfig paths).
  noExternal: [/^@credits\//],
});
