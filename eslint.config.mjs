// ESLint with typescript-eslint's strict type-checked rules (https://typescript-eslint.io/users/configs),
// less the few listed below with the reason each does not fit. Prettier owns the layout; the layers
// are dependency-cruiser's (.dependency-cruiser.cjs).
import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import globals from 'globals';

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', 'test-results/', 'media/'] },
  js.configs.recommended,
  {
    files: ['**/*.ts'],
    extends: [tseslint.configs.strictTypeChecked],
    languageOptions: {
      parserOptions: {
        // src/ and companion/ (tsconfig.json), the unit tests (tsconfig.test.json).
        project: ['./tsconfig.json', './tsconfig.test.json'],
        tsconfigRootDir: import.meta.dirname,
      },
    },
    rules: {
      // Numbers and booleans in messages are what template strings are for.
      '@typescript-eslint/restrict-template-expressions': ['error', { allowNumber: true, allowBoolean: true }],
      // `() => void doThing()` and `(e) => log(e)` arrows are the listener idiom of VS Code's API.
      '@typescript-eslint/no-confusing-void-expression': 'off',
      // Data from other processes (auth.json, pi's reports, servers) is checked again after its
      // schema on purpose: a schema is what we expect, not what a hostile peer sends.
      '@typescript-eslint/no-unnecessary-condition': 'off',
      // auth.json and models.json are records keyed by provider id: deleting a key is the operation.
      '@typescript-eslint/no-dynamic-delete': 'off',
      // `map.get(k)!` right after `map.has(k)`, a match group the pattern guarantees: TypeScript
      // cannot follow those checks, and a fallback value would hide a real bug.
      '@typescript-eslint/no-non-null-assertion': 'off',
      // An `async` method that does not await still turns a throw into a rejection, which is what
      // callers of an async interface (VS Code's providers, our ports) handle.
      '@typescript-eslint/require-await': 'off',
      '@typescript-eslint/no-unused-expressions': ['error', { allowShortCircuit: true, allowTernary: true }],
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
    },
  },
  {
    // Tests read JSON written by other processes and poke at fakes: asserting on what they hold is
    // their job, so untyped access and async fakes without an await are fine there.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      '@typescript-eslint/unbound-method': 'off',
      '@typescript-eslint/no-misused-promises': 'off',
      '@typescript-eslint/restrict-plus-operands': 'off',
      '@typescript-eslint/no-base-to-string': 'off',
      '@typescript-eslint/no-meaningless-void-operator': 'off',
      '@typescript-eslint/no-unused-expressions': 'off',
    },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    languageOptions: { globals: { ...globals.node } },
    rules: { 'no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }] },
  },
  {
    // Host scenarios run under mocha and hand functions to the workbench page (page.evaluate).
    files: ['test/host/**/*.mjs', 'test/host/**/*.js'],
    languageOptions: { globals: { ...globals.node, ...globals.mocha, ...globals.browser } },
  },
);
