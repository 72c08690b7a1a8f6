import { Worker } from 'node:worker_threads';
import type { ClusterIndexState } from '../shared/check/clusterIndex';
import type { ProgressCallback } from '../shared/io/progress';
import { CANCELLED, type CheckReply, type RepairReply, type WorkerJob, type WorkerReply } from './checkWorker';

type JobInput = WorkerJob extends infer J ? (J extends WorkerJob ? Omit<J, 'id'> : never) : never;

/**
 * The main thread's handle on the check worker: one worker (the machine has few cores, and jobs of one image are
 * sequential anyway), started on first use from its own script (workerMain.js), jobs answered in order.
 */
export class WorkerClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>();
  /** Check jobs whose cluster index (sent after the check reply) has not arrived. */
  private readonly indexing = new Map<number, (index: ClusterIndexState | undefined) => void>();
  /** Repair jobs whose progress someone follows. */
  private readonly progress = new Map<number, ProgressCallback>();

  constructor(private readonly script: string) {}

  /** Starts the worker ahead of the first job, so its start-up is not on the first image's clock. */
  warm(): void {
    this.ensure();
  }

  /**
   * A check: `reply` with the scan (what the first diagnostics need), then `index`, the cluster index of the same
   * BAT, built after the reply was sent (undefined when the worker could not index it, or failed).
   */
  check(job: Omit<Extract<WorkerJob, { kind: 'check' }>, 'id'>): { reply: Promise<CheckReply>; index: Promise<ClusterIndexState | undefined> } {
    let index: Promise<ClusterIndexState | undefined> = Promise.resolve(undefined);
    const reply = this.run(job, (id) => {
      index = new Promise((resolve) => this.indexing.set(id, resolve));
    }) as Promise<CheckReply>;
    return { reply, index };
  }

  /**
   * A bulk plan: its reply, with `onProgress` called as the worker reports; `abandon()` stops it at the worker's
   * next report (the reply then fails with CANCELLED_MESSAGE), also while it waits behind another job.
   */
  repair(
    job: Omit<Extract<WorkerJob, { kind: 'repair' }>, 'id' | 'cancel'>,
    onProgress?: ProgressCallback,
  ): { reply: Promise<RepairReply>; abandon: () => void } {
    const cancel = new Int32Array(new SharedArrayBuffer(4));
    const reply = this.run({ ...job, cancel }, (id) => {
      if (onProgress) this.progress.set(id, onProgress);
    }) as Promise<RepairReply>;
    return { reply, abandon: () => Atomics.store(cancel, 0, CANCELLED) };
  }

  dispose(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private run(job: JobInput, started?: (id: number) => void): Promise<WorkerReply> {
    const worker = this.ensure();
    const id = this.nextId++;
    started?.(id);
    return new Promise<WorkerReply>((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      worker.postMessage({ ...job, id });
    }).then((reply) => {
      if (reply.kind === 'error') throw new Error(reply.message);
      return reply;
    });
  }

  private ensure(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(this.script);
    worker.unref();
    worker.on('message', (reply: WorkerReply) => {
      if (reply.kind === 'index') {
        this.indexing.get(reply.id)?.(reply.index);
        this.indexing.delete(reply.id);
        return;
      }
      if (reply.kind === 'progress') return this.progress.get(reply.id)?.(reply.done, reply.total);
      const w = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      this.progress.delete(reply.id);
      w?.resolve(reply);
    });
    worker.on('error', (e) => this.fail(e));
    worker.on('exit', (code) => this.fail(new Error(`check worker exited with code ${code}`)));
    this.worker = worker;
    return worker;
  }

  /** A dead worker fails its jobs; the next job starts a new one. */
  private fail(e: Error): void {
    this.worker = undefined;
    for (const w of this.waiting.values()) w.reject(e);
    this.waiting.clear();
    this.progress.clear();
    for (const resolve of this.indexing.values()) resolve(undefined);
    this.indexing.clear();
  }
}
