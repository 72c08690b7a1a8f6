import {
  type CancellationToken,
  type CodeAction,
  CodeActionKind,
  type CodeActionParams,
  type Connection,
  DidChangeConfigurationNotification,
  type DocumentSymbol,
  type FoldingRange,
  type Hover,
  type HoverParams,
  type InitializeParams,
  type InitializeResult,
  LSPErrorCodes,
  MarkupKind,
  MessageType,
  ResponseError,
  ShowMessageNotification,
  TextDocumentSyncKind,
} from 'vscode-languageserver/node';
import { guestToHost as mapGuest } from '../shared/format/guestMap';
import { regionsOf } from '../shared/describe/regions';
import type { RepairMode } from '../shared/engine/repair';
import * as P from '../shared/protocol';
import { EditSetError } from '../shared/io/editCheck';
import { decodeEditSet } from '../shared/wireEdits';
import type { Analysis, ShownFinding } from './documentAnalysis';
import { AnalysisRunner, DEFAULT_INLINE_ENTRIES } from './analysisRunner';
import { codeActions, commandAction, isBulkData } from './codeActions';
import { allocationOf, batPageOf, binarySymbols, countPages, structureOf } from './derived';
import { byteRange, sameFinding, toDiagnostic } from './diagnostics';
import { BULK_TITLES, type BulkResult, bulkFix } from './fixes';
import { hoverMarkdown } from './hover';
import { ServedImage } from './servedImage';
import { guestOf, inspectByte, inspectResult } from './inspect';
import { DEFAULT_SETTINGS, type Settings, parseSettings } from './settings';
import { findingsOnLines, lineRange, renderStructure, structureDiagnostic, structureDiagnostics, structureFolding, structureSymbols } from './structureView';
import { isImageUri, uriToPath } from './uri';
import type { WorkerClient } from './workerClient';
import { DescriptorDocuments, isDescriptorUri, shown as shownDescriptor } from './descriptorDocuments';
import { optionalPosition, position } from './params';
import { notify, onNotification, onRequest } from './rpc';
import { BundleRequests } from './bundleRequests';
import { type PlanWatch, PlanCancelled, untilCancelled } from './sharedPlan';
import { percentReports } from './workDone';

/**
 * The hdd-lens language server: binary image documents (opened by the server from their file, edited through
 * byte patches), diagnostics, hovers, quick fixes and the custom requests of shared/protocol.ts, plus the text
 * structure view (scheme hdd-structure) for any LSP client. It never writes an image.
 */
export class HddLensServer {
  private readonly docs = new Map<string, ServedImage>();
  /** Open DiskDescriptor.xml text documents (server/descriptorDocuments.ts). */
  private readonly descriptors = new DescriptorDocuments();
  /** hddLens/bundle (server/bundleRequests.ts). */
  private readonly bundles: BundleRequests;
  /** Images the client opened (the others are open only for a structure view). */
  private readonly explicit = new Set<string>();
  /** Open structure views: their URI -> image URI and page. */
  private readonly views = new Map<string, { imageUri: string; page?: number }>();
  /** Structure URIs whose content was served: refreshed when their image changes. */
  private readonly served = new Map<string, string>();
  private settings: Settings = DEFAULT_SETTINGS;
  private analyzer!: AnalysisRunner;
  private canPullConfig = false;
  private canRegisterConfig = false;
  private canRefreshContent = false;
  private resolvesCommands = false;
  /** The client asked for hddLens/publishFindings with every checked state. */
  private pushesFindings = false;
  /** Diagnostics wait for the first settings, so that ignored rules never flash up at open. */
  private settingsLoaded: Promise<void> = Promise.resolve();
  private settingsArrived: () => void = () => undefined;

  constructor(
    private readonly connection: Connection,
    private readonly worker: WorkerClient,
  ) {
    this.bundles = new BundleRequests(connection, {
      settings: () => this.settings,
      descriptorOpen: (path) => this.descriptors.published().some((d) => uriToPath(d.uri) === path),
    });
  }

