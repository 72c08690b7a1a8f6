/**
 * The webview's side of the message channel with the extension host (shared/webviewProtocol.ts): typed requests
 * with replies matched by id (shared/requestReplies.ts), and a stream of host events. The host adds the document's
 * uri to every forwarded server request, so params here never carry it.
 */
import type { FromWebview, ToWebview, WebviewParams, WebviewRequest, WebviewResult } from '../shared/webviewProtocol';
import { RequestReplies } from '../shared/requestReplies';
import { Emitter } from './events';

/** What VS Code injects into webviews. */
interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** Host events that are not replies. */
export type HostEvent = Exclude<ToWebview, { type: 'response' }>;

export class Host {
  readonly onEvent = new Emitter<HostEvent>();
  private readonly api: VsCodeApi;
  private readonly replies = new RequestReplies();

  constructor() {
    this.api = acquireVsCodeApi();
    window.addEventListener('message', (e: MessageEvent<ToWebview>) => this.receive(e.data));
  }

  /** What VS Code keeps for this webview while its tab is hidden (the page itself is discarded then). */
  get savedState(): unknown {
    return this.api.getState();
  }

  saveState(state: unknown): void {
    this.api.setState(state);
  }

  post(message: FromWebview): void {
    this.api.postMessage(message);
  }

  /** Bytes as the document has them now (unsaved edits included); shorter at the end of the file. */
  async read(offset: number, length: number): Promise<Uint8Array> {
    return asBytes(await this.replies.call((requestId) => this.post({ type: 'read', requestId, offset, length })));
  }

  /** A server request about this document, by its name in WEBVIEW_REQUESTS. */
  request<K extends WebviewRequest>(request: K, params: WebviewParams<K>): Promise<WebviewResult<K>> {
    return this.replies.call((requestId) => this.post({ type: 'request', requestId, request, params })) as Promise<WebviewResult<K>>;
  }

  private receive(message: ToWebview | undefined): void {
    if (!message || typeof message !== 'object') return;
    if (message.type === 'response') this.replies.settle(message);
    else this.onEvent.emit(message);
  }
}

/** Typed arrays survive postMessage as they are; older hosts serialise them as plain arrays or objects. */
function asBytes(data: unknown): Uint8Array {
  if (data instanceof Uint8Array) return data;
  if (data instanceof ArrayBuffer) return new Uint8Array(data);
  if (Array.isArray(data)) return Uint8Array.from(data as number[]);
  if (data && typeof data === 'object') return Uint8Array.from(Object.values(data as Record<string, number>));
  return new Uint8Array(0);
}
