import type * as vscode from 'vscode';
import { publishFindings } from '../../shared/protocol';
import type { ImageDocument } from '../editor/imageDocument';
import type { ServerConnection } from './serverConnection';

/**
 * The webview shows findings with more than the Problems panel carries (category, BAT index, repair): the server
 * pushes them with every checked state of a document (hddLens/publishFindings, asked for in the client's
 * initializationOptions), and they are handed to the open document, which passes them to its panels and remembers
 * whether the image is marked in use. Files checked without an editor have no document here: their push is dropped.
 */
export function feedFindings(server: ServerConnection, documentFor: (uri: string) => ImageDocument | undefined): vscode.Disposable {
  return server.onNotification(publishFindings, ({ uri, version, findings }) => documentFor(uri)?.setFindings({ version, findings }));
}
