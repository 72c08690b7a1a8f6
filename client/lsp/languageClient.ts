import type * as vscode from 'vscode';
import { LanguageClient, type LanguageClientOptions, type ServerOptions, TransportKind } from 'vscode-languageclient/node';
import { STRUCTURE_SCHEME, type InitializationOptions } from '../../shared/protocol';

/**
 * The language server (dist/server.js) over node IPC. Binary documents are synced by our own notifications
 * (ServerSync), so the standard text sync covers only the server's text structure view (scheme hdd-structure),
 * on which hover, outline and quick fixes work as in any text document. vscode-languageclient 11 registers the
 * TextDocumentContentProvider for that scheme itself when the server announces workspace.textDocumentContent.
 * Settings: the server pulls the hddLens section (workspace/configuration) and registers for its changes itself.
 */
export function createLanguageClient(context: vscode.ExtensionContext): LanguageClient {
  const module = context.asAbsolutePath('dist/server.js');
  const serverOptions: ServerOptions = {
    run: { module, transport: TransportKind.ipc },
    debug: { module, transport: TransportKind.ipc, options: { execArgv: ['--nolazy', '--inspect=6019'] } },
  };
  const clientOptions: LanguageClientOptions = {
    // DiskDescriptor.xml: the server checks the bundle it describes (diagnostics, hover, links, outline, fixes).
    documentSelector: [{ scheme: STRUCTURE_SCHEME }, { scheme: 'file', pattern: '**/DiskDescriptor.xml' }],
    // The editor's panels show findings with more than diagnostics carry: the server pushes them with each state.
    initializationOptions: { publishFindings: true } satisfies InitializationOptions,
    diagnosticCollectionName: 'hdd-lens',
    outputChannelName: 'hdd-lens',
  };
  return new LanguageClient('hddLens', 'hdd-lens', serverOptions, clientOptions);
}
