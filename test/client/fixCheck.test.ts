import { strict as assert } from 'node:assert';
import { checkFix, fromWire, toWire } from '../../client/document/fixCheck';
import { ImageModel } from '../../client/document/imageModel';
import type { ApplyFixArgs } from '../../shared/protocol';
import { bufferBase, patch, randomBytes } from './helpers';

describe('client: applying a fix planned by the server', () => {
  const uri = 'file:///images/a.hdd';
  const target = { uri, path: '/images/a.hdd', version: 7, openedVersion: 1, dirty: true, readOnly: false };
  const fix = (over: Partial<ApplyFixArgs> = {}): ApplyFixArgs => ({
    uri,
    version: 7,
    title: 'Clear BAT entry 3',
    edits: toWire({ patches: [patch(76, 0, 0, 0, 0)] }),
    ...over,
  });

  it('applies a fix planned for the current version as the edits it carries', () => {
    const v = checkFix(fix({ size: 4096 }), target, false);
    assert.ok(v.ok);
    assert.deepEqual(v.edits, { patches: [patch(76, 0, 0, 0, 0)], size: 4096 });
  });

  it('refuses a stale fix (planned for another version), and says which', () => {
    const v = checkFix(fix({ version: 6 }), target, false);
    assert.ok(!v.ok);
    assert.match(v.message, /planned for version 6.*now version 7/);
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

  it('a fix is one undoable edit: undo restores every byte it changed', () => {
    const original = randomBytes(4096, 21);
    const m = new ImageModel(bufferBase(original));
    const v = checkFix(fix({ version: m.version, edits: toWire({ patches: [patch(10, 1), patch(2000, 2, 3)] }), size: 3000 }), { ...target, version: m.version }, false);
    assert.ok(v.ok);
    m.edit('fix', v.edits);
    assert.equal(m.size, 3000);
    assert.equal(m.history.applied.length, 1);
    m.undo();
    assert.deepEqual(m.read(0, m.size), original);
  });

  it('round-trips edits through the wire form (base64)', () => {
    const patches = [{ offset: 5, data: randomBytes(1000, 3) }, patch(0)];
    assert.deepEqual(fromWire(toWire({ patches })), patches);
  });
});
