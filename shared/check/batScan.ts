import type { Geometry } from '../format/geometry';
import { BAT_PIECE_ENTRIES } from '../format/batStream';
import type { ProgressCallback } from '../io/progress';
import { type EntryBounds, type EntryTests, entryBounds, entryTests, slotOf } from './entryTests';
import { KERNEL_FILTER_BYTES, KERNEL_PIECE_ENTRIES, type ScanKernel, scanKernel } from './kernels/scanKernel';
import { type MetadataRange, slotOrigin } from './metadata';

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
 * The result of the pass over the BAT that the BAT and space rules share. It holds what the rules report, not the
 * BAT: a check streams a 64 MiB BAT through one small buffer and keeps a bit per host cluster.
 */
export interface BatScan {
  /** BAT entries scanned (the entries the file holds). */
  entries: number;
  allocated: number;
  /**
   * Allocated entries whose host cluster does not directly follow the previous entry's, when that one is allocated
   * too: qemu-img check's "fragmented" count.
   */
  fragmented: number;
  /** Indices of entries with at least one problem, ascending. */
  problemIndex: Uint32Array;
  problemFlags: Uint8Array;
  /** For duplicates: the index of the earliest entry whose host range overlaps this one's. */
  problemPeer: Int32Array;
  /** The value of each entry with a problem. */
  problemValue: Uint32Array;
  problemCount: number;
  /** End of the last byte range in use (header, BAT, data clusters inside the file, metadata clusters). */
  usedEnd: number;
  /** Cluster-sized ranges in the data area below `usedEnd` that nothing uses: [start, end) pairs, merged. */
  holes: Array<[number, number]>;
}

/**
 * One more pass over the BAT: calls `visit` with consecutive pieces of it in order (`chunk[k]` is entry
 * `from + k`), each entry once, until `visit` returns false. A BAT in memory is one piece; a file is read again through a reused buffer (it is in the page cache).
 */
export type BatPass = (visit: (chunk: Uint32Array, from: number) => boolean | void) => void;

export function inMemory(bat: Uint32Array): BatPass {
  return (visit) => visit(bat, 0);
}

/** Entries of the first, type-feedback-gathering piece of `BatScanner.feed`. */
export const WARM_UP_ENTRIES = 64;

/** A piece with at least this share of its entries allocated is scanned by the loop for dense pieces. */
const DENSE_SHARE = 0.875;

/** BATs of fewer entries are scanned by the TypeScript loops unless told otherwise (see the constructor). */
const KERNEL_MIN_ENTRIES = 1 << 16;

/** Above this many slots, overlap detection sorts instead of keeping a bitmap (memory stays O(entries)). */
const MAX_BITMAP_SLOTS = 1 << 28;

export function scanBat(g: Geometry, bat: Uint32Array, metadata: readonly MetadataRange[], tests: EntryTests = entryTests()): BatScan {
  const scanner = new BatScanner(g, tests);
  scanner.feed(bat, 0);
  return scanner.finish(metadata, inMemory(bat));
}

/**
 * `scanBat` fed in pieces, with `onProgress(entries scanned, entries)` after each: the same scan (the pieces go in
 * order), for a caller that says how far it is. A piece per callback, never an entry: 64 calls for 16M entries.
 */
export function scanBatReporting(
  g: Geometry,
  bat: Uint32Array,
  metadata: readonly MetadataRange[],
  onProgress: ProgressCallback,
  pieceEntries = BAT_PIECE_ENTRIES,
): BatScan {
  const scanner = new BatScanner(g);
  const piece = Math.max(1, pieceEntries);
  for (let from = 0; from < bat.length; from += piece) {
    scanner.feed(bat.subarray(from, Math.min(bat.length, from + piece)), from);
    onProgress(Math.min(bat.length, from + piece), bat.length);
  }
  return scanner.finish(metadata, inMemory(bat));
}

/**
 * The BAT pass in pieces: `feed` scans a piece of the BAT as it arrives (from the file, or between turns of an
 * event loop), `finish` runs the cross-entry checks once all are in. Feeding the pieces in any order, each once,
 * gives the same result as one pass, except which of two duplicates counts as the later one.
 *
 * Duplicates and leaks come from one bit per host cluster slot. The bit says a slot is taken, not by whom: the
 * first owner of a slot that turns out to be shared is found by a second pass, which looks up only the entries
 * whose slot is in a second, equally small bitmap of wanted slots. Images without duplicates never pay for it.
 */
export class BatScanner {
  /** Entries scanned so far. */
  entries = 0;
  /** Fragmented entries so far (complete after `finish`). */
  fragmented = 0;
  private readonly b: EntryBounds;
  private readonly problems = new ProblemList();
  private readonly seen: Int32Array | undefined;
  /** The scan's loops in WebAssembly, whose memory holds `seen` (undefined: the TypeScript loops run). */
  private readonly kernel: ScanKernel | undefined;
  /** Slots whose first owner `finish` must find (the slots of duplicates). */
  private wanted: Int32Array | undefined;
  private wantedCount = 0;
  /** The second pass finds every wanted owner below this index (unpassable when Infinity). */
  private ownersBefore = 0;
  /** Without the bitmap, regular entries are kept and sorted by host offset afterwards. */
  private readonly regular: EntryList | undefined;
  private readonly irregular = new EntryList();
  private readonly pieces: Piece[] = [];
  private allocated = 0;
  private maxInFile = -1;
  private warmedUp = false;
  /** Whether the last piece was sparse (then the next one probably is too). */
  private sparse = false;
  /** Positions of allocated entries in a piece (reused). */
  private gathered: Int32Array = new Int32Array(0);
  /** What `markGathered` counted: regular entries, fragmented entries. */
  private readonly counts = new Int32Array(2);

