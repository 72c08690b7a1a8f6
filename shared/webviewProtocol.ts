/**
 * Messages between the extension host (client/) and the editor webview (media/), and the one table of the server
 * requests the webview may forward. The webview imports this module with `import type` only; the host uses the
 * table at run time.
 *
 * The webview never decodes the format and never talks to the server itself: it reads bytes through the
 * document (which applies unsaved edits) and forwards typed server requests through the extension host.
 *
 * What the host (client/editor/webviewHost.ts) does with them, for the page's side:
 * - The page is `<div id="app"></div>` plus dist/webview.js and every dist/*.css (codicon.css first, the others in
 *   name order). CSP: scripts only with the page's nonce, styles/fonts/images only from dist/ (no inline style
 *   attributes; CSSOM `el.style.x = ...` is fine), no network.
 * - The page's HTML carries a `WebviewBoot` (its first state and bytes). Nothing is posted before `ready` except
 *   that `reveal`s are queued and sent after `init` (a command may open the editor and reveal at once). `init`
 *   then the current `findings` follow `ready`, and `changed` ('all') when the document changed since the HTML.
 * - `read` and `request` are answered by a `response` of the same id (shared/requestReplies.ts at both ends).
 *   `read`: at most 4 MiB per request, answered with the bytes (a Uint8Array), shorter at the end of the file.
 *   `request`: one of WEBVIEW_REQUESTS by its name there; the host sets `params.uri` to the document's URI (the
 *   page never names files) and sends the request's signature from shared/protocol.ts; any other name is refused.
 * - `edit` / `applyFix`: one undoable edit each (VS Code's undo stack); refused with a message when the document is
 *   read-only, the fix is stale (planned for another version or another state of the file on disk), its numbers make
 *   no sense, or it is not a fix the host handed to the page (from hddLens/inspect or hddLens/planRepair); the page
 *   then gets `changed` as for any edit.
 * - `command`: only `hddLens.*` commands run, with the document's URI as argument.
 * - `changed` follows every edit, undo, redo, revert and reload from disk (a save changes no bytes: none is sent).
 */
import * as P from './protocol';
import type { Reply } from './requestReplies';

/**
 * The server requests the webview may forward, by the name the page uses: the signatures of shared/protocol.ts
 * themselves, so the runtime list and the types below are this one table.
 */
export const WEBVIEW_REQUESTS = {
  structure: P.structure,
  allocationMap: P.allocationMap,
  guestToHost: P.guestToHostRequest,
  hostToGuest: P.hostToGuestRequest,
  regions: P.regions,
  inspect: P.inspect,
  planRepair: P.planRepairRequest,
} as const;

export type WebviewRequest = keyof typeof WEBVIEW_REQUESTS;
/** What the page sends: the request's parameters without `uri` (the host adds the document's). */
export type WebviewParams<K extends WebviewRequest> = Omit<P.ParamsOf<(typeof WEBVIEW_REQUESTS)[K]>, 'uri'>;
export type WebviewResult<K extends WebviewRequest> = P.ResultOf<(typeof WEBVIEW_REQUESTS)[K]>;

/**
 * The signature a name from the page stands for, or undefined for a name not in the table. Erased to "about a
 * document": what the page sends is not trusted by type, the server checks every parameter.
 */
export function webviewRequest(name: unknown): P.RequestSig<P.DocumentRef, unknown> | undefined {
  return typeof name === 'string' && Object.hasOwn(WEBVIEW_REQUESTS, name) ? WEBVIEW_REQUESTS[name as WebviewRequest] : undefined;
}

/**
 * What the page needs for its first paint, written into its HTML (a JSON script element, which the CSP does not
 * run) so that it paints without waiting for two round trips (`ready` -> `init`, then `read` -> `bytes`) through
 * VS Code's webview plumbing: the `init` fields, and the document's first bytes (base64) as they were when the
 * HTML was made. `init` and `findings` still follow `ready`; `changed` follows them if the document changed since.
 */
export interface WebviewBoot {
  fileName: string;
  size: number;
  readOnly: boolean;
  /** The first bytes of the document (at most HEAD_BYTES), base64. */
  head: string;
}

/** Bytes of the document written into the page for its first screen: two 4 KiB pages. */
export const HEAD_BYTES = 8192;

/** The id of the JSON script element that holds the WebviewBoot. */
export const BOOT_ELEMENT_ID = 'hddlens-boot';

export type ToWebview =
  | { type: 'init'; fileName: string; size: number; readOnly: boolean }
  /** Answer to `read` (bytes as the document has them now, unsaved edits applied) or `request`. */
  | ({ type: 'response' } & Reply)
  /** The document changed (edit, undo, redo, revert, external change): cached pages in these ranges are stale. */
  | { type: 'changed'; size: number; ranges: Array<{ offset: number; length: number }> | 'all' }
  /** New diagnostics for the current version. */
  | { type: 'findings'; version: number; findings: P.WireFinding[] }
  /** Scroll to and select a byte range (from a command, a Problems panel click, the structure view). */
  | { type: 'reveal'; offset: number; length: number }
  /** Open the quick fixes of the selected byte (Ctrl+., the `hddLens.showFixes` keybinding). */
  | { type: 'showFixes' }
  /** A banner above the editor (an image that is one layer of a disk bundle), or none (`banner` undefined). */
  | { type: 'banner'; banner?: EditorBanner };

/** A line of text above the editor with buttons that run contributed commands on the document. */
export interface EditorBanner {
  text: string;
  /** The tooltip: the whole story. */
  detail?: string;
  actions: Array<{ label: string; command: string; title?: string }>;
}

export type FromWebview =
  | { type: 'ready' }
  | { type: 'read'; requestId: number; offset: number; length: number }
  | { type: 'request'; requestId: number; request: WebviewRequest; params: Record<string, unknown> }
  /** Apply a planned fix as one undoable edit. */
  | { type: 'applyFix'; fix: P.ApplyFixArgs }
  /** Replace bytes (editing a header field or BAT entry through the tree): one undoable edit. */
  | { type: 'edit'; offset: number; data: Uint8Array; label: string }
  /** Run a contributed command on this document: 'hddLens.fixAll', 'hddLens.fixLeaks', ... */
  | { type: 'command'; command: string }
  /** The selection moved (for the status bar and "copy offset"). */
  | { type: 'selection'; offset: number; length: number };
