import type { Geometry } from '../format/geometry';
import { type EntryBounds, type EntryTests, entryBounds, entryTests, slotOf } from './entryTests';
import { slotOrigin } from './metadata';

/**
 * The reverse of the BAT: which entries use each host cluster. Built in one linear pass (sorting a 16M-entry BAT
 * by host offset, as a sorted index would, takes seconds) and updated entry by entry when the BAT is edited.
 *
 * Regular entries (inside the file and the data area, on the cluster grid) own exactly one slot of the data area:
 * `owner[slot]` is the lowest such entry plus one (0: none, so a fresh array needs no fill), and slots with
 * several owners (duplicates) list them all in `shared`.
 * Irregular entries (below the data area or off the grid) straddle slots; they are rare and kept sorted by host
 * offset. Entries whose cluster starts past the end of the file cover no host byte and are not indexed.
 */
export interface ClusterIndexState {
  slots: number;
  /** Lowest regular owner of each slot, plus one; 0 when none. */
  owner: Uint32Array;
  /**
   * One bit per slot, set when it has an owner: hole searches read 2 MiB for 16M slots, not 64 MiB. Made on the
   * first hole search (after the first BAT edit), not by `build`, whose time is on the way to first diagnostics.
   */
  used?: Uint32Array;
  shared: Map<number, number[]>;
  /** Irregular entries' indices, ascending by host offset then index. */
  irregular: Uint32Array;
  /** Highest slot with an owner, -1 if none. */
  maxSlot: number;
  allocated: number;
}

/** A dense slot array above this many slots would cost more memory than the index is worth (256 MiB). */
export const MAX_INDEX_SLOTS = 1 << 26;

/** How an entry value sits in the host file. */
export type Placement = { kind: 'none' } | { kind: 'outside' } | { kind: 'regular'; slot: number } | { kind: 'irregular'; host: number };

export class ClusterIndex {
  private readonly origin: number;
  readonly bounds: EntryBounds;

  private constructor(
    readonly geometry: Geometry,
    private readonly s: ClusterIndexState,
    readonly tests: EntryTests,
  ) {
    this.origin = slotOrigin(geometry);
    this.bounds = entryBounds(geometry);
  }

  /** Indexes a BAT; undefined when the file has too many cluster slots for a dense index. */
  static build(g: Geometry, bat: Uint32Array, tests: EntryTests = entryTests()): ClusterIndex | undefined {
    const slots = slotCount(g);
    if (slots > MAX_INDEX_SLOTS) return undefined;
    const owner = new Uint32Array(slots);
    const index = new ClusterIndex(g, { slots, owner, shared: new Map(), irregular: new Uint32Array(0), maxSlot: -1, allocated: 0 }, tests);
    const irregular: number[] = [];
    // The placement tests of `place`: the BAT rules' predicates over integer bounds, without allocations (this
    // loop runs 16M times; the JIT inlines the predicates).
    const b = entryBounds(g);
    const { beforeData, misaligned, startsPastEof } = tests;
    let allocated = 0;
    let maxSlot = -1;
    for (let i = 0; i < bat.length; i++) {
      const e = bat[i];
      if (e === 0) continue;
      allocated++;
      if (startsPastEof(e, b)) continue;
      if (beforeData(e, b) || misaligned(e, b)) {
        irregular.push(i);
        continue;
      }
      const d = e - b.originUnits;
      const slot = b.shift >= 0 ? d >>> b.shift : d / b.perCluster;
      if (owner[slot] === 0) {
        owner[slot] = i + 1;
        if (slot > maxSlot) maxSlot = slot;
      } else index.addToSlot(slot, i);
    }
    index.s.allocated = allocated;
    index.s.maxSlot = Math.max(index.s.maxSlot, maxSlot);
    index.s.irregular = Uint32Array.from(irregular.sort((a, b) => bat[a] - bat[b] || a - b));
    return index;
  }

  /** Rebuilds an index from its state (after a transfer between threads). */
  static fromState(g: Geometry, state: ClusterIndexState, tests: EntryTests = entryTests()): ClusterIndex {
    return new ClusterIndex(g, state, tests);
  }

  /** The state, to post to another thread (transfer `owner.buffer` and `irregular.buffer`). */
  get state(): ClusterIndexState {
    return this.s;
  }

  get allocated(): number {
    return this.s.allocated;
  }

  get slotCount(): number {
    return this.s.slots;
  }

  get irregularCount(): number {
    return this.s.irregular.length;
  }

  /** End of the last regular cluster inside the file, or 0 if there is none. */
  get regularEnd(): number {
    return this.s.maxSlot < 0 ? 0 : this.origin + (this.s.maxSlot + 1) * this.geometry.clusterSize;
  }

  place(value: number): Placement {
    if (value === 0) return { kind: 'none' };
    const t = this.tests;
    const b = this.bounds;
    if (t.startsPastEof(value, b)) return { kind: 'outside' };
    const slot = slotOf(t, value, b);
    return slot < 0 ? { kind: 'irregular', host: value * this.geometry.unit } : { kind: 'regular', slot };
  }

  /** The slot holding a host byte (whether or not anything owns it), or -1 outside the slot space. */
  slotAt(host: number): number {
    const slot = Math.floor((host - this.origin) / this.geometry.clusterSize);
    return slot >= 0 && slot < this.s.slots ? slot : -1;
  }

  slotStart(slot: number): number {
    return this.origin + slot * this.geometry.clusterSize;
  }

  /** Regular owners of a slot, ascending. */
  owners(slot: number): readonly number[] {
    if (slot < 0 || slot >= this.s.slots) return [];
    const first = this.s.owner[slot] - 1;
    if (first < 0) return [];
    return this.s.shared.get(slot) ?? [first];
  }

