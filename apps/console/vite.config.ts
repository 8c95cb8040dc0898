import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';
import { compression } from 'vite-plugin-compression2';

const here = (path: string): string => fileURLToPath(new URL(path, import.meta.url));

// Built to dist/console, which the gateway serves at /console; only the contracts lib is shared (types and zod schemas).
export default defineConfig({
  root: here('.'),
  base: '/console/',
  // .br and .gz next to each file: the gateway sends them as they are (no compression per request).
  plugins: [react(), compression({ algorithms: ['brotliCompress', 'gzip'], exclude: [/\.map$/], threshold: 1024 })],
  resolve: { alias: { '@switchyard/contracts': here('../../libs/contracts/src/index.ts') } },
  build: { outDir: here('../../dist/console'), emptyOutDir: true, sourcemap: true, chunkSizeWarningLimit: 800 },
  // `npx vite --config apps/console/vite.config.ts`: live reload, with the admin API of a gateway on :8080.
  server: { proxy: { '/admin': 'http://127.0.0.1:8080' } },
});
