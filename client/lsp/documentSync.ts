import * as vscode from 'vscode';
import { didChange, didClose, didOpen, didSave } from '../../shared/protocol';
import { changesSomething } from '../../shared/io/patch';
import { encodeEditSet } from '../../shared/wireEdits';
import type { ImageModel, ModelChange } from '../document/imageModel';
import { type ServerConnection, errorText } from './serverConnection';

/**
 * Keeps the server's view of each binary document equal to the editor's: hddLens/didOpen when a document opens,
 * didChange with the edits of every change (undo sends the restoring edits), didSave, didClose. Notifications of
 * one document go out strictly in order (a queue per document), since each builds on the previous state.
 *
 * Files checked from the explorer without an editor are opened on the server too ("check only"), so their
 * diagnostics stay in the Problems panel; an editor opening one takes it over.
 */
export class DocumentSync implements vscode.Disposable {
  private readonly queues = new Map<string, Promise<void>>();
  private readonly checkOnly = new Set<string>();
  /** The model that owns each URI on the server: the last one attached. */
  private readonly owners = new Map<string, ImageModel>();

  constructor(private readonly server: ServerConnection) {}

  /** Opens a document on the server and follows its model's changes until the returned disposable. */
  attach(uri: vscode.Uri, model: ImageModel): vscode.Disposable {
    const key = uri.toString();
    // Opened already (check only, or by the other view type during "Reopen With"): start over on the server.
    if (this.checkOnly.delete(key) || this.owners.has(key)) this.enqueue(key, () => this.server.notify(didClose, { uri: key }));
    this.owners.set(key, model);
    this.sendState(key, model, model.version);
    const off = model.onChange((c) => {
      if (this.owners.get(key) === model) this.onChange(key, model, c);
    });
    return new vscode.Disposable(() => {
      off();
      if (this.owners.get(key) !== model) return;
      this.owners.delete(key);
      this.enqueue(key, () => this.server.notify(didClose, { uri: key }));
    });
  }

  /** Opens a file on the server without an editor (Check Image from the explorer). */
  checkFile(uri: vscode.Uri): void {
    const key = uri.toString();
    if (this.checkOnly.has(key)) {
      // Checked before: read it again (it may have changed on disk).
      this.enqueue(key, () => this.server.notify(didClose, { uri: key }));
    }
    this.checkOnly.add(key);
    this.enqueue(key, () => this.server.notify(didOpen, { uri: key, version: 1 }));
  }

  isCheckedOnly(uri: vscode.Uri): boolean {
    return this.checkOnly.has(uri.toString());
  }

  dispose(): void {
    this.queues.clear();
  }

  private onChange(key: string, model: ImageModel, c: ModelChange): void {
    if (c.wire === 'none') {
      this.enqueue(key, () => this.server.notify(didSave, { uri: key, version: c.version }));
    } else if (c.wire === 'resync') {
      // didOpen of an open image reads the file again and drops its edits: no didClose, which would clear the
      // Problems panel for a moment and close the file on the server.
      this.sendState(key, model, c.version);
    } else {
      const wire = c.wire;
      this.enqueue(key, () => this.server.notify(didChange, { uri: key, version: c.version, ...encodeEditSet(wire) }));
    }
  }

  /** didOpen of the file, then its unsaved edits as one change (version - 1 is the file as on disk). */
  private sendState(key: string, model: ImageModel, version: number): void {
    const pending = model.pendingEdits;
    const hasEdits = changesSomething(pending);
    // The editor watches the file (client/editor/fileWatcher.ts): the server does not watch it too.
    this.enqueue(key, () => this.server.notify(didOpen, { uri: key, version: hasEdits ? version - 1 : version, clientWatches: true }));
    if (hasEdits) {
      this.enqueue(key, () => this.server.notify(didChange, { uri: key, version, ...encodeEditSet({ ...pending, size: pending.size ?? model.size }) }));
    }
  }

  private enqueue(key: string, send: () => Promise<void>): void {
    const prev = this.queues.get(key) ?? Promise.resolve();
    const next = prev.then(send).catch((e: unknown) => {
      console.error(`hdd-lens: sync of ${key} failed: ${errorText(e)}`);
    });
    this.queues.set(key, next);
  }
}
