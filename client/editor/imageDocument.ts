import * as vscode from 'vscode';
import { lstatSync, statSync } from 'node:fs';
import { basename } from 'node:path';
import { openImageView } from '../../shared/io/pendingJournal';
import type { EditSet } from '../../shared/io/patch';
import type { CheckedFindings, WireFinding } from '../../shared/protocol';
import { parseBackup, serializeBackup } from '../document/backup';
import type { EditRecord } from '../document/editRecord';
import { ImageModel, type ModelChange } from '../document/imageModel';
import { type DiskStamp, SaveUndone } from '../document/saveImage';
import { SaveStopped, saveCopyInWorker, saveInWorker } from '../document/saveInWorker';
import type { RecoveryResult } from '../../shared/io/journal';
import { bytesToWrite, withSaveProgress } from './saveProgress';

/**
 * One open image: binds the VS Code-free ImageModel to the editor. Edits become CustomDocumentEditEvents whose
 * undo/redo call back into the model; saves go through the journal; backups store the unsaved edits only.
 */
export class ImageDocument implements vscode.CustomDocument {
  /**
   * Opens the document without writing anything, whatever lies beside the file: an interrupted write's journal is
   * reported and the image shown as recovery will leave it (recovery runs on save, or with `hdd-lens recover`).
   * A symbolic link opens read-only: saves never write through a link.
   */
  static async open(uri: vscode.Uri, viewType: string, backupId: string | undefined, readOnly: boolean): Promise<ImageDocument> {
    if (uri.scheme !== 'file') throw new Error(`hdd-lens opens images on a file system with positional reads (not ${uri.scheme}:)`);
    const path = uri.fsPath;
    let locked = false;
    if (lstatSync(path).isSymbolicLink()) {
      locked = true;
      void vscode.window.showWarningMessage(
        `${path} is a symbolic link: it is open read-only (hdd-lens never writes through a link). Open the file it points to in order to edit it.`,
      );
    }
    let restored: EditSet | undefined;
    if (backupId) {
      const backup = parseBackup(await vscode.workspace.fs.readFile(vscode.Uri.parse(backupId)));
      const now = stampOf(path);
      if (now.size !== backup.file.size || now.mtimeMs !== backup.file.mtimeMs) {
        void vscode.window.showWarningMessage(
          `${path} changed on disk since your unsaved edits were backed up; they were restored on top of the file as it is now. Review before saving.`,
        );
      }
      restored = backup.edits;
    }
    // Every (re)open of the file by the model is a view: after a save, a revert or a reload it is read again.
    const view = { rolledBack: false, notice: undefined as string | undefined };
    const model = new ImageModel(() => {
      const v = openImageView(path);
      view.rolledBack = v.rolledBack;
      view.notice = v.notice;
      return v.source;
    }, restored);
    if (view.notice) void vscode.window.showWarningMessage(`${view.notice}.`);
    return new ImageDocument(uri, viewType, model, readOnly || locked, view);
  }

  /** The file as it was when last read or written by us: a different stamp on disk means another writer. */
  stamp: DiskStamp;
  /** The latest findings the server pushed, with the version they are for. */
  findings: CheckedFindings | undefined;
  /** The server's findings for the file as on disk (a clean version) included image-unclean. */
  diskInUse = false;
  /** The document's version when it opened (a fix planned on the file before the editor opened has no version). */
  readonly openedVersion: number;

  /** The save running now (save()): edits, undo, redo, revert and Save As wait for it. */
  private running: Promise<void> | undefined;
  private readonly disposeEmitter = new vscode.EventEmitter<void>();
  readonly onDidDispose = this.disposeEmitter.event;
  private readonly changeEmitter = new vscode.EventEmitter<ModelChange>();
  /** Every content change (edit, undo, redo, revert, reload, save). */
  readonly onDidChangeContent = this.changeEmitter.event;
  private readonly editEmitter = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<ImageDocument>>();
  /** New undoable edits, for the provider's onDidChangeCustomDocument. */
  readonly onDidEdit = this.editEmitter.event;
  private readonly findingsEmitter = new vscode.EventEmitter<CheckedFindings>();
  readonly onDidChangeFindings = this.findingsEmitter.event;

