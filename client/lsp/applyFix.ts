import * as vscode from 'vscode';
import type { ApplyFixArgs } from '../../shared/protocol';
import type { ImageDocument } from '../editor/imageDocument';
import { fromWire } from './documentSync';

/**
 * Applies a fix planned by the server as ONE undoable edit of the document. A fix is planned against one version
 * of the document; if the document has changed since, its bytes may no longer fit, so it is refused.
 * `openedForFix`: the editor was opened just now to apply it, so the fix was planned on the file as on disk,
 * which is what the document holds while it has no edits.
 */
export function applyFix(doc: ImageDocument, fix: ApplyFixArgs, openedForFix = false): boolean {
  if (fix.uri !== doc.uri.toString()) {
    void vscode.window.showErrorMessage(`hdd-lens: the fix "${fix.title}" is for another file (${fix.uri}).`);
    return false;
  }
  if (doc.readOnly) {
    void vscode.window.showWarningMessage(`hdd-lens: ${doc.path} is open read-only; the fix "${fix.title}" was not applied.`);
    return false;
  }
  const untouched = openedForFix && doc.version === doc.openedVersion && !doc.model.isDirty;
  if (fix.version !== doc.version && !untouched) {
    void vscode.window.showWarningMessage(
      `hdd-lens: the fix "${fix.title}" was planned for version ${fix.version} of the image, which has changed since (now version ${doc.version}). Nothing was applied: ask for the fix again.`,
    );
    return false;
  }
  const edits = fix.size === undefined ? { patches: fromWire(fix.edits) } : { patches: fromWire(fix.edits), size: fix.size };
  if (edits.patches.length === 0 && edits.size === undefined) {
    void vscode.window.showInformationMessage(`hdd-lens: "${fix.title}" changes nothing.`);
    return false;
  }
  doc.applyEdit(fix.title, edits);
  return true;
}
