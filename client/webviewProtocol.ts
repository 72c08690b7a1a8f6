/**
 * Messages between the extension host (client/) and the editor webview (media/). Types only: the webview imports
 * them with `import type`, so nothing of the client is bundled into it.
 *
 * The webview never decodes the format and never talks to the server itself: it reads bytes through the
 * document (which applies unsaved edits) and forwards typed server requests through the extension host.
 */
import type { ApplyFixArgs, WireFinding } from '../shared/protocol';

/** Server requests the webview may forward, by their method name in shared/protocol.ts. */
export type ProxiedMethod =
  | 'hddLens/structure'
  | 'hddLens/allocationMap'
  | 'hddLens/guestToHost'
  | 'hddLens/hostToGuest'
  | 'hddLens/regions'
  | 'hddLens/inspect'
  | 'hddLens/planRepair';

export type ToWebview =
  | { type: 'init'; fileName: string; size: number; readOnly: boolean }
  /** Answer to `read`: bytes as the document has them now (unsaved edits applied). */
  | { type: 'bytes'; requestId: number; offset: number; data: Uint8Array }
  /** Answer to `request`. */
  | { type: 'response'; requestId: number; result?: unknown; error?: string }
  /** The document changed (edit, undo, redo, revert, external change): cached pages in these ranges are stale. */
  | { type: 'changed'; size: number; ranges: Array<{ offset: number; length: number }> | 'all' }
  /** New diagnostics for the current version. */
  | { type: 'findings'; version: number; findings: WireFinding[] }
  /** Scroll to and select a byte range (from a command, a Problems panel click, the structure view). */
  | { type: 'reveal'; offset: number; length: number };

export type FromWebview =
  | { type: 'ready' }
  | { type: 'read'; requestId: number; offset: number; length: number }
  | { type: 'request'; requestId: number; method: ProxiedMethod; params: Record<string, unknown> }
  /** Apply a planned fix as one undoable edit. */
  | { type: 'applyFix'; fix: ApplyFixArgs }
  /** Replace bytes (editing a header field or BAT entry through the tree): one undoable edit. */
  | { type: 'edit'; offset: number; data: Uint8Array; label: string }
  /** Run a contributed command on this document: 'hddLens.fixAll', 'hddLens.fixLeaks', ... */
  | { type: 'command'; command: string }
  /** The selection moved (for the status bar and "copy offset"). */
  | { type: 'selection'; offset: number; length: number };
