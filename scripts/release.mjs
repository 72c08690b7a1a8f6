// npm run release -- VERSION [--keep-version] [--out DIR] [--skip-vsix-test]
//
// Builds the two artefacts users install, tests each as a user would, and leaves them in release/ (or DIR):
//   hdd-lens-VERSION.tgz               the command line as an npm package (`npm i -g hdd-lens`, `npx hdd-lens check`)
//   hdd-lens-VERSION-PLATFORM.vsix     the VS Code extension with the lock addon built here (`vsce --target`)
//   hdd-lens-VERSION.vsix              the extension for every other platform, without the addon: it checks and
//                                      explains, and refuses to save unless no other process holds the image
//                                      (Linux /proc/locks) and the user forces it (shared/io/imageLock.ts)
// Two packages, as vscode-eslint and rust-analyzer keep the editor client apart from the tools: the CLI package
// holds the bundled CLI, no dependencies, and the lock addon's C source, which npm builds on install with its own
// node-gyp (no download; without a compiler the CLI falls back as the universal extension does); the extension's
// manifest stays the repository's package.json. The addon is built for this machine's platform only: the other
// platform packages need a build on their platform (vsce package --target there).
//
// Steps: check VERSION and the CHANGELOG (a `## [VERSION]` section, or a non-empty `## [Unreleased]` one, which
// becomes `## [VERSION] - DATE`); bump package.json and package-lock.json (not with --keep-version: then only the
// artefacts carry VERSION, for a dry run); production bundles; stage and pack each artefact; install the npm
// tarball into an empty folder and run `hdd-lens check` on a clean and a corrupt sample (exit codes 0 and 2);
// install the .vsix into a fresh code-server and open a sample in its editor. Nothing is published.
/* global Buffer */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const log = (s) => console.log(`release: ${s}`);
const fail = (s) => {
  console.error(`release: ${s}`);
  process.exit(1);
};

function parseArgs(argv) {
  const a = { version: undefined, keepVersion: false, out: join(root, 'release'), vsixTest: true };
  for (let k = 0; k < argv.length; k++) {
    if (argv[k] === '--keep-version') a.keepVersion = true;
    else if (argv[k] === '--skip-vsix-test') a.vsixTest = false;
    else if (argv[k] === '--out') a.out = resolve(argv[++k] ?? fail('--out needs a folder'));
    else if (argv[k].startsWith('-')) fail(`unknown option ${argv[k]}`);
    else if (a.version === undefined) a.version = argv[k];
    else fail(`unexpected argument ${argv[k]}`);
  }
  if (a.version === undefined) fail('usage: npm run release -- VERSION [--keep-version] [--out DIR] [--skip-vsix-test]');
  // Semantic versioning, as npm and the Marketplace read it.
  if (!/^\d+\.\d+\.\d+(-[0-9A-Za-z.-]+)?$/.test(a.version)) fail(`'${a.version}' is not a version (MAJOR.MINOR.PATCH[-PRERELEASE])`);
  return a;
}

