import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import swc from 'unplugin-swc';
import { defineConfig } from 'vitest/config';

const lib = (name: string): string => fileURLToPath(new URL(`./libs/${name}/src/index.ts`, import.meta.url));

export default defineConfig({
  test: {
    projects: [
      {
        // SWC, not esbuild: Nest's DI needs emitDecoratorMetadata.
        plugins: [swc.vite({ tsconfigFile: false, swcrc: false, jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true, useDefineForClassFields: false }, keepClassNames: true, target: 'es2022' } })],
        resolve: {
          alias: {
            '@switchyard/config': lib('config'),
            '@switchyard/contracts': lib('contracts'),
            '@switchyard/db': lib('db'),
            '@switchyard/queue': lib('queue'),
            '@switchyard/routing': lib('routing'),
            '@switchyard/runtime': lib('runtime'),
            '@switchyard/scoring': lib('scoring'),
            '@switchyard/telemetry': lib('telemetry'),
            '@switchyard/testing': lib('testing'),
          },
        },
        test: {
          name: 'server',
          include: ['apps/**/*.spec.ts', 'bench/**/*.spec.ts', 'libs/**/*.spec.ts', 'scripts/**/*.spec.ts', 'test/**/*.e2e-spec.ts', 'test/**/*.spec.ts'],
          exclude: ['apps/console/**', '**/node_modules/**'],
          globalSetup: ['./libs/testing/src/global-setup.ts'],
          testTimeout: 30_000,
          hookTimeout: 60_000,
          pool: 'forks',
        },
      },
      {
        // The console's component tests: React in jsdom, no database.
        plugins: [react()],
        resolve: { alias: { '@switchyard/contracts': lib('contracts') } },
        test: { name: 'console', include: ['apps/console/src/**/*.spec.tsx', 'apps/console/src/**/*.spec.ts'], environment: 'jsdom', setupFiles: ['./apps/console/src/testing/component-test.setup.ts'] },
      },
    ],
  },
});
