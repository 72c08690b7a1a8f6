import { strict as assert } from 'node:assert';
import { closeSync, openSync, ftruncateSync, writeSync } from 'node:fs';
import { FileSource } from '../../shared/io/fileSource';
import { ImageModel, type ModelChange } from '../../client/document/imageModel';
import { MAX_KEPT_BYTES } from '../../client/document/editRecord';
import { isLiteral } from '../../shared/io/patch';
import { CountingSource } from '../countingSource';
import { applyToBytes, bufferBase, patch, randomBytes, tempDir } from './helpers';

function wholeState(m: ImageModel): Uint8Array {
  return m.read(0, m.size);
}

describe('client document model: edit log', () => {
  const original = randomBytes(4096, 7);

  it('applies an edit, undoes and redoes it exactly', () => {
    const m = new ImageModel(bufferBase(original));
    const edits = { patches: [patch(10, 1, 2, 3), patch(4000, 9)] };
    m.edit('poke', edits);
    assert.deepEqual(wholeState(m), applyToBytes(original, edits));
    assert.equal(m.isDirty, true);
    m.undo();
    assert.deepEqual(wholeState(m), original);
    assert.equal(m.isDirty, false);
    m.redo();
    assert.deepEqual(wholeState(m), applyToBytes(original, edits));
  });

  it('records the old bytes of overlapping edits so undo restores each layer', () => {
    const m = new ImageModel(bufferBase(original));
    const states = [original];
    const steps = [
      { patches: [{ offset: 100, data: new Uint8Array(50).fill(0xaa) }] },
      { patches: [{ offset: 120, data: new Uint8Array(50).fill(0xbb) }] },
      // Overlaps both, and itself: later patches of one edit win.
      { patches: [{ offset: 90, data: new Uint8Array(100).fill(0xcc) }, patch(95, 1, 2)] },
    ];
    for (const s of steps) {
      m.edit('layer', s);
      states.push(applyToBytes(states[states.length - 1], s));
      assert.deepEqual(wholeState(m), states[states.length - 1]);
    }
    for (let k = steps.length - 1; k >= 0; k--) {
      const r = m.undo();
      assert.deepEqual(wholeState(m), states[k], `after undoing step ${k}`);
      assert.ok(r.before.runs.every(isLiteral) && r.fileEpoch === undefined, 'small old bytes are kept as bytes');
    }
    for (let k = 1; k <= steps.length; k++) {
      m.redo();
      assert.deepEqual(wholeState(m), states[k]);
    }
  });

  it('resizes: growth reads as zeros, truncation keeps the cut bytes for undo', () => {
    const m = new ImageModel(bufferBase(original));
    m.edit('grow', { patches: [], size: 5000 });
    assert.equal(m.size, 5000);
    assert.deepEqual(m.read(4096, 904), new Uint8Array(904));
    m.edit('write past the old end', { patches: [patch(6000, 7)] });
    assert.equal(m.size, 6001);
    m.edit('truncate', { patches: [patch(10, 0xff)], size: 1000 });
    assert.equal(m.size, 1000);
    assert.equal(m.read(10, 1)[0], 0xff);
    m.undo();
    assert.equal(m.size, 6001);
    assert.equal(m.read(6000, 1)[0], 7);
    assert.deepEqual(m.read(0, 4096), original);
    m.undo();
    m.undo();
    assert.deepEqual(wholeState(m), original);
  });

  it('a new edit after undo drops the redo branch', () => {
    const m = new ImageModel(bufferBase(original));
    m.edit('a', { patches: [patch(0, 1)] });
    m.undo();
    m.edit('b', { patches: [patch(1, 2)] });
    assert.equal(m.history.canRedo, false);
    assert.throws(() => m.redo(), /Nothing to redo/);
    assert.deepEqual(wholeState(m), applyToBytes(original, { patches: [patch(1, 2)] }));
  });

  it('refuses an undo that is not of the last edit (VS Code and the log must agree)', () => {
    const m = new ImageModel(bufferBase(original));
    const a = m.edit('a', { patches: [patch(0, 1)] });
    m.edit('b', { patches: [patch(1, 2)] });
    assert.throws(() => m.undo(a), /out of order/);
  });

  it('stays exact over many random edits, undone and redone in full', () => {
    const m = new ImageModel(bufferBase(original));
    const states = [original];
    let seed = 99;
    const next = (n: number): number => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    for (let i = 0; i < 300; i++) {
      const cur = states[states.length - 1];
      const patches = Array.from({ length: 1 + next(3) }, () => ({
        offset: next(cur.length + 64),
        data: randomBytes(1 + next(40), i + 1),
      }));
      const edits = next(10) === 0 ? { patches, size: 1 + next(cur.length + 200) } : { patches };
      m.edit(`edit ${i}`, edits);
      states.push(applyToBytes(cur, edits));
    }
    assert.deepEqual(wholeState(m), states[states.length - 1]);
    for (let k = states.length - 2; k >= 0; k--) {
      m.undo();
      if (k % 37 === 0) assert.deepEqual(wholeState(m), states[k], `after undo to ${k}`);
    }
    assert.deepEqual(wholeState(m), original);
    for (let k = 1; k < states.length; k++) m.redo();
    assert.deepEqual(wholeState(m), states[states.length - 1]);
  });

  it('revert returns to the save point, whichever side of it the history is', () => {
    const m = new ImageModel(bufferBase(original));
    m.edit('a', { patches: [patch(0, 1)] });
    m.edit('b', { patches: [patch(1, 2)] });
    // A save (the base here stays the original bytes, so mark the history only and compare the log).
    m.history.markSaved();
    m.edit('c', { patches: [patch(2, 3)] });
    m.revert();
    assert.deepEqual(
      m.history.applied.map((r) => r.label),
      ['a', 'b'],
    );
    assert.equal(m.history.canRedo, false);
    m.undo();
    m.undo();
    m.revert();
    assert.deepEqual(
      m.history.applied.map((r) => r.label),
      ['a', 'b'],
    );
    assert.equal(m.isDirty, false);
  });

  it('reports changes with increasing versions and the wire edits for the server', () => {
    const m = new ImageModel(bufferBase(original));
    const seen: ModelChange[] = [];
    m.onChange((c) => seen.push(c));
    m.edit('a', { patches: [patch(8, 0xee, 0xef)] });
    m.undo();
    m.redo();
    assert.deepEqual(
      seen.map((c) => c.reason),
      ['edit', 'undo', 'redo'],
    );
    assert.deepEqual(
      seen.map((c) => c.version),
      [2, 3, 4],
    );
    assert.deepEqual(seen[0].ranges, [{ offset: 8, length: 2 }]);
    // Undo sends the old bytes, so the server's overlay ends up where the client is.
    const undoWire = seen[1].wire;
    assert.ok(undoWire !== 'resync' && undoWire !== 'none');
    assert.deepEqual([...undoWire.patches[0].data], [original[8], original[9]]);
    assert.equal(undoWire.size, original.length);
  });
});