  listen(): void {
    const c = this.connection;
    c.onInitialize((p) => this.initialize(p));
    c.onInitialized(() => void this.initialized());
    c.onShutdown(() => this.shutdown());
    c.onDidChangeConfiguration((p) => void this.configurationChanged(p.settings));

    onNotification(c, P.didOpen, (p) => void this.openImage(p.uri, p.version, true, p.clientWatches === true));
    onNotification(c, P.didChange, (p) => this.changeImage(p));
    onNotification(c, P.didSave, (p) => this.docs.get(p.uri)?.saved(p.version));
    onNotification(c, P.didClose, (p) => this.closeImage(p.uri));

    c.onDidOpenTextDocument((p) => {
      if (isDescriptorUri(p.textDocument.uri)) this.descriptorText(p.textDocument.uri, p.textDocument.version, p.textDocument.text);
      else void this.openText(p.textDocument.uri, p.textDocument.version);
    });
    c.onDidChangeTextDocument((p) => {
      const text = p.contentChanges[p.contentChanges.length - 1];
      if (this.descriptors.has(p.textDocument.uri) && text && !('range' in text)) this.descriptorText(p.textDocument.uri, p.textDocument.version, text.text);
    });
    c.onDidCloseTextDocument((p) => {
      if (!this.descriptors.has(p.textDocument.uri)) return this.closeText(p.textDocument.uri);
      this.descriptors.close(p.textDocument.uri);
      // What Check Bundle published for it comes back (checked again from disk); else its diagnostics go.
      if (!this.bundles.descriptorClosed(p.textDocument.uri)) void this.connection.sendDiagnostics({ uri: p.textDocument.uri, diagnostics: [] });
    });

    const d = this.descriptors;
    c.onHover((p) => (d.has(p.textDocument.uri) ? d.hover(p.textDocument.uri, p.position) : this.hover(p)));
    c.onCodeAction((p) => (d.has(p.textDocument.uri) ? d.codeActions(p.textDocument.uri, p.range) : this.codeAction(p)));
    c.onCodeActionResolve((a) => this.resolveAction(a));
    c.onDocumentSymbol((p) => (d.has(p.textDocument.uri) ? d.symbols(p.textDocument.uri) : this.symbols(p.textDocument.uri)));
    c.onDefinition((p) => d.definition(p.textDocument.uri, p.position));
    c.onDocumentLinks((p) => d.links(p.textDocument.uri));
    c.onFoldingRanges((p) => this.folding(p.textDocument.uri));
    c.workspace.textDocumentContent.on((p) => this.content(p.uri));

    onRequest(c, P.findings, (p) => this.findings(p));
    onRequest(c, P.inspect, (p) => this.inspect(p));
    onRequest(c, P.regions, (p) => this.regions(p));
    onRequest(c, P.structure, (p) => this.structure(p));
    onRequest(c, P.allocationMap, (p) => this.allocationMap(p));
    onRequest(c, P.guestToHostRequest, (p) => this.guestToHost(p));
    onRequest(c, P.hostToGuestRequest, (p) => this.hostToGuest(p));
    onRequest(c, P.planRepairRequest, (p, token) => this.planRepair(p, token));
    // Disk bundles: the bundle view's data, and Check Bundle's descriptor diagnostics.
    onRequest(c, P.bundle, (p) => this.bundles.answer(p));
    c.listen();
  }

  private initialize(p: InitializeParams): InitializeResult {
    const caps = p.capabilities;
    this.canPullConfig = caps.workspace?.configuration === true;
    this.canRegisterConfig = caps.workspace?.didChangeConfiguration?.dynamicRegistration === true;
    this.canRefreshContent = caps.workspace?.textDocumentContent !== undefined;
    this.resolvesCommands = caps.textDocument?.codeAction?.resolveSupport?.properties.includes('command') === true;
    const options = (p.initializationOptions ?? {}) as P.InitializationOptions;
    const inline = typeof options.inlineCheckEntries === 'number' ? options.inlineCheckEntries : DEFAULT_INLINE_ENTRIES;
    this.pushesFindings = options.publishFindings === true;
    this.analyzer = new AnalysisRunner(this.worker, inline);
    if (this.canPullConfig) this.settingsLoaded = new Promise((resolve) => (this.settingsArrived = resolve));
    this.worker.warm();
    return {
      capabilities: {
        // Full sync for the text documents the server reads (DiskDescriptor.xml); images are synced by hddLens/*.
        textDocumentSync: { openClose: true, change: TextDocumentSyncKind.Full },
        definitionProvider: true,
        documentLinkProvider: { resolveProvider: false },
        hoverProvider: true,
        codeActionProvider: { codeActionKinds: [CodeActionKind.QuickFix], resolveProvider: true },
        documentSymbolProvider: true,
        foldingRangeProvider: true,
        workspace: { textDocumentContent: { schemes: [P.STRUCTURE_SCHEME] } },
      },
      serverInfo: { name: 'hdd-lens' },
    };
  }

