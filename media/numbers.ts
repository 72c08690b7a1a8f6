/**
 * Number display and parsing for offsets and field values. Generic byte arithmetic only: the webview never
 * decodes the disk format, it shows bytes and asks the server what they mean. What people type is parsed by
 * shared/numbers.ts, as in the command palette.
 */
import { hex } from '../shared/format/le';
import { parseNumber } from '../shared/numbers';

export const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0').toUpperCase());

/** The one hex style of every message (shared/format/le.ts), as the server's hovers and the CLI write it. */
export { hex };

/** "0x1a2b (6699)". */
export function offsetText(n: number): string {
  return `${hex(n)} (${n.toLocaleString('en-US')})`;
}

const UNITS = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];

export function sizeText(bytes: number): string {
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < UNITS.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${bytes} B` : `${Number.isInteger(v) ? v : v.toFixed(1)} ${UNITS[u]}`;
}

/** Parses a byte offset within [0, limit) in the one number syntax (shared/numbers.ts). */
export function parseOffset(input: string, limit: number, what = 'offset'): { value: number } | { error: string } {
  const p = parseNumber(input);
  if ('error' in p) return p;
  if (p.value >= BigInt(limit)) return { error: `${what} ${hex(p.value)} is past the end (${hex(limit)})` };
  return { value: Number(p.value) };
}

/** Little-endian unsigned integer of `width` bytes (1..8), or undefined when a byte is not loaded. */
export function readLE(byteAt: (offset: number) => number | undefined, offset: number, width: number): bigint | undefined {
  let v = 0n;
  for (let i = width - 1; i >= 0; i--) {
    const b = byteAt(offset + i);
    if (b === undefined) return undefined;
    v = (v << 8n) | BigInt(b);
  }
  return v;
}

/** `value` as `width` little-endian bytes; the caller has checked the range. */
export function toLE(value: bigint, width: number): Uint8Array {
  const out = new Uint8Array(width);
  let v = value;
  for (let i = 0; i < width; i++) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

/** Largest unsigned value of `width` bytes. */
export function maxUnsigned(width: number): bigint {
  return (1n << BigInt(8 * width)) - 1n;
}