  /**
   * `kernels`: where the WebAssembly loops run. 'auto': for BATs of KERNEL_MIN_ENTRIES or more (a smaller one is
   * scanned in well under a millisecond, and needs no 2 MiB of kernel memory per scan) checked by the rules' own
   * tests, which the kernels restate; 'always', 'never': the tests compare the two.
   */
  constructor(
    private readonly g: Geometry,
    private readonly tests: EntryTests = entryTests(),
    kernels: 'auto' | 'always' | 'never' = 'auto',
  ) {
    this.b = entryBounds(g);
    primeLoops(this.b, tests);
    const limitSlots = Math.ceil(Math.max(0, g.fileSize - slotOrigin(g)) / g.clusterSize);
    if (limitSlots <= MAX_BITMAP_SLOTS) {
      const words = Math.ceil(limitSlots / 32) + 1;
      const useKernels = kernels === 'always' || (kernels === 'auto' && g.batEntries >= KERNEL_MIN_ENTRIES && tests === entryTests());
      this.kernel = useKernels ? scanKernel(this.b, words) : undefined;
      this.seen = this.kernel?.seen ?? new Int32Array(words);
    } else this.regular = new EntryList();
  }

  /** A buffer to read the pieces to feed into (when the kernels run: they then work on each piece in place). */
  get readBuffer(): Uint32Array | undefined {
    return this.kernel?.piece;
  }

  /** Scans entries [from, from + chunk.length), whose values `chunk` holds (it may be reused afterwards). */
  feed(chunk: Uint32Array, from: number): void {
    const n = chunk.length;
    if (n === 0) return;
    // The first feed runs a few entries alone, so that the code after the hot loop has type feedback when the loop
    // gets optimised on stack: otherwise the optimised code deoptimises at every loop exit, and a BAT fed in pieces
    // runs mostly unoptimised (twice as slow).
    // Both loops are warmed so (half the entries each): a BAT that is sparse from its first piece on would otherwise
    // run the sparse loop without that feedback, and deoptimise it at the end of every piece.
    if (!this.warmedUp && n > WARM_UP_ENTRIES) {
      this.warmedUp = true;
      const half = WARM_UP_ENTRIES / 2;
      this.sparse = false;
      this.feed(chunk.subarray(0, half), from);
      this.sparse = true;
      this.feed(chunk.subarray(half, WARM_UP_ENTRIES), from + half);
      this.feed(chunk.subarray(WARM_UP_ENTRIES), from + WARM_UP_ENTRIES);
      return;
    }
    this.warmedUp = true;
    // The pair (from - 1, from) straddles pieces fed in any order: it is counted in finish().
    this.pieces.push({ from, to: from + n, first: chunk[0], last: chunk[n - 1] });
    this.entries += n;
    const regularEnd = Math.max(0, Math.min(n, this.b.diskClusters - from));
    if (this.seen && this.b.shift >= 0) {
      const before = this.allocated;
      if (this.sparse) this.scanSparse(chunk, from, regularEnd, this.seen);
      else this.scanDense(chunk, from, regularEnd, this.seen);
      // Which loop suits the next piece: the one for mostly allocated pieces, or the one for sparse ones.
      this.sparse = this.allocated - before < regularEnd * DENSE_SHARE;
    } else {
      for (let k = 0; k < regularEnd; k++) if (chunk[k] !== 0) this.classify(from + k, chunk[k]);
      this.fragmented += countFragmented(chunk, this.b.perCluster, 1, regularEnd);
    }
    // Entries past the virtual disk are all problems (bat-entry-beyond-disk) when allocated.
    for (let k = regularEnd; k < n; k++) if (chunk[k] !== 0) this.classify(from + k, chunk[k]);
    this.fragmented += countFragmented(chunk, this.b.perCluster, Math.max(1, regularEnd), n);
  }

  /**
   * The common case in a tight loop: an allocated entry that no per-entry rule flags (the rules' own predicates,
   * inlined by the JIT) is only checked for duplicates and fragmentation. Anything else takes `classify`. This
   * loop is for pieces that are mostly allocated: its test for unallocated entries is then well predicted.
   */
  private scanDense(chunk: Uint32Array, from: number, end: number, seen: Int32Array): void {
    if (this.kernel) return this.scanInKernel(chunk, from, end, this.kernel, true);
    const b = this.b;
    const { beforeData, beyondEof, misaligned } = this.tests;
    const shift = b.shift;
    const originUnits = b.originUnits;
    const step = b.perCluster;
    let allocated = 0;
    let fragmented = 0;
    let prev = 0;
    for (let k = 0; k < end; k++) {
      const e = chunk[k];
      if (e === 0) {
        prev = 0;
        continue;
      }
      if (prev !== 0 && prev + step !== e) fragmented++;
      prev = e;
      if (beforeData(e, b) || beyondEof(e, b) || misaligned(e, b)) {
        this.classify(from + k, e);
        continue;
      }
      // The highest regular entry (part of usedEnd) is read from the bitmap in finish(), not tracked here.
      allocated++;
      const slot = (e - originUnits) >>> shift;
      // Images written front to back hold long runs of consecutive clusters: 32 of them starting on a bitmap word
      // fill that word at once (one comparison per entry instead of the bit test and set). The run's last entry
      // is regular if it is inside the file: it is aligned and above the data start, as the first one is.
      if ((slot & 31) === 0 && k + 32 <= end && seen[slot >>> 5] === 0 && chunk[k + 31] === e + 31 * step && !beyondEof(chunk[k + 31], b)) {
        if (isRun(chunk, k, e, step)) {
          seen[slot >>> 5] = -1;
          allocated += 31;
          prev = chunk[k + 31];
          k += 31;
          continue;
        }
      }
      this.take(seen, slot, from + k, e);
    }
    this.allocated += allocated;
    this.fragmented += fragmented;
  }

