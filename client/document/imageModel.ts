import type { ByteSource } from '../../shared/io/byteSource';
import { checkEditSet } from '../../shared/io/editCheck';
import { OverlaySource } from '../../shared/io/overlaySource';
import { type EditSet, changesSomething } from '../../shared/io/patch';
import { EditLog } from './editLog';
import { type EditRecord, recordEdit, restoreAsEdits, targetsOf, touchedRanges } from './editRecord';

/** The file under a document: a positional reader, reopened after a save or an external change. */
export interface BaseSource extends ByteSource {
  close?(): void;
}

export interface ByteRange {
  offset: number;
  length: number;
}

/** What changed in a document, for the views (ranges to re-read) and the language server (edits to apply). */
export interface ModelChange {
  reason: 'edit' | 'undo' | 'redo' | 'revert' | 'reload' | 'save';
  version: number;
  size: number;
  /** Byte ranges whose content changed, or 'all'. */
  ranges: ByteRange[] | 'all';
  /**
   * The edits that turn the previous state into this one (for hddLens/didChange), 'resync' when the server must
   * read the file again and take `pendingEdits` as the whole overlay, or 'none' (a save: same bytes). A resync
   * advances the version by two: `version - 1` names the file as on disk, `version` the file with the edits.
   */
  wire: Required<EditSet> | 'resync' | 'none';
  record?: EditRecord;
}

/**
 * A binary document: the file, read lazily in pages, with an overlay of unsaved edits and an undo history of
 * exact records. It never reads the whole file: a 1 TiB sparse image costs what the pages viewed cost. No VS Code
 * types here, so it is tested with plain mocha; client/editor binds it to the editor.
 */
export class ImageModel {
  private base: BaseSource;
  private overlay: OverlaySource;
  private readonly log = new EditLog();
  private listeners: Array<(c: ModelChange) => void> = [];
  private currentVersion: number;
  /** Edits restored from a hot-exit backup: unsaved, but part of no undoable record. */
  private restored: EditSet | undefined;
  /** Increases whenever the file under the document is read afresh (a save, a revert, a reload). */
  private fileEpoch = 0;
  /** A save is writing the file (saveInWorker): changes wait, since they would land on a file half old, half new. */
  private savingNow = false;

  constructor(
    private readonly openBase: () => BaseSource,
    restored?: EditSet,
  ) {
    this.base = openBase();
    this.overlay = new OverlaySource(this.base);
    if (restored && changesSomething(restored)) {
      this.restored = restored;
      this.overlay.apply(restored);
    }
    // As after a resync: version - 1 is the file as on disk, `version` the file with the restored edits.
    this.currentVersion = this.restored ? 2 : 1;
  }

  get size(): number {
    return this.overlay.size;
  }

  /** Increases with every change of content (the version the language server sees). */
  get version(): number {
    return this.currentVersion;
  }

  get history(): EditLog {
    return this.log;
  }

  /** True when the content may differ from the file (VS Code tracks its own dirty flag the same way). */
  get isDirty(): boolean {
    return this.restored !== undefined || this.log.movedFromSave;
  }

  /** The unsaved state as one edit set over the file: what a save writes and a backup stores. */
  get pendingEdits(): EditSet {
    return this.overlay.edits;
  }

  /** Size of the file under the edits. */
  get fileSize(): number {
    return this.base.size;
  }

  onChange(listener: (c: ModelChange) => void): () => void {
    this.listeners.push(listener);
    return () => {
      this.listeners = this.listeners.filter((l) => l !== listener);
    };
  }

  read(offset: number, length: number): Uint8Array {
    return this.overlay.read(offset, length);
  }

  get saving(): boolean {
    return this.savingNow;
  }

  /**
   * Starts a save that runs while the extension host goes on (saveInWorker): returns what to write, and refuses
   * every change of the model (edit, undo, redo, revert, reload) until `endSave`.
   */
  beginSave(): EditSet {
    this.requireIdle('save');
    this.savingNow = true;
    return this.pendingEdits;
  }

  /** Ends the save `beginSave` started: `written`, the file now holds the state (as `markSaved`). */
  endSave(written: boolean): void {
    this.savingNow = false;
    if (written) this.markSaved();
  }