  private async initialized(): Promise<void> {
    try {
      if (this.canRegisterConfig) await this.connection.client.register(DidChangeConfigurationNotification.type, { section: 'hddLens' });
      await this.pullSettings(undefined, false);
    } finally {
      this.settingsArrived();
    }
  }

  private shutdown(): void {
    for (const d of this.docs.values()) d.close();
    this.docs.clear();
    this.worker.dispose();
  }

  // ---- settings ----

  /**
   * Reads the settings and publishes every checked state again under them; not when they first arrive (`republish`
   * false): each state checked before then has its publication waiting for them already (publish), and goes out once.
   */
  private async pullSettings(pushed?: unknown, republish = true): Promise<void> {
    let section = pushed;
    if (this.canPullConfig) {
      try {
        section = await this.connection.workspace.getConfiguration({ section: 'hddLens' });
      } catch {
        section = pushed;
      }
    }
    if (section === undefined) return;
    this.settings = parseSettings(section);
    if (!republish) return;
    for (const doc of this.docs.values()) if (doc.analysis.checked) this.publish(doc, doc.analysis);
    for (const d of this.descriptors.published()) void this.connection.sendDiagnostics({ ...d, diagnostics: shownDescriptor(d.diagnostics, this.settings) });
    this.bundles.republish();
  }

  private async configurationChanged(pushed: unknown): Promise<void> {
    const section = (pushed as { hddLens?: unknown } | null)?.hddLens;
    await this.pullSettings(section);
  }

  // ---- documents ----

  /**
   * Opens an image, or reads an open one again (`explicit`: the client opened it; a structure view's image is not).
   * The file has one watcher (DidOpenParams): the client when it says it watches, else this server.
   */
  private openImage(uri: string, version: number, explicit: boolean, clientWatches = false): ServedImage | undefined {
    if (explicit) this.explicit.add(uri);
    const existing = this.docs.get(uri);
    if (existing) {
      if (explicit) {
        existing.watchDisk(!clientWatches);
        existing.saved(version);
      }
      return existing;
    }
    const path = uriToPath(uri);
    if (!path) {
      this.connection.console.error(`hdd-lens: cannot read ${uri}: only file: URIs are supported`);
      return undefined;
    }
    try {
      const doc = new ServedImage(uri, path, version, this.analyzer, (d, a) => this.publish(d, a), !clientWatches);
      this.docs.set(uri, doc);
      if (doc.notice) this.connection.console.warn(`hdd-lens: ${doc.notice}`);
      return doc;
    } catch (e) {
      // Not a regular file (a FIFO, a device), gone, unreadable: said to the user, and the server goes on.
      const message = `hdd-lens: cannot open ${path}: ${e instanceof Error ? e.message : String(e)}`;
      this.connection.console.error(message);
      // A notification (no answer awaited): a client that ignores it cannot make the server fail.
      void this.connection.sendNotification('window/showMessage', { type: 1, message });
      return undefined;
    }
  }

  private changeImage(p: P.DidChangeParams): void {
    const doc = this.docs.get(p.uri);
    if (!doc) return;
    let edits;
    try {
      edits = decodeEditSet(p, doc.source.size, `hddLens/didChange of ${doc.path} (version ${String(p.version)})`);
    } catch (e) {
      if (!(e instanceof EditSetError)) throw e;
      // The client sent what is no edit of a file: nothing of it is applied, and the client is told.
      this.connection.console.error(`hdd-lens: ${e.message}`);
      this.tell(MessageType.Error, `hdd-lens: ${e.message}`);
      return;
    }
    doc.change(edits, p.version);
  }

