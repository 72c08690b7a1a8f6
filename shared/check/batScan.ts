import { Geometry } from '../format/geometry';
import { MetadataRange, overlaps, slotOrigin } from './metadata';

/** Problems a single BAT entry can have, as bits. */
export const enum EntryFlag {
  BeyondEof = 1,
  BeforeData = 2,
  Misaligned = 4,
  BeyondDisk = 8,
  Duplicate = 16,
  OverlapsMetadata = 32,
}

/**
 * The result of the one pass over the BAT that the BAT and space rules share. A 16M-entry BAT is scanned in a
 * single tight loop over a typed array: per-entry rule dispatch would cost several times more.
 */
export interface BatScan {
  allocated: number;
  /** Indices of entries with at least one problem, ascending. */
  problemIndex: Uint32Array;
  problemFlags: Uint8Array;
  /** For duplicates: the index of the earliest entry whose host range overlaps this one's. */
  problemPeer: Int32Array;
  problemCount: number;
  /** End of the last byte range in use (header, BAT, data clusters inside the file, metadata clusters). */
  usedEnd: number;
  /** Cluster-sized ranges in the data area below `usedEnd` that nothing uses: [start, end) pairs, merged. */
  holes: Array<[number, number]>;
}

/** Entries of the first, type-feedback-gathering piece of `BatScanner.feed`. */
const WARM_UP_ENTRIES = 64;

/** Above this many slots, overlap detection sorts instead of keeping a bitmap (memory stays O(entries)). */
const MAX_BITMAP_SLOTS = 1 << 28;

export function scanBat(g: Geometry, bat: Uint32Array, metadata: readonly MetadataRange[]): BatScan {
  const scanner = new BatScanner(g, bat);
  scanner.feed(0, bat.length);
  return scanner.finish(metadata);
}

/**
 * The BAT pass in pieces: `feed` scans a range of entries (as they arrive from the file, or between turns of an
 * event loop), `finish` runs the cross-entry checks once all are in. Feeding the ranges in any order, each once,
 * gives the same result as one pass.
 */
export class BatScanner {
  private readonly problems = new ProblemList();
  private readonly seen: Int32Array | undefined;
  /** Without the bitmap, regular entries' indices are kept and sorted by host offset afterwards. */
  private readonly regularList: Uint32Array | undefined;
  private regularCount = 0;
  private readonly irregular: number[] = [];
  private allocated = 0;
  private maxInFile = -1;
  /**
   * Allocated entries whose host cluster does not directly follow the previous entry's, when that one is allocated
   * too: qemu-img check's "fragmented" count.
   */
  fragmented = 0;
  private readonly pieceStarts: number[] = [];
  private warmedUp = false;
  // Every per-entry test is an integer comparison in BAT-entry units, precomputed from the byte-offset rules:
  // host offsets reach 2^44, and double arithmetic (fmod above all) would cost 10x in the loop.
  private readonly perCluster: number;
  private readonly shift: number;
  private readonly originUnits: number;
  /** e < dataStart  <=>  host < dataOffset */
  private readonly dataStart: number;
  /** e > lastWhole  <=>  host + cluster > fileSize */
  private readonly lastWhole: number;
  /** e < inFile  <=>  host < fileSize */
  private readonly inFile: number;

  constructor(
    private readonly g: Geometry,
    private readonly bat: Uint32Array,
  ) {
    const origin = slotOrigin(g);
    const limitSlots = Math.ceil(Math.max(0, g.fileSize - origin) / g.clusterSize);
    if (limitSlots <= MAX_BITMAP_SLOTS) this.seen = new Int32Array(Math.ceil(limitSlots / 32) + 1);
    else this.regularList = new Uint32Array(bat.length);
    this.perCluster = small(g.clusterSize / g.unit);
    this.shift = (this.perCluster & (this.perCluster - 1)) === 0 ? small(Math.log2(this.perCluster)) : -1;
    this.originUnits = small(origin / g.unit);
    this.dataStart = small(Math.ceil(g.dataOffset / g.unit));
    this.lastWhole = small(Math.floor((g.fileSize - g.clusterSize) / g.unit));
    this.inFile = small(Math.ceil(g.fileSize / g.unit));
  }

