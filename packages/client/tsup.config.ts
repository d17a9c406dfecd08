import { defineConfig } from 'tsup';

export default defineConfig({
  entry: ['src/index.ts'],
  format: ['esm', 'cjs'],
  platform: 'neutral',
  target: 'es2022',
  sourcemap: true,
  clean: true,
  // The router type and the contract's types are compiled into the d.ts, so a consumer installs
  // this package and its peers (@trpc/client, @trpc/server) and nothing of the service.
  noExternal: [/^@credits\//],
  dts: {
    resolve: [/^@credits\//, /^\.\.?\//],
    compilerOptions: {
      // One @trpc/server for every file, the service's included: the d.ts then names tRPC's types
      // through the package a consumer has, never through the service's node_modules.
      paths: { '@trpc/server': ['./node_modules/@trpc/server'], '@trpc/server/*': ['./node_modules/@trpc/server/*'] },
    },
  },
});
