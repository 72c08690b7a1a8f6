/**
 * A fuzz campaign: cases run in worker threads, each under a hang timeout (the thread is terminated and the
 * case reported as a hang), failures grouped by signature with the smallest input kept for each. Slow cases
 * (over the per-case bound) are run again alone before they count, so that a busy machine does not fail a run.
 */
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import type { Seed } from './corpus';
import { type CaseResult, caseSeedOf } from './fuzzCase';
import type { Failure } from './invariants';

export interface CampaignOptions {
  cases: number;
  seed: number;
  workers: number;
  /**
   * One engine call over this many ms (plus 1 s per 32 MiB of image) fails as 'slow', once confirmed alone. Left
   * out (as `npm test` does), calls are bounded by the bytes they read only: no wall-clock bound on a loaded machine.
   */
  slowMs?: number;
  /** A case still running after this many ms is stopped and reported as a hang. */
  hangMs: number;
  onProgress?: (done: number, distinct: number) => void;
  /** Called when a failure with a new signature turns up (campaigns run for hours: say it at once). */
  onNewFailure?: (group: FailureGroup) => void;
}

export interface FailureGroup {
  signature: string;
  failure: Failure;
  count: number;
  /** The smallest failing case: its seed (replay with --replay SEED), steps and bytes. */
  example: CaseResult;
  bytes?: Uint8Array;
}

export interface CampaignResult {
  cases: number;
  ms: number;
  groups: FailureGroup[];
  slowest: CaseResult[];
}

/** JS heap per fuzz thread; big buffers (BATs, overlays) are outside it. No honest case comes near. */
const WORKER_HEAP_MB = 2048;

interface Pending {
  resolve: (value: { result: CaseResult; bytes?: Uint8Array }) => void;
  timer: NodeJS.Timeout;
}

/** A worker that runs one case at a time and can be replaced when a case hangs. */
class CaseRunner {
  private worker!: Worker;
  private pending: Pending | undefined;

  constructor(
    private readonly corpus: readonly Seed[],
    private readonly hangMs: number,
    private readonly callMs: number | undefined,
  ) {
    this.start();
  }

  private start(): void {
    // With a heap limit of its own, a thread that runs out of memory ends with an error event (the case is the
    // failure) instead of taking the whole campaign down with it.
    this.worker = new Worker(join(__dirname, 'worker.js'), {
      workerData: { corpus: this.corpus, callMs: this.callMs },
      resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
    });
    this.worker.on('message', (msg: { op: string; result: CaseResult; bytes?: Uint8Array; seedName: string; steps: string[]; size: number }) => {
      const p = this.pending;
      if (msg.op === 'started') this.started = { seedName: msg.seedName, steps: msg.steps, size: msg.size };
      if (!p || msg.op !== 'result') return;
      clearTimeout(p.timer);
      this.pending = undefined;
      p.resolve({ result: msg.result, bytes: msg.bytes });
    });
    this.worker.on('error', (e) => this.fail('worker-error', e instanceof Error ? (e.stack ?? e.message) : String(e)));
    this.worker.unref();
  }

  run(caseSeed: number): Promise<{ result: CaseResult; bytes?: Uint8Array }> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => this.fail('hang', `no result after ${this.hangMs} ms`), this.hangMs);
      this.pending = { resolve, timer };
      this.current = caseSeed;
      this.started = { seedName: '?', steps: [], size: 0 };
      this.worker.postMessage({ op: 'run', caseSeed });
    });
  }

  private current = 0;
  /** What the running case is, as the worker said when it started it. */
  private started: Pick<CaseResult, 'seedName' | 'steps' | 'size'> = { seedName: '?', steps: [], size: 0 };

  /** Ends a case that hung or crashed the thread (out of memory): the case is the failure; a new thread goes on. */
  private fail(kind: 'hang' | 'worker-error', detail: string): void {
    const p = this.pending;
    this.pending = undefined;
    void this.worker.terminate();
    this.start();
    if (!p) return;
    clearTimeout(p.timer);
    const what = this.started.steps.map((s) => s.replace(/[([@=#].*/, '')).join(',');
    const failure: Failure = {
      kind: kind === 'hang' ? 'slow' : 'exception',
      signature: `${kind}:${what}`,
      detail: `${detail}: ${this.started.seedName} ${this.started.steps.join(' ')}`,
    };
    p.resolve({ result: { caseSeed: this.current, ...this.started, ms: this.hangMs, failures: [failure] } });
  }

  close(): Promise<number> {
    return this.worker.terminate();
  }
}

export async function runCampaign(corpus: readonly Seed[], options: CampaignOptions): Promise<CampaignResult> {
  const started = Date.now();
  const groups = new Map<string, FailureGroup>();
  const slowest: CaseResult[] = [];
  const slow: number[] = [];
  let next = 0;
  let done = 0;
  const record = (result: CaseResult, bytes?: Uint8Array): void => {
    for (const failure of result.failures) {
      const g = groups.get(failure.signature);
      if (!g) {
        const group = { signature: failure.signature, failure, count: 1, example: result, bytes };
        groups.set(failure.signature, group);
        options.onNewFailure?.(group);
      } else {
        g.count++;
        if (bytes && (!g.bytes || bytes.length < g.bytes.length)) Object.assign(g, { failure, example: result, bytes });
      }
    }
  };
  const runners = Array.from({ length: Math.max(1, options.workers) }, () => new CaseRunner(corpus, options.hangMs, options.slowMs));
  await Promise.all(
    runners.map(async (runner) => {
      while (next < options.cases) {
        const caseSeed = caseSeedOf(options.seed, next++);
        const { result, bytes } = await runner.run(caseSeed);
        done++;
        keepSlowest(slowest, result);
        // A slow call is confirmed by running its case again alone, at the end (other work skews timings).
        const slowCall = result.failures.some((f) => f.kind === 'slow' && f.signature.startsWith('slow:'));
        if (slowCall) slow.push(caseSeed);
        record({ ...result, failures: result.failures.filter((f) => !(f.kind === 'slow' && f.signature.startsWith('slow:'))) }, bytes);
        if (done % 100 === 0) options.onProgress?.(done, groups.size);
      }
    }),
  );
  // Slow cases again, one at a time on a machine as quiet as it gets: only a confirmed slow call fails.
  for (const caseSeed of slow) {
    const { result, bytes } = await runners[0].run(caseSeed);
    record({ ...result, failures: result.failures.filter((f) => f.kind === 'slow') }, bytes);
  }
  await Promise.all(runners.map((r) => r.close()));
  return { cases: done, ms: Date.now() - started, groups: [...groups.values()].sort((a, b) => b.count - a.count), slowest };
}

function keepSlowest(list: CaseResult[], r: CaseResult): void {
  list.push({ ...r, failures: [] });
  list.sort((a, b) => b.ms - a.ms);
  if (list.length > 5) list.length = 5;
}
