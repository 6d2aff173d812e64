// Lint rules that guard the architecture: no I/O in workflow code, no floating promises anywhere.
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import tseslint from 'typescript-eslint';

const nodeBuiltins = [
  'assert',
  'buffer',
  'child_process',
  'cluster',
  'crypto',
  'dgram',
  'dns',
  'events',
  'fs',
  'fs/promises',
  'http',
  'http2',
  'https',
  'net',
  'os',
  'path',
  'perf_hooks',
  'process',
  'readline',
  'stream',
  'tls',
  'url',
  'util',
  'v8',
  'vm',
  'worker_threads',
  'zlib',
];

// defineConfig (ESLint 10) replaces typescript-eslint's deprecated tseslint.config helper.
export default defineConfig(
  { ignores: ['node_modules/**', 'data/**', 'coverage/**', 'bin/**'] },
  js.configs.recommended,
  tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: false }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Small files with one job and functions a reader can hold in their head; a longer one says why where it stands.
    files: ['src/**/*.ts', 'scripts/**/*.ts'],
    rules: {
      'max-lines-per-function': ['error', { max: 80, skipBlankLines: true, skipComments: true, IIFEs: true }],
      'max-lines': ['error', { max: 300 }],
    },
  },
  {
    files: ['src/workflows/**/*.ts'],
    rules: {
      // Type-only imports are erased at compile time and are fine; values would pull I/O into the bundle.
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: [
            ...nodeBuiltins
              .flatMap((m) => [m, `node:${m}`])
              .map((name) => ({ name, message: 'Workflow code must stay deterministic: no Node built-ins. Do I/O in an activity.', allowTypeImports: true })),
            ...['@duckdb/node-api', '@azure/msal-node', 'undici', 'pino', 'csv-parse', '@temporalio/client', '@temporalio/worker', '@temporalio/activity'].map((name) => ({
              name,
              message: 'Workflow code must stay deterministic: no I/O libraries. Do I/O in an activity.',
              allowTypeImports: true,
            })),
          ],
          patterns: [
            {
              group: ['**/graph', '**/graph/**', '**/warehouse', '**/warehouse/**', '**/simulator', '**/simulator/**', '**/logger', '**/config', '**/tenants'],
              message: 'Workflows only orchestrate: call these through activities.',
              allowTypeImports: true,
            },
          ],
        },
      ],
    },
  },
);
