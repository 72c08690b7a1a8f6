/**
 * Number display and parsing for offsets and field values. Generic byte arithmetic only: the webview never
 * decodes the disk format, it shows bytes and asks the server what they mean.
 */
export const HEX_BYTE: readonly string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0').toUpperCase());

export function hex(n: number | bigint, digits = 0): string {
  return '0x' + n.toString(16).toUpperCase().padStart(digits, '0');
}

/** "0x1A2B (6699)". */
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

const SUFFIX: Record<string, bigint> = { k: 1n << 10n, m: 1n << 20n, g: 1n << 30n, t: 1n << 40n, p: 1n << 50n };

export type Parsed = { value: bigint } | { error: string };

/**
 * Parses what a person types for an offset or a value: decimal, 0x hex, 0b binary, optional `_` separators and a
 * binary size suffix (k, M, G, T; "KiB" too) for decimal numbers.
 */
export function parseNumber(input: string): Parsed {
  const text = input.trim().replace(/_/g, '');
  if (text === '') return { error: 'Enter a number (decimal, or hex with 0x)' };
  const m = /^(0x[0-9a-f]+|0b[01]+|\d+)\s*([kmgtp](?:i?b)?)?$/i.exec(text);
  if (!m) return { error: `"${input.trim()}" is not a number (decimal, 0x hex or 0b binary)` };
  const value = BigInt(m[1]);
  if (!m[2]) return { value };
  if (!/^\d/.test(m[1]) || m[1].startsWith('0x') || m[1].startsWith('0b')) {
    return { error: 'Size suffixes apply to decimal numbers only' };
  }
  return { value: value * SUFFIX[m[2][0].toLowerCase()] };
}

/** Parses a byte offset within [0, limit). */
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
