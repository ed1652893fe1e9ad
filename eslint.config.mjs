// The project's lint rules: type-aware promise checks, type-only imports, no import cycles, and a fence around
// the workflow sandbox (no Node built-ins, no database or HTTP libraries in workflows/).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import importX, { createNodeResolver } from 'eslint-plugin-import-x';

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', '.local/**', '.data/**', 'coverage/**', 'scripts/**', 'jest.config.js', 'eslint.config.mjs'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    // The review console's .tsx and .mts (browser code that vite bundles) get the same type-aware rules.
    files: ['**/*.ts', 'console/**/*.{tsx,mts}'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    plugins: { 'import-x': importX },
    // Resolves packages through their `exports` maps (lru-cache has no `main`); no legacy resolver package needed.
    settings: { 'import-x/resolver-next': [createNodeResolver()] },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'import-x/no-cycle': 'error',
    },
  },
  {
    files: ['workflows/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [
          { group: ['node:*', 'fs', 'path', 'crypto', 'http', 'https', 'net', 'os', 'child_process'], message: 'workflows run in the deterministic sandbox: no Node built-ins' },
          { group: ['mongodb', 'express', '@temporalio/client', '@temporalio/worker'], message: 'workflows do I/O only through activities' },
          { group: ['zod', '**/src/schemas/*'], message: 'the sandbox evaluates every imported module once per workflow run: keep zod out of workflows' },
        ],
      }],
    },
  },
  {
    files: ['**/*.js'],
    languageOptions: { sourceType: 'commonjs', globals: { require: 'readonly', module: 'writable', __dirname: 'readonly', process: 'readonly' } },
    rules: { '@typescript-eslint/no-require-imports': 'off' },
  },
  {
    files: ['test/**/*.ts'],
    rules: { '@typescript-eslint/no-explicit-any': 'off' },
  },
);