  feed(from: number, to: number): void {
    // The first feed runs a few entries alone, so that the code after the hot loop has type feedback when the loop
    // gets optimised on stack: otherwise the optimised code deoptimises at every loop exit, and a BAT fed in pieces
    // runs mostly unoptimised (twice as slow).
    if (!this.warmedUp && to - from > WARM_UP_ENTRIES) {
      this.warmedUp = true;
      this.feed(from, from + WARM_UP_ENTRIES);
      from += WARM_UP_ENTRIES;
    }
    this.warmedUp = true;
    const { bat, seen, originUnits, dataStart } = this;
    // The pair (from - 1, from) straddles pieces fed in any order: it is counted in finish().
    if (from > 0 && from < to) this.pieceStarts.push(from);
    if (!seen || this.shift < 0) {
      for (let i = from; i < to; i++) if (bat[i] !== 0) this.classify(i, bat[i]);
      this.fragmented += countFragmented(bat, this.perCluster, from + 1, to);
      return;
    }
    // The common case in a tight loop: an entry inside the data area, inside the file, on the cluster grid, within
    // the disk, is only checked for duplicates (and fragmentation). Anything else takes the full classification.
    // One unsigned comparison tests dataStart <= e <= lastWhole (entries are below 2^32, so lastWhole is capped).
    const span = Math.min(this.lastWhole, 0xffffffff) - dataStart;
    const mask = this.perCluster - 1;
    const shift = this.shift;
    const step = this.perCluster;
    const regularEnd = Math.min(to, this.g.diskClusters);
    let allocated = 0;
    let fragmented = 0;
    let prev = 0;
    for (let i = from; i < regularEnd; i++) {
      const e = bat[i];
      if (e === 0) {
        prev = 0;
        continue;
      }
      if (prev !== 0 && prev + step !== e) fragmented++;
      prev = e;
      const d = e - originUnits;
      if ((e - dataStart) >>> 0 > span || (d & mask) !== 0) {
        this.classify(i, e);
        continue;
      }
      // The highest regular entry (part of usedEnd) is read from the bitmap in finish(), not tracked here.
      allocated++;
      const slot = d >>> shift;
      // Images written front to back hold long runs of consecutive clusters: 32 of them starting on a bitmap word
      // fill that word at once (one comparison per entry instead of the bit test and set).
      if ((slot & 31) === 0 && i + 32 <= regularEnd && seen[slot >>> 5] === 0 && (bat[i + 31] - dataStart) >>> 0 <= span) {
        let k = 1;
        while (k < 32 && bat[i + k] === e + k * step) k++;
        if (k === 32) {
          seen[slot >>> 5] = -1;
          allocated += 31;
          prev = bat[i + 31];
          i += 31;
          continue;
        }
      }
      const bit = 1 << (slot & 31);
      const word = seen[slot >>> 5];
      if ((word & bit) !== 0) this.problems.add(i, EntryFlag.Duplicate);
      else seen[slot >>> 5] = word | bit;
    }
    this.allocated += allocated;
    this.fragmented += fragmented;
    const tail = Math.max(from, regularEnd);
    for (let i = tail; i < to; i++) if (bat[i] !== 0) this.classify(i, bat[i]);
    this.fragmented += countFragmented(bat, step, Math.max(from + 1, tail), to);
  }

  /** The entry value of the highest slot marked in the bitmap, or -1. */
  private highestRegular(seen: Int32Array): number {
    for (let w = seen.length - 1; w >= 0; w--) {
      if (seen[w] === 0) continue;
      const slot = w * 32 + 31 - Math.clz32(seen[w]);
      return slot * this.perCluster + this.originUnits;
    }
    return -1;
  }