  /**
   * `scanDense` for sparse pieces, where "is this entry allocated?" is a coin toss the CPU mispredicts: the
   * allocated entries' positions are first gathered without a branch, then scanned with only well-predicted ones
   * (fragmentation, too, is counted by arithmetic). A third faster on a BAT a quarter allocated in random order.
   * The loop itself (`markGathered`) only marks slots; the few entries it cannot settle (irregular ones and
   * duplicates) are handled here afterwards, in index order.
   */
  private scanSparse(chunk: Uint32Array, from: number, end: number, seen: Int32Array): void {
    if (this.kernel) return this.scanInKernel(chunk, from, end, this.kernel, false);
    const at = (this.gathered = reserve(this.gathered, end));
    const n = gatherAllocated(chunk, end, at);
    const counts = this.counts;
    const rare = markGathered(chunk, at, n, seen, this.b, this.tests, counts);
    this.allocated += counts[0];
    this.fragmented += counts[1];
    this.settleRare(chunk, from, at, rare, 0, seen);
  }

  /** `scanDense` or `scanSparse` with the kernel's loops, a kernel piece at a time (the pair across two is counted here). */
  private scanInKernel(chunk: Uint32Array, from: number, end: number, kernel: ScanKernel, dense: boolean): void {
    const step = this.b.perCluster;
    for (let start = 0; start < end; start += KERNEL_PIECE_ENTRIES) {
      const stop = Math.min(end, start + KERNEL_PIECE_ENTRIES);
      kernel.load(chunk, start, stop);
      const rare = dense ? kernel.scanDense(stop - start) : kernel.markGathered(kernel.gatherAllocated(stop - start));
      this.allocated += kernel.regular;
      this.fragmented += kernel.fragmented;
      const before = chunk[start - 1];
      if (start > 0 && before !== 0 && chunk[start] !== 0 && before + step !== chunk[start]) this.fragmented++;
      this.settleRare(chunk, from, kernel.at, rare, start, kernel.seen);
    }
  }

  /**
   * The entries the marking loops left, in index order (positions `at[0..rare)` plus `offset` in `chunk`): irregular
   * ones get the full tests, regular ones are duplicates (their slot was taken when the loop met them).
   */
  private settleRare(chunk: Uint32Array, from: number, at: Int32Array, rare: number, offset: number, seen: Int32Array): void {
    const { beforeData, beyondEof, misaligned } = this.tests;
    const b = this.b;
    for (let r = 0; r < rare; r++) {
      const k = at[r] + offset;
      const e = chunk[k];
      if (beforeData(e, b) || beyondEof(e, b) || misaligned(e, b)) this.classify(from + k, e);
      else {
        this.allocated++;
        this.take(seen, (e - b.originUnits) >>> b.shift, from + k, e);
      }
    }
  }

  /** Marks a regular entry's slot as taken; a slot taken already makes it a duplicate. Small: inlined in the loops. */
  private take(seen: Int32Array, slot: number, i: number, e: number): void {
    const bit = 1 << (slot & 31);
    const word = seen[slot >>> 5];
    if ((word & bit) !== 0) this.duplicate(i, e, slot);
    else seen[slot >>> 5] = word | bit;
  }

  /** A regular entry whose slot an earlier entry holds: flagged now, its peer found in `finish`. */
  private duplicate(i: number, e: number, slot: number): void {
    this.problems.add(i, EntryFlag.Duplicate, e);
    this.want(slot, i);
  }

  /**
   * Asks `finish` for the first owner of a slot. `before` is an index the owner is known to precede (a later
   * duplicate's), or Infinity: the second pass may stop once it has passed every `before`.
   */
  private want(slot: number, before: number): void {
    const seen = this.seen as Int32Array;
    const wanted = (this.wanted ??= new Int32Array(seen.length));
    const bit = 1 << (slot & 31);
    if ((wanted[slot >>> 5] & bit) === 0) this.wantedCount++;
    wanted[slot >>> 5] |= bit;
    this.ownersBefore = Math.max(this.ownersBefore, before);
  }

  /** The full tests of one allocated entry. */
  private classify(i: number, e: number): void {
    const { b, tests, seen } = this;
    this.allocated++;
    let flags = 0;
    if (tests.beyondEof(e, b)) flags |= EntryFlag.BeyondEof;
    if (tests.beyondDisk(i, b)) flags |= EntryFlag.BeyondDisk;
    if (tests.beforeData(e, b)) flags |= EntryFlag.BeforeData;
    else if (tests.misaligned(e, b)) flags |= EntryFlag.Misaligned;
    if (!tests.startsPastEof(e, b)) {
      if (e > this.maxInFile) this.maxInFile = e;
      if ((flags & (EntryFlag.BeforeData | EntryFlag.Misaligned)) !== 0) this.irregular.push(i, e);
      else if (seen) {
        const slot = slotOfRegular(e, b);
        const bit = 1 << (slot & 31);
        if ((seen[slot >>> 5] & bit) !== 0) {
          flags |= EntryFlag.Duplicate;
          this.want(slot, i);
        } else seen[slot >>> 5] |= bit;
      } else this.regular?.push(i, e);
    }
    if (flags !== 0) this.problems.add(i, flags, e);
  }

