import * as vscode from 'vscode';
import {
  type LanguageClient,
  WorkDoneProgress,
  type WorkDoneProgressBegin,
  type WorkDoneProgressEnd,
  type WorkDoneProgressReport,
} from 'vscode-languageclient/node';
import type { NotificationSig, ProgressToken, RequestSig } from '../../shared/protocol';

/**
 * Typed access to the language server through the signatures of shared/protocol.ts. Calls made before the
 * client has started wait for it; if it failed to start they fail with its error.
 */
export class ServerConnection implements vscode.Disposable {
  private readonly started: Promise<LanguageClient>;

  constructor(private readonly client: LanguageClient) {
    this.started = client.start().then(() => client);
    // A start failure is reported once here; each call then fails with it.
    this.started.catch((e: unknown) => {
      void vscode.window.showErrorMessage(`hdd-lens: the language server did not start: ${errorText(e)}`);
    });
  }

  get languageClient(): LanguageClient {
    return this.client;
  }

  whenReady(): Promise<LanguageClient> {
    return this.started;
  }

  async request<P, R>(sig: RequestSig<P, R>, params: P, token?: vscode.CancellationToken): Promise<R> {
    const c = await this.started;
    // Without a token, none is passed: an `undefined` argument would be sent as a second, positional parameter.
    return token ? c.sendRequest<R>(sig.method, params, token) : c.sendRequest<R>(sig.method, params);
  }

  async notify<P>(sig: NotificationSig<P>, params: P): Promise<void> {
    const c = await this.started;
    await c.sendNotification(sig.method, params);
  }

  /** Follows the LSP work-done progress ($/progress: begin, reports, end) of a request sent with `token`. */
  onWorkDone(token: ProgressToken, handler: (value: WorkDoneProgressBegin | WorkDoneProgressReport | WorkDoneProgressEnd) => void): vscode.Disposable {
    return this.client.onProgress(WorkDoneProgress.type, token, handler);
  }

  /** Handles a notification from the server (registered at once: the client keeps it across its start). */
  onNotification<P>(sig: NotificationSig<P>, handler: (params: P) => void): vscode.Disposable {
    return this.client.onNotification(sig.method, (params: P) => handler(params));
  }

  dispose(): void {
    void this.client.stop().catch(() => undefined);
  }
}

export function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
