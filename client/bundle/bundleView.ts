import * as vscode from 'vscode';
import { basename, join } from 'node:path';
import { type BundleViewResult, bundle } from '../../shared/protocol';
import type { ServerConnection } from '../lsp/serverConnection';
import { errorText } from '../lsp/serverConnection';
import { webviewOptions, webviewPage } from '../editor/webviewHtml';
import { DESCRIPTOR_NAME } from './bundleFolders';
import { isJournalName } from '../../shared/io/journal';
import type { BundleAction, BundleBoot, FromBundleView, ToBundleView } from '../../shared/bundleViewProtocol';

export const BUNDLE_VIEW_TYPE = 'hddLens.bundleView';

/** Cells of the guest disk strip the view asks for (the server bounds it, whatever the disk's size). */
const BUCKETS = 1024;
/** A burst of file events in the folder (a save, a conversion beside it) reloads the view once. */
const RELOAD_DELAY_MS = 700;

export interface BundleViewServices {
  server: ServerConnection;
  extensionUri: vscode.Uri;
  /** Runs a bundle command (check, convert, fix) as the explorer does. */
  run(action: Exclude<BundleAction, 'refresh'>, dir: string, snapshot?: string): Promise<void>;
  /** Opens an image in the image editor, revealing a host byte range if given. */
  openImage(uri: vscode.Uri, offset?: number, length?: number): Promise<void>;
  /** Repairs one image on disk by the CLI (asking first; an image below the top: saying what reads through it). */
  repairImage(uri: vscode.Uri, dir: string): Promise<void>;
}

/** The open bundle views, one per bundle folder. */
export class BundleViews implements vscode.Disposable {
  private readonly views = new Map<string, BundleView>();

  constructor(private readonly services: BundleViewServices) {}

  /** Opens (or brings forward) the view of a bundle folder, focused on `snapshot` if given. */
  show(dir: string, snapshot?: string): BundleView {
    const open = this.views.get(dir);
    if (open) {
      open.panel.reveal();
      if (snapshot !== undefined) void open.focusSnapshot(snapshot);
      return open;
    }
    const panel = vscode.window.createWebviewPanel(BUNDLE_VIEW_TYPE, `${basename(dir)} (bundle)`, vscode.ViewColumn.Active, {
      ...webviewOptions(this.services.extensionUri),
      retainContextWhenHidden: true,
    });
    const view = new BundleView(panel, dir, snapshot, this.services);
    this.views.set(dir, view);
    panel.onDidDispose(() => {
      view.dispose();
      if (this.views.get(dir) === view) this.views.delete(dir);
    });
    return view;
  }

  viewOf(dir: string): BundleView | undefined {
    return this.views.get(dir);
  }

  /** The view in front, if a bundle view is. */
  get active(): BundleView | undefined {
    return [...this.views.values()].find((v) => v.panel.active);
  }

  dispose(): void {
    for (const v of this.views.values()) v.panel.dispose();
  }
}

/**
 * One bundle view: a webview panel (dist/bundleView.js) that shows what the server's hddLens/bundle says of the
 * folder, and turns the page's clicks into the extension's commands. The page never names a file the bundle does
 * not have: paths it sends are checked against the last answer.
 */
