import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT, requireSetup } from './env';

/**
 * `npm run release` as a dry run (--keep-version: the repository is not bumped): both artefacts are built, the npm
 * tarball installed into an empty folder runs `hdd-lens check` with the right exit codes, and the .vsix installed
 * into a fresh code-server opens a sample. The script itself fails on any of those; this test runs it in CI.
 */
describe('release (npm run release -- VERSION --keep-version)', function () {
  this.timeout(600000);
  before(requireSetup);

  it('builds the npm tarball and the .vsix, and both install and work', () => {
    const out = mkdtempSync(join(tmpdir(), 'hdd-lens-release-test-'));
    const manifest = readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8');
    try {
      const r = spawnSync(process.execPath, ['scripts/release.mjs', '9.9.9-test.1', '--keep-version', '--out', out], { cwd: PROJECT_ROOT, encoding: 'utf8' });
      assert.equal(r.status, 0, `${r.stdout}\n${r.stderr}`);
      assert.ok(existsSync(join(out, 'hdd-lens-9.9.9-test.1.tgz')));
      assert.ok(existsSync(join(out, 'hdd-lens-9.9.9-test.1.vsix')), 'the universal .vsix');
      assert.ok(existsSync(join(out, `hdd-lens-9.9.9-test.1-${process.platform}-${process.arch}.vsix`)), 'the .vsix of this platform, with the lock addon');
      assert.match(r.stdout, /installed CLI: check corrupt\.hdd -> exit 2/);
      assert.match(r.stdout, /installed CLI: check -r all corrupt\.hdd -> exit 0/);
      assert.match(r.stdout, /the \.vsix opened the sample in its editor/);
      assert.equal(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8'), manifest, 'a dry run must not bump the repository');
    } finally {
      rmSync(out, { recursive: true, force: true });
    }
  });
});