  /** The lowest regular owner of a slot, or -1. Cheaper than `owners` in loops. */
  firstOwner(slot: number): number {
    return slot >= 0 && slot < this.s.slots ? this.s.owner[slot] - 1 : -1;
  }

  /** Every entry whose cluster covers the host byte, ascending by index. */
  entriesAt(host: number, bat: Uint32Array): number[] {
    const out = [...this.owners(this.slotAt(host))];
    for (const i of this.irregularAround(host, host + 1, bat)) out.push(i);
    return out.length > 1 ? out.sort((a, b) => a - b) : out;
  }

  /** Irregular entries whose clusters overlap [start, end). */
  irregularAround(start: number, end: number, bat: Uint32Array): number[] {
    const list = this.s.irregular;
    if (list.length === 0) return [];
    const g = this.geometry;
    // Clusters are equal-sized: the ones overlapping [start, end) start in (start - cluster, end).
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (bat[list[mid]] * g.unit <= start - g.clusterSize) lo = mid + 1;
      else hi = mid;
    }
    const out: number[] = [];
    for (let k = lo; k < list.length && bat[list[k]] * g.unit < end; k++) out.push(list[k]);
    return out;
  }

  /** Host offsets where irregular clusters start or end, within [start, end): boundaries of what covers a byte. */
  irregularEdges(start: number, end: number, bat: Uint32Array): number[] {
    const g = this.geometry;
    const edges: number[] = [];
    for (const i of this.irregularAround(start, end, bat)) {
      const host = bat[i] * g.unit;
      if (host > start && host < end) edges.push(host);
      if (host + g.clusterSize > start && host + g.clusterSize < end) edges.push(host + g.clusterSize);
    }
    return edges;
  }

  /** Records that entry `index` changed from `previous` to `value`; false when an irregular entry is involved. */
  update(index: number, previous: number, value: number): boolean {
    const before = this.place(previous);
    const after = this.place(value);
    if (before.kind === 'irregular' || after.kind === 'irregular') return false;
    if (previous !== 0) this.s.allocated--;
    if (value !== 0) this.s.allocated++;
    if (before.kind === 'regular') this.removeFromSlot(before.slot, index);
    if (after.kind === 'regular') this.addToSlot(after.slot, index);
    return true;
  }

  private addToSlot(slot: number, index: number): void {
    const s = this.s;
    const first = s.owner[slot] - 1;
    if (s.used) s.used[slot >>> 5] |= 1 << (slot & 31);
    if (first < 0) s.owner[slot] = index + 1;
    else {
      const list = s.shared.get(slot) ?? [first];
      insertSorted(list, index);
      s.shared.set(slot, list);
      s.owner[slot] = list[0] + 1;
    }
    if (slot > s.maxSlot) s.maxSlot = slot;
  }

  private removeFromSlot(slot: number, index: number): void {
    const s = this.s;
    const list = s.shared.get(slot);
    if (list) {
      const at = list.indexOf(index);
      if (at >= 0) list.splice(at, 1);
      if (list.length <= 1) s.shared.delete(slot);
      s.owner[slot] = list.length > 0 ? list[0] + 1 : 0;
    } else if (s.owner[slot] === index + 1) s.owner[slot] = 0;
    if (s.used && s.owner[slot] === 0) s.used[slot >>> 5] &= ~(1 << (slot & 31));
    // The highest owned slot moves down only when its last owner leaves; amortised over the edits that filled it.
    while (s.maxSlot >= 0 && s.owner[s.maxSlot] === 0) s.maxSlot--;
  }

  /** Free slots in [from, to) as merged [first, end) runs: the shape BatScan's hole search wants. */
  freeRuns(from: number, to: number): Array<[number, number]> {
    // Runs after every BAT edit of a 16M-entry image: walks the bit per slot, a 32-bit word at a time where the
    // word is all used or all free.
    const used = this.usedBits();
    const end = Math.min(to, this.s.slots);
    const runs: Array<[number, number]> = [];
    let runStart = -1;
    for (let s = Math.max(0, from); s < end;) {
      const word = used[s >>> 5];
      if ((s & 31) === 0 && s + 32 <= end && (word === 0xffffffff || word === 0)) {
        if (word === 0 && runStart < 0) runStart = s;
        else if (word !== 0 && runStart >= 0) {
          runs.push([runStart, s]);
          runStart = -1;
        }
        s += 32;
        continue;
      }
      const isUsed = (word & (1 << (s & 31))) !== 0;
      if (!isUsed && runStart < 0) runStart = s;
      else if (isUsed && runStart >= 0) {
        runs.push([runStart, s]);
        runStart = -1;
      }
      s++;
    }
    // Slots past the slot space (the file's end) own nothing.
    if (to > end && runStart < 0) runStart = Math.max(end, from);
    if (runStart >= 0 && to > runStart) runs.push([runStart, to]);
    return runs;
  }

  private usedBits(): Uint32Array {
    if (this.s.used) return this.s.used;
    const { owner, slots } = this.s;
    const used = new Uint32Array(Math.ceil(slots / 32));
    for (let s = 0; s < slots; s++) if (owner[s] !== 0) used[s >>> 5] |= 1 << (s & 31);
    this.s.used = used;
    return used;
  }

  has(slot: number): boolean {
    return slot >= 0 && slot < this.s.slots && this.s.owner[slot] !== 0;
  }
}

/** Cluster slots between the slot origin and the end of the file (the last one may be partial). */
export function slotCount(g: Geometry): number {
  return Math.ceil(Math.max(0, g.fileSize - slotOrigin(g)) / g.clusterSize);
}

function insertSorted(list: number[], v: number): void {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (list[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  list.splice(lo, 0, v);
}
