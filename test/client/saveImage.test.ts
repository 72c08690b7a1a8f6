import { strict as assert } from 'node:assert';
import { closeSync, copyFileSync, existsSync, readFileSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { FileSource } from '../../shared/io/fileSource';
import { recoverJournal } from '../../shared/io/imageWriter';
import { type JournalStep, journalPath } from '../../shared/io/journal';
import { ImageModel } from '../../client/document/imageModel';
import { saveImage, stampOfFd } from '../../client/document/saveImage';
import { saveCopyInWorker } from '../../client/document/saveInWorker';
import { applyJournaled } from '../../shared/io/imageWriter';
import { openImageView } from '../../shared/io/pendingJournal';
import { openRegularFile } from '../../shared/io/openFile';
import { samplePath } from '../fixtures';
import { SAVE_WORKER, applyToBytes, patch, randomBytes, tempDir } from './helpers';

/** A copy of a real sample image (QEMU's test suite) in a temp folder. */
function sampleCopy(t: ReturnType<typeof tempDir>): string {
  const path = t.file('image.hdd');
  copyFileSync(samplePath('parallels-v2'), path);
  return path;
}

class Killed extends Error {}

describe('client document model: save through the journal', () => {
  let t: ReturnType<typeof tempDir>;
  beforeEach(() => {
    t = tempDir();
  });
  afterEach(() => t.remove());

  it('writes exactly the edited state and leaves no journal', () => {
    const path = sampleCopy(t);
    const before = readFileSync(path);
    const m = new ImageModel(() => new FileSource(path));
    const e1 = { patches: [patch(44, 0x76, 0x32, 0x2e, 0x31)] };
    const e2 = { patches: [{ offset: before.length + 100, data: randomBytes(512, 4) }] };
    m.edit('one', e1);
    m.edit('two', e2);
    const want = applyToBytes(applyToBytes(before, e1), e2);
    saveImage(m, path);
    assert.deepEqual(new Uint8Array(readFileSync(path)), want);
    assert.equal(existsSync(journalPath(path)), false);
    assert.equal(m.isDirty, false);
    assert.deepEqual(m.read(0, m.size), want);
    // After a save, undo works against the new file: it restores the old bytes as unsaved edits.
    m.undo();
    assert.equal(m.isDirty, true);
    saveImage(m, path);
    assert.deepEqual(new Uint8Array(readFileSync(path)), applyToBytes(before, e1));
    assert.equal(statSync(path).size, before.length);
  });

  it('truncates on save and can undo the truncation after saving', () => {
    const path = sampleCopy(t);
    const before = new Uint8Array(readFileSync(path));
    const m = new ImageModel(() => new FileSource(path));
    m.edit('cut', { patches: [], size: 65536 });
    saveImage(m, path);
    assert.equal(statSync(path).size, 65536);
    m.undo();
    saveImage(m, path);
    assert.deepEqual(new Uint8Array(readFileSync(path)), before);
  });

  for (const killAt of ['journal-body', 'journal-committed', 'patch', 'image-synced', 'resized'] as const) {
    it(`a crash at ${killAt} leaves the old image or the new one after recovery`, () => {
      const path = sampleCopy(t);
      const before = new Uint8Array(readFileSync(path));
      const m = new ImageModel(() => new FileSource(path));
      const edits = { patches: [patch(100, 1, 2, 3), { offset: 200000, data: randomBytes(4096, 9) }], size: 250000 };
      m.edit('repair', edits);
      const after = applyToBytes(before, edits);
      const onStep = (s: JournalStep): void => {
        if (s.kind === killAt) throw new Killed(killAt);
      };
      assert.throws(() => saveImage(m, path, { onStep }), Killed);
      // The save did not complete: the document still holds its edits.
      assert.equal(m.isDirty, true);
      const r = recoverJournal(path);
      const now = new Uint8Array(readFileSync(path));
      const isOld = Buffer.compare(now, before) === 0;
      const isNew = Buffer.compare(now, after) === 0;
      assert.ok(isOld || isNew, `after recovery (${r.action}) the image is neither the old nor the new one`);
      assert.equal(existsSync(journalPath(path)), false);
    });
  }

  it('refuses to save over a file another program changed since the document read it (nothing is written)', () => {
    const path = sampleCopy(t);
    const m = new ImageModel(() => new FileSource(path));
    const expected = stamp(path);
    m.edit('e', { patches: [patch(100, 1, 2, 3)] });
    const theirs = readFileSync(path);
    theirs[200] ^= 0xff;
    writeFileSync(path, theirs);
    assert.throws(
      () => saveImage(m, path, { expected: { ...expected, mtimeMs: expected.mtimeMs - 1000 } }),
      /changed on disk since the document read it.*nothing was written/,
    );
    assert.deepEqual(readFileSync(path), theirs);
    assert.equal(m.isDirty, true);
  });

  it('a save first rolls back an interrupted write the document showed rolled back, then writes the edits on that state', () => {
    const path = sampleCopy(t);
    const before = new Uint8Array(readFileSync(path));
    const interrupted = { patches: [patch(64, 9, 9, 9, 9), { offset: before.length, data: randomBytes(8192, 3) }] };
    assert.throws(
      () =>
        applyJournaled(path, interrupted, {
          onStep: (s) => {
            if (s.kind === 'patch') throw new Killed('patch');
          },
        }),
      Killed,
    );
    assert.ok(existsSync(journalPath(path)));
    const view = openImageView(path);
    assert.equal(view.rolledBack, true);
    view.source.close();
    const m = new ImageModel(() => openImageView(path).source);
    assert.deepEqual(m.read(0, m.size), before, 'the document shows the image as before the interrupted write');
    const edits = { patches: [patch(300, 4, 5, 6)] };
    m.edit('e', edits);
    saveImage(m, path, { expected: stamp(path), readRolledBack: true });
    assert.deepEqual(new Uint8Array(readFileSync(path)), applyToBytes(before, edits));
    assert.equal(existsSync(journalPath(path)), false);
  });

  it('never saves through a symbolic link (the file it points to stays as it was)', () => {
    const path = sampleCopy(t);
    const link = t.file('link.hdd');
    symlinkSync(path, link);
    const before = readFileSync(path);
    const m = new ImageModel(() => openImageView(link).source);
    m.edit('e', { patches: [patch(100, 1)] });
    assert.throws(() => saveImage(m, link), /link\.hdd: is a symbolic link .*never writes through a link/);
    assert.deepEqual(readFileSync(path), before);
  });

  it('Save As writes a copy with the edits and leaves the original untouched', async () => {
    const path = sampleCopy(t);
    const before = new Uint8Array(readFileSync(path));
    const m = new ImageModel(() => new FileSource(path));
    const edits = { patches: [patch(0x40, 0, 0, 0, 0)], size: before.length + 4096 };
    m.edit('e', edits);
    const target = t.file('copy.hdd');
    await saveCopyInWorker(SAVE_WORKER, path, target, m.pendingEdits);
    assert.deepEqual(new Uint8Array(readFileSync(target)), applyToBytes(before, edits));
    assert.deepEqual(new Uint8Array(readFileSync(path)), before);
    assert.equal(m.isDirty, true);
  });
});

function stamp(path: string): ReturnType<typeof stampOfFd> {
  const f = openRegularFile(path, 'read');
  try {
    return stampOfFd(f.fd);
  } finally {
    closeSync(f.fd);
  }
}
