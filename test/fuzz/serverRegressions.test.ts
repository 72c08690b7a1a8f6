import { strict as assert } from 'node:assert';
import { closeSync, copyFileSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { generateImage } from '../../bench/generate';
import { BAT_OFFSET } from '../../shared/format/constants';
import { decodeImage } from '../../shared/format/image';
import { FileSource } from '../../shared/io/fileSource';
import { LspClient, fileUri } from '../server/lspClient';

/**
 * Failures the fuzzer's server-side checks found, replayed against the bundled language server: after an edit,
 * the diagnostics must be those of a fresh open of the edited bytes.
 */
describe('fuzz regressions in the language server', function () {
  this.timeout(60000);
  let dir: string;
  before(() => (dir = mkdtempSync(join(tmpdir(), 'hdd-lens-fuzz-server-'))));
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('a BAT edit onto a bitmap cluster gives the diagnostics of a fresh check (server/analysisRunner.ts followEdits kept stale metadata)', async () => {
    const a = join(dir, 'a.hdd');
    const b = join(dir, 'b.hdd');
    generateImage(a, { entries: 64, clusterSize: 65536, fraction: 0.5, bitmaps: 1, data: true, seed: 3 });
    const src = new FileSource(a);
    const img = decodeImage(src);
    src.close();
    const bm = img.extension?.features[0]?.bitmap;
    const g = img.geometry;
    if (!bm || !g || !img.bat) throw new Error('the generated image has no stored bitmap cluster');
    const k = img.bat.indexOf(0);
    const data = Buffer.alloc(4);
    data.writeUInt32LE((bm.l1[0] * 512) / g.unit);
    copyFileSync(a, b);
    const fd = openSync(b, 'r+');
    writeSync(fd, data, 0, 4, BAT_OFFSET + k * 4);
    closeSync(fd);
    const client = await LspClient.start();
    try {
      await client.openImage(fileUri(a), 1);
      await client.diagnosticsOf(fileUri(a), 1);
      await client.change({ uri: fileUri(a), version: 2, edits: [{ offset: BAT_OFFSET + k * 4, data: data.toString('base64') }] });
      const edited = (await client.diagnosticsOf(fileUri(a), 2)).map((d) => `${d.code}@${d.range.start.line}:${d.range.start.character}`).sort();
      await client.openImage(fileUri(b), 1);
      const fresh = (await client.diagnosticsOf(fileUri(b), 1)).map((d) => `${d.code}@${d.range.start.line}:${d.range.start.character}`).sort();
      assert.ok(
        fresh.some((d) => d.startsWith('bitmap-l1-entry-invalid')),
        'the edit makes the L1 entry point at guest data',
      );
      assert.deepEqual(edited, fresh);
    } finally {
      await client.stop();
    }
  });
});
