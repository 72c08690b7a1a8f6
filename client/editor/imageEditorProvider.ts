import * as vscode from 'vscode';
import { closeSync, openSync, readSync } from 'node:fs';
import { basename } from 'node:path';
import { type ApplyFixArgs, STRUCTURE_SCHEME, parseStructureUri } from '../../shared/protocol';
import type { EditorBanner } from '../../shared/webviewProtocol';
import { MAGIC_LENGTH, hasImageMagic } from '../document/imageMagic';
import type { DocumentSync } from '../lsp/documentSync';
import type { ServerConnection } from '../lsp/serverConnection';
import { applyFix } from '../lsp/applyFix';
import { watchFile } from './fileWatcher';
import { ImageDocument } from './imageDocument';
import { confirmSave } from './saveGuards';
import { WebviewHost } from './webviewHost';
import { webviewOptions } from './webviewHtml';
import { hex } from '../../shared/format/le';

/** The editor for .hdd/.hds files (the default for them). */
export const VIEW_TYPE = 'hddLens.editor';
/** The same editor for a file of any name, through "Reopen With" (an image need not be named .hdd). */
export const ANY_FILE_VIEW_TYPE = 'hddLens.anyFile';

/**
 * Open documents and their panels, shared by both view types and the commands: one document per file, any number
 * of panels on it (they all show the same document state).
 */
export class ImageEditors implements vscode.Disposable {
  private readonly documents = new Map<string, ImageDocument>();
  private readonly hosts = new Set<WebviewHost>();
  private active: WebviewHost | undefined;
  private readonly editEmitter = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<ImageDocument>>();
  readonly onDidEdit = this.editEmitter.event;
  private readonly status = vscode.window.createStatusBarItem('hddLens.selection', vscode.StatusBarAlignment.Right, 100);
  /** What a panel shows above the editor for its file (client/bundle/: an image of a disk bundle), if anything. */
  bannerFor: ((uri: vscode.Uri) => Promise<EditorBanner | undefined>) | undefined;

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly server: ServerConnection,
    private readonly sync: DocumentSync,
  ) {
    this.status.name = 'hdd-lens selection';
    this.status.command = 'hddLens.goToOffset';
  }

  documentFor(uri: vscode.Uri): ImageDocument | undefined {
    return this.documents.get(uri.toString());
  }

  /** The panel in focus, or the last one that was. */
  get activeHost(): WebviewHost | undefined {
    return this.active;
  }

  /**
   * The image a command is about: the URI it was given (explorer), else the image editor in front, else the image
   * of the structure view in front, else the image editor used last.
   */
  target(uri?: vscode.Uri): vscode.Uri | undefined {
    if (uri instanceof vscode.Uri) return uri;
    if (this.active?.panel.active) return this.active.doc.uri;
    const text = vscode.window.activeTextEditor?.document.uri;
    const view = text?.scheme === STRUCTURE_SCHEME ? parseStructureUri(text.toString()) : undefined;
    if (view) return vscode.Uri.parse(view.imageUri);
    return this.active?.doc.uri;
  }

  /** The open document for `uri`, opening the editor on it first if needed. `opened`: it was not open before. */
  async ensureOpen(uri: vscode.Uri): Promise<{ doc: ImageDocument; opened: boolean }> {
    const existing = this.documentFor(uri);
    if (existing) return { doc: existing, opened: false };
    await vscode.commands.executeCommand('vscode.openWith', uri, VIEW_TYPE);
    const doc = this.documentFor(uri);
    if (!doc) throw new Error(`could not open ${uri.fsPath} in the image editor`);
    return { doc, opened: true };
  }

  /** Scrolls the panel of a document (opening it if needed) to a byte range. */
  async reveal(uri: vscode.Uri, offset: number, length: number): Promise<void> {
    await this.ensureOpen(uri);
    const host = this.active?.doc.uri.toString() === uri.toString() ? this.active : [...this.hosts].find((h) => h.doc.uri.toString() === uri.toString());
    host?.reveal(offset, length);
  }

  /** Applies a fix once no save of the document runs (a save refuses changes until it ends). */
  async applyFix(doc: ImageDocument, fix: ApplyFixArgs, openedForFix = false): Promise<boolean> {
    await doc.idle();
    return applyFix(doc, fix, openedForFix);
  }

  async openDocument(uri: vscode.Uri, backupId: string | undefined, viewType: string): Promise<ImageDocument> {
    const key = uri.toString();
    const checkMagic = viewType === ANY_FILE_VIEW_TYPE;
    const readOnly = vscode.workspace.getConfiguration('hddLens', uri).get<boolean>('readOnly', false) || !vscode.workspace.isTrusted;
    if (checkMagic && uri.scheme === 'file' && !startsWithMagic(uri.fsPath)) {
      void vscode.window.showWarningMessage(
        `${basename(uri.fsPath)} does not start with a Parallels image signature; it is shown as bytes and the checker reports why it is not an image.`,
      );
    }
    const doc = await ImageDocument.open(uri, viewType, backupId, readOnly);
    this.documents.set(key, doc);
    const subs = [doc.onDidEdit((e) => this.editEmitter.fire(e)), this.sync.attach(uri, doc.model), watchFile(doc, () => this.hostsOf(doc)[0]?.panel.reveal())];
    doc.onDidDispose(() => {
      for (const s of subs) s.dispose();
      if (this.documents.get(key) === doc) this.documents.delete(key);
    });
    return doc;
  }

  resolvePanel(doc: ImageDocument, panel: vscode.WebviewPanel): void {
    panel.webview.options = webviewOptions(this.context.extensionUri);
    const host = new WebviewHost(panel, doc, {
      server: this.server,
      extensionUri: this.context.extensionUri,
      applyFix: async (d, fix) => this.applyFix(d, fix),
      onSelection: (h, offset, length) => {
        if (h === this.active) this.showSelection(offset, length);
      },
    });
    this.hosts.add(host);
    this.showBanner(host);
    const setActive = (): void => {
      if (panel.active) {
        this.active = host;
        this.showSelection(host.selection.offset, host.selection.length);
      } else if (this.active === host) {
        this.status.hide();
      }
    };
    setActive();
    panel.onDidChangeViewState(setActive);
    panel.onDidDispose(() => {
      host.dispose();
      this.hosts.delete(host);
      if (this.active === host) {
        this.active = undefined;
        this.status.hide();
      }
    });
  }

  async save(doc: ImageDocument): Promise<void> {
    if (doc.readOnly) return;
    await confirmSave(doc);
    await doc.save(this.saveWorker);
  }

  saveAs(doc: ImageDocument, destination: vscode.Uri): Promise<void> {
    return doc.saveAs(destination, this.saveWorker);
  }

  /** The save worker's script, bundled beside the extension (scripts/build.mjs). */
  private get saveWorker(): string {
    return this.context.asAbsolutePath('dist/saveWorker.js');
  }

  dispose(): void {
    this.status.dispose();
    this.editEmitter.dispose();
  }

  /** Asks again what each panel's banner says (a descriptor changed). */
  refreshBanners(): void {
    for (const h of this.hosts) this.showBanner(h);
  }

  private showBanner(host: WebviewHost): void {
    const ask = this.bannerFor;
    if (!ask) return;
    ask(host.doc.uri).then(
      (banner) => host.post({ type: 'banner', ...(banner ? { banner } : {}) }),
      (e: unknown) => console.error(`hdd-lens: banner of ${host.doc.path}: ${String(e)}`),
    );
  }

  private hostsOf(doc: ImageDocument): WebviewHost[] {
    return [...this.hosts].filter((h) => h.doc === doc);
  }

  private showSelection(offset: number, length: number): void {
    const at = hex(offset);
    this.status.text = length > 1 ? `$(symbol-number) ${at} (${length} bytes)` : `$(symbol-number) ${at}`;
    this.status.tooltip = `Byte offset ${offset} (line ${Math.floor(offset / 16)}, column ${offset % 16} of the hex dump). Click to go to an offset.`;
    this.status.show();
  }
}

