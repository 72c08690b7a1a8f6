import type { MessagePort } from 'node:worker_threads';
import type { BatScan } from '../shared/check/batScan';
import type { ClusterIndexState } from '../shared/check/clusterIndex';
import { indexState } from '../shared/engine/checked';
import { scanStreamed } from '../shared/engine/streamed';
import { heldEntries } from '../shared/format/batStream';
import type { Geometry } from '../shared/format/geometry';
import { decodeImage } from '../shared/format/image';
import type { ByteSource } from '../shared/io/byteSource';
import { openImageView } from '../shared/io/pendingJournal';
import { OverlaySource } from '../shared/io/overlaySource';
import type { EditSet } from '../shared/io/patch';
import type { ProgressCallback } from '../shared/io/progress';
import { type RepairMode, planRepair } from '../shared/engine/repair';
import { since } from './trace';

/**
 * The whole-image work of the server, run in a worker thread so that a 16M-entry BAT never stalls hovers: the BAT
 * scan with the cluster index, and bulk repair plans. The worker reads the file itself (positional reads, as the
 * main thread does) and applies the document's unsaved edits over it.
 */
export type WorkerJob =
  | { id: number; kind: 'check'; path: string; edits: EditSet }
  | { id: number; kind: 'repair'; path: string; edits: EditSet; mode: RepairMode; ignore: string[]; cancel?: Int32Array };

export interface CheckReply {
  id: number;
  kind: 'check';
  /** Undefined when the header hides the geometry (there is no BAT to scan). */
  scan?: BatScan;
  /** The BAT as read (transferred: the main thread does not read it again). */
  bat?: Uint32Array;
  fileSize: number;
  /** Milliseconds spent decoding and scanning (the BAT is scanned as it is read), for traces. */
  ms: { decode: number; scan: number };
}

/**
 * The cluster index of a checked BAT, sent after its check reply: building it (a 64 MiB slot array for 16M
 * entries, 400 ms of page faults and stores on a loaded machine) is not on the way to the first diagnostics.
 */
export interface IndexReply {
  id: number;
  kind: 'index';
  /** Undefined when the image has too many slots to index, or no BAT. */
  index?: ClusterIndexState;
  ms: number;
}

/** A bulk plan: its edit set (copies name clusters, never carry them), or why nothing may be written. */
export interface PlannedEdits extends EditSet {
  refused?: string;
}

export interface RepairReply extends PlannedEdits {
  id: number;
  kind: 'repair';
}

/** How far a repair job is (planRepair's onProgress, per mille), posted while it runs. */
export interface ProgressReply {
  id: number;
  kind: 'progress';
  done: number;
  total: number;
}

export type WorkerReply = CheckReply | IndexReply | RepairReply | ProgressReply | { id: number; kind: 'error'; message: string };

/** The job's `cancel` flag (a shared Int32Array) set to this: the planner stops at its next progress report. */
export const CANCELLED = 1;

/** What a repair job stopped by its `cancel` flag answers (an error reply with this message). */
export const CANCELLED_MESSAGE = 'the repair plan was cancelled';

export function serveJobs(port: MessagePort): void {
  port.on('message', (job: WorkerJob) => {
    try {
      if (job.kind === 'check') {
        const { reply, geometry } = check(job);
        port.postMessage(reply, transferList(reply));
        postIndex(port, job.id, geometry, reply.bat);
      } else {
        const reply = repair(job, port);
        port.postMessage(reply, transferList(reply));
      }
    } catch (e) {
      port.postMessage({ id: job.id, kind: 'error', message: e instanceof Error ? e.message : String(e) });
    }
  });
}

function withSource<T>(path: string, edits: EditSet, use: (source: OverlaySource) => T): T {
  // The file as the document reads it (through a pending journal, as recovery will leave it).
  const file = openImageView(path).source;
  try {
    return use(new OverlaySource(file, edits));
  } finally {
    file.close();
  }
}

function check(job: Extract<WorkerJob, { kind: 'check' }>): { reply: CheckReply; geometry?: Geometry } {
  return withSource(job.path, job.edits, (source) => {
    const t = performance.now();
    const decoded = decodeImage(source, { bat: false });
    const g = decoded.geometry;
    const reply: CheckReply = { id: job.id, kind: 'check', fileSize: source.size, ms: { decode: since(t), scan: 0 } };
    if (!g) return { reply };
    // Each piece of the BAT is scanned as it lands in the array, while it is in the CPU's cache. The array is
    // shared with the main thread, which gets it with the scan while this thread goes on to index it: the main
    // thread changes it only through the incremental scan, which it has once the index has arrived.
    const bat = new Uint32Array(new SharedArrayBuffer(heldEntries(source, g) * 4));
    reply.scan = scanStreamed(source, decoded, g, { into: bat }).scan;
    reply.ms.scan = since(t) - reply.ms.decode;
    reply.bat = bat;
    return { reply, geometry: g };
  });
}

/** Sends the cluster index of the BAT just sent (none without a BAT, or for too many slots). */
function postIndex(port: MessagePort, id: number, g: Geometry | undefined, bat: Uint32Array | undefined): void {
  const t = performance.now();
  const state = g && bat ? indexState(g, bat) : undefined;
  const reply: IndexReply = { id, kind: 'index', ms: since(t) };
  if (state) reply.index = state;
  port.postMessage(reply, state ? [state.owner.buffer, state.irregular.buffer].filter((b): b is ArrayBuffer => b instanceof ArrayBuffer) : []);
}

/**
 * A bulk plan, its progress posted as it goes (at most 1001 messages: planRepair reports per-mille steps). The
 * plan runs synchronously, so a cancel message could only be read after it: the main thread sets the job's shared
 * `cancel` flag instead, read at each report, and the plan stops there (it only reads: nothing is left behind).
 */
function repair(job: Extract<WorkerJob, { kind: 'repair' }>, port: MessagePort): RepairReply {
  const onProgress = (done: number, total: number): void => {
    if (job.cancel && Atomics.load(job.cancel, 0) === CANCELLED) throw new Error(CANCELLED_MESSAGE);
    const reply: ProgressReply = { id: job.id, kind: 'progress', done, total };
    port.postMessage(reply);
  };
  return withSource(job.path, job.edits, (source) => ({ id: job.id, kind: 'repair', ...plannedEdits(source, job.mode, job.ignore, onProgress) }));
}

/** Plans the bulk repair of a source (in the worker, or inline for small BATs). */
export function plannedEdits(source: ByteSource, mode: RepairMode, ignore: string[], onProgress?: ProgressCallback): PlannedEdits {
  const outcome = planRepair(source, mode, onProgress ? { ignore, onProgress } : { ignore });
  const { patches, copies, size } = outcome.plan;
  const out: PlannedEdits = { patches, copies: copies ?? [] };
  if (size !== undefined) out.size = size;
  if (outcome.refused !== undefined) out.refused = outcome.refused;
  return out;
}

function transferList(reply: WorkerReply): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  const add = (a: ArrayBufferView): void => {
    if (a.buffer instanceof ArrayBuffer && a.byteOffset === 0 && a.byteLength === a.buffer.byteLength) out.add(a.buffer);
  };
  if (reply.kind === 'check') {
    if (reply.scan) [reply.scan.problemIndex, reply.scan.problemFlags, reply.scan.problemPeer, reply.scan.problemValue].forEach(add);
    if (reply.bat) add(reply.bat);
  }
  return [...out];
}
