/**
 * Sizes as qemu-img reads them: a decimal number (a fraction only with a unit suffix, truncated to whole bytes) or
 * a 0x hexadecimal one, then an optional suffix b/B (bytes), k/K, m/M, g/G, t/T, p/P, e/E (powers of 1024).
 * "1.5M", "64k", "1T", "1048576", "0x100000". Exponents ("1e3") and two-letter units ("1kB") are refused, as
 * qemu-img refuses them. Sizes above 2^53 bytes (8 PiB), which JavaScript numbers do not hold exactly, are refused too.
 */
const UNITS: Record<string, bigint> = { b: 1n, k: 1n << 10n, m: 1n << 20n, g: 1n << 30n, t: 1n << 40n, p: 1n << 50n, e: 1n << 60n };

export function parseSize(text: string): number | undefined {
  const m = /^\s*(?:(0x[0-9a-f]+)|(\d+)(?:\.(\d*))?)\s*([bkmgtpe])?$/i.exec(text);
  if (!m) return undefined;
  const [, hexDigits, whole, fraction, suffix] = m;
  const unit = UNITS[(suffix ?? 'b').toLowerCase()];
  let bytes: bigint;
  if (hexDigits !== undefined) bytes = BigInt(hexDigits) * unit;
  else if (fraction === undefined) bytes = BigInt(whole) * unit;
  else {
    // A fraction needs a unit larger than a byte (qemu-img: "1.5" and "1.5b" are invalid).
    if (unit === 1n) return undefined;
    const scale = 10n ** BigInt(fraction.length);
    bytes = (BigInt(whole + fraction) * unit) / scale;
  }
  return bytes <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(bytes) : undefined;
}