  private closeImage(uri: string): void {
    this.explicit.delete(uri);
    const doc = this.docs.get(uri);
    if (!doc) return;
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
    if ([...this.views.values()].some((v) => v.imageUri === uri)) {
      // A structure view still shows it: keep it open, as the file on disk, which the server watches now.
      doc.watchDisk(true);
      doc.saved(doc.version);
      return;
    }
    doc.close();
    this.docs.delete(uri);
  }

  private openText(uri: string, version: number): void {
    const view = P.parseStructureUri(uri);
    if (view) {
      this.views.set(uri, view);
      const doc = this.docs.get(view.imageUri) ?? this.openImage(view.imageUri, 0, false);
      if (doc?.analysis.checked) this.publishView(uri, doc, doc.analysis);
      return;
    }
    if (isImageUri(uri)) this.openImage(uri, version, true);
  }

  private closeText(uri: string): void {
    const view = this.views.get(uri);
    if (!view) {
      if (isImageUri(uri)) this.closeImage(uri);
      return;
    }
    this.views.delete(uri);
    void this.connection.sendDiagnostics({ uri, diagnostics: [] });
    const stillShown = [...this.views.values()].some((v) => v.imageUri === view.imageUri);
    if (!stillShown && !this.explicit.has(view.imageUri)) {
      this.docs.get(view.imageUri)?.close();
      this.docs.delete(view.imageUri);
    }
  }

  /** Checks a DiskDescriptor.xml text (open or changed) and publishes its diagnostics. */
  private descriptorText(uri: string, version: number, text: string): void {
    const diagnostics = this.descriptors.update(uri, version, text);
    void this.settingsLoaded.then(() => this.connection.sendDiagnostics({ uri, version, diagnostics: shownDescriptor(diagnostics, this.settings) }));
  }

  /** Diagnostics of a checked state, to the image and to its open structure views; served views are refreshed. */
  private publish(doc: ServedImage, analysis: Analysis): void {
    void this.settingsLoaded.then(() => {
      if (doc.analysis === analysis) this.publishNow(doc, analysis);
    });
  }

  private publishNow(doc: ServedImage, analysis: Analysis): void {
    if (this.explicit.has(doc.uri)) {
      const view = analysis.view(this.settings);
      void this.connection.sendDiagnostics({ uri: doc.uri, version: analysis.version, diagnostics: view.shown.map((s) => toDiagnostic(s)) });
      if (this.pushesFindings) notify(this.connection, P.publishFindings, { uri: doc.uri, version: analysis.version, findings: view.wire });
    }
    for (const [uri, view] of this.views) if (view.imageUri === doc.uri) this.publishView(uri, doc, analysis);
    if (this.canRefreshContent) {
      for (const [uri, imageUri] of this.served) {
        if (imageUri === doc.uri) this.connection.workspace.textDocumentContent.refresh(uri).catch(() => this.served.delete(uri));
      }
    }
  }

  private publishView(uri: string, doc: ServedImage, analysis: Analysis): void {
    const text = renderStructure(doc, analysis, this.settings, this.views.get(uri)?.page);
    void this.connection.sendDiagnostics({ uri, diagnostics: structureDiagnostics(text, analysis, this.settings) });
  }

  /** The document of an image or structure URI, checked. */
  private async checked(uri: string): Promise<{ doc: ServedImage; analysis: Analysis } | undefined> {
    const imageUri = P.parseStructureUri(uri)?.imageUri ?? uri;
    const doc = this.docs.get(imageUri);
    if (!doc) return undefined;
    return { doc, analysis: await doc.ready() };
  }

  // ---- LSP features ----

  private hover(p: HoverParams): Hover | null {
    const view = P.parseStructureUri(p.textDocument.uri);
    const doc = this.docs.get(view?.imageUri ?? p.textDocument.uri);
    if (!doc) return null;
    if (view) {
      // The text the client shows is the last one served: that of a checked state.
      const analysis = doc.latestChecked;
      const text = renderStructure(doc, analysis, this.settings, view.page);
      const bytes = text.lines[p.position.line];
      if (!bytes) return null;
      const info = inspectByte(analysis, this.settings, bytes.offset);
      return { contents: { kind: MarkupKind.Markdown, value: hoverMarkdown(info, bytes.offset) }, range: lineRange(text, p.position.line) };
    }
    const analysis = doc.analysis;
    const offset = P.positionToOffset(p.position);
    if (offset < 0 || offset >= analysis.image.source.size) return null;
    const info = inspectByte(analysis, this.settings, offset);
    return { contents: { kind: MarkupKind.Markdown, value: hoverMarkdown(info, offset) }, range: byteRange(info.field.offset, info.field.size) };
  }

