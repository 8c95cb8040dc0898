// Type-aware lint for the monorepo (eslint 9 flat config). `npm run lint`.
import eslint from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const deepLibImports = {
  group: ['@switchyard/*/*'],
  message: 'Import a lib from its root (@switchyard/<lib>); its internals are not its API.',
};
const envMessage = 'Read configuration through @switchyard/config: env is parsed and validated once, in libs/config.';

export default defineConfig(
  { ignores: ['dist/', 'node_modules/', 'scripts/*.mjs', 'bench/results/', 'coverage/', '.data/'] },

  eslint.configs.recommended,

  {
    files: ['**/*.ts', 'apps/console/**/*.tsx'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/switch-exhaustiveness-check': 'error',
      '@typescript-eslint/no-explicit-any': 'error',
      'no-restricted-imports': [
        'error',
        {
          patterns: [deepLibImports],
          paths: [
            { name: 'node:process', importNames: ['env'], message: envMessage },
            { name: 'process', importNames: ['env'], message: envMessage },
          ],
        },
      ],
      // Also catches `process['env']` and `const { env } = process`.
      'no-restricted-properties': ['error', { object: 'process', property: 'env', message: envMessage }],
    },
  },

  {
    // The one place env is read.
    files: ['libs/config/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', { patterns: [deepLibImports] }],
      'no-restricted-properties': 'off',
    },
  },

  {
    // Hands TEST_DATABASE_URL to the test workers through env (see loadTestEnv in libs/config); it writes env, never reads it.
    files: ['libs/testing/src/global-setup.ts'],
    rules: { 'no-restricted-properties': 'off' },
  },

  {
    files: ['**/*.spec.ts', '**/*.spec.tsx', '**/*.e2e-spec.ts'],
    rules: {
      // `expect(mock.method).toHaveBeenCalled()` passes methods unbound on purpose; nothing calls them.
      '@typescript-eslint/unbound-method': 'off',
    },
  },
);
