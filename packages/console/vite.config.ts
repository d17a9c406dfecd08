import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// Served by the credits service under /console: every asset URL starts there. Hashed file names
// let the service cache assets forever; index.html is the only file it must not cache.
export default defineConfig({
  base: '/console/',
  plugins: [react()],
  resolve: {
    // The SDK's source, as the service's tests use it: no build of packages/client needed first.
    alias: { '@credits/client': fileURLToPath(new URL('../client/src/index.ts', import.meta.url)) },
  },
  build: {
    outDir: 'dist',
    emptyOutDir: true,
    target: 'es2022',
    // The size test (services/credits/test/console/bundle.test.ts) holds the budget; no warning noise here.
    chunkSizeWarningLimit: 1_000,
  },
  server: {
    // `pnpm --filter @credits/console dev` against a service on :8000.
    proxy: { '/trpc': 'http://127.0.0.1:8000' },
  },
});