  /** Applies an edit as one undoable record. */
  edit(label: string, edits: EditSet): EditRecord {
    this.requireIdle(`apply "${label}"`);
    // Before anything is read, recorded or allocated for it (EditSetError names what is wrong).
    checkEditSet(edits, this.size, `the edit "${label}"`);
    const sizeBefore = this.size;
    const record = recordEdit(this.log.newId(), label, this.overlay, edits, this.fileEpoch);
    this.overlay.apply(record.after);
    this.log.push(record);
    this.emit('edit', touchedRanges(targetsOf(record.after), sizeBefore, this.size), record.after, record);
    return record;
  }

  undo(expected?: EditRecord): EditRecord {
    this.requireIdle('undo');
    const record = this.log.top;
    if (record?.fileEpoch !== undefined && record.fileEpoch !== this.fileEpoch) {
      // Its old bytes were kept as ranges of the file, which has been written or replaced since.
      throw new Error(`Cannot undo "${record.label}": the bytes it replaced were kept as ranges of the file, which has changed since (saved or reloaded)`);
    }
    const sizeBefore = this.size;
    this.log.popForUndo(expected);
    const before = record!.before;
    for (const r of before.runs) this.overlay.writeRun(r);
    this.overlay.resize(before.size);
    // Ranges of the file mean nothing to the server as edits of the current state: it reads the file again.
    const wire = restoreAsEdits(before) ?? 'resync';
    this.emit('undo', wire === 'resync' ? 'all' : touchedRanges(before.runs, sizeBefore, this.size), wire, record);
    return record!;
  }

  redo(expected?: EditRecord): EditRecord {
    this.requireIdle('redo');
    const sizeBefore = this.size;
    const record = this.log.popForRedo(expected);
    this.overlay.apply(record.after);
    this.emit('redo', touchedRanges(targetsOf(record.after), sizeBefore, this.size), record.after, record);
    return record;
  }

  /** Discards unsaved edits: the file as it is on disk, with the history at the save point. */
  revert(): void {
    this.requireIdle('revert');
    this.restored = undefined;
    this.log.rewindToSave();
    this.reopen();
    this.emit('revert', 'all', 'resync');
  }

  /**
   * The file changed on disk (another program wrote it). Clean: show the new file. Dirty and `keepEdits`: the
   * unsaved edits stay on top of the new file content.
   */
  reload(keepEdits: boolean): void {
    this.requireIdle('reload');
    const pending = keepEdits ? this.overlay.edits : undefined;
    if (!keepEdits) {
      this.restored = undefined;
      this.log.rewindToSave();
    }
    const oldFileSize = this.base.size;
    this.base.close?.();
    this.base = this.openBase();
    this.fileEpoch++;
    this.overlay = new OverlaySource(this.base, pending && keptOver(pending, oldFileSize, this.base.size));
    this.emit('reload', 'all', 'resync');
  }

  /** The file now holds the current state (written by `saveImage`): read it afresh, no overlay left. */
  markSaved(): void {
    this.restored = undefined;
    this.log.markSaved();
    this.reopen();
    this.emit('save', [], 'none');
  }

  close(): void {
    this.base.close?.();
    this.listeners = [];
  }

  private requireIdle(what: string): void {
    if (this.savingNow) throw new Error(`Cannot ${what} while the image is being saved: wait until the save ends (or cancel it)`);
  }

  private reopen(): void {
    this.base.close?.();
    this.base = this.openBase();
    this.fileEpoch++;
    this.overlay = new OverlaySource(this.base);
  }

  private emit(reason: ModelChange['reason'], ranges: ModelChange['ranges'], wire: ModelChange['wire'], record?: EditRecord): void {
    if (reason !== 'save') this.currentVersion += wire === 'resync' ? 2 : 1;
    const change: ModelChange = { reason, version: this.currentVersion, size: this.size, ranges, wire, record };
    for (const l of this.listeners) l(change);
  }
}

/**
 * Unsaved edits kept over a file another program changed: the patches and copies stay, but a size the edits set
 * never cuts off what the file has now (a CLI repair may have added clusters past the old end): the size becomes
 * at least the new file's.
 */
function keptOver(pending: EditSet, oldFileSize: number, newFileSize: number): EditSet {
  if (pending.size === undefined || newFileSize === oldFileSize || pending.size >= newFileSize) return pending;
  return { ...pending, size: newFileSize };
}
