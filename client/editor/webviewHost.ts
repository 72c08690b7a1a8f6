import * as vscode from 'vscode';
import { createHash } from 'node:crypto';
import { basename } from 'node:path';
import { BoundedMap } from '../../shared/boundedMap';
import { inspect, planRepairRequest, type ApplyFixArgs, type DocumentRef, type RequestSig } from '../../shared/protocol';
import type { ModelChange } from '../document/imageModel';
import type { ServerConnection } from '../lsp/serverConnection';
import { errorText } from '../lsp/serverConnection';
import { RequestReplies } from '../../shared/requestReplies';
import { HEAD_BYTES, webviewRequest, type FromWebview, type ToWebview } from '../../shared/webviewProtocol';
import type { ImageDocument } from './imageDocument';
import { webviewHtml } from './webviewHtml';

/** Largest read the webview may ask for at once: pages are small, this only bounds a misbehaving page. */
const MAX_READ = 4 * 1024 * 1024;

export interface HostServices {
  server: ServerConnection;
  extensionUri: vscode.Uri;
  applyFix(doc: ImageDocument, fix: ApplyFixArgs): Promise<boolean>;
  onSelection(host: WebviewHost, offset: number, length: number): void;
}

/**
 * The extension side of one editor panel: serves the page's reads from the document (file + unsaved edits),
 * forwards its server requests (adding the document's URI), applies its edits and fixes as undoable edits, and
 * pushes content changes, findings and reveals to it.
 */
export class WebviewHost implements vscode.Disposable {
  private readonly subscriptions: vscode.Disposable[] = [];
  private ready = false;
  /** Messages for the page before it said it is ready (a reveal from the command that opened it, the banner). */
  private readonly early: ToWebview[] = [];
  selection = { offset: 0, length: 0 };
  /** The fixes the page was given (by their digest), the most recent MAX_HANDED_OUT: the only ones it may apply. */
  private readonly handedOut = new BoundedMap<string, true>(MAX_HANDED_OUT);
  /** The document's version when the page's HTML (with its first bytes) was made. */
  private readonly bootVersion: number;

  constructor(
    readonly panel: vscode.WebviewPanel,
    readonly doc: ImageDocument,
    private readonly services: HostServices,
  ) {
    const webview = panel.webview;
    this.bootVersion = doc.model.version;
    const head = Buffer.from(doc.model.read(0, Math.min(HEAD_BYTES, doc.model.size))).toString('base64');
    webview.html = webviewHtml(webview, services.extensionUri, basename(doc.path), {
      fileName: basename(doc.path),
      size: doc.model.size,
      readOnly: doc.readOnly,
      head,
    });
    this.subscriptions.push(
      webview.onDidReceiveMessage((m: FromWebview) => void this.receive(m)),
      doc.onDidChangeContent((c) => this.contentChanged(c)),
      doc.onDidChangeFindings((f) => this.post({ type: 'findings', version: f.version, findings: f.findings })),
    );
  }

  post(message: ToWebview): void {
    // Replies always go (the page asks for its first pages and regions as soon as it runs); events wait for `ready`.
    if (!this.ready && message.type !== 'init' && message.type !== 'response') {
      if (message.type === 'reveal' || message.type === 'banner') this.early.push(message);
      return;
    }
    void this.panel.webview.postMessage(message);
  }

  reveal(offset: number, length: number): void {
    this.panel.reveal();
    this.post({ type: 'reveal', offset, length });
  }

  dispose(): void {
    for (const s of this.subscriptions) s.dispose();
  }

