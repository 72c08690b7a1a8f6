import { strict as assert } from 'node:assert';
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateImage } from '../../bench/generate';
import { BAT_OFFSET } from '../../shared/format/constants';
import * as P from '../../shared/protocol';
import { LspClient, fileUri } from '../server/lspClient';
import { CLI, digest } from './killRepair';
import { allowedChanges, attachTrace, listing, listingChanges, straceAvailable, tracedRun, violations } from './writeSafety';

/**
 * Every CLI command, run in a folder holding only a corrupt image: the folder listing (names, sizes, mtimes)
 * shows what changed, and strace (when installed) every file-changing system call. Reads change nothing; a repair
 * changes the image (its journal comes and goes); convert and create add their output. The language server,
 * driven through a whole session on a corrupt image, changes no file at all.
 */
describe('write safety: nothing writes outside the image and its journal', function () {
  this.timeout(120000);
  let root: string;
  let dir: string;
  let image: string;
  const strace = straceAvailable();

  before(() => {
    root = mkdtempSync(join(tmpdir(), 'hdd-lens-writes-'));
    dir = join(root, 'images');
    mkdirSync(dir);
    image = join(dir, 'corrupt.hdd');
    generateImage(image, { entries: 256, clusterSize: 64 * 1024, fraction: 0.5, duplicates: 8, leakClusters: 2, bitmaps: 1, data: true, seed: 5 });
  });
  after(() => rmSync(root, { recursive: true, force: true }));

  const commands: Array<{ args: string[]; changes: (before: string[]) => string[] }> = [
    { args: ['check', 'corrupt.hdd'], changes: () => [] },
    { args: ['check', '--json', 'corrupt.hdd'], changes: () => [] },
    { args: ['info', 'corrupt.hdd'], changes: () => [] },
    { args: ['info', '--json', 'corrupt.hdd'], changes: () => [] },
    { args: ['map', 'corrupt.hdd'], changes: () => [] },
    { args: ['map', '--json', 'corrupt.hdd'], changes: () => [] },
    { args: ['rules'], changes: () => [] },
    { args: ['convert', 'corrupt.hdd', 'disk.raw'], changes: () => ['added disk.raw'] },
    { args: ['create', 'new.hdd', '1G'], changes: () => ['added new.hdd'] },
    { args: ['check', '-r', 'leaks', 'corrupt.hdd'], changes: () => ['changed corrupt.hdd'] },
    { args: ['check', '-r', 'all', 'corrupt.hdd'], changes: () => ['changed corrupt.hdd'] },
    { args: ['check', '-r', 'all', 'corrupt.hdd'], changes: () => [] },
  ];

  for (const c of commands) {
    it(`hdd-lens ${c.args.join(' ')}`, () => {
      const before = listing(dir);
      let status: number | null;
      if (strace) {
        const r = tracedRun([process.execPath, CLI, ...c.args], dir);
        status = r.status;
        assert.deepEqual(violations(r.changes, allowedChanges(c.args, dir)), [], 'file changes outside what the command may touch');
      } else {
        status = spawnSync(process.execPath, [CLI, ...c.args], { cwd: dir, stdio: 'ignore' }).status;
      }
      assert.ok(status !== null && status <= 3, `exit ${status}`);
      assert.deepEqual(listingChanges(before, listing(dir)).sort(), c.changes([...before.keys()]).sort());
      assert.ok(!existsSync(`${image}.hdd-lens-journal`), 'no journal left behind');
    });
  }

  it('the language server changes no file during a whole session (open, hovers, requests, an edit, fixes)', async () => {
    const target = join(dir, 'served.hdd');
    generateImage(target, { entries: 256, clusterSize: 64 * 1024, fraction: 0.5, duplicates: 8, leakClusters: 2, bitmaps: 1, data: true, seed: 6 });
    const before = listing(dir);
    const hash = digest(target);
    const client = await LspClient.start();
    const trace = strace && client.pid !== undefined ? attachTrace(client.pid, join(root, 'server-strace.log')) : undefined;
    try {
      await trace?.ready;
      const uri = fileUri(target);
      await client.openImage(uri, 1);
      const diagnostics = await client.diagnosticsOf(uri, 1);
      assert.ok(diagnostics.length > 0, 'the corrupt image has findings');
      for (const offset of [0, 28, 44, BAT_OFFSET, BAT_OFFSET + 40, 0x10000, 0x10010]) await client.hoverAt(uri, offset);
      for (const d of diagnostics.slice(0, 5)) await client.codeActions(uri, d.range, [d]);
      await client.request(P.structure, { uri });
      await client.request(P.allocationMap, { uri, buckets: 64 });
      await client.request(P.planRepairRequest, { uri, mode: 'all' });
      await client.change({ uri, version: 2, edits: [{ offset: BAT_OFFSET, data: Buffer.from([0, 0, 0, 0]).toString('base64') }] });
      await client.diagnosticsOf(uri, 2);
      await client.connection.sendNotification(P.didClose.method, { uri });
      await client.symbols(uri).catch(() => undefined);
    } finally {
      const changes = trace ? await trace.stop() : [];
      await client.stop();
      assert.deepEqual(
        changes.filter((c) => !c.path.startsWith('/dev/')).map((c) => `${c.call} ${c.path}`),
        [],
        'the server changed files',
      );
    }
    assert.deepEqual(listingChanges(before, listing(dir)), []);
    assert.deepEqual(digest(target), hash);
  });
});
