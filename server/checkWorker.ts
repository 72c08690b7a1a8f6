import { MessagePort } from 'node:worker_threads';
import { BatScan } from '../shared/check/batScan';
import { ClusterIndex, ClusterIndexState } from '../shared/check/clusterIndex';
import { CheckContext } from '../shared/check/context';
import { decodeImage } from '../shared/format/image';
import { ByteSource } from '../shared/io/byteSource';
import { openImageView } from '../shared/io/pendingJournal';
import { OverlaySource } from '../shared/io/overlaySource';
import { EditSet } from '../shared/io/patch';
import { RepairMode, planRepair } from '../shared/repair/repair';
import { since } from './trace';

/**
 * The whole-image work of the server, run in a worker thread so that a 16M-entry BAT never stalls hovers: the BAT
 * scan with the cluster index, and bulk repair plans. The worker reads the file itself (positional reads, as the
 * main thread does) and applies the document's unsaved edits over it.
 */
export type WorkerJob =
  | { id: number; kind: 'check'; path: string; edits: EditSet }
  | { id: number; kind: 'repair'; path: string; edits: EditSet; mode: RepairMode; ignore: string[] };

export interface CheckReply {
  id: number;
  kind: 'check';
  /** Undefined when the header hides the geometry (there is no BAT to scan). */
  scan?: BatScan;
  /** The BAT as read (transferred: the main thread does not read it again). */
  bat?: Uint32Array;
  index?: ClusterIndexState;
  fileSize: number;
  /** Milliseconds spent decoding, scanning and indexing, for traces. */
  ms: { decode: number; scan: number; index: number };
}

/** A bulk plan: its edit set (copies name clusters, never carry them), or why nothing may be written. */
export interface PlannedEdits extends EditSet {
  refused?: string;
}

export interface RepairReply extends PlannedEdits {
  id: number;
  kind: 'repair';
}

export type WorkerReply = CheckReply | RepairReply | { id: number; kind: 'error'; message: string };

export function serveJobs(port: MessagePort): void {
  port.on('message', (job: WorkerJob) => {
    try {
      const reply = job.kind === 'check' ? check(job) : repair(job);
      port.postMessage(reply, transferList(reply));
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

function check(job: Extract<WorkerJob, { kind: 'check' }>): CheckReply {
  return withSource(job.path, job.edits, (source) => {
    let t = performance.now();
    const image = decodeImage(source);
    const g = image.geometry;
    const reply: CheckReply = { id: job.id, kind: 'check', fileSize: source.size, ms: { decode: since(t), scan: 0, index: 0 } };
    if (!g || !image.bat) return reply;
    t = performance.now();
    reply.scan = new CheckContext(image).scan;
    reply.ms.scan = since(t);
    reply.bat = image.bat;
    t = performance.now();
    const index = ClusterIndex.build(g, image.bat);
    reply.ms.index = since(t);
    if (index) reply.index = index.state;
    return reply;
  });
}

function repair(job: Extract<WorkerJob, { kind: 'repair' }>): RepairReply {
  return withSource(job.path, job.edits, (source) => ({ id: job.id, kind: 'repair', ...plannedEdits(source, job.mode, job.ignore) }));
}

/** Plans the bulk repair of a source (in the worker, or inline for small BATs). */
export function plannedEdits(source: ByteSource, mode: RepairMode, ignore: string[]): PlannedEdits {
  const outcome = planRepair(source, mode, { ignore });
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
    if (reply.scan) [reply.scan.problemIndex, reply.scan.problemFlags, reply.scan.problemPeer].forEach(add);
    if (reply.bat) add(reply.bat);
    if (reply.index) [reply.index.owner, reply.index.irregular].forEach(add);
  }
  return [...out];
}