  private async receive(m: FromWebview): Promise<void> {
    try {
      switch (m.type) {
        case 'ready':
          return this.init();
        case 'read':
          return await this.answer(m.requestId, () => this.read(m.offset, m.length));
        case 'request':
          return await this.answer(m.requestId, () => this.forward(m.request, m.params));
        case 'applyFix':
          // Only a fix the server planned, as it was handed to the page: the page cannot make up edits or a size.
          if (!this.handedOut.has(fixKey(m.fix))) throw new Error('the editor asked to apply a fix the language server did not plan; nothing was applied');
          await this.services.applyFix(this.doc, m.fix);
          return;
        case 'edit':
          // Typed while a save runs: applied once it ends (the model refuses changes meanwhile).
          await this.doc.idle();
          this.doc.applyEdit(m.label || 'Edit bytes', { patches: [{ offset: checkedOffset(m.offset), data: toBytes(m.data) }] });
          return;
        case 'command':
          if (!m.command.startsWith('hddLens.')) throw new Error(`The editor may not run ${m.command}`);
          await vscode.commands.executeCommand(m.command, this.doc.uri);
          return;
        case 'selection':
          this.selection = { offset: m.offset, length: m.length };
          this.services.onSelection(this, m.offset, m.length);
          return;
      }
    } catch (e) {
      void vscode.window.showErrorMessage(`hdd-lens: ${errorText(e)}`);
    }
  }

  private init(): void {
    this.ready = true;
    this.post({ type: 'init', fileName: basename(this.doc.path), size: this.doc.model.size, readOnly: this.doc.readOnly });
    // Changes before `ready` were not posted: the page's first bytes (from its HTML) may be stale.
    if (this.doc.model.version !== this.bootVersion) this.post({ type: 'changed', size: this.doc.model.size, ranges: 'all' });
    const f = this.doc.findings;
    if (f) this.post({ type: 'findings', version: f.version, findings: f.findings });
    for (const m of this.early.splice(0)) this.post(m);
  }

  /** Runs a request of the page and posts its reply (a failure as its message) under the request's id. */
  private answer(requestId: number, work: () => unknown): Promise<void> {
    return RequestReplies.answer(requestId, work, (reply) => this.post({ type: 'response', ...reply }));
  }

  private read(offset: number, length: number): Uint8Array {
    return this.doc.model.read(checkedOffset(offset), Math.min(Math.max(0, length), MAX_READ));
  }

  /** A server request of the page's, by its name in WEBVIEW_REQUESTS (any other is refused). */
  private async forward(name: string, params: Record<string, unknown>): Promise<unknown> {
    const sig = webviewRequest(name);
    if (!sig) throw new Error(`not a forwarded request: ${String(name)}`);
    // The page never names files: the request is always about this document.
    const result = await this.services.server.request(sig, { ...params, uri: this.doc.uri.toString() });
    for (const fix of fixesIn(sig, result)) this.handedOut.set(fixKey(fix), true);
    return result;
  }

  private contentChanged(c: ModelChange): void {
    if (c.reason === 'save') return;
    this.post({ type: 'changed', size: c.size, ranges: c.ranges });
  }
}

/** Fixes the page keeps (hover cards, the repair button) at once: far more than it shows. */
const MAX_HANDED_OUT = 1024;

/** The fixes a forwarded answer carries: hddLens/inspect's `fixes`, hddLens/planRepair's plan. */
function fixesIn(sig: RequestSig<DocumentRef, unknown>, result: unknown): ApplyFixArgs[] {
  if (sig === inspect) return (result as { fixes?: ApplyFixArgs[] } | null)?.fixes ?? [];
  if (sig === planRepairRequest && result && typeof result === 'object' && 'edits' in result) return [result as ApplyFixArgs];
  return [];
}

/** A fix's identity: a digest of all it says (edits, copies, size, state), in a canonical JSON form. */
function fixKey(fix: ApplyFixArgs): string {
  return createHash('sha256')
    .update(JSON.stringify(fix ?? null))
    .digest('hex');
}

function checkedOffset(offset: unknown): number {
  if (typeof offset !== 'number' || !Number.isSafeInteger(offset) || offset < 0) throw new Error(`bad offset ${String(offset)}`);
  return offset;
}

/** Bytes from the page: a Uint8Array normally; an ArrayBuffer, array or index-keyed object from older serialisers. */
function toBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  const values = Array.isArray(data) ? data : data && typeof data === 'object' ? Object.values(data) : undefined;
  if (values && values.every((b) => Number.isInteger(b) && b >= 0 && b < 256)) return Uint8Array.from(values as number[]);
  throw new Error('edit data must be bytes');
}
