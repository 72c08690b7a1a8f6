import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import {
  type CodeAction,
  type CodeActionParams,
  type Diagnostic,
  type DocumentSymbol,
  type Hover,
  type InitializeParams,
  type MarkupContent,
  type MessageConnection,
  type PublishDiagnosticsParams,
  type Range,
  StreamMessageReader,
  StreamMessageWriter,
  createMessageConnection,
} from 'vscode-languageserver-protocol/node';
import type { EditSet } from '../../shared/io/patch';
import * as P from '../../shared/protocol';
import { PROJECT_ROOT } from '../oracles';

/** The bundled server, as the extension and other editors start it. */
export const SERVER_SCRIPT = join(PROJECT_ROOT, 'dist', 'server.js');

export function fileUri(path: string): string {
  return pathToFileURL(path).toString();
}

export interface ClientOptions {
  /** The `hddLens` settings section the client answers workspace/configuration with. */
  settings?: unknown;
  initializationOptions?: unknown;
  /** Whether the client resolves a code action's command (VS Code does); default true. */
  resolveCommands?: boolean;
  /** The server script to run (default dist/server.js; the bench runs an older build beside it). */
  script?: string;
  /** workspace/configuration is answered once this settles (a client slow to give its settings). */
  settingsGate?: Promise<void>;
}

/**
 * A real LSP client over the server's stdio: the bundled dist/server.js as a child process and a JSON-RPC message
 * connection, with the client capabilities VS Code declares for what the server uses. Collects published
 * diagnostics and lets tests wait for the ones they expect.
 */
export class LspClient {
  readonly connection: MessageConnection;
  private readonly child: ChildProcess;
  private readonly diagnostics = new Map<string, PublishDiagnosticsParams[]>();
  private waiters: Array<() => void> = [];
  settings: unknown;
  readonly refreshed: string[] = [];
  stderr = '';
  /** The server's window/logMessage lines (its console, with stdio). */
  log = '';
  /** The server's window/showMessage texts, in order. */
  readonly messages: string[] = [];
  /** hddLens/publishFindings pushes, in order (sent only when the client asked: initializationOptions). */
  readonly pushedFindings: Array<P.DocumentRef & P.CheckedFindings> = [];

