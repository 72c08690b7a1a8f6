/**
 * Saves an image off the extension host's thread. The journaled write (saveImage.ts) is synchronous: run in the
 * extension host, a save of large edits (a Fix all that copies a gigabyte) would freeze every editor for its
 * length and could show no progress. A worker thread runs it instead (saveWorker.ts) and reports its progress;
 * a cancel is a flag in shared memory, which the write reads between chunks (the worker's loop never yields, so
 * a message could not reach it), and it rolls the image back (journal.ts `WriteCancelled`).
 */
import { Worker } from 'node:worker_threads';
import { type ApplyResult, JournalError, type RecoveryResult } from '../../shared/io/journal';
import type { EditSet } from '../../shared/io/patch';
import { type DiskStamp, SaveCancelled } from './saveImage';

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
  | { kind: 'done'; result: ApplyResult }
  | { kind: 'failed'; message: string; cancelled?: { stamp: DiskStamp } };

export interface SaveHooks {
  onProgress?: (done: number, total: number) => void;
  onRecovered?: (r: RecoveryResult) => void;
  /** Asks the running save to stop (it rolls back); the promise then rejects with `SaveCancelled`. */
  onCancelRequested?: (cancel: () => void) => void;
}

export type SaveRequest = Omit<SaveJob, 'cancel'>;

/** Runs `saveEdits` in a worker thread started from `script` (dist/saveWorker.js). */
export function saveInWorker(script: string, request: SaveRequest, hooks: SaveHooks = {}): Promise<ApplyResult> {
  const cancel = new SharedArrayBuffer(4);
  const job: SaveJob = { ...request, cancel };
  return new Promise<ApplyResult>((resolve, reject) => {
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
      else if (m.kind === 'done') settle(() => resolve(m.result));
      else settle(() => reject(m.cancelled ? new SaveCancelled(m.message, m.cancelled.stamp) : new JournalError(m.message)));
    });
    worker.on('error', (e) => settle(() => reject(new JournalError(`${request.path}: the save could not run (${e.message}); nothing was written`))));
    worker.on('exit', (code) => settle(() => reject(new JournalError(`${request.path}: the save stopped (worker exit ${code}) before it said how it ended; if a journal is beside the image, the next save or \`hdd-lens recover\` finishes it`))));
  });
}