  private async codeAction(p: CodeActionParams): Promise<CodeAction[]> {
    const found = await this.checked(p.textDocument.uri);
    if (!found) return [];
    const { doc, analysis } = found;
    const view = P.parseStructureUri(p.textDocument.uri);
    let inRange: ShownFinding[];
    let diagnostic: (s: ShownFinding) => ReturnType<typeof toDiagnostic>;
    if (view) {
      const text = renderStructure(doc, analysis, this.settings, view.page);
      inRange = findingsOnLines(text, analysis, this.settings, p.range);
      diagnostic = structureDiagnostic(text);
    } else {
      const start = P.positionToOffset(p.range.start);
      const end = Math.max(start + 1, P.positionToOffset(p.range.end));
      const index = analysis.view(this.settings).index;
      const hits = new Set(index.overlapping(start, end));
      // Diagnostics the client sends (from the Problems panel) may lie outside the cursor range.
      for (const d of p.context.diagnostics) for (const s of analysis.view(this.settings).shown) if (sameFinding(d, s)) hits.add(s);
      inRange = analysis.view(this.settings).shown.filter((s) => hits.has(s));
      diagnostic = (s) => toDiagnostic(s);
    }
    return codeActions({ doc, analysis, settings: this.settings, inRange, diagnostic, resolvesCommands: this.resolvesCommands });
  }

  /**
   * Plans a bulk action when it is chosen (never when actions are listed): on the state it was offered for. A
   * state that is gone (an edit, a change on disk) is refused with a message: the action is offered again.
   */
  private async resolveAction(action: CodeAction): Promise<CodeAction> {
    if (!isBulkData(action.data)) return action;
    const doc = this.docs.get(action.data.uri);
    if (!doc) return action;
    const analysis = await doc.ready();
    const title = BULK_TITLES[action.data.hddLensBulk];
    if (analysis.generation !== action.data.generation) {
      this.tell(
        MessageType.Warning,
        `hdd-lens: "${title}" was offered for an earlier state of ${doc.path}, which has changed since. Nothing was planned: choose the action again.`,
      );
      return action;
    }
    const plan = await this.bulk(doc, analysis, action.data.hddLensBulk);
    if (!plan) return action;
    if ('refused' in plan) {
      this.tell(MessageType.Warning, `hdd-lens: ${plan.refused}`);
      return action;
    }
    const full = commandAction(title, plan, action.diagnostics ?? [], false);
    return { ...action, command: full.command };
  }

  /** A message for the user (a notification: a request would fail on clients that do not answer it). */
  private tell(type: MessageType, message: string): void {
    void this.connection.sendNotification(ShowMessageNotification.type, { type, message });
  }

  private bulk(doc: ServedImage, analysis: Analysis, mode: RepairMode, watch?: PlanWatch): Promise<BulkResult> {
    return bulkFix(doc, analysis, mode, this.settings, this.worker, this.analyzer.inlineEntries, watch);
  }

  private async symbols(uri: string): Promise<DocumentSymbol[]> {
    const found = await this.checked(uri);
    if (!found) return [];
    const view = P.parseStructureUri(uri);
    if (view) return structureSymbols(renderStructure(found.doc, found.analysis, this.settings, view.page));
    return binarySymbols(await structureOf(found.analysis, this.settings));
  }

  /** Folding ranges of the structure view (binary documents have none: they are not text). */
  private async folding(uri: string): Promise<FoldingRange[]> {
    const view = P.parseStructureUri(uri);
    const found = view ? await this.checked(uri) : undefined;
    return found && view ? structureFolding(renderStructure(found.doc, found.analysis, this.settings, view.page)) : [];
  }

  private async content(uri: string): Promise<{ text: string }> {
    const view = P.parseStructureUri(uri);
    if (!view) throw new Error(`hdd-lens serves ${P.STRUCTURE_SCHEME}: URIs only, not ${uri}`);
    const doc = this.docs.get(view.imageUri) ?? this.openImage(view.imageUri, 0, false);
    if (!doc) throw new Error(`cannot open ${view.imageUri}`);
    this.served.set(uri, view.imageUri);
    const analysis = await doc.ready();
    await countPages(analysis, this.settings);
    return { text: renderStructure(doc, analysis, this.settings, view.page).text };
  }

