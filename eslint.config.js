import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const FRAMEWORK_AND_DRIVERS = ['fastify', 'pg', '@electric-sql/pglite'];
const layer = (...names) => ({ group: names.map((name) => `**/${name}/**`) });
const SANDBOX = { ...layer('sandbox'), message: 'Sandbox-only code is wired in by the composition root (src/composition) alone.' };

/**
 * Layering: imports go one way. Only src/http imports Fastify; only src/storage speaks SQL drivers (src/http and
 * src/cli reach storage through the composition root or, for the CLI, its own wiring); src/fhir knows
 * nothing of OAuth or SMART (a caller's access reaches it through the port it declares,
 * src/fhir/access/access-port.ts); src/ui renders its own view models. Each layer of the sandbox wing
 * (src/sandbox/fhir, src/sandbox/auth, …) is held to the rules of the layer it is named after.
 */
const LAYERS = {
  fhir: { paths: FRAMEWORK_AND_DRIVERS, patterns: [layer('http', 'storage', 'cli', 'auth')] },
  auth: { paths: FRAMEWORK_AND_DRIVERS, patterns: [layer('http', 'storage', 'cli')] },
  ui: {
    paths: FRAMEWORK_AND_DRIVERS,
    patterns: [
      layer('http', 'cli'),
      { ...layer('auth', 'fhir', 'storage'), message: 'src/ui renders its own view models; map domain values to them in the caller.' },
    ],
  },
  storage: { paths: ['fastify'], patterns: [layer('http', 'cli')] },
  http: { paths: ['pg', '@electric-sql/pglite'], patterns: [layer('storage', 'cli')] },
  // Small things every layer shares: they import nothing from the project, so any layer may import them.
  shared: { paths: FRAMEWORK_AND_DRIVERS, patterns: [{ group: ['../*'], message: 'src/shared imports nothing from the rest of the project.' }] },
};

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
  // Flat config replaces a rule's options rather than merging them: one block per layer, none overlapping.
  // Outside the sandbox, no layer imports it: only the composition root and the CLI's `seed` do.
  ...Object.entries(LAYERS).flatMap(([name, restricted]) => [
    { files: [`src/${name}/**`], rules: { 'no-restricted-imports': ['error', { ...restricted, patterns: [...restricted.patterns, SANDBOX] }] } },
    { files: [`src/sandbox/${name}/**`], rules: { 'no-restricted-imports': ['error', restricted] } },
  ]),
  // Commands reach storage through their own wiring, never HTTP; `portico seed` writes the sandbox population.
  { files: ['src/cli/**'], rules: { 'no-restricted-imports': ['error', { paths: ['fastify'], patterns: [layer('http')] }] } },
  {
    files: ['src/*.ts'],
    ignores: ['src/portico.ts'],
    rules: { 'no-restricted-imports': ['error', { patterns: [SANDBOX] }] },
  },
);
