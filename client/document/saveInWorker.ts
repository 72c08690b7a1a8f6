/**
 * Saves an image off the extension host's thread. The journaled write (saveImage.ts) is synchronous: run in the
 * extension host, a save of large edits (a Fix all that copies a gigabyte) would freeze every editor for its
 * length and could show no progress. A worker thread runs it instead (saveWorker.ts) and reports its progress;
 * a cancel is a flag in shared memory, which the write reads between chunks (the worker's loop never yields, so
 * a message could not reach it), and it rolls the image back (journal.ts `WriteCancelled`).
 */
import { Worker } from 'node:worker_threads';
import { JournalError, type RecoveryResult } from '../../shared/io/journal';
import type { EditSet } from '../../shared/io/patch';
import { type DiskStamp, type Saved, SaveUndone, copySparse } from './saveImage';

/** What the worker is given (the structured clone of it). */
export interface SaveJob {
  path: string;
  edits: EditSet;
  expected?: DiskStamp;
  readRolledBack?: boolean;
  /** One Int32: set to 1 to cancel. */
  cancel: SharedArrayBuffer;
}

/** What the worker posts back, in order: progress and recovery messages, then one `done` or `failed`. */
export type SaveMessage =
  | { kind: 'progress'; done: number; total: number }
  | { kind: 'recovered'; result: RecoveryResult }
  | ({ kind: 'done' } & Saved)
  | { kind: 'failed'; message: string; undone?: { stamp: DiskStamp; cancelled: boolean } };

export interface SaveHooks {
  onProgress?: (done: number, total: number) => void;
  onRecovered?: (r: RecoveryResult) => void;
  /** Asks the running save to stop (it rolls back); the promise then rejects with a cancelled `SaveUndone`. */
  onCancelRequested?: (cancel: () => void) => void;
}

export type SaveRequest = Omit<SaveJob, 'cancel'>;

/** The save worker died or never started: whether it wrote anything is known only from the file and its journal. */
export class SaveStopped extends JournalError {}

/**
 * Save As: copies the file `source` as it is on disk (keeping holes, so a sparse image stays sparse), then writes
 * `edits` into the copy at `target` in the save worker. The source stays as it was.
 */
export async function saveCopyInWorker(script: string, source: string, target: string, edits: EditSet, hooks: SaveHooks = {}): Promise<Saved> {
  await copySparse(source, target);
  return saveInWorker(script, { path: target, edits }, hooks);
}

/** Runs `saveEdits` in a worker thread started from `script` (dist/saveWorker.js). */
export function saveInWorker(script: string, request: SaveRequest, hooks: SaveHooks = {}): Promise<Saved> {
  const cancel = new SharedArrayBuffer(4);
  const job: SaveJob = { ...request, cancel };
  return new Promise<Saved>((resolve, reject) => {
    const worker = new Worker(script, { workerData: job });
    let settled = false;
    const settle = (f: () => void): void => {
      if (settled) return;
      settled = true;
      f();
    };
    hooks.onCancelRequested?.(() => Atomics.store(new Int32Array(cancel), 0, 1));
    worker.on('message', (m: SaveMessage) => {
      if (m.kind === 'progress') hooks.onProgress?.(m.done, m.total);
      else if (m.kind === 'recovered') hooks.onRecovered?.(m.result);
      else if (m.kind === 'done') settle(() => resolve({ result: m.result, stamp: m.stamp }));
      else settle(() => reject(m.undone ? new SaveUndone(m.message, m.undone.stamp, m.undone.cancelled) : new JournalError(m.message)));
    });
    // The worker died (or never started): it may have been writing. Its journal, if any, holds the old bytes.
    const died = (why: string): void =>
      settle(() =>
        reject(
          new SaveStopped(
            `${request.path}: the save stopped (${why}) before it said how it ended; if it had begun writing, the journal beside the image holds the old bytes, and the next save (or \`hdd-lens recover\`) rolls it back first`,
          ),
        ),
      );
    worker.on('error', (e) => died(e.message));
    worker.on('exit', (code) => died(`worker exit ${code}`));
  });
}
