import * as vscode from 'vscode';
import { statSync } from 'node:fs';
import { type ApplyFixArgs, type FileStamp, fileStamp } from '../../shared/protocol';
import { type FixTarget, checkFix } from '../document/fixCheck';
import type { ImageDocument } from '../editor/imageDocument';

/**
 * Applies a fix planned by the server as ONE undoable edit of the document, after checkFix (same file, writable,
 * planned for this version of the file as it is on disk, numbers that make sense); otherwise says why not.
 */
export function applyFix(doc: ImageDocument, fix: ApplyFixArgs, openedForFix = false): boolean {
  const target: FixTarget = {
    uri: doc.uri.toString(),
    path: doc.path,
    version: doc.version,
    openedVersion: doc.openedVersion,
    dirty: doc.model.isDirty,
    readOnly: doc.readOnly,
    size: doc.model.size,
    disk: diskStamp(doc.path),
    changedOnDisk: doc.changedOnDisk(),
  };
  const verdict = checkFix(fix, target, openedForFix);
  if (!verdict.ok) {
    const show = { info: vscode.window.showInformationMessage, warning: vscode.window.showWarningMessage, error: vscode.window.showErrorMessage }[
      verdict.level
    ];
    void show(`hdd-lens: ${verdict.message}`);
    return false;
  }
  doc.applyEdit(fix.title, verdict.edits);
  return true;
}

function diskStamp(path: string): FileStamp | undefined {
  try {
    return fileStamp(statSync(path));
  } catch {
    return undefined;
  }
}