export class BundleView implements vscode.Disposable {
  private data: BundleViewResult | undefined;
  private focus: string | undefined;
  private ready = false;
  private readonly subscriptions: vscode.Disposable[] = [];
  private reloadTimer: ReturnType<typeof setTimeout> | undefined;
  private seq = 0;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly dir: string,
    focus: string | undefined,
    private readonly services: BundleViewServices,
  ) {
    this.focus = focus;
    const boot: BundleBoot = { dir, name: basename(dir), ...(focus === undefined ? {} : { snapshot: focus }) };
    panel.webview.html = webviewPage(panel.webview, services.extensionUri, `${basename(dir)} (bundle)`, 'bundleView.js', boot);
    const watcher = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(vscode.Uri.file(dir), '*'));
    // An image save writes and removes its journal beside the image: the image's own change is what reloads.
    const later = (uri: vscode.Uri): void => {
      if (!isJournalName(basename(uri.fsPath))) this.reloadSoon();
    };
    this.subscriptions.push(
      panel.webview.onDidReceiveMessage((m: FromBundleView) => void this.receive(m)),
      watcher,
      watcher.onDidChange(later),
      watcher.onDidCreate(later),
      watcher.onDidDelete(later),
    );
  }

  /** The last answer the view shows (for the commands: which snapshot is focused, which files). */
  get current(): BundleViewResult | undefined {
    return this.data;
  }

  get focused(): string | undefined {
    return this.focus;
  }

  /** Reads and checks the bundle again and shows it (Check Bundle passes the answer it already has). */
  async load(answer?: BundleViewResult): Promise<void> {
    const seq = ++this.seq;
    if (!answer) this.post({ type: 'loading', what: `Reading and checking ${basename(this.dir)}…` });
    let data: BundleViewResult;
    try {
      data = answer ?? (await this.request(true, this.focus));
    } catch (e) {
      data = { dir: this.dir, descriptor: join(this.dir, DESCRIPTOR_NAME), error: errorText(e) };
    }
    if (seq !== this.seq) return;
    // A focused snapshot that is gone (the descriptor changed) falls back to the top.
    if (data.chainError !== undefined && this.focus !== undefined && !data.summary?.snapshots.some((s) => s.guid === this.focus)) {
      this.focus = undefined;
      return this.load();
    }
    this.data = data;
    this.post({ type: 'data', data, ...(this.focus === undefined ? {} : { focus: this.focus }) });
  }

  /** Shows the guest disk of another snapshot of the bundle. */
  async focusSnapshot(snapshot: string): Promise<void> {
    this.focus = snapshot.toLowerCase();
    const seq = ++this.seq;
    this.post({ type: 'loading', what: `Reading the chain of ${this.focus}…` });
    try {
      const r = await this.request(false, this.focus);
      if (seq !== this.seq) return;
      this.post({
        type: 'chain',
        snapshot: this.focus,
        ...(r.chain ? { chain: r.chain } : {}),
        ...(r.chainError !== undefined || r.error !== undefined ? { error: r.chainError ?? r.error } : {}),
      });
    } catch (e) {
      if (seq === this.seq) this.post({ type: 'chain', snapshot: this.focus, error: errorText(e) });
    }
  }

  dispose(): void {
    if (this.reloadTimer !== undefined) clearTimeout(this.reloadTimer);
    for (const s of this.subscriptions) s.dispose();
  }

  private request(check: boolean, snapshot: string | undefined): Promise<BundleViewResult> {
    return this.services.server.request(bundle, {
      uri: vscode.Uri.file(this.dir).toString(),
      buckets: BUCKETS,
      check,
      ...(snapshot === undefined ? {} : { snapshot }),
    });
  }

  private reloadSoon(): void {
    if (this.reloadTimer !== undefined) clearTimeout(this.reloadTimer);
    this.reloadTimer = setTimeout(() => {
      this.reloadTimer = undefined;
      void this.load();
    }, RELOAD_DELAY_MS);
  }

  private post(m: ToBundleView): void {
    if (this.ready) void this.panel.webview.postMessage(m);
  }

  private async receive(m: FromBundleView): Promise<void> {
    try {
      switch (m.type) {
        case 'ready':
          this.ready = true;
          return await this.load();
        case 'action':
          if (m.action === 'refresh') return await this.load();
          return await this.services.run(m.action, this.dir, this.knownSnapshot(m.snapshot));
        case 'snapshot':
          return await this.focusSnapshot(this.knownSnapshot(m.snapshot) ?? '');
        case 'openImage':
          return await this.services.openImage(vscode.Uri.file(this.knownFile(m.path)), m.offset, m.length);
        case 'openDescriptor':
          await openDescriptor(join(this.dir, DESCRIPTOR_NAME), m.line, m.column);
          return;
        case 'repairImage':
          return await this.services.repairImage(vscode.Uri.file(this.knownFile(m.path)), this.dir);
      }
    } catch (e) {
      if (e instanceof vscode.CancellationError) return;
      void vscode.window.showErrorMessage(`hdd-lens: ${errorText(e)}`);
    }
  }

  /** A path the page sent, if it is an image of the bundle as the server last described it. */
  private knownFile(path: unknown): string {
    const images = (this.data?.summary?.snapshots ?? []).flatMap((s) => s.images.map((i) => i.path));
    if (typeof path === 'string' && images.includes(path)) return path;
    throw new Error(`the bundle view asked for ${String(path)}, which is not an image of ${this.dir}; nothing was opened`);
  }

  private knownSnapshot(guid: unknown): string | undefined {
    if (guid === undefined) return undefined;
    if (typeof guid === 'string' && (this.data?.summary?.snapshots ?? []).some((s) => s.guid === guid)) return guid;
    throw new Error(`the bundle view named ${String(guid)}, which is not a snapshot of ${this.dir}`);
  }
}

/** Opens DiskDescriptor.xml as text, with the cursor at a 1-based line and column. */
export async function openDescriptor(path: string, line?: number, column?: number): Promise<vscode.TextEditor> {
  const at = line !== undefined && line > 0 ? new vscode.Position(line - 1, Math.max(0, (column ?? 1) - 1)) : undefined;
  return vscode.window.showTextDocument(vscode.Uri.file(path), { preview: false, ...(at ? { selection: new vscode.Range(at, at) } : {}) });
}
