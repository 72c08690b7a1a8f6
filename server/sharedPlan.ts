import type { CancellationToken } from 'vscode-languageserver/node';
import type { ProgressCallback } from '../shared/io/progress';

/** What one request for a bulk plan hears and says: how far the plan is, and whether the request still wants it. */
export interface PlanWatch {
  onProgress?: ProgressCallback;
  token?: CancellationToken;
}

/** What a follower's answer fails with once its request is cancelled (the plan may go on for others). */
export class PlanCancelled extends Error {
  constructor() {
    super('the request for the repair plan was cancelled');
  }
}

/** `work`'s result, or PlanCancelled as soon as `token` is cancelled (the work itself goes on for whoever else waits). */
export function untilCancelled<T>(work: Promise<T>, token: CancellationToken): Promise<T> {
  if (token.isCancellationRequested) return Promise.reject(new PlanCancelled());
  let sub: { dispose(): void } | undefined;
  const cancelled = new Promise<never>((_, reject) => {
    sub = token.onCancellationRequested(() => reject(new PlanCancelled()));
  });
  return Promise.race([work, cancelled]).finally(() => sub?.dispose());
}

/**
 * A bulk plan being made, shared by every request for the same state and mode (the analysis's cache holds its
 * result): each follower hears the progress from where it is on, and is answered at once when its own request is
 * cancelled. When every follower has cancelled, the work is abandoned (`abandon`: the worker stops at its next
 * report) and `onAbandoned` drops the cached result, so that asking again starts a new plan. A follower without a
 * token (a code action being resolved) keeps it to the end.
 */
export class SharedPlan<T> {
  readonly result: Promise<T>;
  private readonly abandonWork: () => void;
  private readonly listeners = new Set<ProgressCallback>();
  private last: [number, number] | undefined;
  private followers = 0;
  private abandoned = false;

  constructor(
    start: (onProgress: ProgressCallback) => { result: Promise<T>; abandon?: () => void },
    private readonly onAbandoned: () => void,
  ) {
    const started = start((done, total) => {
      this.last = [done, total];
      for (const l of this.listeners) l(done, total);
    });
    this.result = started.result;
    this.abandonWork = started.abandon ?? (() => undefined);
  }

  follow(watch: PlanWatch = {}): Promise<T> {
    const { onProgress, token } = watch;
    if (token?.isCancellationRequested) {
      // Cancelled before it followed: a plan started for it alone is abandoned at once.
      if (this.followers === 0) this.abandon();
      return Promise.reject(new PlanCancelled());
    }
    this.followers++;
    if (onProgress) {
      if (this.last) onProgress(...this.last);
      this.listeners.add(onProgress);
    }
    if (!token) return this.result;
    return new Promise<T>((resolve, reject) => {
      const sub = token.onCancellationRequested(() => {
        leave();
        reject(new PlanCancelled());
      });
      const leave = (): void => {
        sub.dispose();
        if (onProgress) this.listeners.delete(onProgress);
        if (--this.followers === 0) this.abandon();
      };
      this.result.then(
        (r) => {
          sub.dispose();
          resolve(r);
        },
        (e: unknown) => {
          sub.dispose();
          reject(e instanceof Error ? e : new Error(String(e)));
        },
      );
    });
  }

  private abandon(): void {
    if (this.abandoned) return;
    this.abandoned = true;
    this.onAbandoned();
    this.abandonWork();
    // Nobody waits for it any more: its failure (CANCELLED_MESSAGE) is expected.
    this.result.catch(() => undefined);
  }
}
