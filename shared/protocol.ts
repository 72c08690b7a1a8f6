/**
 * The custom messages between the VS Code client and the language server, declared once and imported by both.
 * Plain method names and parameter/result types only: the engine layer imports no LSP library, and each side
 * wraps these in its own connection's typed send/on calls.
 *
 * Positions: a byte offset maps to line = offset div 16, character = offset mod 16 (the rows of a 16-byte hex
 * dump), everywhere: diagnostics, hover, code actions. Every diagnostic also carries data = {offset, length}.
 */
import type { FieldInfo } from './format/fieldInfo';
import type { RegionKind } from './format/regionKinds';
import type { FindingReport } from './check/finding';
import type { AllocationBucket } from './describe/allocationMap';
import type { StructureNode } from './describe/structureNode';
import type { BundleFindingReport, BundleSummary } from './bundle/report';

export const BYTES_PER_LINE = 16;

export interface BytePosition {
  line: number;
  character: number;
}

export function offsetToPosition(offset: number): BytePosition {
  return { line: Math.floor(offset / BYTES_PER_LINE), character: offset % BYTES_PER_LINE };
}

export function positionToOffset(p: BytePosition): number {
  return p.line * BYTES_PER_LINE + p.character;
}

/**
 * A typed request or notification: the method name, with its parameter and result types attached. Every custom
 * method is declared here and only here: the server registers its handlers through server/rpc.ts and the client
 * sends through client/lsp/serverConnection.ts, both typed by these signatures, so the compiler checks each side.
 */
export interface RequestSig<P, R> {
  readonly method: string;
  readonly _types?: [P, R];
}
export interface NotificationSig<P> {
  readonly method: string;
  readonly _types?: P;
}
/** The parameter and result types of a signature. */
export type ParamsOf<S> = S extends RequestSig<infer P, unknown> ? P : S extends NotificationSig<infer P> ? P : never;
export type ResultOf<S> = S extends RequestSig<unknown, infer R> ? R : never;
const request = <P, R>(method: string): RequestSig<P, R> => ({ method });
const notification = <P>(method: string): NotificationSig<P> => ({ method });

/** A byte patch on the wire: data is base64. */
export interface WireEdit {
  offset: number;
  data: string;
}

/**
 * A copy on the wire: `length` bytes read at `from` of the state the edits apply to (before them; zeros past its
 * end), written at `offset`. The semantics of shared/io/patch.ts CopyRun: a repair that moves clusters sends where
 * they come from, not their bytes.
 */
export interface WireCopy {
  offset: number;
  length: number;
  from: number;
}

