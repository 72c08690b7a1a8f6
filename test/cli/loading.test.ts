import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { PROJECT_ROOT } from '../oracles';
import { scratchPath } from '../fixtures/files';
import { CLI, hdd } from './helpers';

/**
 * The CLI loads only what a command runs: the dispatcher and that command's bundle, and node:crypto only for an
 * image with a format extension (its checksum). Counted from the module cache and Node's own list of loaded
 * built-in modules at exit, in the process as users run it.
 */
describe('CLI start-up loads only what the command needs', function () {
  this.timeout(120000);

  async function loaded(args: string[]): Promise<{ files: string[]; crypto: boolean }> {
    const probe = await scratchPath('probe.js');
    await writeFile(
      probe,
      `process.on('exit', () => process.stderr.write('\\nLOADED ' + JSON.stringify({ files: Object.keys(require.cache), builtins: process.moduleLoadList })));`,
    );
    const stderr = await new Promise<string>((resolve, reject) =>
      execFile(process.execPath, ['--require', probe, CLI, ...args], { encoding: 'utf8', maxBuffer: 1 << 26 }, (err, _out, err2) =>
        err && typeof err.code !== 'number' ? reject(err) : resolve(err2),
      ),
    );
    const line = stderr.split('\n').find((l) => l.startsWith('LOADED '));
    assert.ok(line, stderr);
    const { files, builtins } = JSON.parse(line.slice(7)) as { files: string[]; builtins: string[] };
    return { files: files.filter((f) => f !== probe).map((f) => relative(PROJECT_ROOT, f)).sort(), crypto: builtins.some((b) => /^NativeModule crypto$/.test(b)) };
  }

  it('check of an image without an extension: the dispatcher, the check bundle, no node:crypto', async () => {
    const image = await scratchPath('plain.hdd');
    assert.equal((await hdd(['create', image, '64M'])).code, 0);
    const got = await loaded(['check', image]);
    assert.deepEqual(got.files, ['dist/cli.js', 'dist/commands/check.js']);
    assert.equal(got.crypto, false);
  });

  it('--version loads no command', async () => {
    assert.deepEqual((await loaded(['--version'])).files, ['dist/cli.js']);
  });

  it('map loads the map bundle only', async () => {
    const image = await scratchPath('plain.hdd');
    assert.equal((await hdd(['create', image, '64M'])).code, 0);
    assert.deepEqual((await loaded(['map', image])).files, ['dist/cli.js', 'dist/commands/map.js']);
  });
});
