import { strict as assert } from 'node:assert';
import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { PROJECT_ROOT } from '../oracles';
import { scratchPath } from '../fixtures/files';
import { CLI, hdd } from './helpers';
import { sharedBundles } from '../fixtures/bundles';

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
    return {
      files: files
        .filter((f) => f !== probe)
        .map((f) => relative(PROJECT_ROOT, f))
        .sort(),
      crypto: builtins.some((b) => /^NativeModule crypto$/.test(b)),
    };
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

  it('the image commands compile no bundle code: the XML parser and the bundle rules are in dist/commands/bundle.js only', async () => {
    for (const c of ['check', 'info', 'map', 'convert']) {
      const text = await readFile(join(PROJECT_ROOT, 'dist', 'commands', `${c}.js`), 'utf8');
      assert.ok(!/SaxesParser|descriptor-xml-malformed|bundle-chain-broken/.test(text), `${c}.js bundles the XML parser or the bundle rules`);
      assert.match(text, /require\("\.\/bundle\.js"\)/, `${c}.js loads the bundle commands on demand`);
    }
    const bundle = await readFile(join(PROJECT_ROOT, 'dist', 'commands', 'bundle.js'), 'utf8');
    assert.match(bundle, /SaxesParser/);
  });

  it('check of a bundle folder loads the bundle commands, and their failures are reported as usage errors, not internal ones', async () => {
    const dir = [...(await sharedBundles()).dirs.values()][0];
    assert.deepEqual((await loaded(['check', dir])).files, ['dist/cli.js', 'dist/commands/bundle.js', 'dist/commands/check.js']);
    const r = await hdd(['check', '--image', 'x.hds', dir]);
    assert.equal(r.code, 1);
    assert.match(r.stderr, /--image only applies to a repair/);
    assert.doesNotMatch(r.stderr, /internal error/);
  });
});