/** The file a state was read from: identity, size and times. Any write by anyone changes it (ctime at least). */
export interface FileStamp {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

/** The stamp of a file's stat (node:fs Stats fit). */
export function fileStamp(s: FileStamp): FileStamp {
  return { dev: s.dev, ino: s.ino, size: s.size, mtimeMs: s.mtimeMs, ctimeMs: s.ctimeMs };
}

export function sameFile(a: FileStamp, b: FileStamp): boolean {
  return a.dev === b.dev && a.ino === b.ino && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

/**
 * The checked state a fix was planned on: the server's generation of the document (it increases with every new
 * state, a change on disk under the same version included) and the stamp of the file it read.
 */
export interface StateStamp {
  generation: number;
  file?: FileStamp;
}

export interface DocumentRef {
  uri: string;
}

export interface VersionedDocument extends DocumentRef {
  version: number;
}

/**
 * Edits made since the previous change (or since open or save), applied on top of the document's current state.
 * Undo is sent as edits that restore the previous bytes (and size).
 */
export interface DidChangeParams extends VersionedDocument {
  edits: WireEdit[];
  /** Copies, applied before `edits` and reading the state before this change. */
  copies?: WireCopy[];
  /** New file size after the edits, when it changed. */
  size?: number;
}

/** What the client passes in `initializationOptions` (all optional: other clients pass nothing). */
export interface InitializationOptions {
  /** BATs with more entries than this are checked in the worker thread (tests use 0 to force the worker path). */
  inlineCheckEntries?: number;
  /** Send `hddLens/publishFindings` with every checked state of an image the client opened (VS Code's client does). */
  publishFindings?: boolean;
}

/**
 * Who watches an open image's file for changes by other programs: one owner per document, never both. The VS Code
 * client watches the files it has open in an editor (it must ask about unsaved edits anyway) and resyncs them with
 * a new didOpen; it says so with `clientWatches`. The server watches every other image it has open (opened by
 * other clients, checked without an editor, shown only in a structure view) and re-checks it on a change.
 */
export interface DidOpenParams extends VersionedDocument {
  /** The client watches this file and sends didOpen again when another program changed it. */
  clientWatches?: boolean;
}

/** Opens an image (the file as on disk); for an image open already, reads the file again and drops its edits. */
export const didOpen = notification<DidOpenParams>('hddLens/didOpen');
export const didChange = notification<DidChangeParams>('hddLens/didChange');
/** The document was written to disk: the server drops its overlay and reads the file again. */
export const didSave = notification<VersionedDocument>('hddLens/didSave');
export const didClose = notification<DocumentRef>('hddLens/didClose');

/** The structure tree's nodes are the engine's (describe/structureNode.ts), sent as they are. */
export type { StructureNode };

export interface StructureParams extends DocumentRef {
  /** Return the entries of this BAT page instead of the whole tree. */
  batPage?: number;
}
export const structure = request<StructureParams, StructureNode | null>('hddLens/structure');

export interface AllocationMapParams extends DocumentRef {
  buckets: number;
}
export type { AllocationBucket };
export interface AllocationMapResult {
  fileSize: number;
  buckets: AllocationBucket[];
}
export const allocationMap = request<AllocationMapParams, AllocationMapResult | null>('hddLens/allocationMap');

export interface GuestLocationResult {
  guestOffset: number;
  batIndex: number;
  hostOffset?: number;
}
export const guestToHostRequest = request<DocumentRef & { guestOffset: number }, GuestLocationResult | null>('hddLens/guestToHost');
export const hostToGuestRequest = request<DocumentRef & { hostOffset: number }, GuestLocationResult[]>('hddLens/hostToGuest');

/**
 * Coloured regions of a byte window, for the grid: what the bytes are (kinds only). How bad they are comes from the
 * findings (hddLens/publishFindings or hddLens/findings), which the grid overlays on the bytes itself.
 */
export interface RegionsParams extends DocumentRef {
  offset: number;
  length: number;
}
export interface Region {
  offset: number;
  length: number;
  kind: RegionKind;
}
export const regions = request<RegionsParams, Region[]>('hddLens/regions');

/** Everything the webview's hover card shows for one byte, structured. */
export interface InspectResult {
  field?: FieldInfo;
  findings: WireFinding[];
  fixes: ApplyFixArgs[];
  /** For data bytes: the guest offsets this host byte backs. */
  guest?: GuestLocationResult[];
}
export const inspect = request<DocumentRef & { offset: number }, InspectResult>('hddLens/inspect');

/** Findings on the wire are the JSON report's findings. */
export type WireFinding = FindingReport;
/** The findings of one checked state of a document, as the settings show them, with the version they are for. */
export interface CheckedFindings {
  version: number;
  findings: WireFinding[];
}
/** The findings of the current state, once checked; null for a document the server does not have open. */
export const findings = request<DocumentRef, CheckedFindings | null>('hddLens/findings');
/**
 * Pushed with every checked state of an image the client opened, right after its diagnostics, to clients that ask
 * for it (InitializationOptions.publishFindings): what hddLens/findings would answer then, without the round trip.
 */
export const publishFindings = notification<DocumentRef & CheckedFindings>('hddLens/publishFindings');

/** An LSP progress token (ProgressToken): what a client names the $/progress notifications of its request by. */
export type ProgressToken = number | string;

/**
 * LSP's WorkDoneProgressParams: with a token, the server reports the request's work on it ($/progress begin,
 * reports with a percentage, end, all before the answer).
 */
export interface WorkDoneParams {
  workDoneToken?: ProgressToken;
}

/**
 * A planned repair of the whole document (`leaks` or `all`), as a fix the client applies. With `workDoneToken`
 * the planning reports its percentage (a 16M-entry BAT takes seconds); cancelling the request answers it at once
 * (RequestCancelled) and stops the planning when no other request waits for the same plan.
 */
export const planRepairRequest = request<DocumentRef & { mode: 'leaks' | 'all' } & WorkDoneParams, ApplyFixArgs | { refused: string } | null>(
  'hddLens/planRepair',
);

/** The argument of the `hddLens.applyFix` command that quick fixes carry. */
export interface ApplyFixArgs {
  uri: string;
  version: number;
  title: string;
  edits: WireEdit[];
  /** Copies, applied before `edits`, reading the state the fix was planned on (see WireCopy). */
  copies?: WireCopy[];
  size?: number;
  /** The state the fix was planned on: a client applies it only to that state (same file stamp, same version). */
  state?: StateStamp;
}
export const APPLY_FIX_COMMAND = 'hddLens.applyFix';

/** URI scheme of the server's text structure view (LSP 3.18 workspace/textDocumentContent). */
export const STRUCTURE_SCHEME = 'hdd-structure';

/**
 * The structure view's URI for an image: `hdd-structure:<image path>.structure?<the image URI, percent-encoded>`,
 * with `#page=N` to show the entries of BAT page N of a BAT too large to list whole. The path is only for
 * display (the editor tab reads "image.hdd.structure"); the query names the image.
 */
export function structureUri(imageUri: string, page?: number): string {
  const path = imageUri.replace(/^[a-z][a-z0-9+.-]*:(\/\/[^/]*)?/i, '').split(/[?#]/)[0] || '/image';
  return `${STRUCTURE_SCHEME}:${path}.structure?${encodeURIComponent(imageUri)}${page === undefined ? '' : `#page=${page}`}`;
}

/** The image URI and page a structure view URI names, or undefined for another scheme. */
export function parseStructureUri(uri: string): { imageUri: string; page?: number } | undefined {
  if (!uri.startsWith(`${STRUCTURE_SCHEME}:`)) return undefined;
  const hash = uri.indexOf('#');
  const fragment = hash >= 0 ? uri.slice(hash + 1) : '';
  const rest = hash >= 0 ? uri.slice(0, hash) : uri;
  const q = rest.indexOf('?');
  let imageUri: string | undefined;
  if (q >= 0) {
    try {
      imageUri = decodeURIComponent(rest.slice(q + 1));
    } catch {
      imageUri = undefined;
    }
  }
  if (!imageUri) {
    // No query (typed by hand): the path without ".structure" is a file path.
    const path = decodeURIComponent(rest.slice(STRUCTURE_SCHEME.length + 1)).replace(/\.structure$/, '');
    imageUri = `file://${path.startsWith('/') ? '' : '/'}${path}`;
  }
  const page = /(?:^|&)page=(\d+)/.exec(decodeURIComponent(fragment))?.[1];
  return page === undefined ? { imageUri } : { imageUri, page: Number(page) };
}

/**
 * Where a rule is documented: diagnostics carry `codeDescription.href = RULE_DOC_BASE + code`, and hovers link it.
 * The same text is in the hover itself (the rule's catalogue entry), so nothing depends on the link resolving.
 */
export const RULE_DOC_BASE = 'https://github.com/hdd-lens/hdd-lens/blob/main/docs/rules.md#';

// ---- disk bundles (the bundle view of VS Code; server/bundleRequests.ts) ----

/**
 * `hddLens/bundle`: a disk bundle as the bundle view shows it. `uri` names the bundle folder, its DiskDescriptor.xml,
 * or an image file of a bundle (the answer then says which snapshot it is). The bundle is read from disk.
 */
export interface BundleParams extends DocumentRef {
  /** The snapshot whose guest disk `chain` describes (default: the resolved top). */
  snapshot?: string;
  /** Cells of the guest disk strip (default 1024, at most MAX_BUNDLE_BUCKETS; 0: no chain). */
  buckets?: number;
  /** Run the check (bundle rules and every image's check) and return the findings per file; default true. */
  check?: boolean;
  /**
   * Also publish the descriptor's findings as the diagnostics of DiskDescriptor.xml (when it is not open as a
   * text document, whose own diagnostics win): "Check Bundle" in VS Code. The images' findings are published by
   * checking each image as a file (hddLens/didOpen).
   */
  publish?: boolean;
}

export const MAX_BUNDLE_BUCKETS = 8192;
/** Runs of the guest disk listed at most (the strip covers the whole disk whatever the count). */
export const MAX_BUNDLE_RUNS = 2000;

/** The findings of one file of the bundle (the descriptor first, then each image checked). */
export interface BundleFileFindings {
  path: string;
  kind: 'descriptor' | 'image' | 'file';
  findings: BundleFindingReport[];
}

/** Of one cell of the guest disk: bytes served by each image of the chain (index = depth, 0 = top); the rest reads as zeros. */
export interface GuestBucket {
  offset: number;
  length: number;
  bytes: number[];
}

/** A guest range served by one image (host-contiguous), or zeros (`depth` -1). */
export interface GuestRun {
  start: number;
  length: number;
  storage: number;
  depth: number;
  path?: string;
  hostOffset?: number;
}

export interface BundleChainView {
  snapshot: string;
  /** Guest disk size in bytes. */
  size: number;
  /** The chain's snapshots, top first (depth = index). */
  layers: string[];
  buckets: GuestBucket[];
  /** The first MAX_BUNDLE_RUNS runs. */
  runs: GuestRun[];
  runCount: number;
  /** Guest bytes some image maps (the rest reads as zeros). */
  mapped: number;
}

export interface BundleViewResult {
  dir: string;
  descriptor: string;
  /** Why the bundle could not be opened at all (then nothing else is set). */
  error?: string;
  summary?: BundleSummary;
  /** With `check`: the findings per file, filtered and with severities as the settings show them. */
  files?: BundleFileFindings[];
  /** With buckets > 0: the guest disk of `snapshot`, or why it cannot be read. */
  chain?: BundleChainView;
  chainError?: string;
  /** When `uri` names an image of the bundle: which. */
  image?: { storage: number; guid: string; path: string };
}
export const bundle = request<BundleParams, BundleViewResult>('hddLens/bundle');
