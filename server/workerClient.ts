import { Worker } from 'node:worker_threads';
import type { CheckReply, RepairReply, WorkerJob, WorkerReply } from './checkWorker';

type JobInput = WorkerJob extends infer J ? (J extends WorkerJob ? Omit<J, 'id'> : never) : never;

/** The marker in `workerData` that makes the server's own script run as the check worker. */
export const WORKER_MARK = 'hdd-lens-check-worker';

/**
 * The main thread's handle on the check worker: one worker (the machine has few cores, and jobs of one image are
 * sequential anyway), started on first use from the server's own script, jobs answered in order.
 */
export class WorkerClient {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve: (r: WorkerReply) => void; reject: (e: Error) => void }>();

  constructor(private readonly script: string) {}

  /** Starts the worker ahead of the first job, so its start-up is not on the first image's clock. */
  warm(): void {
    this.ensure();
  }

  check(job: Omit<Extract<WorkerJob, { kind: 'check' }>, 'id'>): Promise<CheckReply> {
    return this.run(job) as Promise<CheckReply>;
  }

  repair(job: Omit<Extract<WorkerJob, { kind: 'repair' }>, 'id'>): Promise<RepairReply> {
    return this.run(job) as Promise<RepairReply>;
  }

  dispose(): void {
    void this.worker?.terminate();
    this.worker = undefined;
  }

  private run(job: JobInput): Promise<WorkerReply> {
    const worker = this.ensure();
    const id = this.nextId++;
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
    const worker = new Worker(this.script, { workerData: WORKER_MARK });
    worker.unref();
    worker.on('message', (reply: WorkerReply) => {
      const w = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
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
  }
}
