// @ts-check
// ESLint flat config: `npm run lint` runs it over the whole tree (see package.json).
import js from '@eslint/js';
import { defineConfig, globalIgnores } from 'eslint/config';
import tseslint from 'typescript-eslint';

// Import boundaries. Each is a `no-restricted-imports` pattern matched against the
// import specifier as written. The rule checks static `import`/`export … from`
// (type-only ones included) but not a lazy `import('…')`, which is how the
// composition root and the sources start a simulator on demand. A lazy import of a
// source from the core is caught separately (noLazySources).

/** The core never imports a source: only src/main.ts (the composition root) wires sources in. */
const NO_SOURCES = {
  // ./sources/…, ../sources/…, ../../sources/… — i.e. the src/sources/ folder reached from anywhere below src/.
  regex: String.raw`^(\.\.?/)+sources(/|$)`,
  message: 'The core must not import a source: only src/main.ts (the composition root) and src/sources/ may.',
};

/** Simulators live in a sim/ folder and are loaded lazily, so production code never loads them. */
const NO_SIM = {
  regex: '/sim/',
  message: "Only code under a sim/ folder may statically import a simulator; load it lazily with `await import('…/sim/….js')`.",
};

const restrict = (...patterns) => ({ '@typescript-eslint/no-restricted-imports': ['error', { patterns }] });

/** no-restricted-imports does not see `import('…')`; a lazy import of a source is still an import of a source. */
const noLazySources = {
  'no-restricted-syntax': [
    'error',
    {
      // esquery regexes cannot contain a literal slash: \x2F is one.
      selector: String.raw`ImportExpression[source.value=/^(\.\.?\x2F)+sources(\x2F|$)/]`,
      message: NO_SOURCES.message,
    },
  ],
};

export default defineConfig(
  globalIgnores(['dist/', 'node_modules/', 'helm/']),

  js.configs.recommended,
  tseslint.configs.recommended,
  // The product is held to the type-aware rules too; tests and benchmarks handle
  // parsed YAML and JSON as `any` on purpose and keep the syntactic rules.
  {
    files: ['src/**/*.ts'],
    extends: [tseslint.configs.recommendedTypeChecked],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // An abort passes the signal's reason on, whatever it is: that is the AbortSignal contract.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true }],
    },
  },
  {
    rules: {
      '@typescript-eslint/consistent-type-imports': ['error', { prefer: 'type-imports', fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-unused-vars': [
        'error',
        { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrorsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_' },
      ],
    },
  },

  // A later config object replaces the rule's options rather than merging them, so the
  // file groups below do not overlap and each lists every boundary that applies to it.
  // test/ and bench/ may import anything.
  {
    name: 'boundaries/core',
    files: ['src/**/*.ts'],
    ignores: ['src/main.ts', 'src/sources/**', 'src/sim/**'],
    rules: { ...restrict(NO_SOURCES, NO_SIM), ...noLazySources },
  },
  {
    name: 'boundaries/core-sim',
    files: ['src/sim/**/*.ts'],
    rules: { ...restrict(NO_SOURCES), ...noLazySources },
  },
  {
    name: 'boundaries/root-and-sources',
    files: ['src/main.ts', 'src/sources/**/*.ts'],
    ignores: ['src/sources/*/sim/**'],
    rules: restrict(NO_SIM),
  },
);
