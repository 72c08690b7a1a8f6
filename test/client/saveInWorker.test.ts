import { strict as assert } from 'node:assert';
import { copyFileSync, existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileSource } from '../../shared/io/fileSource';
import { applyJournaled } from '../../shared/io/imageWriter';
import { JournalError, WriteCancelled, journalPath } from '../../shared/io/journal';
import type { EditSet } from '../../shared/io/patch';
import { ImageModel } from '../../client/document/imageModel';
import { SaveCancelled } from '../../client/document/saveImage';
import { saveInWorker } from '../../client/document/saveInWorker';
import { samplePath } from '../fixtures';
import { applyToBytes, patch, randomBytes, tempDir } from './helpers';

/** The worker as tsc compiles it (the extension runs dist/saveWorker.js, bundled from the same file). */
const WORKER = join(__dirname, '..', '..', 'client', 'document', 'saveWorker.js');
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
    const result = await saveInWorker(WORKER, { path, edits }, { onProgress: (done, total) => seen.push([done, total]) });
    assert.deepEqual(new Uint8Array(readFileSync(path)), applyToBytes(before, edits));
    assert.equal(existsSync(journalPath(path)), false);
    assert.ok(seen.length >= 2, `progress messages: ${seen.length}`);
    const total = seen[0][1];
    assert.ok(seen.every(([, n]) => n === total), 'one total throughout');
    assert.ok(seen.every(([d], i) => i === 0 || d > seen[i - 1][0]), 'progress only rises');
    assert.equal(seen[seen.length - 1][0], total, 'the last message is the end');
    // The journal pass and the image pass each go through every byte the edits cover.
    assert.equal(total, 2 * result.written);
  });

  it('a cancel asked before the write starts leaves the image untouched and no journal, and names the file', async () => {
    const before = readFileSync(path);
    const failure = await saveInWorker(WORKER, { path, edits: bigEdit(before.length) }, { onCancelRequested: (cancel) => cancel() }).then(
      () => assert.fail('the save was not cancelled'),
      (e: unknown) => e,
    );
    assert.ok(failure instanceof SaveCancelled, String(failure));
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

  it('a save that cannot start says so and writes nothing', async () => {
    const before = readFileSync(path);
    await assert.rejects(saveInWorker(join(t.dir, 'no-such-worker.js'), { path, edits: bigEdit(before.length) }), (e: unknown) => e instanceof JournalError && /could not run/.test(e.message));
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