describe('client document model: edits kept over a file changed on disk', () => {
  it('a kept size never cuts off what the file has now (a CLI repair added clusters meanwhile)', () => {
    let file = randomBytes(4096, 3);
    const m = new ImageModel(() => bufferBase(file)());
    m.edit('grow by a cluster', { patches: [patch(4096, 7)], size: 8192 });
    // Another program appends two clusters of its own.
    const grown = new Uint8Array(12288);
    grown.set(file);
    grown.fill(9, 4096);
    file = grown;
    m.reload(true);
    assert.equal(m.size, 12288, 'the new clusters are kept');
    assert.equal(m.read(12287, 1)[0], 9);
    assert.equal(m.read(4096, 1)[0], 7, 'the edits stay on top');
  });
});

describe('client document model: paged reads over file + edits', () => {
  it('reads pages of a 1 TiB sparse file without reading it whole', function () {
    const t = tempDir();
    try {
      const path = t.file('huge.img');
      const fd = openSync(path, 'w');
      ftruncateSync(fd, 2 ** 40);
      writeSync(fd, Buffer.from('tail'), 0, 4, 2 ** 40 - 4);
      closeSync(fd);
      let counted: CountingSource | undefined;
      const m = new ImageModel(() => (counted = new CountingSource(new FileSource(path))));
      assert.equal(m.size, 2 ** 40);
      assert.equal(Buffer.from(m.read(2 ** 40 - 4, 4)).toString(), 'tail');
      m.edit('poke far away', { patches: [patch(2 ** 39, 1, 2, 3)] });
      const page = m.read(2 ** 39 - 2, 8);
      assert.deepEqual([...page], [0, 0, 1, 2, 3, 0, 0, 0]);
      // What was read is what was asked for (two small pages), not the file or the distance between them.
      assert.ok(counted !== undefined && counted.bytesRead <= 16, `${counted?.bytesRead} bytes read`);
      m.close();
    } finally {
      t.remove();
    }
  });

  it('reads across patch boundaries and past the end', () => {
    const original = randomBytes(1000, 3);
    const m = new ImageModel(bufferBase(original));
    m.edit('a', { patches: [patch(500, 1, 1, 1, 1)] });
    m.edit('b', { patches: [patch(502, 2, 2, 2, 2)] });
    const got = m.read(498, 10);
    const want = applyToBytes(original, { patches: [patch(500, 1, 1, 1, 1), patch(502, 2, 2, 2, 2)] }).slice(498, 508);
    assert.deepEqual(got, want);
    assert.equal(m.read(995, 100).length, 5);
    assert.equal(m.read(2000, 10).length, 0);
  });

  it('a truncation larger than the kept limit keeps the cut part as a range of the file: undo is exact, the server resyncs', () => {
    const original = randomBytes(64, 5);
    // A base that claims more than the limit, without holding it: only the first bytes are real.
    const size = MAX_KEPT_BYTES + 4096;
    let read = 0;
    const base = (): { name: string; size: number; read: (o: number, l: number) => Uint8Array; readInto: (o: number, t: Uint8Array) => number } => ({
      name: 'big',
      size,
      read: (o, l) => {
        const out = new Uint8Array(Math.max(0, Math.min(l, size - o)));
        read += out.length;
        if (o < original.length) out.set(original.subarray(o, Math.min(original.length, o + out.length)));
        return out;
      },
      readInto: (o, t) => {
        const n = Math.max(0, Math.min(t.length, size - o));
        read += n;
        t.fill(0, 0, n);
        if (o < original.length) t.set(original.subarray(o, Math.min(original.length, o + n)));
        return n;
      },
    });
    const m = new ImageModel(base);
    const seen: ModelChange[] = [];
    m.onChange((c) => seen.push(c));
    m.edit('poke', { patches: [patch(0, 0xff)] });
    read = 0;
    const cut = m.edit('cut', { patches: [], size: 32 });
    assert.equal(read, 0, 'recording the truncation read nothing');
    assert.equal(cut.fileEpoch, 0);
    m.undo();
    assert.equal(m.size, size);
    assert.equal(m.read(0, 1)[0], 0xff);
    assert.deepEqual(m.read(1, 63), original.subarray(1));
    assert.equal(seen[seen.length - 1].wire, 'resync');
  });

  it('undoes an edit with copies exactly, the old bytes of a copy target inside the file included', () => {
    const original = randomBytes(8192, 9);
    const m = new ImageModel(bufferBase(original));
    m.edit('poke', { patches: [patch(100, 1, 2, 3)] });
    const state1 = wholeState(m);
    // Copies read the state before the set: 100..103 are the poked bytes; the target 4000.. was the file's own.
    const edits = {
      patches: [patch(4001, 0xaa)],
      copies: [
        { offset: 4000, length: 600, from: 90 },
        { offset: 9000, length: 50, from: 8180 },
      ],
    };
    m.edit('copy', edits);
    const want = state1.slice();
    const grown = new Uint8Array(9050);
    grown.set(want);
    grown.set(state1.subarray(90, 690), 4000);
    grown.set(state1.subarray(8180, 8192), 9000);
    grown[4001] = 0xaa;
    assert.deepEqual(wholeState(m), grown);
    m.undo();
    assert.deepEqual(wholeState(m), state1);
    m.redo();
    assert.deepEqual(wholeState(m), grown);
  });

  it('refuses to undo an edit whose old bytes are a range of a file that was saved over since', () => {
    const size = MAX_KEPT_BYTES + 4096;
    const base = (): { name: string; size: number; read: (o: number, l: number) => Uint8Array; readInto: (o: number, t: Uint8Array) => number } => ({
      name: 'big',
      size,
      read: (o, l) => new Uint8Array(Math.max(0, Math.min(l, size - o))),
      readInto: (o, t) => Math.max(0, Math.min(t.length, size - o)),
    });
    const m = new ImageModel(base);
    m.edit('cut', { patches: [], size: 32 });
    m.markSaved();
    assert.throws(() => m.undo(), /Cannot undo "cut".*changed since/);
  });
});