  /** The cross-entry checks, once every entry was fed; `again` streams the BAT once more if they need it. */
  finish(metadata: readonly MetadataRange[], again: BatPass): BatScan {
    const { g, b, problems, irregular } = this;
    this.fragmented += countPieceEdges(this.pieces, b.perCluster);
    this.pieces.length = 0;
    if (this.seen) this.maxInFile = Math.max(this.maxInFile, this.highestRegular(this.seen));
    let usedEnd = Math.max(g.batEnd, Math.min(g.dataOffset, g.fileSize));
    if (this.maxInFile >= 0) usedEnd = Math.max(usedEnd, this.maxInFile * g.unit + g.clusterSize);
    for (const m of metadata) usedEnd = Math.max(usedEnd, m.end);
    const sorted = this.regular ? sortedSlots(this.regular, b, problems) : undefined;
    const occupied: OccupiedSlots = sorted ?? new BitmapSlots(this.seen as Int32Array);
    const touched = this.irregularTouches(occupied);
    // An irregular entry's overlap may be with a later entry: the owner of its slot can be anywhere.
    for (const s of touched) if (!sorted) this.want(s.slot, Infinity);
    let ownerOf: (slot: number) => number = (slot) => sorted?.ownerOf(slot) ?? -1;
    if (this.wanted || metadata.length > 0) {
      const owners = this.secondPass(again, metadata);
      if (!sorted) ownerOf = (slot) => owners.get(slot) ?? -1;
    }
    for (const s of touched) problems.mark(s.index, s.value, EntryFlag.Duplicate, ownerOf(s.slot));
    markIrregularOverlaps(g, irregular, problems);
    problems.resolvePeers((value) => ownerOf(slotOfRegular(value, b)));
    const holes = findHoles(g, occupied, irregular.values(), metadata, usedEnd);
    return { entries: this.entries, allocated: this.allocated, fragmented: this.fragmented, ...problems.finish(), usedEnd, holes };
  }

  /** The entry value of the highest slot marked in the bitmap, or -1. */
  private highestRegular(seen: Int32Array): number {
    for (let w = seen.length - 1; w >= 0; w--) {
      if (seen[w] === 0) continue;
      const slot = w * 32 + 31 - Math.clz32(seen[w]);
      return slot * this.b.perCluster + this.b.originUnits;
    }
    return -1;
  }

  /**
   * Misaligned and before-data entries cover parts of one or two slots: the occupied slots they touch (above the
   * data start) are overlaps with those slots' first owners. They are few in real images.
   */
  private irregularTouches(occupied: OccupiedSlots): Array<{ index: number; value: number; slot: number }> {
    const { g, irregular } = this;
    const out: Array<{ index: number; value: number; slot: number }> = [];
    const origin = slotOrigin(g);
    for (let k = 0; k < irregular.count; k++) {
      const host = irregular.value[k] * g.unit;
      const first = Math.floor((host - origin) / g.clusterSize);
      const last = Math.floor((host + g.clusterSize - 1 - origin) / g.clusterSize);
      for (let s = first; s <= last; s++) {
        if (origin + s * g.clusterSize >= g.dataOffset && occupied.has(s)) out.push({ index: irregular.index[k], value: irregular.value[k], slot: s });
      }
    }
    return out;
  }

  /**
   * The pass for what the first one could not know: the first owner of each wanted slot, and which entries share
   * bytes with the metadata ranges. The slots concerned are few: they are hashed into a filter of 64 Ki one-byte
   * buckets that stays in the CPU's second-level cache, so that the pass costs a cached load per entry; the few
   * entries that pass the filter (wanted ones and 1 in ~60 others at 1000 wanted slots) are looked at apart.
   * Entries off the slot grid always pass.
   */
  private secondPass(again: BatPass, metadata: readonly MetadataRange[]): Map<number, number> {
    const { b, g, problems, wanted, tests } = this;
    const owners = new Map<number, number>();
    const kernel = this.kernel;
    const filter = kernel?.filter.fill(0) ?? new Uint8Array(SMALL_FILTER_BUCKETS);
    let buckets = 0;
    const add = (slot: number): void => {
      buckets += 1 - filter[slot & (SMALL_FILTER_BUCKETS - 1)];
      filter[slot & (SMALL_FILTER_BUCKETS - 1)] = 1;
    };
    if (wanted)
      for (let w = 0; w < wanted.length; w++) if (wanted[w] !== 0) for (let bit = 0; bit < 32; bit++) if ((wanted[w] & (1 << bit)) !== 0) add(w * 32 + bit);
    for (const slot of metadataSlots(g, metadata)) add(slot);
    let hits: Int32Array = new Int32Array(0);
    // Without metadata (whose tests concern entries off the slot grid too) and when unallocated entries do not
    // hash to a wanted bucket, one branch-free loop over all entries finds the candidates.
    const zeroBucket = b.shift >= 0 ? ((0 - b.originUnits) >>> b.shift) & (SMALL_FILTER_BUCKETS - 1) : -1;
    const hashed = metadata.length === 0 && zeroBucket >= 0 && filter[zeroBucket] === 0;
    // That loop branches on the filter when few buckets are set (the branch is then well predicted, and the loop
    // has no dependency from one entry to the next: a third faster on a scattered BAT with 1000 duplicates).
    const rare = kernel
      ? (chunk: Uint32Array, _b: EntryBounds, _t: EntryTests, _f: Uint8Array, out: Int32Array) => gatherRareInKernel(kernel, chunk, out)
      : gatherRare;
    const gather = !hashed ? gatherWanted : buckets <= SMALL_FILTER_BUCKETS / 16 ? rare : gatherHashed;
    // Without metadata to test, the pass may stop when every wanted owner is found, or past the last duplicate.
    const done = (to: number): boolean => metadata.length === 0 && (owners.size === this.wantedCount || to >= this.ownersBefore);
    again((chunk, from) => {
      hits = reserve(hits, chunk.length);
      const n = gather(chunk, b, tests, filter, hits);
      for (let h = 0; h < n; h++) {
        const i = from + hits[h];
        const e = chunk[hits[h]];
        const slot = slotOf(tests, e, b);
        if (slot >= 0 && wanted && (wanted[slot >>> 5] & (1 << (slot & 31))) !== 0) {
          const known = owners.get(slot);
          if (known === undefined || i < known) owners.set(slot, i);
        }
        // The host offset (up to 2^44, a double) only when there is metadata to test: unused, it cost a heap number
        // per candidate until the loop was optimised.
        if (metadata.length > 0 && tests.overlapsMetadata(e * g.unit, e * g.unit + g.clusterSize, metadata)) problems.mark(i, e, EntryFlag.OverlapsMetadata);
      }
      return !done(from + chunk.length);
    });
    return owners;
  }
}

