/**
 * Pages of the file fetched on demand: an LRU of loaded pages, a "wanted" list that the viewport replaces on every
 * frame (so a fast scroll over a 1 TiB file never queues thousands of reads for rows already gone), a cap on
 * reads in flight, and invalidation that also discards answers already on their way.
 */
export const PAGE_SIZE = 4096;

export class LruMap<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly capacity: number) {}

  get(key: K): V | undefined {
    const v = this.map.get(key);
    if (v !== undefined) {
      this.map.delete(key);
      this.map.set(key, v);
    }
    return v;
  }

  set(key: K, value: V): void {
    this.map.delete(key);
    this.map.set(key, value);
    while (this.map.size > this.capacity) this.map.delete(this.map.keys().next().value as K);
  }

  delete(key: K): void {
    this.map.delete(key);
  }

  clear(): void {
    this.map.clear();
  }

  get size(): number {
    return this.map.size;
  }
}

export interface PagedLoaderOptions<T> {
  fetch(page: number): Promise<T>;
  /** Called when a page arrives (or fails), to schedule a render. */
  onLoaded(page: number): void;
  capacity: number;
  concurrency: number;
}

export class PagedLoader<T> {
  private readonly cache: LruMap<number, T>;
  private readonly inflight = new Set<number>();
  /** Pages in flight whose answer is stale because they were invalidated meanwhile. */
  private readonly stale = new Set<number>();
  private readonly failed = new Set<number>();
  private wanted: number[] = [];

  constructor(private readonly opts: PagedLoaderOptions<T>) {
    this.cache = new LruMap(opts.capacity);
  }

  get(page: number): T | undefined {
    return this.cache.get(page);
  }

  /** Stores a page that came by other means (the page's HTML carries the first ones). */
  seed(page: number, value: T): void {
    this.cache.set(page, value);
    this.opts.onLoaded(page);
  }

  hasFailed(page: number): boolean {
    return this.failed.has(page);
  }

  /** The pages needed now, most important first; replaces the previous wish list. */
  want(pages: number[]): void {
    this.wanted = pages;
    this.pump();
  }

  invalidate(pages: Iterable<number>): void {
    for (const p of pages) {
      this.cache.delete(p);
      this.failed.delete(p);
      if (this.inflight.has(p)) this.stale.add(p);
    }
    this.pump();
  }

  invalidateAll(): void {
    this.cache.clear();
    this.failed.clear();
    for (const p of this.inflight) this.stale.add(p);
    this.pump();
  }

  private pump(): void {
    for (const page of this.wanted) {
      if (this.inflight.size >= this.opts.concurrency) return;
      if (this.inflight.has(page) || this.failed.has(page) || this.cache.get(page) !== undefined) continue;
      this.start(page);
    }
  }

  private start(page: number): void {
    this.inflight.add(page);
    this.opts.fetch(page).then(
      (value) => this.settle(page, () => this.cache.set(page, value)),
      () => this.settle(page, () => this.failed.add(page)),
    );
  }

  private settle(page: number, store: () => void): void {
    this.inflight.delete(page);
    if (this.stale.delete(page)) {
      this.pump();
      return;
    }
    store();
    this.opts.onLoaded(page);
    this.pump();
  }
}

/** Pages overlapping [offset, offset + length). */
export function pagesOf(offset: number, length: number): number[] {
  const first = Math.floor(offset / PAGE_SIZE);
  const last = Math.floor((offset + Math.max(1, length) - 1) / PAGE_SIZE);
  const out: number[] = [];
  for (let p = first; p <= last && out.length < 1_000_000; p++) out.push(p);
  return out;
}
