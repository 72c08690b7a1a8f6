import * as vscode from 'vscode';
import { findings } from '../../shared/protocol';
import type { ImageDocument } from '../editor/imageDocument';
import { ServerConnection, errorText } from './serverConnection';

/**
 * The webview shows findings with more than the Problems panel carries (category, BAT index, repair), so when
 * the server publishes new diagnostics for an open document, its findings are fetched with hddLens/findings and
 * handed to the document (which passes them to its panels and remembers whether the image is marked in use).
 */
export function trackFindings(server: ServerConnection, documentFor: (uri: vscode.Uri) => ImageDocument | undefined): vscode.Disposable {
  const pending = new Set<string>();
  return vscode.languages.onDidChangeDiagnostics((e) => {
    for (const uri of e.uris) {
      const doc = documentFor(uri);
      const key = uri.toString();
      if (!doc || pending.has(key)) continue;
      pending.add(key);
      // One request in flight per document: diagnostics of a burst of edits arrive together.
      setTimeout(() => {
        pending.delete(key);
        server.request(findings, { uri: key }).then(
          (state) => state && doc.setFindings(state),
          (err: unknown) => console.error(`hdd-lens: findings of ${key}: ${errorText(err)}`),
        );
      }, 50);
    }
  });
}
