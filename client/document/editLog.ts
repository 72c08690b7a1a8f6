import type { EditRecord } from './editRecord';

/**
 * The history of a document: records applied (`done`, oldest first) and records undone (`undone`, most recently
 * undone last), plus the save point. It mirrors the undo stack VS Code keeps for the document, which is the
 * authority: VS Code calls undo/redo on the record at the top, and the log checks it agrees.
 */
export class EditLog {
  private readonly done: EditRecord[] = [];
  private readonly undone: EditRecord[] = [];
  /** Id of the top record when the file was last written (0: the file as opened). */
  private savedTopId = 0;
  private nextId = 1;

  newId(): number {
    return this.nextId++;
  }

  /** The records applied, oldest first. */
  get applied(): readonly EditRecord[] {
    return this.done;
  }

  get top(): EditRecord | undefined {
    return this.done[this.done.length - 1];
  }

  get canUndo(): boolean {
    return this.done.length > 0;
  }

  get canRedo(): boolean {
    return this.undone.length > 0;
  }

  /** True when the applied records differ from those in the file. */
  get movedFromSave(): boolean {
    return (this.top?.id ?? 0) !== this.savedTopId;
  }

  push(record: EditRecord): void {
    this.done.push(record);
    // A new edit forks the history: what was undone can no longer be redone (VS Code drops it too).
    this.undone.length = 0;
  }

  /** Moves the top record to the undone stack; `expected` is the record VS Code is undoing. */
  popForUndo(expected?: EditRecord): EditRecord {
    const r = this.done[this.done.length - 1];
    if (!r) throw new Error('Nothing to undo');
    if (expected && expected !== r) throw new Error(`Undo out of order: "${expected.label}" is not the last edit`);
    this.done.pop();
    this.undone.push(r);
    return r;
  }

  popForRedo(expected?: EditRecord): EditRecord {
    const r = this.undone[this.undone.length - 1];
    if (!r) throw new Error('Nothing to redo');
    if (expected && expected !== r) throw new Error(`Redo out of order: "${expected.label}" is not the next edit`);
    this.undone.pop();
    this.done.push(r);
    return r;
  }

  markSaved(): void {
    this.savedTopId = this.top?.id ?? 0;
  }

  /**
   * The records applied after the save point, oldest first, or undefined when the save point is not below the
   * top (it was undone, or forked away): replaying these over the file gives the current state.
   */
  sinceSave(): EditRecord[] | undefined {
    if (this.savedTopId === 0) return this.done.slice();
    const i = this.done.findIndex((r) => r.id === this.savedTopId);
    return i < 0 ? undefined : this.done.slice(i + 1);
  }

  /**
   * Revert: moves the history to the save point, as VS Code does (records after it are dropped; records undone
   * past it are redone). Returns false when the save point is no longer reachable (the history forked after it),
   * in which case the whole history is dropped.
   */
  rewindToSave(): boolean {
    const since = this.sinceSave();
    if (since) {
      this.done.length -= since.length;
      this.undone.length = 0;
      return true;
    }
    const j = this.undone.findIndex((r) => r.id === this.savedTopId);
    if (j >= 0) {
      // Redo (in order) the records between the top and the save point: the undone stack is most recent last.
      const redo = this.undone.splice(j).reverse();
      this.done.push(...redo);
      this.undone.length = 0;
      return true;
    }
    this.done.length = 0;
    this.undone.length = 0;
    this.savedTopId = 0;
    return false;
  }
}