  /** The full tests of one allocated entry. */
  private classify(i: number, e: number): void {
    const { seen, perCluster, shift, originUnits } = this;
    this.allocated++;
    let flags = 0;
    if (e > this.lastWhole) flags |= EntryFlag.BeyondEof;
    if (i >= this.g.diskClusters) flags |= EntryFlag.BeyondDisk;
    let slot = -1;
    if (e < this.dataStart) flags |= EntryFlag.BeforeData;
    else {
      const d = e - originUnits;
      const aligned = shift >= 0 ? (d & (perCluster - 1)) === 0 : d % perCluster === 0;
      if (aligned) slot = shift >= 0 ? d >>> shift : d / perCluster;
      else flags |= EntryFlag.Misaligned;
    }
    if (e < this.inFile) {
      if (e > this.maxInFile) this.maxInFile = e;
      if (slot < 0) this.irregular.push(i);
      else if (seen) {
        const bit = 1 << (slot & 31);
        if ((seen[slot >>> 5] & bit) !== 0) flags |= EntryFlag.Duplicate;
        else seen[slot >>> 5] |= bit;
      } else if (this.regularList) this.regularList[this.regularCount++] = i;
    }
    if (flags !== 0) this.problems.add(i, flags);
  }

  finish(metadata: readonly MetadataRange[]): BatScan {
    const { g, bat, problems, irregular } = this;
    for (const i of this.pieceStarts) this.fragmented += countFragmented(bat, this.perCluster, i, i + 1);
    this.pieceStarts.length = 0;
    if (this.seen) this.maxInFile = Math.max(this.maxInFile, this.highestRegular(this.seen));
    let usedEnd = Math.max(g.batEnd, Math.min(g.dataOffset, g.fileSize));
    if (this.maxInFile >= 0) usedEnd = Math.max(usedEnd, this.maxInFile * g.unit + g.clusterSize);
    for (const m of metadata) usedEnd = Math.max(usedEnd, m.end);
    const occupied = this.seen
      ? new BitmapSlots(this.seen)
      : sortedSlots(bat, (this.regularList as Uint32Array).subarray(0, this.regularCount), g, problems);
    markIrregularOverlaps(g, bat, irregular, occupied, problems);
    if (metadata.length > 0) markMetadataOverlaps(g, bat, metadata, problems);
    problems.resolvePeers(bat);
    const holes = findHoles(g, bat, occupied, irregular, metadata, usedEnd);
    return { allocated: this.allocated, ...problems.finish(), usedEnd, holes };
  }
}

/** Entries i in [from, to) that are fragmented relative to entry i - 1 (from >= 1). */
function countFragmented(bat: Uint32Array, step: number, from: number, to: number): number {
  let n = 0;
  for (let i = Math.max(1, from); i < to; i++) {
    const prev = bat[i - 1];
    const e = bat[i];
    if (e !== 0 && prev !== 0 && prev + step !== e) n++;
  }
  return n;
}

/** An integer in int32 range as a small integer, so the JIT compares entries without float conversions. */
function small(v: number): number {
  return v >= -0x80000000 && v <= 0x7fffffff ? v | 0 : v;
}

/** Growable columns of (index, flags, peer); entries may be flagged again later (overlap passes). */
class ProblemList {
  private index = new Uint32Array(64);
  private flags = new Uint8Array(64);
  private count = 0;
  private late = new Map<number, number>();
  private peers = new Map<number, number>();

  add(i: number, flags: number): void {
    if (this.count === this.index.length) {
      const index = new Uint32Array(this.count * 2);
      index.set(this.index);
      const f = new Uint8Array(this.count * 2);
      f.set(this.flags);
      this.index = index;
      this.flags = f;
    }
    this.index[this.count] = i;
    this.flags[this.count++] = flags;
  }

  /** Flags an entry found by a later pass (it may already be listed). */
  mark(i: number, flags: number, peer?: number): void {
    this.late.set(i, (this.late.get(i) ?? 0) | flags);
    if (peer !== undefined && !this.peers.has(i)) this.peers.set(i, peer);
  }

  /**
   * Duplicates found by the bitmap know only that their slot was taken: find each slot's first owner with one
   * more pass, needed only when there are duplicates.
   */
  resolvePeers(bat: Uint32Array): void {
    const wanted = new Map<number, number>();
    for (let k = 0; k < this.count; k++) {
      if ((this.flags[k] & EntryFlag.Duplicate) !== 0 && !this.peers.has(this.index[k])) wanted.set(bat[this.index[k]], -1);
    }
    if (wanted.size === 0) return;
    for (let i = 0; i < bat.length; i++) {
      const e = bat[i];
      if (e !== 0 && wanted.get(e) === -1) wanted.set(e, i);
    }
    for (let k = 0; k < this.count; k++) {
      const i = this.index[k];
      if ((this.flags[k] & EntryFlag.Duplicate) !== 0 && !this.peers.has(i)) this.peers.set(i, wanted.get(bat[i]) ?? -1);
    }
  }

