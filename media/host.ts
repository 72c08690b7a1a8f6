/**
 * The webview's side of the message channel with the extension host (shared/webviewProtocol.ts): typed requests
 * with replies matched by id, and a stream of host events. The host adds the document's uri to every proxied
 * server request, so params here never carry it.
 */
import type { FromWebview, ProxiedMethod, ToWebview } from '../shared/webviewProtocol';
import type {
  AllocationMapResult,
  ApplyFixArgs,
  GuestLocationResult,
  InspectResult,
  Region,
  StructureNode,
} from '../shared/protocol';
import { Emitter } from './events';

/** Parameters (without uri) and result of each server request the webview may forward. */
export interface MethodTable {
  'hddLens/structure': [{ batPage?: number }, StructureNode | null];
  'hddLens/allocationMap': [{ buckets: number }, AllocationMapResult | null];
  'hddLens/guestToHost': [{ guestOffset: number }, GuestLocationResult | null];
  'hddLens/hostToGuest': [{ hostOffset: number }, GuestLocationResult[]];
  'hddLens/regions': [{ offset: number; length: number }, Region[]];
  'hddLens/inspect': [{ offset: number }, InspectResult];
  'hddLens/planRepair': [{ mode: 'leaks' | 'all' }, ApplyFixArgs | { refused: string } | null];
}
type Method = ProxiedMethod & keyof MethodTable;

/** What VS Code injects into webviews. */
interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

/** Host events that are not replies. */
export type HostEvent = Exclude<ToWebview, { type: 'bytes' } | { type: 'response' }>;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class Host {
  readonly onEvent = new Emitter<HostEvent>();
  private readonly api: VsCodeApi;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

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
  read(offset: number, length: number): Promise<Uint8Array> {
    const requestId = this.nextId++;
    this.post({ type: 'read', requestId, offset, length });
    return this.expect(requestId) as Promise<Uint8Array>;
  }

  request<M extends Method>(method: M, params: MethodTable[M][0]): Promise<MethodTable[M][1]> {
    const requestId = this.nextId++;
    this.post({ type: 'request', requestId, method, params });
    return this.expect(requestId) as Promise<MethodTable[M][1]>;
  }

  private expect(requestId: number): Promise<unknown> {
    return new Promise((resolve, reject) => this.pending.set(requestId, { resolve, reject }));
  }

  private receive(message: ToWebview | undefined): void {
    if (!message || typeof message !== 'object') return;
    if (message.type === 'bytes' || message.type === 'response') {
      const waiter = this.pending.get(message.requestId);
      if (!waiter) return;
      this.pending.delete(message.requestId);
      if (message.type === 'bytes') waiter.resolve(asBytes(message.data));
      else if (message.error !== undefined) waiter.reject(new Error(message.error));
      else waiter.resolve(message.result);
      return;
    }
    this.onEvent.emit(message);
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
