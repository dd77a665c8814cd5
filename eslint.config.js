// @ts-check
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  {
    ignores: [
      'node_modules/',
      '.device/',
      '.gl/',
      '.whl/',
      '.pylib/',
      'out/',
      '**/*.py',
      'test/fixtures/',
      'models/kk-*/',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // Plain Node scripts (the CLI shim, the container health check, the GPU-host benchmark): Node's globals.
    files: ['**/*.mjs'],
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        performance: 'readonly',
        URL: 'readonly',
        fetch: 'readonly',
        AbortSignal: 'readonly',
      },
    },
  },
  {
    // The playground page's browser script: `tsc -p bots/web/static` checks its names against the DOM's types,
    // which know every browser global, so ESLint's own undefined-name check would only repeat it without them.
    files: ['bots/web/static/**/*.js'],
    rules: { 'no-undef': 'off' },
  },
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
);