  // ---- custom requests ----

  private async findings(p: P.ParamsOf<typeof P.findings>): Promise<P.ResultOf<typeof P.findings>> {
    const found = await this.checked(p.uri);
    return found ? { version: found.analysis.version, findings: found.analysis.view(this.settings).wire } : null;
  }

  private async inspect(p: P.ParamsOf<typeof P.inspect>): Promise<P.ResultOf<typeof P.inspect>> {
    position(P.inspect.method, 'offset', p.offset);
    const found = await this.checked(p.uri);
    if (!found) return { findings: [], fixes: [] };
    return inspectResult(found.doc, found.analysis, this.settings, p.offset);
  }

  private async regions(p: P.ParamsOf<typeof P.regions>): Promise<P.ResultOf<typeof P.regions>> {
    position(P.regions.method, 'offset', p.offset);
    position(P.regions.method, 'length', p.length);
    const found = await this.checked(p.uri);
    if (!found) return [];
    const a = found.analysis;
    return regionsOf(a.checked?.space, a.image.source.size, p.offset, p.length);
  }

  private async structure(p: P.ParamsOf<typeof P.structure>): Promise<P.ResultOf<typeof P.structure>> {
    optionalPosition(P.structure.method, 'batPage', p.batPage);
    const found = await this.checked(p.uri);
    if (!found) return null;
    if (p.batPage !== undefined) return batPageOf(found.analysis, this.settings, p.batPage);
    return structureOf(found.analysis, this.settings);
  }

  private async allocationMap(p: P.ParamsOf<typeof P.allocationMap>): Promise<P.ResultOf<typeof P.allocationMap>> {
    position(P.allocationMap.method, 'buckets', p.buckets);
    const found = await this.checked(p.uri);
    return found ? allocationOf(found.analysis, p.buckets) : null;
  }

  private async guestToHost(p: P.ParamsOf<typeof P.guestToHostRequest>): Promise<P.ResultOf<typeof P.guestToHostRequest>> {
    position(P.guestToHostRequest.method, 'guestOffset', p.guestOffset);
    const found = await this.checked(p.uri);
    if (!found) return null;
    const loc = mapGuest(found.analysis.image, p.guestOffset);
    if (!loc) return null;
    const out: P.GuestLocationResult = { guestOffset: loc.guestOffset, batIndex: loc.batIndex };
    if (loc.hostOffset !== undefined) out.hostOffset = loc.hostOffset;
    return out;
  }

  private async hostToGuest(p: P.ParamsOf<typeof P.hostToGuestRequest>): Promise<P.ResultOf<typeof P.hostToGuestRequest>> {
    position(P.hostToGuestRequest.method, 'hostOffset', p.hostOffset);
    const found = await this.checked(p.uri);
    return found ? guestOf(found.analysis, p.hostOffset) : [];
  }

  /**
   * The bulk plan, with its percentage on the request's work-done token if it has one (begun at once: waiting for
   * the check is part of the wait). A cancelled request is answered at once; the plan goes on only for others.
   */
  private async planRepair(p: P.ParamsOf<typeof P.planRepairRequest>, token: CancellationToken): Promise<P.ResultOf<typeof P.planRepairRequest>> {
    const progress = this.connection.window.attachWorkDoneProgress(p.workDoneToken);
    progress.begin(`hdd-lens: planning the ${p.mode === 'leaks' ? 'leak repair' : 'repair'}`, 0);
    try {
      // The check of a 16M-entry image takes seconds: a cancel during it is answered then, not after it.
      const found = await untilCancelled(this.checked(p.uri), token);
      if (!found || (p.mode !== 'all' && p.mode !== 'leaks')) return null;
      return await this.bulk(found.doc, found.analysis, p.mode, { token, onProgress: percentReports(progress) });
    } catch (e) {
      if (e instanceof PlanCancelled) throw new ResponseError(LSPErrorCodes.RequestCancelled, `hddLens/planRepair of ${p.uri}: ${e.message}`);
      throw e;
    } finally {
      progress.done();
    }
  }
}
