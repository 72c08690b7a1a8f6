import { type BatScan, EntryFlag } from '../check/batScan';
import { slotOrigin } from '../check/metadata';
import { type Geometry, roundUp } from '../format/geometry';
import type { OverlaySource } from '../io/overlaySource';

/** Where a new cluster goes, and what it holds now. */
export interface Slot {
  host: number;
  /**
   * Bytes at the start of the slot that hold something a copy must overwrite (leaked bytes, a vacated cluster,
   * the source itself): 0 when the slot reads zeros, and a copy then writes only its non-zero bytes.
   */
  stale: number;
  /** The slot lies past the end of the file: the file grows by it. */
  appended: boolean;
}

/** What the planner knows of the free space when a pass starts: the state's scan, and what earlier passes vacated. */
export interface FreeSpace {
  scan: BatScan;
  /** Host ranges this repair moved data out of in earlier passes: their old bytes are no one's now. */
  vacated: ReadonlyArray<readonly [number, number]>;
}

/** Bytes of unreferenced holes read per pass to prove them all zero: a bound on what the search may cost. */
export const ZERO_CHECK_BUDGET = 64 * 1024 * 1024;

/**
 * The placement policy for the clusters a repair adds (copies of shared, misaligned or misplaced clusters): where
 * they cost least. In order:
 * 1. the slot the copied cluster itself straddles, just below it, when nothing else uses that slot (a misaligned
 *    cluster moves down onto the grid: what it vacates is then only a tail a truncate reclaims);
 * 2. the leaked tail (the space past the last used cluster, which `-r leaks` would cut off anyway): a single fix
 *    puts its copy where Fix all, which truncates first, appends it;
 * 3. holes below the last used cluster that are provably not guest data: vacated by this repair, or all zeros;
 * 4. the end of the file.
 * Unreferenced holes that hold other bytes are never used: they may be the only copy of data whose BAT entries
 * were lost (unreferenced-clusters).
 */
export class ClusterAllocator {
  private readonly origin: number;
  /** Next grid slot past every existing byte. */
  private end: number;
  /** Next candidate of the leaked tail, below `tailEnd`. */
  private tail: number;
  private readonly tailEnd: number;
  /** The next hole to search (scan.holes, lowest first) and the next grid slot in it. */
  private hole = 0;
  private holeSlot = -1;
  private budget = ZERO_CHECK_BUDGET;
  private readonly taken = new Set<number>();
  private peers: Set<number> | undefined;
  /** FreeSpace.vacated sorted by start (all are one cluster long, so by end too), for binary searches. */
  private readonly vacated: ReadonlyArray<readonly [number, number]>;

  constructor(
    private readonly state: OverlaySource,
    private readonly g: Geometry,
    private readonly space?: FreeSpace,
  ) {
    this.origin = slotOrigin(g);
    this.end = this.gridUp(Math.max(state.size, g.dataOffset));
    this.tailEnd = state.size;
    this.tail = space ? this.gridUp(Math.max(space.scan.usedEnd, g.dataOffset)) : this.end;
    this.vacated = [...(space?.vacated ?? [])].sort((a, b) => a[0] - b[0]);
  }

  /** A slot for a copy of the cluster at `source` (of BAT entry `index`, when it is one). */
  allocate(source?: { host: number; index: number; flags: number }): Slot {
    const below = source && this.straddled(source);
    if (below !== undefined) return this.take(below, this.g.clusterSize, false);
    // Other slots must not overlap the stored part of the source (past the end of the file it reads zeros).
    const stored: readonly [number, number] = source ? [source.host, Math.min(source.host + this.g.clusterSize, this.state.size)] : [0, 0];
    const free = (host: number): boolean => !this.taken.has(host) && !(host < stored[1] && stored[0] < host + this.g.clusterSize);
    while (this.tail < this.tailEnd) {
      const host = this.tail;
      this.tail += this.g.clusterSize;
      if (free(host)) return this.take(host, Math.min(this.g.clusterSize, this.tailEnd - host), false);
    }
    for (let host = this.nextHoleSlot(); host >= 0; host = this.nextHoleSlot()) {
      if (free(host) && this.reusable(host)) return this.take(host, this.vacatedIn(host) ? this.g.clusterSize : 0, false);
    }
    while (!free(this.end)) this.end += this.g.clusterSize;
    const host = this.end;
    this.end += this.g.clusterSize;
    return this.take(host, 0, true);
  }

