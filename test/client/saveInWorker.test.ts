import { strict as assert } from 'node:assert';
import { copyFileSync, existsSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { FileSource } from '../../shared/io/fileSource';
import { applyJournaled } from '../../shared/io/imageWriter';
import { JournalError, WriteCancelled, journalPath } from '../../shared/io/journal';
import type { EditSet } from '../../shared/io/patch';
import { ImageModel } from '../../client/document/imageModel';
import { SaveUndone, saveEdits } from '../../client/document/saveImage';
import { SaveStopped, saveInWorker } from '../../client/document/saveInWorker';
import { samplePath } from '../fixtures';
import { SAVE_WORKER, applyToBytes, patch, randomBytes, tempDir } from './helpers';

const MiB = 1024 * 1024;

/** 9 MiB of new bytes past the end of a real sample, and a header byte: three 4 MiB chunks of the journal's loop. */
function bigEdit(size: number): EditSet {
  return { patches: [patch(44, 0x76), { offset: size + 4096, data: randomBytes(9 * MiB, 7) }] };
}

describe('client: saving in a worker thread, with progress and cancel', () => {
  let t: ReturnType<typeof tempDir>;
  let path: string;
  beforeEach(() => {
    t = tempDir();
    path = t.file('image.hdd');
    copyFileSync(samplePath('parallels-v2'), path);
  });
  afterEach(() => t.remove());

  it('writes exactly the edited state, leaves no journal, and reports progress up to twice the bytes covered', async () => {
    const before = readFileSync(path);
    const edits = bigEdit(before.length);
    const seen: Array<[number, number]> = [];
    const { result, stamp } = await saveInWorker(SAVE_WORKER, { path, edits }, { onProgress: (done, total) => seen.push([done, total]) });
    assert.deepEqual(new Uint8Array(readFileSync(path)), applyToBytes(before, edits));
    assert.equal(existsSync(journalPath(path)), false);
    assert.ok(seen.length >= 2, `progress messages: ${seen.length}`);
    const total = seen[0][1];
    assert.ok(
      seen.every(([, n]) => n === total),
      'one total throughout',
    );
    assert.ok(
      seen.every(([d], i) => i === 0 || d > seen[i - 1][0]),
      'progress only rises',
    );
    assert.equal(seen[seen.length - 1][0], total, 'the last message is the end');
    // The journal pass and the image pass each go through every byte the edits cover.
    assert.equal(total, 2 * result.written);
    // The stamp after the write, taken under the lock: the document's from now on.
    assert.equal(stamp.size, statSync(path).size);
    assert.equal(stamp.mtimeMs, statSync(path).mtimeMs);
  });

  it('a cancel asked before the write starts leaves the image untouched and no journal, and names the file', async () => {
    const before = readFileSync(path);
    const failure = await saveInWorker(SAVE_WORKER, { path, edits: bigEdit(before.length) }, { onCancelRequested: (cancel) => cancel() }).then(
      () => assert.fail('the save was not cancelled'),
      (e: unknown) => e,
    );
    assert.ok(failure instanceof SaveUndone && failure.cancelled, String(failure));
    assert.match(failure.message, /image\.hdd: the write was cancelled before it touched the image; nothing was changed/);
    assert.deepEqual(readFileSync(path), before);
    assert.equal(existsSync(journalPath(path)), false);
    assert.equal(existsSync(`${journalPath(path)}.tmp`), false);
    assert.equal(failure.stamp.size, before.length);
  });

  it('a cancel during the image pass rolls the image back byte for byte at once', () => {
    const before = readFileSync(path);
    let passes = 0;
    const cancelHalfway = (done: number, total: number): void => {
      passes++;
      if (done > total / 2) throw new WriteCancelled('cancelled');
    };
    assert.throws(
      () => applyJournaled(path, bigEdit(before.length), { onProgress: cancelHalfway }),
      (e: unknown) => e instanceof WriteCancelled && /the write was cancelled; rolled back: the image is exactly as it was before/.test(e.message),
    );
    assert.ok(passes >= 4, `progress calls before the cancel: ${passes}`);
    assert.deepEqual(readFileSync(path), before);
    assert.equal(existsSync(journalPath(path)), false);
  });

  it('a write that fails midway is rolled back and gives the stamp after the rollback (the next save is not refused)', () => {
    const before = readFileSync(path);
    const failHalfway = (done: number, total: number): void => {
      if (done > total / 2) throw new Error('EIO: i/o error, write');
    };
    const failure = (() => {
      try {
        saveEdits(bigEdit(before.length), path, { onProgress: failHalfway });
      } catch (e) {
        return e;
      }
      return assert.fail('the save did not fail');
    })();
    assert.ok(failure instanceof SaveUndone && !failure.cancelled, String(failure));
    assert.match(failure.message, /writing failed \(EIO: i\/o error, write\); rolled back: the image is exactly as it was before/);
    assert.deepEqual(readFileSync(path), before);
    assert.equal(failure.stamp.mtimeMs, statSync(path).mtimeMs);
    // Saving again with that stamp as the document's is not taken for another program's write.
    const { result } = saveEdits({ patches: [patch(44, 0x76)] }, path, { expected: failure.stamp });
    assert.equal(result.written, 1);
  });

  it('a worker that dies says the save stopped and where the old bytes are, not that nothing was written', async () => {
    const dying = t.file('dying-worker.js', new TextEncoder().encode('process.exit(3);\n'));
    await assert.rejects(
      saveInWorker(dying, { path, edits: bigEdit(readFileSync(path).length) }),
      (e: unknown) => e instanceof SaveStopped && /the save stopped \(worker exit 3\).*the journal beside the image holds the old bytes/.test(e.message),
    );
  });

  it('a save that cannot start says so and writes nothing', async () => {
    const before = readFileSync(path);
    await assert.rejects(
      saveInWorker(join(t.dir, 'no-such-worker.js'), { path, edits: bigEdit(before.length) }),
      (e: unknown) => e instanceof JournalError && /the save stopped \(Cannot find module/.test(e.message),
    );
    assert.deepEqual(readFileSync(path), before);
  });

  it('the model refuses edits, undo and revert while a save runs, and is saved only if the save wrote', () => {
    const m = new ImageModel(() => new FileSource(path));
    m.edit('one', { patches: [patch(44, 0x76)] });
    const edits = m.beginSave();
    assert.equal(edits.patches.length, 1);
    assert.throws(() => m.edit('two', { patches: [patch(45, 1)] }), /while the image is being saved/);
    assert.throws(() => m.undo(), /while the image is being saved/);
    assert.throws(() => m.revert(), /while the image is being saved/);
    m.endSave(false);
    assert.equal(m.isDirty, true, 'a failed save leaves the edits unsaved');
    m.beginSave();
    m.endSave(true);
    assert.equal(m.isDirty, false);
    m.close();
  });
});
