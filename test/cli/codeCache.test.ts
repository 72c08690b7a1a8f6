import { strict as assert } from 'node:assert';
import { execFileSync } from 'node:child_process';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../oracles';
import { scratchPath } from '../fixtures/files';

const DIST = join(PROJECT_ROOT, 'dist');
const COMMANDS = ['check', 'info', 'map', 'convert', 'create', 'recover', 'rules'];

/** Loads a bundle in a fresh `node` (the flags a user's start has: V8 checks them against the cache's). */
function loadIn(file: string): { rejected: boolean; main: string } {
  const script = `const { loadBundle } = require(${JSON.stringify(join(PROJECT_ROOT, 'out', 'cli', 'codeCache.js'))});
    const b = loadBundle(${JSON.stringify(file)});
    process.stdout.write(JSON.stringify({ rejected: b.cacheRejected, main: typeof b.exports.main }));`;
  return JSON.parse(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8', timeout: 60_000 })) as { rejected: boolean; main: string };
}

/**
 * The CLI's code cache (cli/codeCache.ts, trained by scripts/codeCache.mjs during the build): every command bundle
 * has one that the Node.js that built it accepts, and a cache that does not fit (damaged, or not a file) only
 * costs the compile: the bundle loads and runs as without it.
 */
describe('CLI code cache', function () {
  this.timeout(120_000);

  it('the build leaves a cache beside each command bundle, and V8 accepts it', () => {
    for (const c of COMMANDS) assert.deepEqual(loadIn(join(DIST, 'commands', `${c}.js`)), { rejected: false, main: 'function' }, c);
  });

  it('the dispatcher loads its command with the cache', () => {
    const script = `const cli = require(${JSON.stringify(join(DIST, 'cli.js'))}); process.stdout.write(String(cli.loadCommand('check').cacheRejected));`;
    assert.equal(execFileSync(process.execPath, ['-e', script], { encoding: 'utf8' }), 'false');
  });

  it('a damaged cache, or a FIFO in its place, is refused and the bundle loads as without one', async () => {
    for (const kind of ['damaged', 'fifo', 'none'] as const) {
      const bundle = await scratchPath(`check-${kind}.js`);
      copyFileSync(join(DIST, 'commands', 'check.js'), bundle);
      if (kind === 'damaged') writeFileSync(`${bundle}.cache`, Buffer.alloc(4096, 0x5a));
      if (kind === 'fifo') execFileSync('mkfifo', [`${bundle}.cache`]);
      assert.deepEqual(loadIn(bundle), { rejected: true, main: 'function' }, kind);
    }
  });
});