/** The CHANGELOG's section for `version`, renaming a non-empty Unreleased section to it (returns the new text). */
function changelogFor(version, text) {
  const heading = new RegExp(`^## \\[${version.replace(/[.]/g, '\\.')}\\]`, 'm');
  if (heading.test(text)) return text;
  const unreleased = /^## \[Unreleased\]\s*\n([\s\S]*?)(?=^## \[|(?![\s\S]))/m.exec(text);
  if (!unreleased || unreleased[1].trim() === '') fail(`CHANGELOG.md has no section for ${version} and no Unreleased changes to release`);
  const date = new Date().toISOString().slice(0, 10);
  return text.replace(/^## \[Unreleased\]\s*\n/m, `## [Unreleased]\n\n## [${version}] - ${date}\n\n`);
}

function bump(version) {
  for (const file of ['package.json', 'package-lock.json']) {
    const path = join(root, file);
    const json = JSON.parse(readFileSync(path, 'utf8'));
    json.version = version;
    if (json.packages?.['']) json.packages[''].version = version;
    writeFileSync(path, JSON.stringify(json, null, 2) + '\n');
  }
}

function run(what, cmd, argv, options = {}) {
  log(what);
  const r = spawnSync(cmd, argv, { cwd: root, stdio: 'inherit', ...options });
  if (r.status !== 0) fail(`${what} failed (${r.error?.message ?? `exit status ${r.status}`})`);
}

/** The npm package of the command line: the bundled CLI, its README and licence, a manifest without dependencies. */
function stageCli(pkg, version, dir) {
  mkdirSync(join(dir, 'dist'), { recursive: true });
  copyFileSync(join(root, 'dist', 'cli.js'), join(dir, 'dist', 'cli.js'));
  cpSync(join(root, 'dist', 'commands'), join(dir, 'dist', 'commands'), { recursive: true, filter: (f) => !f.endsWith('.map') });
  for (const f of ['binding.gyp', 'native/lock.c', 'scripts/native.mjs']) {
    mkdirSync(dirname(join(dir, f)), { recursive: true });
    copyFileSync(join(root, f), join(dir, f));
  }
  for (const f of ['LICENSE', 'CHANGELOG.md']) copyFileSync(join(root, f), join(dir, f));
  copyFileSync(join(root, 'cli', 'README.md'), join(dir, 'README.md'));
  const manifest = {
    name: 'hdd-lens',
    version,
    description: 'Check, repair, map and convert Parallels expandable disk images (.hdd, .hds) like qemu-img check, finding more and losing nothing.',
    license: pkg.license,
    repository: pkg.repository,
    keywords: pkg.keywords,
    bin: { 'hdd-lens': 'dist/cli.js' },
    files: ['dist/cli.js', 'dist/commands/*.js', 'binding.gyp', 'native/lock.c', 'scripts/native.mjs', 'README.md', 'LICENSE', 'CHANGELOG.md'],
    // The lock addon, built by npm's own node-gyp from the local Node headers; a failed build leaves the fallback.
    scripts: { install: 'node scripts/native.mjs' },
    gypfile: false,
    // What the bundles need: Node's own modules only (no dependencies at run time).
    engines: { node: pkg.engines.node },
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
}

/**
 * The extension as vsce packages it, staged so that a --keep-version run leaves the repository untouched; with
 * `native`, the lock addon built here goes in too (the platform package), else none (the universal one).
 */
function stageExtension(pkg, version, dir, native) {
  mkdirSync(dir, { recursive: true });
  for (const f of ['.vscodeignore', 'README.md', 'CHANGELOG.md', 'LICENSE']) copyFileSync(join(root, f), join(dir, f));
  for (const d of ['dist', 'resources', 'syntaxes']) {
    if (existsSync(join(root, d))) cpSync(join(root, d), join(dir, d), { recursive: true, filter: (f) => !f.startsWith(join(root, 'dist', 'native')) });
  }
  if (native) cpSync(join(root, 'dist', 'native', native), join(dir, 'dist', 'native', native), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, version }, null, 2) + '\n');
}

/** vsce's name for this machine's platform, when the lock addon was built for it. */
function builtTarget() {
  const here = `${process.platform}-${process.arch}`;
  const known = ['linux-x64', 'linux-arm64', 'linux-armhf', 'darwin-x64', 'darwin-arm64', 'win32-x64', 'win32-arm64'];
  return known.includes(here) && existsSync(join(root, 'dist', 'native', here, 'hdd_lens_lock.node')) ? here : undefined;
}

/** A clean and a corrupt image from the QEMU samples (a second BAT entry onto the first one's cluster). */
function samples(dir) {
  mkdirSync(dir, { recursive: true });
  const clean = gunzipSync(readFileSync(join(root, 'test', 'samples', 'parallels-v2.gz')));
  writeFileSync(join(dir, 'clean.hdd'), clean);
  const corrupt = Buffer.from(clean);
  corrupt.writeUInt32LE(corrupt.readUInt32LE(64), 68);
  writeFileSync(join(dir, 'corrupt.hdd'), corrupt);
  return dir;
}

