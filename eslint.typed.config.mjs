import base from './eslint.config.mjs';

/**
 * `npm run lint`: eslint.config.mjs plus the rules that need the types. Each file is linted against its own
 * layer's tsconfig.json (found by the project service), which costs a type check of the project: the whole tree
 * takes about 57 s instead of 21 s here, one file 22 s instead of 6, so quick `npx eslint FILE` runs (and the
 * layer test's probe files, which no project holds) use the untyped eslint.config.mjs alone.
 */
export default [
  ...base,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname } },
    rules: {
      // A promise nobody awaits loses its rejection: await it, or say `void` where dropping it is meant.
      '@typescript-eslint/no-floating-promises': 'error',
      // A switch over a union names every member, a default not standing in for them: a new region kind, job kind or
      // severity then shows every switch that must place it.
      '@typescript-eslint/switch-exhaustiveness-check': ['error', { considerDefaultExhaustiveForUnions: false }],
    },
  },
];