  private constructor(
    readonly uri: vscode.Uri,
    /** The editor it was opened with (VS Code keeps one document per view type and file). */
    readonly viewType: string,
    readonly model: ImageModel,
    readonly readOnly: boolean,
    /** Whether the model's current view shows the image rolled back through a pending journal. */
    private readonly view: { rolledBack: boolean },
  ) {
    this.stamp = stampOf(uri.fsPath);
    this.openedVersion = model.version;
    model.onChange((c) => this.changeEmitter.fire(c));
  }

  get path(): string {
    return this.uri.fsPath;
  }

  get version(): number {
    return this.model.version;
  }

  /** Applies an edit as one undoable step of VS Code's undo stack. */
  applyEdit(label: string, edits: EditSet): EditRecord {
    if (this.readOnly) throw new Error(`${this.path} is open read-only (setting hddLens.readOnly, an untrusted workspace, or a symbolic link)`);
    const record = this.model.edit(label, edits);
    // VS Code awaits these: an undo or redo asked for while a save runs waits for it (the model refuses changes
    // meanwhile, and a refused undo would cost VS Code's whole undo stack of the image).
    this.editEmitter.fire({
      document: this,
      label,
      undo: async () => {
        await this.idle();
        this.model.undo(record);
      },
      redo: async () => {
        await this.idle();
        this.model.redo(record);
      },
    });
    return record;
  }

  /** Resolves when no save of this document runs (whatever the last one's outcome): edits wait for it. */
  async idle(): Promise<void> {
    while (this.running) await this.running.catch(() => undefined);
  }

  setFindings(state: CheckedFindings): void {
    // Findings of an older version than one already seen arrive late: ignore them.
    if (this.findings && state.version < this.findings.version) return;
    this.findings = state;
    if (state.version === this.version && !this.model.isDirty) this.diskInUse = hasUnclean(state.findings);
    this.findingsEmitter.fire(state);
  }

  /** Resolves true once the server's findings are for the current version, false if they do not come within `ms`. */
  findingsOfNow(ms: number): Promise<boolean> {
    if (this.findings?.version === this.version) return Promise.resolve(true);
    return new Promise((resolve) => {
      const done = (ok: boolean): void => {
        clearTimeout(timer);
        sub.dispose();
        resolve(ok);
      };
      const timer = setTimeout(() => done(false), ms);
      const sub = this.onDidChangeFindings((f) => f.version === this.version && done(true));
    });
  }

  /** Whether saving may write under a running VM: the file on disk, or the state to be written, is marked in use. */
  get mayBeInUse(): boolean {
    return this.diskInUse || (this.findings?.version === this.version && hasUnclean(this.findings.findings));
  }

  /** True when another program changed the file since we last read or wrote it (never while we save it). */
  changedOnDisk(): boolean {
    if (this.model.saving) return false;
    const now = stampOf(this.path);
    return now.size !== this.stamp.size || now.mtimeMs !== this.stamp.mtimeMs;
  }

  /**
   * Writes the unsaved edits in the save worker `worker` (dist/saveWorker.js; saveInWorker.ts: locked, recovering
   * an interrupted write first, refusing a file that is not the one the document read), off the extension host's
   * thread and with a cancellable progress notification when large. The model refuses changes until it ends. A
   * failed or cancelled write was rolled back before the error reaches here.
   */
  async save(worker: string): Promise<void> {
    if (this.readOnly) throw new Error(`${this.path} is open read-only: nothing was written`);
    // A second save (Ctrl+S twice, auto save) waits for the running one, then writes what is still unsaved. No
    // await between the loop's last check and `running` being set: two waiting saves cannot both start.
    while (this.running) await this.running.catch(() => undefined);
    if (!this.model.isDirty) return;
    const run = this.saveNow(worker);
    this.running = run;
    try {
      await run;
    } finally {
      if (this.running === run) this.running = undefined;
    }
  }