/** Buckets of the second pass's filter, a byte each (64 KiB: a byte load is cheaper than a bit test). */
const SMALL_FILTER_BUCKETS = KERNEL_FILTER_BYTES;

/** `gatherRare` by the kernel (on its filter), a kernel piece of `chunk` at a time. */
function gatherRareInKernel(kernel: ScanKernel, chunk: Uint32Array, hits: Int32Array): number {
  let m = 0;
  for (let start = 0; start < chunk.length; start += KERNEL_PIECE_ENTRIES) {
    const stop = Math.min(chunk.length, start + KERNEL_PIECE_ENTRIES);
    kernel.load(chunk, start, stop);
    const found = kernel.gatherRare(stop - start);
    for (let h = 0; h < found; h++) hits[m++] = kernel.at[h] + start;
  }
  return m;
}

/** The slot of an entry known to be regular (in the data area, on its grid). */
function slotOfRegular(e: number, b: EntryBounds): number {
  const d = e - b.originUnits;
  return b.shift >= 0 ? d >>> b.shift : d / b.perCluster;
}

/** The slots metadata ranges touch. */
function metadataSlots(g: Geometry, metadata: readonly MetadataRange[]): number[] {
  const origin = slotOrigin(g);
  const out: number[] = [];
  for (const m of metadata) {
    const first = Math.max(0, Math.floor((m.start - origin) / g.clusterSize));
    const last = Math.floor((m.end - 1 - origin) / g.clusterSize);
    for (let s = first; s <= last; s++) out.push(s);
  }
  return out;
}

/**
 * Positions in `chunk` of the allocated entries whose slot's hash is in `filter`, or that occupy no slot (off the grid,
 * below the data area, past the end): the candidates of the second pass, into `hits`; returns their count.
 */
function gatherWanted(chunk: Uint32Array, b: EntryBounds, tests: EntryTests, filter: Uint8Array, hits: Int32Array): number {
  const { beforeData, misaligned, startsPastEof } = tests;
  const shift = b.shift;
  const originUnits = b.originUnits;
  const n = gatherAllocated(chunk, chunk.length, hits);
  let m = 0;
  for (let j = 0; j < n; j++) {
    const k = hits[j];
    const e = chunk[k];
    if (startsPastEof(e, b) || beforeData(e, b) || misaligned(e, b) || shift < 0) hits[m++] = k;
    else {
      if (filter[((e - originUnits) >>> shift) & (SMALL_FILTER_BUCKETS - 1)] !== 0) hits[m++] = k;
    }
  }
  return m;
}

/**
 * Positions in `chunk` of the entries whose would-be slot hashes to a bucket of `filter`, in one loop without a
 * branch (every position is written; the count advances by the filter's byte, 0 or 1). Unallocated and irregular entries
 * that pass are told apart by the caller; the unallocated entries' bucket must not be in the filter.
 */
function gatherHashed(chunk: Uint32Array, b: EntryBounds, _tests: EntryTests, filter: Uint8Array, hits: Int32Array): number {
  const shift = b.shift;
  const originUnits = b.originUnits;
  let m = 0;
  for (let k = 0; k < chunk.length; k++) {
    hits[m] = k;
    m += filter[((chunk[k] - originUnits) >>> shift) & (SMALL_FILTER_BUCKETS - 1)];
  }
  return m;
}

/**
 * `gatherHashed` with a branch on the filter, for a filter with few buckets set (the branch is rarely taken). Four
 * entries a turn, with one branch on their buckets together: a fifth less time per entry than one at a time.
 */
function gatherRare(chunk: Uint32Array, b: EntryBounds, _tests: EntryTests, filter: Uint8Array, hits: Int32Array): number {
  const shift = b.shift;
  const o = b.originUnits;
  const mask = SMALL_FILTER_BUCKETS - 1;
  const n = chunk.length;
  let m = 0;
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const f0 = filter[((chunk[k] - o) >>> shift) & mask];
    const f1 = filter[((chunk[k + 1] - o) >>> shift) & mask];
    const f2 = filter[((chunk[k + 2] - o) >>> shift) & mask];
    const f3 = filter[((chunk[k + 3] - o) >>> shift) & mask];
    if ((f0 | f1 | f2 | f3) === 0) continue;
    if (f0 !== 0) hits[m++] = k;
    if (f1 !== 0) hits[m++] = k + 1;
    if (f2 !== 0) hits[m++] = k + 2;
    if (f3 !== 0) hits[m++] = k + 3;
  }
  for (; k < n; k++) if (filter[((chunk[k] - o) >>> shift) & mask] !== 0) hits[m++] = k;
  return m;
}

/**
 * Writes the positions k < end of allocated entries to `at` and returns their count, without a branch: every
 * position is written, and the count advances by 1 for an allocated entry ((e | -e) >>> 31 is 1 for any e != 0).
 * Four entries a turn (a fifth less time per entry: the loop's own work is most of it).
 */
