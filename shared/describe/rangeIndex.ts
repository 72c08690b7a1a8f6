/** Anything that covers a byte range of the file: findings, fields. */
export interface ByteRange {
  offset: number;
  length: number;
}

/**
 * Finds the ranges overlapping a window in O(log n + hits), for windows over lists that may be long (tens of
 * thousands of findings) and whose ranges differ wildly in length (a 4-byte BAT entry, a 1 TiB leaked tail).
 */
export class RangeIndex<T extends ByteRange> {
  private readonly sorted: T[];
  /** maxEnd[k]: the largest end among sorted[0..k], so a backward walk knows when to stop. */
  private readonly maxEnd: Float64Array;

  constructor(items: readonly T[]) {
    this.sorted = [...items].sort((a, b) => a.offset - b.offset || a.length - b.length);
    this.maxEnd = new Float64Array(this.sorted.length);
    let max = -Infinity;
    this.sorted.forEach((r, k) => {
      max = Math.max(max, r.offset + Math.max(1, r.length));
      this.maxEnd[k] = max;
    });
  }

  get all(): readonly T[] {
    return this.sorted;
  }

  /** Ranges that share a byte with [start, end); an empty range counts as its first byte. */
  overlapping(start: number, end: number): T[] {
    let lo = 0;
    let hi = this.sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.sorted[mid].offset < end) lo = mid + 1;
      else hi = mid;
    }
    const out: T[] = [];
    for (let k = lo - 1; k >= 0 && this.maxEnd[k] > start; k--) {
      const r = this.sorted[k];
      if (r.offset + Math.max(1, r.length) > start) out.push(r);
    }
    return out.reverse();
  }
}