  finish(): Pick<BatScan, 'problemIndex' | 'problemFlags' | 'problemPeer' | 'problemCount'> {
    // The common case, entries listed once in BAT order and no later marks, needs no map and no sort (a BAT with
    // 500k bad entries spent over a second per scan here).
    if (this.late.size === 0 && ascending(this.index, this.count)) {
      const problemIndex = this.index.slice(0, this.count);
      const problemPeer = new Int32Array(this.count).fill(-1);
      if (this.peers.size > 0) for (let k = 0; k < this.count; k++) problemPeer[k] = this.peers.get(problemIndex[k]) ?? -1;
      return { problemIndex, problemFlags: this.flags.slice(0, this.count), problemPeer, problemCount: this.count };
    }
    const merged = new Map<number, number>();
    for (let k = 0; k < this.count; k++) merged.set(this.index[k], this.flags[k]);
    for (const [i, f] of this.late) merged.set(i, (merged.get(i) ?? 0) | f);
    const order = [...merged.keys()].sort((a, b) => a - b);
    const problemIndex = Uint32Array.from(order);
    const problemFlags = Uint8Array.from(order, (i) => merged.get(i) ?? 0);
    const problemPeer = Int32Array.from(order, (i) => this.peers.get(i) ?? -1);
    return { problemIndex, problemFlags, problemPeer, problemCount: order.length };
  }
}

/** Whether the first `count` values strictly increase. */
function ascending(a: Uint32Array, count: number): boolean {
  for (let k = 1; k < count; k++) if (a[k] <= a[k - 1]) return false;
  return true;
}

/** Which cluster slots of the data area regular (aligned, in-data) entries occupy. */
export interface OccupiedSlots {
  has(slot: number): boolean;
  /** Free slots in [from, to), as merged [first, end) slot runs. */
  freeRuns(from: number, to: number): Array<[number, number]>;
}

class BitmapSlots implements OccupiedSlots {
  constructor(private readonly bits: Int32Array) {}

  has(slot: number): boolean {
    return slot >= 0 && slot < this.bits.length * 32 && (this.bits[slot >>> 5] & (1 << (slot & 31))) !== 0;
  }

  freeRuns(from: number, to: number): Array<[number, number]> {
    const runs: Array<[number, number]> = [];
    let runStart = -1;
    for (let s = from; s < to; s++) {
      // Whole words in use are skipped at once: dense images cost a word test per 32 clusters.
      if ((s & 31) === 0 && s + 32 <= to && runStart < 0 && this.bits[s >>> 5] === -1) {
        s += 31;
        continue;
      }
      const used = this.has(s);
      if (!used && runStart < 0) runStart = s;
      else if (used && runStart >= 0) {
        runs.push([runStart, s]);
        runStart = -1;
      }
    }
    if (runStart >= 0) runs.push([runStart, to]);
    return runs;
  }
}

class SortedSlots implements OccupiedSlots {
  /** Unique occupied slots, ascending. */
  constructor(private readonly slots: Float64Array) {}

  has(slot: number): boolean {
    let lo = 0;
    let hi = this.slots.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.slots[mid] < slot) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.slots.length && this.slots[lo] === slot;
  }

  freeRuns(from: number, to: number): Array<[number, number]> {
    const runs: Array<[number, number]> = [];
    let next = from;
    for (const s of this.slots) {
      if (s < next) continue;
      if (s >= to) break;
      if (s > next) runs.push([next, s]);
      next = s + 1;
    }
    if (next < to) runs.push([next, to]);
    return runs;
  }
}

