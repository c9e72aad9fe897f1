import js from '@eslint/js';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  { ignores: ['node_modules', 'data', 'dist', 'coverage', 'bench/results'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
      'no-restricted-imports': ['error', { patterns: [] }],
    },
  },
  // Layering: imports go one way. Only src/http imports Fastify; only src/storage speaks SQL drivers.
  {
    files: ['src/fhir/**', 'src/auth/**', 'src/ui/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['fastify', 'pg', '@electric-sql/pglite'],
        patterns: ['**/http/**', '**/storage/**', '**/cli/**'],
      }],
    },
  },
  // Pages render their own view models: the route that calls a page maps domain values to what the page declares.
  {
    files: ['src/ui/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['fastify', 'pg', '@electric-sql/pglite'],
        patterns: [
          { group: ['**/http/**', '**/cli/**'] },
          { group: ['**/auth/**', '**/fhir/**', '**/storage/**'], message: 'src/ui renders its own view models; map domain values to them in the caller.' },
        ],
      }],
    },
  },
  // The FHIR domain knows nothing of OAuth or SMART: a caller's access reaches it through the port it declares
  // (src/fhir/access/access-port.ts). Flat config replaces a rule's options rather than merging them, so this
  // block restates the layering above for src/fhir and adds src/auth to it.
  {
    files: ['src/fhir/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['fastify', 'pg', '@electric-sql/pglite'],
        patterns: ['**/http/**', '**/storage/**', '**/cli/**', '**/auth/**'],
      }],
    },
  },
  // Small things every layer shares: they import nothing from the project, so any layer may import them.
  {
    files: ['src/shared/**'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: ['fastify', 'pg', '@electric-sql/pglite'],
        patterns: [{ group: ['../*'], message: 'src/shared imports nothing from the rest of the project.' }],
      }],
    },
  },
  {
    files: ['src/storage/**'],
    rules: { 'no-restricted-imports': ['error', { paths: ['fastify'], patterns: ['**/http/**', '**/cli/**'] }] },
  },
);
