import * as vscode from 'vscode';
import type { EditSet } from '../../shared/io/patch';
import type { SaveHooks } from '../document/saveInWorker';

/** Saves that write less than this show no notification: they end before one would be read. */
const NOTIFY_BYTES = 16 * 1024 * 1024;

/** The bytes a save writes into the image (literal patches and copies): what decides whether progress shows. */
export function bytesToWrite(edits: EditSet): number {
  const literal = edits.patches.reduce((n, p) => n + p.data.length, 0);
  return literal + (edits.copies ?? []).reduce((n, c) => n + c.length, 0);
}

/**
 * Runs a save with a cancellable notification showing its percentage when it writes NOTIFY_BYTES or more
 * (issue 12: progress for saves of large edits); smaller saves run without one. Cancel rolls the image back.
 */
export function withSaveProgress<T>(name: string, bytes: number, save: (hooks: SaveHooks) => Promise<T>): Promise<T> {
  if (bytes < NOTIFY_BYTES) return save({});
  return Promise.resolve(
    vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Saving ${name}`, cancellable: true }, async (progress, token) => {
      let shown = 0;
      let listening: vscode.Disposable | undefined;
      try {
        return await save({
          onProgress: (done, total) => {
            const pct = total === 0 ? 100 : Math.floor((done * 100) / total);
            if (pct <= shown) return;
            progress.report({ increment: pct - shown, message: `${pct}% (the journal, then the image; Cancel rolls back)` });
            shown = pct;
          },
          onCancelRequested: (cancel) => {
            listening = token.onCancellationRequested(cancel);
          },
        });
      } finally {
        listening?.dispose();
      }
    }),
  );
}