function gatherAllocated(chunk: Uint32Array, end: number, at: Int32Array): number {
  let n = 0;
  let k = 0;
  for (; k + 4 <= end; k += 4) {
    const e0 = chunk[k];
    const e1 = chunk[k + 1];
    const e2 = chunk[k + 2];
    const e3 = chunk[k + 3];
    at[n] = k;
    n += (e0 | -e0) >>> 31;
    at[n] = k + 1;
    n += (e1 | -e1) >>> 31;
    at[n] = k + 2;
    n += (e2 | -e2) >>> 31;
    at[n] = k + 3;
    n += (e3 | -e3) >>> 31;
  }
  for (; k < end; k++) {
    const e = chunk[k];
    at[n] = k;
    n += (e | -e) >>> 31;
  }
  return n;
}

/**
 * The sparse loop's work on the `n` gathered positions `at` of a piece: marks each regular entry's slot in `seen`
 * and counts regular and fragmented entries into `counts`. The entries it cannot settle (irregular ones, and
 * duplicates: regular entries whose slot was taken already) are not handled here: their positions are moved to
 * the front of `at` (in order; the scan has read past them) and their number is returned. A free function with
 * no property access after its loop: the loop is optimised on stack, and code after it without type feedback
 * would deoptimise it at the end of every piece.
 */
function markGathered(chunk: Uint32Array, at: Int32Array, n: number, seen: Int32Array, b: EntryBounds, tests: EntryTests, counts: Int32Array): number {
  const { beforeData, beyondEof, misaligned } = tests;
  const originUnits = b.originUnits;
  const shift = b.shift;
  const step = b.perCluster;
  let regular = 0;
  let fragmented = 0;
  let rare = 0;
  let prevAt = -2;
  let prev = 0;
  for (let j = 0; j < n; j++) {
    const k = at[j];
    const e = chunk[k];
    fragmented += Number(prevAt + 1 === k) & Number(prev + step !== e);
    prevAt = k;
    prev = e;
    if (beforeData(e, b) || beyondEof(e, b) || misaligned(e, b)) {
      at[rare++] = k;
      continue;
    }
    const slot = (e - originUnits) >>> shift;
    const w = slot >>> 5;
    const bit = 1 << (slot & 31);
    const word = seen[w];
    if ((word & bit) !== 0) at[rare++] = k;
    else {
      seen[w] = word | bit;
      regular++;
    }
  }
  counts[0] = regular;
  counts[1] = fragmented;
  return rare;
}

/**
 * Whether chunk[k + 1 .. k + 30] continue the run that starts with `e` (one cluster further each): the differences
 * from the run are or-ed together, five entries a turn, and tested once (a quarter less time per dense entry than
 * a loop that stops at the first mismatch; dense runs seldom break). Modulo 2^32 like the int32 ops that compute
 * it, which is exact here: the caller has checked chunk[k + 31] === e + 31 * step, so the run does not wrap.
 */
function isRun(chunk: Uint32Array, k: number, e: number, step: number): boolean {
  let x = 0;
  for (let d = 1; d < 31; d += 5) {
    const j = k + d;
    x |=
      ((chunk[j] - d * step) ^ e) |
      ((chunk[j + 1] - (d + 1) * step) ^ e) |
      ((chunk[j + 2] - (d + 2) * step) ^ e) |
      ((chunk[j + 3] - (d + 3) * step) ^ e) |
      ((chunk[j + 4] - (d + 4) * step) ^ e);
  }
  return x === 0;
}

/** Whether `primeLoops` ran in this process (type feedback is per function, not per image). */
let primed = false;

/**
 * Runs the sparse loops once on a few made-up entries that take every path (unallocated, regular, duplicate,
 * irregular, the four-a-turn loops' tails), results thrown away. A loop optimised on stack before one of its
 * paths ever ran deoptimises when that path first runs: markGathered did so at the first duplicate of every piece
 * (64 times on a 16M-entry BAT, the rest of each piece then running unoptimised), the gathers at their tails.
 */
function primeLoops(b: EntryBounds, tests: EntryTests): void {
  if (primed || b.shift < 0) return;
  const regular = b.originUnits + Math.max(0, Math.ceil((b.dataStart - b.originUnits) / b.perCluster)) * b.perCluster;
  // The made-up slots must lie inside the made-up bitmap: a load past a typed array's end in the feedback makes the
  // optimised loop handle one at every load, a tenth slower. Images whose data starts that far out go unprimed.
  const words = (((regular - b.originUnits) >>> b.shift) >>> 5) + 2;
  if (words > 1 << 16) return;
  primed = true;
  const irregular = b.perCluster > 1 ? regular + 1 : Math.max(1, b.dataStart - 1);
  // 103 entries (a tail of 3 for the four-a-turn loops), 8 rounds: V8 gives a function its feedback vector only
  // after it has run a while (lazy feedback allocation), and what runs before is not recorded.
  const pattern = [regular, 0, regular, irregular, regular + b.perCluster, 0, b.lastWhole + 1];
  const chunk = Uint32Array.from({ length: 103 }, (_, k) => pattern[k % pattern.length]);
  const at = new Int32Array(chunk.length);
  const seen = new Int32Array(words);
  const filter = new Uint8Array(SMALL_FILTER_BUCKETS);
  for (let k = 0; k < 8; k++) {
    filter.fill(k & 1);
    seen.fill(0);
    markGathered(chunk, at, gatherAllocated(chunk, chunk.length, at), seen, b, tests, new Int32Array(2));
    gatherRare(chunk, b, tests, filter, at);
    gatherHashed(chunk, b, tests, filter, at);
    gatherWanted(chunk, b, tests, filter, at);
  }
}

/** `a`, or a larger array when it holds fewer than `n` values. */
function reserve(a: Int32Array, n: number): Int32Array {
  return a.length >= n ? a : new Int32Array(n);
}

interface Piece {
  from: number;
  to: number;
  first: number;
  last: number;
}

