import eslint from '@eslint/js';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['dist/**', 'sdk/dist/**', 'web/dist/**', 'sdk/src/generated/**', 'data/**', 'coverage/**', 'eslint.config.mjs', 'jest.config.js', 'test/support/native-modules/**']  },
  eslint.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  prettier,
  {
    languageOptions: {
      globals: { ...globals.node, ...globals.jest },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // Nest's decorators and jest's expect(...) trip these without pointing at real bugs.
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-extraneous-class': 'off',
    },
  },
  {
    // Layer rule: processing is pure. It imports no module of ours but the contract and, outside
    // the pool's Nest wrapper, neither Nest nor Redis.
    files: ['src/processing/**/*.ts'],
    ignores: ['src/processing/processing-pool.ts', 'src/processing/processing.module.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(config|redis|auth|storage|uploads|assets|tasks|realtime|health|errors)(/|$)',
              message: 'processing imports no other module of ours (DESIGN.md, Modules).',
            },
            { regex: '^(@nestjs/|ioredis$|bullmq$)', message: 'processing functions know nothing of Nest or Redis.' },
          ],
        },
      ],
    },
  },
  {
    files: ['src/processing/processing-pool.ts', 'src/processing/processing.module.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+(config|redis|auth|storage|uploads|assets|tasks|realtime|health|errors)(/|$)',
              message: 'processing imports no other module of ours (DESIGN.md, Modules).',
            },
          ],
        },
      ],
    },
  },
  {
    // Layer rules: no import loops between modules. tasks uses assets and realtime's stream
    // format, so neither of those may reach back into tasks (docs/decisions.md, Modules).
    files: ['src/assets/**/*.ts', 'src/realtime/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(\\.\\./)+tasks(/|$)',
              message: 'assets and realtime do not import tasks (tasks imports them).',
            },
          ],
        },
      ],
    },
  },
  {
    // Layer rule: the contract is a leaf the client SDK imports too; it imports only its own files.
    files: ['src/contract/**/*.ts'],
    rules: {
      'no-restricted-imports': [
        'error',
        {
          patterns: [
            {
              regex: '^(?!\\./[a-z.-]+$)',
              message: 'src/contract imports nothing but its own files (DESIGN.md, Modules).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.spec.ts', 'test/**/*.ts', 'bench/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
    },
  },
);
