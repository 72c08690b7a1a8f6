import type { ByteSource } from '../io/byteSource';
import type { Geometry } from './geometry';

/** Entries per piece: 1 MiB of BAT, which stays in the CPU's cache between its read and its scan. */
export const BAT_PIECE_ENTRIES = 1 << 18;

/** The BAT entries the file holds: never more than the header claims (a hostile count allocates nothing). */
export function heldEntries(source: ByteSource, g: Geometry): number {
  return Math.min(g.batEntries, Math.max(0, Math.floor((source.size - g.batOffset) / 4)));
}

/** Whether typed arrays see memory little-endian, as the format stores it (and as WebAssembly's memory is). */
export const littleEndianHost = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

/**
 * Reads the BAT piece by piece through one reused buffer and hands each piece to `visit` in file order
 * (`chunk[k]` is entry `from + k`; the buffer is overwritten by the next piece); `visit` returning false stops. A 64 MiB BAT then costs its
 * reads from the page cache, not a 64 MiB allocation whose first touch of every page faults (55-70 ms, five times
 * the copy). `into`, when given, receives the whole BAT as well (for the rules that need it).
 */
export function streamBat(
  source: ByteSource,
  g: Geometry,
  visit: (chunk: Uint32Array, from: number) => boolean | void,
  options: { into?: Uint32Array; pieceEntries?: number; buffer?: Uint32Array } = {},
): void {
  const count = heldEntries(source, g);
  const piece = Math.max(1, Math.min(count, options.pieceEntries ?? BAT_PIECE_ENTRIES));
  // `buffer`: the caller's own, reused when it holds a piece (the BAT scan's, in its kernel's memory).
  const reused = options.into ? undefined : options.buffer && options.buffer.length >= piece ? options.buffer : new Uint32Array(piece);
  for (let from = 0; from < count; from += piece) {
    const n = Math.min(piece, count - from);
    const chunk = options.into ? options.into.subarray(from, from + n) : (reused as Uint32Array).subarray(0, n);
    source.readInto(g.batOffset + from * 4, new Uint8Array(chunk.buffer, chunk.byteOffset, n * 4));
    if (!littleEndianHost) for (let k = 0; k < n; k++) chunk[k] = swap32(chunk[k]);
    if (visit(chunk, from) === false) return;
  }
}

export function swap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}
