import * as vscode from 'vscode';
import type { ApplyFixArgs } from '../../shared/protocol';
import { checkFix } from '../document/fixCheck';
import type { ImageDocument } from '../editor/imageDocument';

/**
 * Applies a fix planned by the server as ONE undoable edit of the document, after checkFix (same file, writable,
 * planned for this version); otherwise says why not.
 */
export function applyFix(doc: ImageDocument, fix: ApplyFixArgs, openedForFix = false): boolean {
  const target = { uri: doc.uri.toString(), path: doc.path, version: doc.version, openedVersion: doc.openedVersion, dirty: doc.model.isDirty, readOnly: doc.readOnly };
  const verdict = checkFix(fix, target, openedForFix);
  if (!verdict.ok) {
    const show = { info: vscode.window.showInformationMessage, warning: vscode.window.showWarningMessage, error: vscode.window.showErrorMessage }[verdict.level];
    void show(`hdd-lens: ${verdict.message}`);
    return false;
  }
  doc.applyEdit(fix.title, verdict.edits);
  return true;
}
