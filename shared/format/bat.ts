import type { ByteSource } from '../io/byteSource';
import type { ProgressCallback } from '../io/progress';
import { heldEntries, streamBat } from './batStream';
import type { Geometry } from './geometry';

/**
 * Reads the BAT entries the file holds (a truncated BAT yields fewer than the header claims), so a hostile
 * entry count on a small file allocates only what the file can back. Little-endian hosts read straight into
 * the array; others byte-swap.
 */
export function readBat(src: ByteSource, g: Geometry, onProgress?: ProgressCallback): Uint32Array {
  const bat = new Uint32Array(heldEntries(src, g));
  // `onProgress` by piece read (8 calls for a 64 MiB BAT), for a caller that says how far it is.
  streamBat(src, g, onProgress ? (chunk, from) => onProgress(from + chunk.length, bat.length) : () => undefined, { into: bat, pieceEntries: 1 << 21 });
  return bat;
}
