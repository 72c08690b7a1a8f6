// npm run release -- VERSION [--keep-version] [--out DIR] [--skip-vsix-test]
//
// Builds the two artefacts users install, tests each as a user would, and leaves them in release/ (or DIR):
//   hdd-lens-VERSION.tgz   the command line as an npm package (`npm i -g hdd-lens`, `npx hdd-lens check disk.hdd`)
//   hdd-lens-VERSION.vsix  the VS Code extension (Marketplace / Open VSX; `code --install-extension`)
// Two packages, as vscode-eslint and rust-analyzer keep the editor client apart from the tools: the CLI package
// holds one bundled file and no dependencies, the extension's manifest stays the repository's package.json.
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
    files: ['dist/cli.js', 'README.md', 'LICENSE', 'CHANGELOG.md'],
    // What the bundle needs: Node's own modules only (no dependencies at run time).
    engines: { node: pkg.engines.node },
  };
  writeFileSync(join(dir, 'package.json'), JSON.stringify(manifest, null, 2) + '\n');
}

/** The extension as vsce packages it, staged so that a --keep-version run leaves the repository untouched. */
function stageExtension(pkg, version, dir) {
  mkdirSync(dir, { recursive: true });
  for (const f of ['.vscodeignore', 'README.md', 'CHANGELOG.md', 'LICENSE']) copyFileSync(join(root, f), join(dir, f));
  for (const d of ['dist', 'resources']) cpSync(join(root, d), join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ ...pkg, version }, null, 2) + '\n');
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
    for (const [file, expected] of [['clean.hdd', 0], ['corrupt.hdd', 2]]) {
      const r = spawnSync(bin, ['check', join(sampleDir, file)], { encoding: 'utf8' });
      if (r.status !== expected) fail(`installed 'hdd-lens check ${file}' exited ${r.status}, expected ${expected}:\n${r.stdout}${r.stderr}`);
      log(`installed CLI: check ${file} -> exit ${r.status}`);
    }
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
  stageExtension(pkg, args.version, join(stage, 'extension'));
  const vsix = join(args.out, `hdd-lens-${args.version}.vsix`);
  const vsce = join(root, 'node_modules', '@vscode', 'vsce', 'vsce');
  run('packing the extension', process.execPath, [vsce, 'package', '--no-dependencies', '--out', vsix], { cwd: join(stage, 'extension') });
  const sampleDir = samples(join(stage, 'samples'));
  testCli(tarball, args.version, sampleDir);
  if (args.vsixTest) await testVsix(vsix, sampleDir);
  log(`done: ${tarball}, ${vsix}`);
} finally {
  rmSync(stage, { recursive: true, force: true });
}
