/** Little-endian reads and writes on byte arrays; numbers past 2^53 lose precision but never throw. */

export function u32(b: Uint8Array, at: number): number {
  return (b[at] | (b[at + 1] << 8) | (b[at + 2] << 16)) + b[at + 3] * 0x1000000;
}

export function u64(b: Uint8Array, at: number): number {
  return u32(b, at) + u32(b, at + 4) * 0x100000000;
}

export function u64n(b: Uint8Array, at: number): bigint {
  return BigInt(u32(b, at)) | (BigInt(u32(b, at + 4)) << 32n);
}

export function putU32(b: Uint8Array, at: number, v: number): void {
  b[at] = v & 0xff;
  b[at + 1] = (v >>> 8) & 0xff;
  b[at + 2] = (v >>> 16) & 0xff;
  b[at + 3] = (v >>> 24) & 0xff;
}

export function putU64(b: Uint8Array, at: number, v: number | bigint): void {
  const n = BigInt(v);
  putU32(b, at, Number(n & 0xffffffffn));
  putU32(b, at + 4, Number((n >> 32n) & 0xffffffffn));
}

export function u32Bytes(v: number): Uint8Array {
  const b = new Uint8Array(4);
  putU32(b, 0, v);
  return b;
}

export function u64Bytes(v: number | bigint): Uint8Array {
  const b = new Uint8Array(8);
  putU64(b, 0, v);
  return b;
}

/**
 * The one hex style of every message, hover, tree and webview text: 0x, lowercase digits, no padding (0x1a2b),
 * as qemu-img writes offsets (%#x) and so as the CLI's qemu-compatible lines need them. Hex dumps (the webview's
 * grid, `structureText`) have their own fixed-width columns.
 */
export function hex(v: number | bigint): string {
  return `0x${v.toString(16)}`;
}

/** Bytes as two lowercase hex digits each, no prefix: a checksum or an id ("d41d8cd9..."). */
export function hexBytes(b: Uint8Array): string {
  return Array.from(b, (x) => x.toString(16).padStart(2, '0')).join('');
}

/** Four bytes as text when printable (in_use tags such as "v2.1"), else undefined. */
export function asciiTag(v: number): string | undefined {
  const b = u32Bytes(v);
  for (const c of b) if (c < 0x20 || c > 0x7e) return undefined;
  return String.fromCharCode(...b);
}
