import type * as vscode from 'vscode';
import { randomUUID } from 'node:crypto';
import type { ProgressToken } from '../../shared/protocol';
import type { ServerConnection } from './serverConnection';

/** What a withProgress notification takes: an increment of its bar (percent) and a message. */
export type NotificationProgress = vscode.Progress<{ message?: string; increment?: number }>;

/**
 * A work-done token for one request, its LSP progress shown in a withProgress notification: each report's
 * percentage advances the bar by what it adds and reads "NN%" (VS Code sums increments, so only the rise is sent).
 */
export function showWorkDone(server: ServerConnection, progress: NotificationProgress): vscode.Disposable & { token: ProgressToken } {
  const token = `hddLens/${randomUUID()}`;
  let shown = 0;
  const listening = server.onWorkDone(token, (value) => {
    if (value.kind === 'end' || value.percentage === undefined || value.percentage <= shown) return;
    const percent = Math.min(100, value.percentage);
    progress.report({ increment: percent - shown, message: `${percent}%` });
    shown = percent;
  });
  return { token, dispose: () => listening.dispose() };
}