  private constructor(options: ClientOptions) {
    this.settings = options.settings ?? {};
    this.child = spawn(process.execPath, [options.script ?? SERVER_SCRIPT, '--stdio'], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.child.stderr?.on('data', (d: Buffer) => (this.stderr += d.toString()));
    const stdout = this.child.stdout;
    const stdin = this.child.stdin;
    if (!stdout || !stdin) throw new Error('server stdio missing');
    this.connection = createMessageConnection(new StreamMessageReader(stdout), new StreamMessageWriter(stdin));
    this.connection.onNotification('textDocument/publishDiagnostics', (p: PublishDiagnosticsParams) => {
      const list = this.diagnostics.get(p.uri) ?? [];
      list.push(p);
      this.diagnostics.set(p.uri, list);
      this.wake();
    });
    this.connection.onRequest('workspace/configuration', async (p: { items: Array<{ section?: string }> }) => {
      await options.settingsGate;
      return p.items.map(() => this.settings);
    });
    this.connection.onRequest('client/registerCapability', () => null);
    this.connection.onRequest('workspace/textDocumentContent/refresh', (p: { uri: string }) => {
      this.refreshed.push(p.uri);
      return null;
    });
    this.connection.onNotification('window/logMessage', (p: { message: string }) => {
      this.log += `${p.message}\n`;
    });
    this.connection.onNotification(P.publishFindings.method, (p: P.DocumentRef & P.CheckedFindings) => {
      this.pushedFindings.push(p);
      this.wake();
    });
    this.connection.onNotification('window/showMessage', (p: { message: string }) => {
      this.messages.push(p.message);
      this.wake();
    });
    this.connection.listen();
  }

  static async start(options: ClientOptions = {}): Promise<LspClient> {
    const client = new LspClient(options);
    const params: InitializeParams = {
      processId: process.pid,
      rootUri: null,
      initializationOptions: options.initializationOptions,
      capabilities: {
        workspace: { configuration: true, didChangeConfiguration: { dynamicRegistration: true }, textDocumentContent: { dynamicRegistration: false } },
        textDocument: {
          hover: { contentFormat: ['markdown', 'plaintext'] },
          publishDiagnostics: { versionSupport: true, codeDescriptionSupport: true, dataSupport: true },
          codeAction: {
            codeActionLiteralSupport: { codeActionKind: { valueSet: ['quickfix'] } },
            resolveSupport: { properties: options.resolveCommands === false ? ['edit'] : ['edit', 'command'] },
            dataSupport: true,
          },
          documentSymbol: { hierarchicalDocumentSymbolSupport: true },
        },
      },
    };
    await client.connection.sendRequest('initialize', params);
    await client.connection.sendNotification('initialized', {});
    return client;
  }

  async stop(): Promise<void> {
    try {
      await this.connection.sendRequest('shutdown');
      await this.connection.sendNotification('exit');
    } catch {
      // Already gone.
    }
    this.connection.dispose();
    if (this.child.exitCode === null) this.child.kill();
  }

  /** The server process id (for memory figures). */
  get pid(): number | undefined {
    return this.child.pid;
  }

  /** All diagnostics published for a URI so far, in order. */
  published(uri: string): PublishDiagnosticsParams[] {
    return this.diagnostics.get(uri) ?? [];
  }

  /** Waits for a publication for `uri` that satisfies `ok` (already received ones count). */
  async diagnosticsWhere(uri: string, ok: (p: PublishDiagnosticsParams) => boolean, timeoutMs = 20000): Promise<PublishDiagnosticsParams> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.published(uri).find(ok);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(
          `no matching diagnostics for ${uri}; got ${JSON.stringify(this.published(uri).map((p) => [p.version, p.diagnostics.map((d) => d.code)]))}\n${this.stderr}`,
        );
      await this.nextEvent(left);
    }
  }

  /** Waits for a hddLens/publishFindings push that satisfies `ok` (already received ones count). */
  async pushedWhere(ok: (p: P.DocumentRef & P.CheckedFindings) => boolean, timeoutMs = 20000): Promise<P.DocumentRef & P.CheckedFindings> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.pushedFindings.find(ok);
      if (hit) return hit;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching findings push; got ${JSON.stringify(this.pushedFindings.map((p) => [p.uri, p.version]))}\n${this.stderr}`);
      await this.nextEvent(left);
    }
  }

  /** Waits for a window/showMessage from the server that satisfies `ok` (already received ones count). */
  async messageWhere(ok: (message: string) => boolean, timeoutMs = 20000): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const hit = this.messages.find(ok);
      if (hit !== undefined) return hit;
      const left = deadline - Date.now();
      if (left <= 0) throw new Error(`no matching message; got ${JSON.stringify(this.messages)}\n${this.stderr}`);
      await this.nextEvent(left);
    }
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const w of waiters) w();
  }

  private nextEvent(timeoutMs: number): Promise<void> {
    return new Promise<void>((resolve) => {
      const t = setTimeout(resolve, timeoutMs);
      this.waiters.push(() => {
        clearTimeout(t);
        resolve();
      });
    });
  }

  /** The diagnostics of a given version (waits for them). */
  async diagnosticsOf(uri: string, version: number): Promise<Diagnostic[]> {
    return (await this.diagnosticsWhere(uri, (p) => p.version === version)).diagnostics;
  }

  openImage(uri: string, version = 1): Promise<void> {
    return this.connection.sendNotification(P.didOpen.method, { uri, version });
  }

  /** Opens a fixture of `paths` by name and waits for its first diagnostics; returns its URI and path. */
  async openFixture(paths: ReadonlyMap<string, string>, name: string, version = 1): Promise<{ uri: string; path: string }> {
    const path = paths.get(name);
    if (path === undefined) throw new Error(`no fixture ${name}`);
    const uri = fileUri(path);
    await this.openImage(uri, version);
    await this.diagnosticsOf(uri, version);
    return { uri, path };
  }

  change(params: P.DidChangeParams): Promise<void> {
    return this.connection.sendNotification(P.didChange.method, params);
  }

  async hover(uri: string, line: number, character: number): Promise<{ text: string; range?: Range } | null> {
    const h = (await this.connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character } })) as Hover | null;
    if (!h) return null;
    const text = (h.contents as MarkupContent).value;
    return h.range ? { text, range: h.range } : { text };
  }

  hoverAt(uri: string, offset: number): Promise<{ text: string; range?: Range } | null> {
    const p = P.offsetToPosition(offset);
    return this.hover(uri, p.line, p.character);
  }

  codeActions(uri: string, range: Range, diagnostics: Diagnostic[] = []): Promise<CodeAction[]> {
    const params: CodeActionParams = { textDocument: { uri }, range, context: { diagnostics } };
    return this.connection.sendRequest('textDocument/codeAction', params) as Promise<CodeAction[]>;
  }

  resolve(action: CodeAction): Promise<CodeAction> {
    return this.connection.sendRequest('codeAction/resolve', action) as Promise<CodeAction>;
  }

  symbols(uri: string): Promise<DocumentSymbol[]> {
    return this.connection.sendRequest('textDocument/documentSymbol', { textDocument: { uri } }) as Promise<DocumentSymbol[]>;
  }

  folding(uri: string): Promise<Array<{ startLine: number; endLine: number }>> {
    return this.connection.sendRequest('textDocument/foldingRange', { textDocument: { uri } }) as Promise<Array<{ startLine: number; endLine: number }>>;
  }

  request<Params, Result>(sig: P.RequestSig<Params, Result>, params: Params): Promise<Result> {
    return this.connection.sendRequest(sig.method, params) as Promise<Result>;
  }
}

/** The fix a code action's command carries. */
export function fixOf(action: CodeAction): P.ApplyFixArgs {
  const args = action.command?.arguments?.[0] as P.ApplyFixArgs | undefined;
  if (!args || action.command?.command !== P.APPLY_FIX_COMMAND) throw new Error(`not an applyFix action: ${JSON.stringify(action)}`);
  return args;
}

/** An ApplyFixArgs as the engine's edit set (what the client writes), copies included. */
export function editsOf(fix: P.ApplyFixArgs): EditSet {
  const patches = fix.edits.map((e) => ({ offset: e.offset, data: new Uint8Array(Buffer.from(e.data, 'base64')) }));
  const edits: EditSet = { patches, copies: fix.copies ?? [] };
  if (fix.size !== undefined) edits.size = fix.size;
  return edits;
}
