import { strict as assert } from 'node:assert';
import { type FixTarget, checkFix } from '../../client/document/fixCheck';
import { ImageModel } from '../../client/document/imageModel';
import { EditSetError } from '../../shared/io/editCheck';
import type { ApplyFixArgs, FileStamp } from '../../shared/protocol';
import { decodeEditSet, encodeEditSet, toWirePatches } from '../../shared/wireEdits';
import { bufferBase, patch, randomBytes } from './helpers';

describe('client: applying a fix planned by the server', () => {
  const uri = 'file:///images/a.hdd';
  const disk: FileStamp = { dev: 2049, ino: 77, size: 8192, mtimeMs: 1700000000123.25, ctimeMs: 1700000000123.5 };
  const target: FixTarget = { uri, path: '/images/a.hdd', version: 7, openedVersion: 1, dirty: true, readOnly: false, size: 8192, disk, changedOnDisk: false };
  const fix = (over: Partial<ApplyFixArgs> = {}): ApplyFixArgs => ({
    uri,
    version: 7,
    title: 'Clear BAT entry 3',
    edits: toWirePatches([patch(76, 0, 0, 0, 0)]),
    state: { generation: 3, file: disk },
    ...over,
  });

  it('applies a fix planned for the current state as the edits it carries, copies included', () => {
    const v = checkFix(fix({ size: 4096, copies: [{ offset: 1024, length: 512, from: 2048 }] }), target, false);
    assert.ok(v.ok);
    assert.deepEqual(v.edits, { patches: [patch(76, 0, 0, 0, 0)], copies: [{ offset: 1024, length: 512, from: 2048 }], size: 4096 });
  });

  it('refuses a stale fix (planned for another version), and says which', () => {
    const v = checkFix(fix({ version: 6 }), target, false);
    assert.ok(!v.ok);
    assert.match(v.message, /planned for version 6.*now version 7/);
  });

  it('refuses a fix planned on the file as it was before another program wrote it, at the same version', () => {
    // The server re-checks a file changed on disk under the same version: only the stamp tells the states apart.
    for (const changed of [{ mtimeMs: disk.mtimeMs + 1 }, { size: 12288 }, { ino: 78 }, { ctimeMs: disk.ctimeMs + 0.25 }]) {
      const v = checkFix(fix(), { ...target, disk: { ...disk, ...changed } }, false);
      assert.ok(!v.ok && /changed since \(another program wrote it\)/.test(v.message), JSON.stringify(changed));
    }
    const notReloaded = checkFix(fix(), { ...target, changedOnDisk: true }, false);
    assert.ok(!notReloaded.ok);
    assert.ok(!checkFix(fix(), { ...target, disk: undefined }, false).ok, 'a file that cannot be stat-ed is not the one planned on');
  });

  it('accepts a fix planned on the file when the editor was just opened for it, untouched', () => {
    const fresh = { ...target, version: 1, dirty: false };
    assert.ok(checkFix(fix({ version: 0 }), fresh, true).ok);
    assert.ok(!checkFix(fix({ version: 0 }), fresh, false).ok);
    assert.ok(!checkFix(fix({ version: 0 }), { ...fresh, dirty: true }, true).ok);
  });

  it('refuses fixes for another file, in a read-only document, and empty ones', () => {
    assert.ok(!checkFix(fix({ uri: 'file:///images/b.hdd' }), target, false).ok);
    assert.ok(!checkFix(fix(), { ...target, readOnly: true }, false).ok);
    const empty = checkFix(fix({ edits: [] }), target, false);
    assert.ok(!empty.ok && empty.level === 'info');
  });

  it('refuses offsets, lengths and sizes that are no positions in a file, saying which (nothing reaches the document)', () => {
    const bad: Array<[Partial<ApplyFixArgs>, RegExp]> = [
      [{ edits: [{ offset: 2 ** 53 + 2, data: 'AA==' }] }, /patch offset 9007199254740994 is not a safe non-negative integer/],
      [{ edits: [{ offset: 1e300, data: 'AA==' }] }, /patch offset 1e\+300/],
      [{ edits: [{ offset: 'abc' as unknown as number, data: 'AA==' }] }, /patch offset abc/],
      [{ edits: [{ offset: -1, data: 'AA==' }] }, /patch offset -1/],
      [{ edits: [{ offset: 0, data: 'not base64!' }] }, /not base64/],
      [{ size: -1 }, /size -1/],
      [{ size: 2 ** 60 }, /size 1152921504606847000 is not a safe non-negative integer/],
      [{ size: 2 ** 50 }, /far past its size 8192/],
      [{ edits: [{ offset: 2 ** 50, data: 'AA==' }] }, /far past its size 8192/],
      [{ size: 50 }, /an edit ends at 80, past the new size 50/],
      [{ copies: [{ offset: 0, length: 10, from: -5 }] }, /source of the copy to 0 -5/],
      [{ copies: [{ offset: 0, length: 2 ** 53, from: 0 }] }, /length of the copy/],
      [
        {
          copies: [
            { offset: 100, length: 10, from: 0 },
            { offset: 105, length: 10, from: 0 },
          ],
        },
        /overlaps another copy/,
      ],
      [{ copies: [{ offset: 8192, length: 2 ** 45, from: 2 ** 40 }] }, /far past its size/],
    ];
    for (const [over, message] of bad) {
      const v = checkFix(fix(over), target, false);
      assert.ok(!v.ok && v.level === 'error', JSON.stringify(over));
      assert.match(v.message, message);
      assert.match(v.message, /Clear BAT entry 3.*nothing was applied/);
    }
  });

  it('a relocation plan grows the file far past its size when its copies carry that much: allowed', () => {
    // 163,840 copies of one 64 KiB cluster inside a 1 MiB file: 10 GiB of growth, every byte of it carried.
    const copies = Array.from({ length: 163840 }, (_, i) => ({ offset: (1 << 20) + i * 65536, length: 65536, from: 512 * 1024 }));
    const size = (1 << 20) + 163840 * 65536;
    const v = checkFix(fix({ copies, size }), { ...target, size: 1 << 20 }, false);
    assert.ok(v.ok);
  });

  it('a fix is one undoable edit: undo restores every byte it changed', () => {
    const original = randomBytes(4096, 21);
    const m = new ImageModel(bufferBase(original));
    const v = checkFix(
      fix({ version: m.version, edits: toWirePatches([patch(10, 1), patch(2000, 2, 3)]), size: 3000 }),
      { ...target, version: m.version, size: m.size },
      false,
    );
    assert.ok(v.ok);
    m.edit('fix', v.edits);
    assert.equal(m.size, 3000);
    assert.equal(m.history.applied.length, 1);
    m.undo();
    assert.deepEqual(m.read(0, m.size), original);
  });

  it('the model refuses an edit whose numbers make no sense before recording anything', () => {
    const m = new ImageModel(bufferBase(randomBytes(4096, 2)));
    assert.throws(() => m.edit('x', { patches: [{ offset: 2 ** 53 + 2, data: Uint8Array.of(1) }] }), EditSetError);
    assert.throws(() => m.edit('x', { patches: [], size: 2 ** 60 }), EditSetError);
    assert.equal(m.history.applied.length, 0);
    assert.equal(m.size, 4096);
  });

  it('round-trips edit sets through the wire form (base64, copies)', () => {
    const edits = { patches: [{ offset: 5, data: randomBytes(1000, 3) }, patch(2000)], copies: [{ offset: 3000, length: 10, from: 0 }], size: 4000 };
    assert.deepEqual(decodeEditSet(encodeEditSet(edits), 4096, 'test'), edits);
  });
});