/** Fragmented entries at the joins of pieces (an entry and the last one of the piece before it). */
function countPieceEdges(pieces: Piece[], step: number): number {
  const byStart = [...pieces].sort((a, b) => a.from - b.from);
  let n = 0;
  for (let k = 1; k < byStart.length; k++) {
    const prev = byStart[k - 1];
    const next = byStart[k];
    if (prev.to === next.from && prev.last !== 0 && next.first !== 0 && prev.last + step !== next.first) n++;
  }
  return n;
}

/** Entries k in [from, to) of a piece that are fragmented relative to entry k - 1 (from >= 1). */
function countFragmented(chunk: Uint32Array, step: number, from: number, to: number): number {
  let n = 0;
  for (let k = Math.max(1, from); k < to; k++) {
    const prev = chunk[k - 1];
    const e = chunk[k];
    if (e !== 0 && prev !== 0 && prev + step !== e) n++;
  }
  return n;
}

/** Growable columns of (index, value): the entries a scan keeps (few, except in the sorting fallback). */
class EntryList {
  index = new Uint32Array(16);
  value = new Uint32Array(16);
  count = 0;

  push(i: number, e: number): void {
    if (this.count === this.index.length) {
      this.index = grow(this.index);
      this.value = grow(this.value);
    }
    this.index[this.count] = i;
    this.value[this.count++] = e;
  }

  values(): Uint32Array {
    return this.value.subarray(0, this.count);
  }
}

function grow<T extends Uint32Array | Uint8Array>(a: T): T {
  const b = new (a.constructor as new (n: number) => T)(a.length * 2);
  b.set(a);
  return b;
}

/** Growable columns of (index, flags, value, peer); entries may be flagged again later (overlap passes). */
class ProblemList {
  private index = new Uint32Array(64);
  private flags = new Uint8Array(64);
  private value = new Uint32Array(64);
  private count = 0;
  private late = new Map<number, { flags: number; value: number }>();
  private peers = new Map<number, number>();

  add(i: number, flags: number, value: number): void {
    if (this.count === this.index.length) {
      this.index = grow(this.index);
      this.flags = grow(this.flags);
      this.value = grow(this.value);
    }
    this.index[this.count] = i;
    this.value[this.count] = value;
    this.flags[this.count++] = flags;
  }

  /** Flags an entry found by a later pass (it may already be listed). */
  mark(i: number, value: number, flags: number, peer?: number): void {
    const known = this.late.get(i);
    if (known) known.flags |= flags;
    else this.late.set(i, { flags, value });
    if (peer !== undefined && !this.peers.has(i)) this.peers.set(i, peer);
  }

  /** Gives each listed duplicate without a peer the first owner of its value's slot. */
  resolvePeers(ownerOfValue: (value: number) => number): void {
    for (let k = 0; k < this.count; k++) {
      if ((this.flags[k] & EntryFlag.Duplicate) !== 0 && !this.peers.has(this.index[k])) this.peers.set(this.index[k], ownerOfValue(this.value[k]));
    }
  }

  finish(): Pick<BatScan, 'problemIndex' | 'problemFlags' | 'problemPeer' | 'problemValue' | 'problemCount'> {
    // The common case, entries listed once in BAT order and no later marks, needs no map and no sort (a BAT with
    // 500k bad entries spent over a second per scan here).
    if (this.late.size === 0 && ascending(this.index, this.count)) {
      const problemIndex = this.index.slice(0, this.count);
      const problemPeer = new Int32Array(this.count).fill(-1);
      if (this.peers.size > 0) for (let k = 0; k < this.count; k++) problemPeer[k] = this.peers.get(problemIndex[k]) ?? -1;
      return {
        problemIndex,
        problemFlags: this.flags.slice(0, this.count),
        problemPeer,
        problemValue: this.value.slice(0, this.count),
        problemCount: this.count,
      };
    }
    const merged = new Map<number, { flags: number; value: number }>();
    for (let k = 0; k < this.count; k++) merged.set(this.index[k], { flags: this.flags[k], value: this.value[k] });
    for (const [i, f] of this.late) {
      const known = merged.get(i);
      if (known) known.flags |= f.flags;
      else merged.set(i, { ...f });
    }
    const order = [...merged.keys()].sort((a, b) => a - b);
    return {
      problemIndex: Uint32Array.from(order),
      problemFlags: Uint8Array.from(order, (i) => merged.get(i)?.flags ?? 0),
      problemPeer: Int32Array.from(order, (i) => this.peers.get(i) ?? -1),
      problemValue: Uint32Array.from(order, (i) => merged.get(i)?.value ?? 0),
      problemCount: order.length,
    };
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
    for (let s = nextSlot(this.bits, from, to, false); s < to;) {
      const end = nextSlot(this.bits, s, to, true);
      runs.push([s, end]);
      s = nextSlot(this.bits, end, to, false);
    }
    return runs;
  }
}

/**
 * The first slot in [from, to) that is taken (`taken`) or free (otherwise) in `bits`, or `to`: a word at a time (a
 * dense image's bitmap is all full words, and this loop is cheap before it is optimised, as it runs once).
 * Slots past the bitmap are free.
 */
function nextSlot(bits: Int32Array, from: number, to: number, taken: boolean): number {
  let s = from;
  if (s < 0) {
    if (!taken || to <= 0) return Math.min(s, to);
    s = 0;
  }
  while (s < to) {
    const w = s >>> 5;
    const word = w < bits.length ? bits[w] : 0;
    const wanted = (taken ? word : ~word) & (-1 << (s & 31));
    if (wanted !== 0) return Math.min(to, w * 32 + 31 - Math.clz32(wanted & -wanted));
    s = (w + 1) * 32;
  }
  return to;
}

