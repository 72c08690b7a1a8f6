import type { HostSpace } from './hostSpace';

/** Per bucket of host space, how many bytes are of each kind. */
export interface AllocationBucket {
  offset: number;
  length: number;
  metadata: number;
  allocated: number;
  free: number;
  corrupt: number;
  /** Of the free bytes, those of the leaked tail (past the end of the last used cluster); absent when none. */
  leaked?: number;
}

type Range = [number, number];

/** Most buckets a map has. */
export const MAX_BUCKETS = 1 << 16;

/** The buckets a map of a file of `fileSize` bytes asked for `count` buckets has: 1 to MAX_BUCKETS, at most a byte each. */
export function bucketCount(count: number, fileSize: number): number {
  return Math.max(1, Math.min(Math.floor(count) || 1, MAX_BUCKETS, Math.max(1, fileSize)));
}

/**
 * How the host file is used, per bucket of equal size, for a picture of it: format metadata (header, BAT,
 * padding, extension and bitmap clusters), allocated data clusters, corrupt bytes (clusters that corrupt BAT
 * entries map, or that two owners share) and free bytes (unreferenced or leaked). Each byte counts once, in that
 * order of precedence: corrupt, metadata, allocated, free.
 *
 * One pass over the BAT, fed in slices (`feed`) so a 16M-entry image can be mapped between other requests.
 */
export class AllocationMapBuilder {
  readonly buckets: AllocationBucket[];
  private readonly bucketSize: number;
  /** Corrupt and metadata ranges, merged and sorted: what allocated clusters must not be counted over. */
  private readonly taken: Range[];
  private fed = 0;

  constructor(
    private readonly space: HostSpace,
    count: number,
  ) {
    const fileSize = space.geometry.fileSize;
    const n = bucketCount(count, fileSize);
    this.bucketSize = Math.max(1, Math.ceil(fileSize / n));
    this.buckets = [];
    for (let at = 0; at < fileSize || this.buckets.length === 0; at += this.bucketSize) {
      this.buckets.push({ offset: at, length: Math.max(0, Math.min(this.bucketSize, fileSize - at)), metadata: 0, allocated: 0, free: 0, corrupt: 0 });
    }
    const corrupt = merge(this.corruptRanges());
    const metadata = subtractAll(merge(this.metadataRanges()), corrupt);
    for (const r of corrupt) this.add(r, 'corrupt');
    for (const r of metadata) this.add(r, 'metadata');
    this.taken = merge([...corrupt, ...metadata]);
  }

  get entries(): number {
    return this.space.bat.length;
  }

  get done(): boolean {
    return this.fed >= this.space.bat.length;
  }

  /** Counts the clusters of the next `count` BAT entries. */
  feed(count: number): void {
    const { bat, geometry: g } = this.space;
    const end = Math.min(bat.length, this.fed + count);
    for (let i = this.fed; i < end; i++) {
      const e = bat[i];
      if (e === 0) continue;
      const host = e * g.unit;
      if (host >= g.fileSize) continue;
      const r: Range = [host, Math.min(host + g.clusterSize, g.fileSize)];
      if (!this.touchesTaken(r)) this.add(r, 'allocated');
      else for (const piece of subtractAll([r], this.taken)) this.add(piece, 'allocated');
    }
    this.fed = end;
  }

  /** The buckets, once every entry is fed (free is what nothing else claims). */
  finish(): AllocationBucket[] {
    this.feed(Infinity);
    const usedEnd = this.space.scan.usedEnd;
    for (const b of this.buckets) {
      b.free = Math.max(0, b.length - b.metadata - b.allocated - b.corrupt);
      // Free bytes past the last used cluster are the leaked tail (what `check -r leaks` cuts), as the grid shows.
      const tail = Math.max(0, b.offset + b.length - Math.max(b.offset, usedEnd));
      const leaked = Math.min(b.free, tail);
      if (leaked > 0) b.leaked = leaked;
    }
    return this.buckets;
  }

  /** Clusters that corrupt entries map, and the clusters of the entries they collide with. */
  private corruptRanges(): Range[] {
    const { scan, geometry: g, bat } = this.space;
    const out: Range[] = [];
    const cluster = (i: number): void => {
      const host = bat[i] * g.unit;
      if (bat[i] !== 0 && host < g.fileSize) out.push([host, Math.min(host + g.clusterSize, g.fileSize)]);
    };
    for (let k = 0; k < scan.problemCount; k++) {
      const i = scan.problemIndex[k];
      if (!this.space.entryCorrupt(i)) continue;
      cluster(i);
      if (scan.problemPeer[k] >= 0) cluster(scan.problemPeer[k]);
    }
    return out;
  }

  private metadataRanges(): Range[] {
    const g = this.space.geometry;
    const out: Range[] = [[0, Math.min(g.fileSize, Math.max(g.batEnd, g.dataOffset))]];
    for (const m of this.space.metadata) out.push([m.start, Math.min(m.end, g.fileSize)]);
    return out;
  }

  private touchesTaken([s, e]: Range): boolean {
    let lo = 0;
    let hi = this.taken.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.taken[mid][1] <= s) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.taken.length && this.taken[lo][0] < e;
  }

  private add([s, e]: Range, kind: 'metadata' | 'allocated' | 'corrupt'): void {
    for (let at = s; at < e;) {
      const k = Math.floor(at / this.bucketSize);
      const b = this.buckets[k];
      if (!b) return;
      const to = Math.min(e, b.offset + b.length);
      b[kind] += to - at;
      at = to;
    }
  }
}

function merge(ranges: Range[]): Range[] {
  const sorted = ranges.filter(([s, e]) => e > s).sort((a, b) => a[0] - b[0]);
  const out: Range[] = [];
  for (const [s, e] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[1]) last[1] = Math.max(last[1], e);
    else out.push([s, e]);
  }
  return out;
}

/** `ranges` minus the merged, sorted `cut`. */
function subtractAll(ranges: Range[], cut: Range[]): Range[] {
  const out: Range[] = [];
  for (const [s0, e] of ranges) {
    let s = s0;
    for (const [cs, ce] of cut) {
      if (ce <= s) continue;
      if (cs >= e) break;
      if (cs > s) out.push([s, cs]);
      s = Math.max(s, ce);
      if (s >= e) break;
    }
    if (s < e) out.push([s, e]);
  }
  return out;
}
