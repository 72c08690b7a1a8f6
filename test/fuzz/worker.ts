/**
 * A fuzz worker thread: runs cases it is sent and reports each, so that the campaign can stop a case that hangs
 * (by terminating the thread) without losing the others.
 */
import { parentPort, workerData } from 'node:worker_threads';
import type { Seed } from './corpus';
import { buildCase, runInput } from './fuzzCase';

export type WorkerRequest = { op: 'run'; caseSeed: number } | { op: 'build'; caseSeed: number };

const { corpus, callMs } = workerData as { corpus: Seed[]; callMs: number | undefined };

parentPort?.on('message', (req: WorkerRequest) => {
  if (req.op === 'build') {
    const built = buildCase(corpus, req.caseSeed);
    parentPort?.postMessage({ op: 'built', built });
    return;
  }
  const t = process.hrtime.bigint();
  const built = buildCase(corpus, req.caseSeed);
  if (!('bytes' in built)) {
    const ms = Number(process.hrtime.bigint() - t) / 1e6;
    parentPort?.postMessage({ op: 'result', result: { caseSeed: req.caseSeed, seedName: '?', steps: [], size: 0, ms, failures: [built] } });
    return;
  }
  // Said before the checks run, so that a case that hangs can still be named.
  parentPort?.postMessage({ op: 'started', seedName: built.seedName, steps: built.steps, size: built.bytes.length });
  const result = runInput(built, callMs);
  result.ms = Number(process.hrtime.bigint() - t) / 1e6;
  // The input travels back only when something failed (to be saved and minimized).
  parentPort?.postMessage({ op: 'result', result, bytes: result.failures.length > 0 ? built.bytes : undefined });
});