class SortedSlots implements OccupiedSlots {
  /** Unique occupied slots, ascending, and the first (lowest-index) owner of each. */
  constructor(
    private readonly slots: Float64Array,
    private readonly owners: Float64Array,
  ) {}

  private find(slot: number): number {
    let lo = 0;
    let hi = this.slots.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.slots[mid] < slot) lo = mid + 1;
      else hi = mid;
    }
    return lo < this.slots.length && this.slots[lo] === slot ? lo : -1;
  }

  has(slot: number): boolean {
    return this.find(slot) >= 0;
  }

  ownerOf(slot: number): number {
    const k = this.find(slot);
    return k < 0 ? -1 : this.owners[k];
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

/** The fallback for huge sparse slot spaces: sort regular entries by value; equal neighbours are duplicates. */
function sortedSlots(regular: EntryList, b: EntryBounds, problems: ProblemList): SortedSlots {
  const { index, value } = regular;
  const order = Array.from({ length: regular.count }, (_, k) => k).sort((x, y) => value[x] - value[y] || index[x] - index[y]);
  const slots: number[] = [];
  const owners: number[] = [];
  for (let n = 0; n < order.length; n++) {
    const k = order[n];
    if (n > 0 && value[order[n - 1]] === value[k]) problems.mark(index[k], value[k], EntryFlag.Duplicate, owners[owners.length - 1]);
    else {
      slots.push(slotOfRegular(value[k], b));
      owners.push(index[k]);
    }
  }
  return new SortedSlots(Float64Array.from(slots), Float64Array.from(owners));
}

/**
 * Misaligned and before-data entries may overlap each other: each that overlaps an earlier one (by index) is a
 * duplicate, its peer the earliest entry it overlaps. All ranges are a cluster long, so the entries overlapping one
 * are those whose start is less than a cluster away: sorted by host offset, a window that slides forward, whose
 * earliest index a monotonic queue keeps. O(n log n) for the sort, O(n) after it. (Comparing each entry with all
 * those before it that overlap it was O(n^2): a BAT of 100,000 entries of the same misaligned value never ended.)
 */
function markIrregularOverlaps(g: Geometry, irregular: EntryList, problems: ProblemList): void {
  const { index, value } = irregular;
  const n = irregular.count;
  const byHost = Array.from({ length: n }, (_, k) => k).sort((x, y) => value[x] - value[y] || index[x] - index[y]);
  const start = (c: number): number => value[byHost[c]] * g.unit;
  // Positions in byHost of the window [lo, hi), and a queue of window positions whose indices increase.
  const queue = new Int32Array(n);
  let head = 0;
  let tail = 0;
  let lo = 0;
  let hi = 0;
  for (let c = 0; c < n; c++) {
    const s = start(c);
    for (; hi < n && start(hi) < s + g.clusterSize; hi++) {
      while (tail > head && index[byHost[queue[tail - 1]]] >= index[byHost[hi]]) tail--;
      queue[tail++] = hi;
    }
    while (start(lo) + g.clusterSize <= s) lo++;
    while (queue[head] < lo) head++;
    const earliest = byHost[queue[head]];
    const k = byHost[c];
    if (index[earliest] < index[k]) problems.mark(index[k], value[k], EntryFlag.Duplicate, index[earliest]);
  }
}

/** Whole clusters of the data area below `usedEnd` that no entry and no metadata uses. */
export function findHoles(
  g: Geometry,
  occupied: OccupiedSlots,
  irregularValues: ArrayLike<number>,
  metadata: readonly MetadataRange[],
  usedEnd: number,
): Array<[number, number]> {
  const origin = slotOrigin(g);
  // A data_off inside the header/BAT (data-off-invalid) must not make the header look like free clusters.
  const from = Math.ceil((Math.max(g.dataOffset, g.batEnd) - origin) / g.clusterSize);
  const to = Math.floor((usedEnd - origin) / g.clusterSize);
  if (to <= from) return [];
  const holes = occupied.freeRuns(from, to).map(([a, b]): [number, number] => [origin + a * g.clusterSize, origin + b * g.clusterSize]);
  const used: Array<[number, number]> = metadata.map((m) => [m.start, m.end]);
  for (let k = 0; k < irregularValues.length; k++) used.push([irregularValues[k] * g.unit, irregularValues[k] * g.unit + g.clusterSize]);
  return subtractRanges(holes, used);
}

/**
 * `holes` (ascending, disjoint) less every range of `used` (any order, may overlap), in one sweep over both sorted:
 * O((holes + used) log used). Subtracting one used range at a time from every hole was O(holes x used), and a BAT
 * of many misaligned entries among many holes took seconds per thousand entries.
 */
export function subtractRanges(holes: ReadonlyArray<[number, number]>, used: Array<[number, number]>): Array<[number, number]> {
  const merged = mergeRanges(used);
  const out: Array<[number, number]> = [];
  let u = 0;
  for (const [hs, he] of holes) {
    let start = hs;
    // Used ranges ending at or before this hole cannot touch it or any later one.
    while (u < merged.length && merged[u][1] <= start) u++;
    for (let k = u; k < merged.length && merged[k][0] < he && start < he; k++) {
      if (merged[k][0] > start) out.push([start, merged[k][0]]);
      start = Math.max(start, merged[k][1]);
    }
    if (start < he) out.push([start, he]);
  }
  return out;
}

/** Ranges sorted and coalesced: ascending, disjoint, none touching the next. */
function mergeRanges(ranges: Array<[number, number]>): Array<[number, number]> {
  const sorted = ranges.filter(([a, b]) => a < b).sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const [a, b] of sorted) {
    const last = out[out.length - 1];
    if (last && a <= last[1]) last[1] = Math.max(last[1], b);
    else out.push([a, b]);
  }
  return out;
}
