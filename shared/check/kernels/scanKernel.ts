import { BAT_PIECE_ENTRIES, littleEndianHost } from '../../format/batStream';
import type { EntryBounds } from '../entryTests';
import { WASM_BASE64 } from './batScanKernelsWasm';
import { type WasmMemory, webAssembly } from '../../io/webAssemblyApi';

/** Entries of BAT a kernel call takes at most: a piece of the streamed BAT (1 MiB). */
export const KERNEL_PIECE_ENTRIES = BAT_PIECE_ENTRIES;

/** Bytes of the second pass's filter (a byte per bucket). */
export const KERNEL_FILTER_BYTES = 1 << 16;

/**
 * The BAT scan's hot loops compiled to WebAssembly (batScanKernels.wat), over a memory that holds one piece of BAT
 * entries, the positions the loops write and the slot bitmap. The JIT's code for the same loops in TypeScript
 * (gatherAllocated, markGathered, scanDense, gatherRare in batScan.ts) re-checks each typed array after every store;
 * these take a third to half of their time on 16M-entry BATs. Same results, entry for entry: the tests run
 * both on the same BATs.
 */
export interface ScanKernel {
  /** The slot bitmap (a bit per host cluster slot), zeroed, in the kernel's memory. */
  readonly seen: Int32Array;
  /** The second pass's filter of slot hashes (64 Ki one-byte buckets), zeroed. */
  readonly filter: Uint8Array;
  /** Positions the last call wrote (relative to the loaded piece). */
  readonly at: Int32Array;
  /**
   * A buffer of KERNEL_PIECE_ENTRIES entries in the kernel's memory, for the caller to read pieces of BAT into: a
   * piece loaded from there is worked on in place, not copied.
   */
  readonly piece: Uint32Array;
  /**
   * Makes entries [start, end) of `chunk` (at most KERNEL_PIECE_ENTRIES) the piece the calls work on: in place when
   * they lie in `piece`, else copied into it.
   */
  load(chunk: Uint32Array, start: number, end: number): void;
  /** Positions of the allocated entries among the loaded piece's first `end`, into `at`; returns their count. */
  gatherAllocated(end: number): number;
  /**
   * Marks the slots of the `n` entries at `at` that are regular and not yet marked, counting them and the
   * fragmented ones (`regular`, `fragmented`); moves the others' positions to the front of `at`, in order, and
   * returns how many.
   */
  markGathered(n: number): number;
  /**
   * `markGathered` for every entry of the loaded piece's first `end`, and a whole bitmap word at once for 32
   * consecutive clusters that start one: for pieces mostly allocated.
   */
  scanDense(end: number): number;
  readonly regular: number;
  readonly fragmented: number;
  /** Positions of the loaded piece's first `n` entries whose slot hashes to a set byte of `filter`, into `at`. */
  gatherRare(n: number): number;
}

/** What both marking loops take after their first three arguments: the bitmap, and the bounds of a regular entry. */
type Marking = [seen: number, words: number, origin: number, shift: number, mask: number, dataStart: number, lastWhole: number, step: number];

interface Exports {
  gatherAllocated(chunk: number, end: number, at: number): number;
  markGathered(chunk: number, at: number, n: number, ...marking: Marking): number;
  scanDense(chunk: number, end: number, at: number, ...marking: Marking): number;
  gatherRare(chunk: number, n: number, filter: number, origin: number, shift: number, hits: number): number;
  regular: { value: number };
  fragmented: { value: number };
}

let compiled: object | null | undefined;

/** The kernels' module, compiled once per process; null where WebAssembly is missing or refuses it. */
function kernelModule(): object | null {
  if (compiled !== undefined) return compiled;
  try {
    compiled = webAssembly === undefined ? null : new webAssembly.Module(Buffer.from(WASM_BASE64, 'base64'));
  } catch {
    compiled = null;
  }
  return compiled;
}

/** A bound of the entry tests as the kernel's unsigned 32-bit compare sees it (entries are below 2^32). */
function u32Bound(v: number): number {
  return Math.min(0xffffffff, Math.max(0, v)) >>> 0;
}

/**
 * A kernel with a bitmap of `words` 32-bit words for an image of bounds `b` (a power-of-two cluster, shift >= 0),
 * or undefined where WebAssembly is not available (the scanner then runs its TypeScript loops).
 */
export function scanKernel(b: EntryBounds, words: number): ScanKernel | undefined {
  // The kernels compare entries as unsigned 32-bit numbers, 31 clusters ahead (e + 31 * step must fit in 32 bits
  // for its wrap test to hold), in WebAssembly's little-endian memory that the typed arrays here see in host order.
  if (b.shift < 0 || b.perCluster > Math.floor(0xffffffff / 31) || !littleEndianHost) return undefined;
  const module = kernelModule();
  if (!module || !webAssembly) return undefined;
  // The module's table of lane numbers takes the first 256 bytes; gatherAllocated stores four positions at a time
  // (up to three past the last one it counts): the positions have 16 bytes to spare.
  const filterAt = 4096;
  const pieceAt = filterAt + KERNEL_FILTER_BYTES;
  const atAt = pieceAt + KERNEL_PIECE_ENTRIES * 4;
  const seenAt = atAt + KERNEL_PIECE_ENTRIES * 4 + 16;
  let memory: WasmMemory;
  let x: Exports;
  try {
    memory = new webAssembly.Memory({ initial: Math.ceil((seenAt + words * 4) / 65536) });
    x = new webAssembly.Instance(module, { scan: { memory } }).exports as unknown as Exports;
  } catch {
    return undefined;
  }
  const buffer = memory.buffer;
  const piece = new Uint32Array(buffer, pieceAt, KERNEL_PIECE_ENTRIES);
  /** Address of the loaded piece's first entry. */
  let loaded = pieceAt;
  const load = (chunk: Uint32Array, start: number, end: number): void => {
    const from = chunk.byteOffset + start * 4;
    if (chunk.buffer === buffer && from >= pieceAt && from + (end - start) * 4 <= pieceAt + piece.byteLength) loaded = from;
    else {
      piece.set(chunk.subarray(start, end));
      loaded = pieceAt;
    }
  };
  // No entry is regular when the file holds no whole cluster past the data start: then dataStart > lastWhole.
  const lastWhole = b.lastWhole < 0 ? 0 : u32Bound(b.lastWhole);
  const dataStart = b.lastWhole < 0 ? 0xffffffff : u32Bound(b.dataStart);
  const marking: Marking = [seenAt, words, b.originUnits, b.shift, b.mask, dataStart, lastWhole, b.perCluster];
  return {
    seen: new Int32Array(buffer, seenAt, words),
    filter: new Uint8Array(buffer, filterAt, KERNEL_FILTER_BYTES),
    at: new Int32Array(buffer, atAt, KERNEL_PIECE_ENTRIES),
    piece,
    load,
    gatherAllocated: (end) => x.gatherAllocated(loaded, end, atAt),
    markGathered: (n) => x.markGathered(loaded, atAt, n, ...marking),
    scanDense: (end) => x.scanDense(loaded, end, atAt, ...marking),
    get regular() {
      return x.regular.value;
    },
    get fragmented() {
      return x.fragmented.value;
    },
    gatherRare: (n) => x.gatherRare(loaded, n, filterAt, b.originUnits, b.shift, atAt),
  };
}
