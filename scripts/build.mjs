// Bundles every front end with esbuild into dist/. Type checking is tsc's job (npm run typecheck).
import { build } from 'esbuild';
import { existsSync, mkdirSync, copyFileSync, readdirSync } from 'node:fs';
import { spawnSync } from 'node:child_process';

const production = process.argv.includes('--production');
const common = { bundle: true, sourcemap: !production, minify: production, logLevel: 'warning', target: 'es2022' };

// The CLI's dispatcher loads one command bundle per run (cli/main.ts, with its V8 code cache: cli/codeCache.ts):
// the commands are bundled apart into dist/commands/NAME.js.
// 'bundle' is the commands on bundle folders, which check, info, map and convert load (require('./bundle')) only
// when their path names a bundle (cli/commands/bundleTarget.ts): an image's check does not compile the XML parser.
const CLI_COMMANDS = ['check', 'info', 'map', 'convert', 'create', 'recover', 'rules', 'bundle'];
const bundleApart = {
  name: 'bundle-apart',
  setup(b) {
    b.onResolve({ filter: /^\.\/bundle$/ }, (args) => (/cli[\\/]commands$/.test(args.resolveDir) ? { path: './bundle.js', external: true } : undefined));
  },
};

const targets = [
  { entryPoints: ['cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', banner: { js: '#!/usr/bin/env node' } },
  ...CLI_COMMANDS.map((c) => ({
    entryPoints: [`cli/commands/${c}.ts`],
    outfile: `dist/commands/${c}.js`,
    platform: 'node',
    format: 'cjs',
    plugins: [bundleApart],
  })),
  { entryPoints: ['server/main.ts'], outfile: 'dist/server.js', platform: 'node', format: 'cjs' },
  // The server's check worker thread: the engine without the LSP, so that it starts fast.
  { entryPoints: ['server/workerMain.ts'], outfile: 'dist/workerMain.js', platform: 'node', format: 'cjs' },
  { entryPoints: ['client/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', external: ['vscode'] },
  // The editor's save runs in a worker thread of the extension host (client/document/saveInWorker.ts).
  { entryPoints: ['client/document/saveWorker.ts'], outfile: 'dist/saveWorker.js', platform: 'node', format: 'cjs' },
  { entryPoints: ['media/main.ts'], outfile: 'dist/webview.js', platform: 'browser', format: 'iife' },
  // The bundle view (client/bundle/bundleView.ts): a second webview entry.
  { entryPoints: ['media/bundle/main.ts'], outfile: 'dist/bundleView.js', platform: 'browser', format: 'iife' },
];

mkdirSync('dist', { recursive: true });
await Promise.all(targets.filter((t) => existsSync(t.entryPoints[0])).map((t) => build({ ...common, ...t })));
// Static webview assets (stylesheet) are copied as they are.
if (existsSync('media')) {
  for (const f of readdirSync('media')) if (f.endsWith('.css')) copyFileSync(`media/${f}`, `dist/${f}`);
}
// Codicons for the webview (it may load nothing from outside dist/).
for (const f of ['codicon.css', 'codicon.ttf']) {
  const from = `node_modules/@vscode/codicons/dist/${f}`;
  if (existsSync(from)) copyFileSync(from, `dist/${f}`);
}
// The native lock addon (built by `npm ci`: scripts/native.mjs), beside the bundles that load it, per platform so
// that one package can carry several (shared/io/lockAddon.ts looks for dist/native/PLATFORM-ARCH/).
const addon = 'build/Release/hdd_lens_lock.node';
if (existsSync(addon)) {
  const dir = `dist/native/${process.platform}-${process.arch}`;
  mkdirSync(dir, { recursive: true });
  copyFileSync(addon, `${dir}/hdd_lens_lock.node`);
}
// Each command bundle's V8 code cache (dist/commands/NAME.js.cache), trained on small images: a start of the CLI
// then compiles nothing it ran here (10-25 ms of a 16M-entry check). Made after the bundles it belongs to.
const cache = spawnSync(process.execPath, ['scripts/codeCache.mjs'], { stdio: 'inherit' });
if (cache.status !== 0) {
  console.error('build: training the CLI code cache failed (scripts/codeCache.mjs)');
  process.exit(1);
}
