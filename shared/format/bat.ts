import type { ByteSource } from '../io/byteSource';
import { heldEntries, streamBat } from './batStream';
import type { Geometry } from './geometry';

/**
 * Reads the BAT entries the file holds (a truncated BAT yields fewer than the header claims), so a hostile
 * entry count on a small file allocates only what the file can back. Little-endian hosts read straight into
 * the array; others byte-swap.
 */
export function readBat(src: ByteSource, g: Geometry): Uint32Array {
  const bat = new Uint32Array(heldEntries(src, g));
  streamBat(src, g, () => undefined, { into: bat, pieceEntries: 1 << 21 });
  return bat;
}