  private async saveNow(worker: string): Promise<void> {
    const edits = this.model.beginSave();
    let written = false;
    let stopped = false;
    try {
      const request = { path: this.path, edits, expected: this.stamp, readRolledBack: this.view.rolledBack };
      const onRecovered = (r: RecoveryResult): void => void vscode.window.showInformationMessage(`${this.path}: ${r.message}.`);
      const saved = await withSaveProgress(basename(this.path), bytesToWrite(edits), (hooks) => saveInWorker(worker, request, { ...hooks, onRecovered }));
      this.stamp = saved.stamp;
      written = true;
    } catch (e) {
      // Rolled back: the file holds what the document read, with a new modification time (taken under the lock).
      if (e instanceof SaveUndone) this.stamp = e.stamp;
      stopped = e instanceof SaveStopped;
      throw e;
    } finally {
      this.model.endSave(written);
      // The worker died, perhaps mid-write: read the file again as recovery will leave it (through the journal, if
      // one is there), keeping the unsaved edits on top, so that what the next save checks is what is shown.
      if (stopped) this.reload(true);
    }
  }

  /**
   * Save As: a sparse copy of the file with the unsaved edits written into it by the save worker. The document
   * stays as it was (VS Code opens the copy). Refused while the file has an interrupted write's journal: the copy
   * would be of the half-written bytes, not of what the document shows.
   */
  async saveAs(target: vscode.Uri, worker: string): Promise<void> {
    if (target.scheme !== 'file') throw new Error(`hdd-lens saves images to a file system (not ${target.scheme}:)`);
    if (target.fsPath === this.path) return this.save(worker);
    await this.idle();
    if (this.view.rolledBack)
      throw new Error(
        `${this.path} has an interrupted write's journal beside it: save it first (that rolls the write back) or run \`hdd-lens recover\`, then Save As; nothing was written`,
      );
    const edits = this.model.beginSave();
    try {
      await withSaveProgress(basename(target.fsPath), bytesToWrite(edits), (hooks) => saveCopyInWorker(worker, this.path, target.fsPath, edits, hooks));
    } finally {
      this.model.endSave(false);
    }
  }

  /** Discards the unsaved edits (after a running save ends: VS Code awaits this). */
  async revert(): Promise<void> {
    await this.idle();
    this.model.revert();
    this.stamp = stampOf(this.path);
  }

  /** The file changed on disk: show the new content, keeping the unsaved edits on top if asked. */
  reload(keepEdits: boolean): void {
    this.model.reload(keepEdits);
    this.stamp = stampOf(this.path);
  }

  async backup(destination: vscode.Uri): Promise<vscode.CustomDocumentBackup> {
    const labels = (this.model.history.sinceSave() ?? []).map((r) => r.label);
    const bytes = serializeBackup({ file: this.stamp, labels, edits: this.model.pendingEdits });
    await vscode.workspace.fs.writeFile(destination, bytes);
    return {
      id: destination.toString(),
      delete: () => void vscode.workspace.fs.delete(destination).then(undefined, () => undefined),
    };
  }

  dispose(): void {
    this.disposeEmitter.fire();
    this.model.close();
    for (const e of [this.disposeEmitter, this.changeEmitter, this.editEmitter, this.findingsEmitter]) e.dispose();
  }
}

export function stampOf(path: string): DiskStamp {
  const s = statSync(path);
  return { size: s.size, mtimeMs: s.mtimeMs, dev: s.dev, ino: s.ino };
}

function hasUnclean(findings: readonly WireFinding[]): boolean {
  return findings.some((f) => f.code === 'image-unclean');
}
