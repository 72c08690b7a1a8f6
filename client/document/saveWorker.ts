/**
 * The save worker thread (see saveInWorker.ts): runs one journaled save with the edits it was given, posting its
 * progress about once per percent, and stops (rolled back) when the shared cancel flag is set.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { WriteCancelled } from '../../shared/io/journal';
import type { SaveJob, SaveMessage } from './saveInWorker';
import { SaveUndone, saveEdits } from './saveImage';

function post(m: SaveMessage): void {
  parentPort?.postMessage(m);
}

function run(job: SaveJob): void {
  const cancelled = new Int32Array(job.cancel);
  let posted = -1;
  const onProgress = (done: number, total: number): void => {
    if (Atomics.load(cancelled, 0) !== 0) throw new WriteCancelled('cancelled');
    // About 100 messages whatever the size: the extension host need not hear of every 4 MiB chunk.
    const percent = total === 0 ? 100 : Math.floor((done * 100) / total);
    if (percent === posted) return;
    posted = percent;
    post({ kind: 'progress', done, total });
  };
  try {
    const saved = saveEdits(job.edits, job.path, {
      expected: job.expected,
      readRolledBack: job.readRolledBack,
      onProgress,
      onRecovered: (r) => post({ kind: 'recovered', result: r }),
    });
    post({ kind: 'done', ...saved });
  } catch (e) {
    post({
      kind: 'failed',
      message: e instanceof Error ? e.message : String(e),
      undone: e instanceof SaveUndone ? { stamp: e.stamp, cancelled: e.cancelled } : undefined,
    });
  }
}

run(workerData as SaveJob);