  private take(host: number, stale: number, appended: boolean): Slot {
    this.taken.add(host);
    const stop = host + this.g.clusterSize;
    if (stop > this.state.size) this.state.resize(stop);
    if (stop > this.end) this.end = this.gridUp(stop);
    return { host, stale, appended };
  }

  /** Whether part of a slot was vacated by this repair (its bytes are stale, not zeros). */
  private vacatedIn(host: number): boolean {
    const k = firstEndingAfter(this.vacated, host);
    return k < this.vacated.length && this.vacated[k][0] < host + this.g.clusterSize;
  }

  /** Follows a resize of the plan (a growth past the allocator's end). */
  grew(size: number): void {
    if (size > this.end) this.end = this.gridUp(size);
  }

  /**
   * The grid slot just below a misaligned cluster, when the cluster is used by its entry alone (not a duplicate,
   * nobody's peer, no metadata) and the part of the slot below it is a hole: the copy then moves the bytes down
   * (the target starts below the source, so a forward copy never reads what it has written).
   */
  private straddled(source: { host: number; index: number; flags: number }): number | undefined {
    const { g } = this;
    if ((source.flags & EntryFlag.Misaligned) === 0 || (source.flags & (EntryFlag.Duplicate | EntryFlag.OverlapsMetadata | EntryFlag.BeforeData)) !== 0)
      return undefined;
    const slot = this.origin + Math.floor((source.host - this.origin) / g.clusterSize) * g.clusterSize;
    if (slot < g.dataOffset || this.taken.has(slot) || !this.space || this.peerSet().has(source.index)) return undefined;
    const holes = this.space.scan.holes;
    const k = firstEndingAfter(holes, slot);
    return k < holes.length && holes[k][0] <= slot && holes[k][1] >= source.host ? slot : undefined;
  }

  /** The next whole grid slot inside a hole, or -1 (holes are walked once, lazily: an image may have millions). */
  private nextHoleSlot(): number {
    const holes = this.space?.scan.holes ?? [];
    const c = this.g.clusterSize;
    while (this.hole < holes.length) {
      const [start, stop] = holes[this.hole];
      if (this.holeSlot < 0) this.holeSlot = this.gridUp(start);
      if (this.holeSlot + c <= stop) {
        const host = this.holeSlot;
        this.holeSlot += c;
        return host;
      }
      this.hole++;
      this.holeSlot = -1;
    }
    return -1;
  }

  /** Entries that a later entry overlaps (they are not alone in their bytes). */
  private peerSet(): Set<number> {
    if (!this.peers) {
      const scan = this.space?.scan;
      this.peers = new Set();
      if (scan) for (let k = 0; k < scan.problemCount; k++) if (scan.problemPeer[k] >= 0) this.peers.add(scan.problemPeer[k]);
    }
    return this.peers;
  }

  /** Whether a hole slot holds nothing anyone may want: every byte not vacated by this repair reads zero. */
  private reusable(host: number): boolean {
    const stop = host + this.g.clusterSize;
    let at = host;
    for (let k = firstEndingAfter(this.vacated, host); k < this.vacated.length && this.vacated[k][0] < stop; k++) {
      const [a, b] = this.vacated[k];
      if (a > at && !this.zeros(at, a)) return false;
      at = Math.max(at, b);
    }
    return at >= stop || this.zeros(at, stop);
  }

  private zeros(from: number, to: number): boolean {
    const piece = 1 << 20;
    for (let at = from; at < to; at += piece) {
      const n = Math.min(piece, to - at);
      if (this.budget < n) return false;
      this.budget -= n;
      if (!allZero(this.state.read(at, n))) return false;
    }
    return true;
  }

  private gridUp(v: number): number {
    return this.origin + roundUp(Math.max(0, v - this.origin), this.g.clusterSize);
  }
}

/** Index of the first range, in ranges sorted by start with ends ascending, whose end is past `at`. */
function firstEndingAfter(ranges: ReadonlyArray<readonly [number, number]>, at: number): number {
  let lo = 0;
  let hi = ranges.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ranges[mid][1] <= at) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function allZero(b: Uint8Array): boolean {
  for (let i = 0; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}
