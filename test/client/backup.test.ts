import { strict as assert } from 'node:assert';
import { parseBackup, serializeBackup } from '../../client/document/backup';
import { ImageModel } from '../../client/document/imageModel';
import { bufferBase, patch, randomBytes } from './helpers';

describe('client document model: hot-exit backup', () => {
  const original = randomBytes(8192, 11);

  it('stores the unsaved edits (not the image) and restores the same state', () => {
    const m = new ImageModel(bufferBase(original));
    m.edit('a', { patches: [patch(100, 1, 2, 3)] });
    m.edit('b', { patches: [{ offset: 9000, data: randomBytes(10, 2) }] });
    m.edit('c', { patches: [patch(101, 9)], size: 9005 });
    const bytes = serializeBackup({ file: { size: 8192, mtimeMs: 1234.5 }, labels: ['a', 'b', 'c'], edits: m.pendingEdits });
    assert.ok(bytes.length < 200, `a backup holds the edits only (${bytes.length} bytes)`);
    const b = parseBackup(bytes);
    assert.deepEqual(b.file, { size: 8192, mtimeMs: 1234.5 });
    assert.deepEqual(b.labels, ['a', 'b', 'c']);
    const restored = new ImageModel(bufferBase(original), b.edits);
    assert.equal(restored.size, m.size);
    assert.deepEqual(restored.read(0, restored.size), m.read(0, m.size));
    // Restored edits are unsaved, but not undoable (VS Code restores no undo stack).
    assert.equal(restored.isDirty, true);
    assert.equal(restored.history.canUndo, false);
  });

  it('restores a truncation (size below the file) and edits after it', () => {
    const m = new ImageModel(bufferBase(original));
    m.edit('cut', { patches: [], size: 1000 });
    m.edit('regrow', { patches: [patch(1500, 7)] });
    const b = parseBackup(serializeBackup({ file: { size: 8192, mtimeMs: 0 }, labels: [], edits: m.pendingEdits }));
    const restored = new ImageModel(bufferBase(original), b.edits);
    assert.equal(restored.size, 1501);
    // The bytes between the cut and the new write are zeros, not the file's old bytes.
    assert.deepEqual(restored.read(0, restored.size), m.read(0, m.size));
    assert.equal(restored.read(1200, 1)[0], 0);
  });

  it('stores copies as copies (a relocation of gigabytes backs up in bytes) and restores them', () => {
    const m = new ImageModel(bufferBase(original));
    const copies = Array.from({ length: 1000 }, (_, i) => ({ offset: 8192 + i * 4096, length: 4096, from: 0 }));
    m.edit('relocate', { patches: [patch(64, 1, 2, 3, 4)], copies });
    const bytes = serializeBackup({ file: { size: 8192, mtimeMs: 0 }, labels: ['relocate'], edits: m.pendingEdits });
    assert.ok(bytes.length < 1000 * 24 + 1000, `${bytes.length} bytes for 4 MB of copies`);
    assert.equal(Buffer.from(bytes).toString('utf8', 0, 18), 'hdd-lens backup 2\n', 'a reader that knows no copies refuses it');
    const restored = new ImageModel(bufferBase(original), parseBackup(bytes).edits);
    assert.equal(restored.size, m.size);
    assert.deepEqual(restored.read(0, restored.size), m.read(0, m.size));
  });

  it('rejects what is not a backup, and a truncated one', () => {
    assert.throws(() => parseBackup(Buffer.from('hello world, not a backup')), /Not an hdd-lens backup/);
    const good = serializeBackup({ file: { size: 1, mtimeMs: 1 }, labels: [], edits: { patches: [patch(0, 1, 2, 3, 4)] } });
    assert.throws(() => parseBackup(good.subarray(0, good.length - 2)), /Truncated/);
  });
});
