import js from '@eslint/js';
import tseslint from 'typescript-eslint';
import { builtinModules } from 'node:module';

/**
 * The layers of the design, as import rules that hold at any depth (test/docs/layers.test.ts proves each one
 * fails on a probe file):
 *   shared/  the engine: no editor, protocol-library, front-end or test code
 *   cli/     a front end on shared/: no editor or LSP libraries, no other front end
 *   server/  the language server: LSP server library and shared/, never the editor API or the client
 *   client/  the extension: the editor API, the LSP client library and shared/, never the server's code
 *   media/   the webview: a browser, so no Node built-ins, no editor API; shared/ types, shared/requestReplies.ts
 *            (the one request/reply matching of both webview ends) and its own modules
 */
const folder = (names) => ({ regex: `(^|/)(${names.join('|')})(/|$)`, message: 'crosses a layer of the design (see eslint.config.mjs)' });
const noEditorApi = { regex: '^vscode$', message: 'only client/ may use the VS Code API' };
const noLspClient = { regex: '^vscode-languageclient', message: 'only client/ may use the LSP client library' };
const noLspServer = { regex: '^vscode-languageserver$|^vscode-languageserver/', message: 'only server/ may use the LSP server library' };
const noLspProtocol = { regex: '^vscode-(languageserver-protocol|jsonrpc)', message: 'shared/ declares its protocol without LSP libraries' };
const nodeBuiltins = [...builtinModules.filter((m) => !m.startsWith('_')), ...builtinModules.map((m) => `node:${m}`)];

const layer = (dir, patterns, paths = []) => ({
  files: [`${dir}/**/*.ts`],
  rules: { 'no-restricted-imports': ['error', { patterns, paths: paths.map((name) => ({ name, message: 'the webview is a browser: no Node built-ins' })) }] },
});

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'dist/', '.vscode-test/', '.oracles/', 'demo/', 'bench/work/', 'test-artifacts/', 'release/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    files: ['**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_' }],
      // A type-only import says so: the bundles drop it, and a reader sees which layers a file runs code from.
      // (`typeof import('node:crypto')` stays allowed: it types the lazy requires that keep start-up fast.)
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports', disallowTypeAnnotations: false }],
      // ...as `import type { A }` when every name is a type (the fix of the rule above writes `import { type A }`).
      '@typescript-eslint/no-import-type-side-effects': 'error',
    },
  },
  layer('shared', [noEditorApi, noLspClient, noLspServer, noLspProtocol, folder(['client', 'server', 'cli', 'media', 'test', 'bench'])]),
  layer('cli', [noEditorApi, noLspClient, noLspServer, folder(['client', 'server', 'media', 'test', 'bench'])]),
  layer('server', [noEditorApi, noLspClient, folder(['client', 'cli', 'media', 'test', 'bench'])]),
  layer('client', [noLspServer, folder(['server', 'cli', 'media', 'test', 'bench'])]),
  layer('media', [noEditorApi, noLspClient, noLspServer, folder(['client', 'server', 'cli', 'test', 'bench'])], nodeBuiltins),
  {
    files: ['**/*.mjs', 'scripts/**/*.js'],
    languageOptions: { globals: { process: 'readonly', console: 'readonly', URL: 'readonly', setTimeout: 'readonly' } },
  },
);
