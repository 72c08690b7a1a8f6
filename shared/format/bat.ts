import { ByteSource } from '../io/byteSource';
import { Geometry } from './geometry';

/**
 * Reads the BAT entries the file holds (a truncated BAT yields fewer than the header claims), so a hostile
 * entry count on a small file allocates only what the file can back. Little-endian hosts read straight into
 * the array; others byte-swap.
 */
export function readBat(src: ByteSource, g: Geometry): Uint32Array {
  const available = Math.max(0, Math.floor((src.size - g.batOffset) / 4));
  const count = Math.min(g.batEntries, available);
  const bat = new Uint32Array(count);
  const bytes = new Uint8Array(bat.buffer, bat.byteOffset, bat.byteLength);
  const chunk = 8 * 1024 * 1024;
  for (let at = 0; at < bytes.length; at += chunk) {
    src.readInto(g.batOffset + at, bytes.subarray(at, Math.min(bytes.length, at + chunk)));
  }
  if (!littleEndianHost) for (let i = 0; i < count; i++) bat[i] = swap32(bat[i]);
  return bat;
}

const littleEndianHost = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function swap32(v: number): number {
  return (((v & 0xff) << 24) | ((v & 0xff00) << 8) | ((v >>> 8) & 0xff00) | (v >>> 24)) >>> 0;
}
