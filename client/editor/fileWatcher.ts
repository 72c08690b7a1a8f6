import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { basename, dirname } from 'node:path';
import { journalPath } from '../../shared/io/journal';
import type { ImageDocument } from './imageDocument';

const SETTLE_MS = 300;

/**
 * Notices another program writing the document's file. A clean document shows the new content; a dirty one asks
 * whether to discard the edits (revert, through VS Code so its dirty state follows) or keep them on top of the
 * new file. Our own saves are recognised by the file's stamp, which the document updates after writing.
 */
export function watchFile(doc: ImageDocument, reveal: () => void): vscode.Disposable {
  const pattern = new vscode.RelativePattern(vscode.Uri.file(dirname(doc.path)), basename(doc.path));
  const watcher = vscode.workspace.createFileSystemWatcher(pattern);
  let timer: NodeJS.Timeout | undefined;
  let asking = false;
  let warnedDeleted = false;
  const settle = (): void => {
    if (timer) clearTimeout(timer);
    timer = setTimeout(() => void check(), SETTLE_MS);
  };
  const check = async (): Promise<void> => {
    if (!existsSync(doc.path)) {
      if (!warnedDeleted) void vscode.window.showWarningMessage(`${doc.path} was deleted on disk. The editor keeps what it shows; save to write it again.`);
      warnedDeleted = true;
      return;
    }
    warnedDeleted = false;
    // A journaled write in progress (the CLI repairing it): wait until it is done.
    if (existsSync(journalPath(doc.path))) return settle();
    if (asking || !doc.changedOnDisk()) return;
    if (!doc.model.isDirty) {
      doc.reload(false);
      return;
    }
    asking = true;
    try {
      const choice = await vscode.window.showWarningMessage(
        `${basename(doc.path)} was changed on disk by another program, and you have unsaved edits.`,
        'Reload from Disk',
        'Keep My Edits',
      );
      if (choice === 'Reload from Disk') {
        reveal();
        await vscode.commands.executeCommand('workbench.action.files.revert');
      } else if (choice === 'Keep My Edits') {
        doc.reload(true);
      }
    } finally {
      asking = false;
    }
  };
  const subs = [watcher, watcher.onDidChange(settle), watcher.onDidCreate(settle), watcher.onDidDelete(settle)];
  return new vscode.Disposable(() => {
    if (timer) clearTimeout(timer);
    for (const s of subs) s.dispose();
  });
}
