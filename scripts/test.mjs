// Runs the test suites on the compiled tests in out/ (npm's pretest scripts build first).
//
//   node scripts/test.mjs [unit] [slow] [e2e] [-- mocha options]
//
//   unit  engine, server, client, media, CLI, docs: every out/test/**/*.test.js that is not slow (minutes)
//   slow  the bounded fuzz campaign, the differential tests against qemu-img, the crash tests, the formatter's check
//   e2e   VS Code (code-server) in Chromium: out/test/e2e/*.e2e.js, with .mocharc.e2e.json
//
// With no suite named, all three run. Each suite runs even when an earlier one failed, the exit status is
// non-zero when any failed, and the last line sums them all ("N passed, N failed").
import { spawn } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(import.meta.dirname, '..');
const out = join(root, 'out', 'test');

/** Test files of the slow suite, relative to out/test. */
const SLOW = [/^fuzz\/fuzz\.test\.js$/, /^differential\//, /^crash\//, /^docs\/format\.test\.js$/];

function testFiles(dir, suffix) {
  const found = [];
  for (const name of readdirSync(dir)) {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) found.push(...testFiles(path, suffix));
    else if (name.endsWith(suffix)) found.push(path);
  }
  return found.sort();
}

const isSlow = (file) => SLOW.some((re) => re.test(relative(out, file)));

const SUITES = {
  unit: () => ({ files: testFiles(out, '.test.js').filter((f) => !isSlow(f)), config: '.mocharc.json' }),
  slow: () => ({ files: testFiles(out, '.test.js').filter(isSlow), config: '.mocharc.json' }),
  e2e: () => ({ files: testFiles(join(out, 'e2e'), '.e2e.js'), config: '.mocharc.e2e.json' }),
};

/** Runs mocha on one suite, passing its output through, and reads its closing counts. */
function runSuite(name, extra) {
  const { files, config } = SUITES[name]();
  if (files.length === 0) {
    console.error(`test: suite ${name} has no test files (was the project built?)`);
    return Promise.resolve({ name, passed: 0, failed: 1, pending: 0, code: 1 });
  }
  console.log(`\n=== ${name}: ${files.length} test files ===`);
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(root, 'node_modules', 'mocha', 'bin', 'mocha.js'), '--config', config, ...extra, ...files], {
      cwd: root,
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let tail = '';
    child.stdout.on('data', (chunk) => {
      process.stdout.write(chunk);
      tail = (tail + chunk.toString()).slice(-65536);
    });
    child.on('close', (code) => {
      const count = (word) => Number(new RegExp(`^\\s*(\\d+) ${word}`, 'm').exec(tail)?.[1] ?? 0);
      const failed = count('failing');
      // A crash before mocha's summary is a failure even when no test was counted as failing.
      resolve({ name, passed: count('passing'), failed: failed || (code === 0 ? 0 : 1), pending: count('pending'), code: code ?? 1 });
    });
  });
}

const args = process.argv.slice(2);
const dash = args.indexOf('--');
const named = dash < 0 ? args : args.slice(0, dash);
const extra = dash < 0 ? [] : args.slice(dash + 1);
const unknown = named.filter((n) => !(n in SUITES));
if (unknown.length > 0) {
  console.error(`test: unknown suite ${unknown.join(', ')} (suites: ${Object.keys(SUITES).join(', ')})`);
  process.exit(2);
}
const results = [];
for (const name of named.length > 0 ? named : Object.keys(SUITES)) results.push(await runSuite(name, extra));

console.log('\n=== summary ===');
for (const r of results) console.log(`${r.name}: ${r.passed} passed, ${r.failed} failed${r.pending ? `, ${r.pending} pending` : ''}`);
const passed = results.reduce((s, r) => s + r.passed, 0);
const failed = results.reduce((s, r) => s + r.failed, 0);
console.log(`${passed} passed, ${failed} failed`);
process.exitCode = results.some((r) => r.code !== 0 || r.failed > 0) ? 1 : 0;