/** The fallback for huge sparse slot spaces: sort regular entries by host offset; equal neighbours are duplicates. */
function sortedSlots(bat: Uint32Array, regular: Uint32Array, g: Geometry, problems: ProblemList): SortedSlots {
  regular.sort((a, b) => bat[a] - bat[b] || a - b);
  const unique: number[] = [];
  const origin = slotOrigin(g);
  for (let k = 0; k < regular.length; k++) {
    const i = regular[k];
    if (k > 0 && bat[regular[k - 1]] === bat[i]) {
      let first = k - 1;
      while (first > 0 && bat[regular[first - 1]] === bat[i]) first--;
      problems.mark(i, EntryFlag.Duplicate, regular[first]);
    } else unique.push((bat[i] * g.unit - origin) / g.clusterSize);
  }
  return new SortedSlots(Float64Array.from(unique));
}

/**
 * Misaligned and before-data entries cover parts of one or two slots and may overlap each other: compare them
 * with the regular slots they touch and, sorted by host offset, with each other. They are few in real images.
 */
function markIrregularOverlaps(
  g: Geometry,
  bat: Uint32Array,
  irregular: number[],
  occupied: OccupiedSlots,
  problems: ProblemList,
): void {
  if (irregular.length === 0) return;
  const origin = slotOrigin(g);
  for (const i of irregular) {
    const host = bat[i] * g.unit;
    const first = Math.floor((host - origin) / g.clusterSize);
    const last = Math.floor((host + g.clusterSize - 1 - origin) / g.clusterSize);
    for (let s = first; s <= last; s++) {
      const slotHost = origin + s * g.clusterSize;
      if (slotHost >= g.dataOffset && occupied.has(s)) {
        problems.mark(i, EntryFlag.Duplicate, indexOfValue(bat, slotHost / g.unit));
      }
    }
  }
  const byHost = [...irregular].sort((a, b) => bat[a] - bat[b] || a - b);
  for (let k = 1; k < byHost.length; k++) {
    // Every earlier entry whose range reaches this one's start overlaps it; ranges are equal-sized, so only the
    // ones within a cluster before it can.
    for (let j = k - 1; j >= 0 && bat[byHost[j]] * g.unit + g.clusterSize > bat[byHost[k]] * g.unit; j--) {
      const [early, late] = byHost[j] < byHost[k] ? [byHost[j], byHost[k]] : [byHost[k], byHost[j]];
      problems.mark(late, EntryFlag.Duplicate, early);
    }
  }
}

function indexOfValue(bat: Uint32Array, value: number): number {
  return bat.indexOf(value);
}

function markMetadataOverlaps(g: Geometry, bat: Uint32Array, metadata: readonly MetadataRange[], problems: ProblemList): void {
  for (let i = 0; i < bat.length; i++) {
    const e = bat[i];
    if (e === 0) continue;
    const host = e * g.unit;
    for (const m of metadata) {
      if (overlaps(host, host + g.clusterSize, m.start, m.end)) problems.mark(i, EntryFlag.OverlapsMetadata);
    }
  }
}

/** Whole clusters of the data area below `usedEnd` that no entry and no metadata uses. */
export function findHoles(
  g: Geometry,
  bat: Uint32Array,
  occupied: OccupiedSlots,
  irregular: number[],
  metadata: readonly MetadataRange[],
  usedEnd: number,
): Array<[number, number]> {
  const origin = slotOrigin(g);
  // A data_off inside the header/BAT (data-off-invalid) must not make the header look like free clusters.
  const from = Math.ceil((Math.max(g.dataOffset, g.batEnd) - origin) / g.clusterSize);
  const to = Math.floor((usedEnd - origin) / g.clusterSize);
  if (to <= from) return [];
  let holes = occupied.freeRuns(from, to).map(([a, b]): [number, number] => [origin + a * g.clusterSize, origin + b * g.clusterSize]);
  const used = [
    ...irregular.map((i) => [bat[i] * g.unit, bat[i] * g.unit + g.clusterSize] as [number, number]),
    ...metadata.map((m) => [m.start, m.end] as [number, number]),
  ];
  for (const [us, ue] of used) holes = holes.flatMap(([hs, he]) => subtract(hs, he, us, ue));
  return holes;
}

function subtract(hs: number, he: number, us: number, ue: number): Array<[number, number]> {
  if (!overlaps(hs, he, us, ue)) return [[hs, he]];
  const out: Array<[number, number]> = [];
  if (us > hs) out.push([hs, us]);
  if (ue < he) out.push([ue, he]);
  return out;
}