function testCli(tarball, version, sampleDir) {
  const dir = mkdtempSync(join(tmpdir(), 'hdd-lens-release-cli-'));
  try {
    writeFileSync(join(dir, 'package.json'), '{"private":true}\n');
    run('installing the npm package into an empty folder', 'npm', ['install', '--no-audit', '--no-fund', '--offline', tarball], { cwd: dir });
    const bin = join(dir, 'node_modules', '.bin', 'hdd-lens');
    const shown = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
    if (shown !== `hdd-lens ${version}`) fail(`the installed CLI says '${shown}', not 'hdd-lens ${version}'`);
    for (const [file, expected] of [
      ['clean.hdd', 0],
      ['corrupt.hdd', 2],
    ]) {
      const r = spawnSync(bin, ['check', join(sampleDir, file)], { encoding: 'utf8' });
      if (r.status !== expected) fail(`installed 'hdd-lens check ${file}' exited ${r.status}, expected ${expected}:\n${r.stdout}${r.stderr}`);
      log(`installed CLI: check ${file} -> exit ${r.status}`);
    }
    // A repair takes the image's lock: this proves the lock addon was built on install (else it refuses).
    copyFileSync(join(sampleDir, 'corrupt.hdd'), join(dir, 'repair.hdd'));
    const repaired = spawnSync(bin, ['check', '-r', 'all', join(dir, 'repair.hdd')], { encoding: 'utf8' });
    if (repaired.status !== 0) fail(`installed 'hdd-lens check -r all' exited ${repaired.status}, expected 0:\n${repaired.stdout}${repaired.stderr}`);
    log('installed CLI: check -r all corrupt.hdd -> exit 0 (the lock addon works)');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

async function testVsix(vsix, sampleDir) {
  const smoke = join(root, 'out', 'test', 'e2e', 'vsixSmoke.js');
  if (!existsSync(smoke)) fail('out/test/e2e/vsixSmoke.js is missing: run tsc -b first');
  const { smokeVsix } = await import(smoke);
  log('installing the .vsix into a fresh code-server and opening a sample');
  await smokeVsix(vsix, sampleDir, 'clean.hdd');
  log('the .vsix opened the sample in its editor');
}

const args = parseArgs(process.argv.slice(2));
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
const changelogPath = join(root, 'CHANGELOG.md');
const changelog = changelogFor(args.version, readFileSync(changelogPath, 'utf8'));
if (!args.keepVersion) {
  writeFileSync(changelogPath, changelog);
  bump(args.version);
  log(`version ${pkg.version} -> ${args.version} (package.json, package-lock.json, CHANGELOG.md)`);
}
run('production bundles', process.execPath, ['scripts/build.mjs', '--production']);
run('compiling the release tests', process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '-b']);

mkdirSync(args.out, { recursive: true });
const stage = mkdtempSync(join(tmpdir(), 'hdd-lens-release-'));
try {
  stageCli(pkg, args.version, join(stage, 'cli'));
  run('packing the npm package', 'npm', ['pack', '--pack-destination', args.out], { cwd: join(stage, 'cli'), stdio: ['ignore', 'ignore', 'inherit'] });
  const tarball = join(args.out, `hdd-lens-${args.version}.tgz`);
  const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  const universal = join(args.out, `hdd-lens-${args.version}.vsix`);
  stageExtension(pkg, args.version, join(stage, 'universal'));
  run('packing the extension (universal, no lock addon)', process.execPath, [vsce, 'package', '--no-dependencies', '--out', universal], {
    cwd: join(stage, 'universal'),
  });
  const target = builtTarget();
  const platform = target ? join(args.out, `hdd-lens-${args.version}-${target}.vsix`) : undefined;
  if (target && platform) {
    stageExtension(pkg, args.version, join(stage, target), target);
    run(
      `packing the extension for ${target} (with the lock addon)`,
      process.execPath,
      [vsce, 'package', '--no-dependencies', '--target', target, '--out', platform],
      { cwd: join(stage, target) },
    );
  } else log('no lock addon built for this platform: only the universal extension is packed');
  const sampleDir = samples(join(stage, 'samples'));
  testCli(tarball, args.version, sampleDir);
  // The package a user of this platform installs (VS Code picks the platform one when there is one).
  if (args.vsixTest) await testVsix(platform ?? universal, sampleDir);
  log(`done: ${[tarball, platform, universal].filter(Boolean).join(', ')}`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