/**
 * The CustomEditorProvider of one view type: VS Code's entry points, delegating to the shared ImageEditors.
 */
export class ImageEditorProvider implements vscode.CustomEditorProvider<ImageDocument> {
  private readonly edits = new vscode.EventEmitter<vscode.CustomDocumentEditEvent<ImageDocument>>();
  readonly onDidChangeCustomDocument = this.edits.event;

  constructor(
    private readonly editors: ImageEditors,
    readonly viewType: string,
  ) {
    // VS Code finds the document by view type: report only the edits of this view type's documents.
    editors.onDidEdit((e) => {
      if (e.document.viewType === viewType) this.edits.fire(e);
    });
  }

  openCustomDocument(uri: vscode.Uri, context: vscode.CustomDocumentOpenContext): Promise<ImageDocument> {
    return this.editors.openDocument(uri, context.backupId, this.viewType);
  }

  resolveCustomEditor(doc: ImageDocument, panel: vscode.WebviewPanel): void {
    this.editors.resolvePanel(doc, panel);
  }

  saveCustomDocument(doc: ImageDocument): Promise<void> {
    return this.editors.save(doc);
  }

  saveCustomDocumentAs(doc: ImageDocument, destination: vscode.Uri): Promise<void> {
    return this.editors.saveAs(doc, destination);
  }

  revertCustomDocument(doc: ImageDocument): Promise<void> {
    return doc.revert();
  }

  backupCustomDocument(doc: ImageDocument, context: vscode.CustomDocumentBackupContext): Promise<vscode.CustomDocumentBackup> {
    return doc.backup(context.destination);
  }
}

function startsWithMagic(path: string): boolean {
  const head = new Uint8Array(MAGIC_LENGTH);
  try {
    const fd = openSync(path, 'r');
    try {
      readSync(fd, head, 0, MAGIC_LENGTH, 0);
    } finally {
      closeSync(fd);
    }
  } catch {
    return false;
  }
  return hasImageMagic(head);
}
