/**
 * How people type a number (an offset, a BAT entry, a field value), one syntax for every front end that asks for
 * one (the command palette's go-to, the webview's go-to box and field editor): decimal; hexadecimal as 0x1A or 1Ah;
 * binary as 0b101; `_` and spaces anywhere as separators; a binary size suffix (k, M, G, T, P; "KiB" too) on
 * decimal numbers. Values are bigints: a field holds up to 2^64 - 1, past what a JS number holds exactly.
 */
export type ParsedNumber = { value: bigint } | { error: string };

const SYNTAX = 'decimal, hex as 0x10 or 10h, 0b binary, k/M/G suffixes on decimals';
const SUFFIX: Record<string, bigint> = { k: 1n << 10n, m: 1n << 20n, g: 1n << 30n, t: 1n << 40n, p: 1n << 50n };
const SIZE_SUFFIX = '[kmgtp](?:i?b)?';
const DECIMAL = new RegExp(`^(\\d+)(${SIZE_SUFFIX})?$`, 'i');
const SUFFIXED_RADIX = new RegExp(`^(?:0x[0-9a-f]+|0b[01]+|[0-9a-f]+h)${SIZE_SUFFIX}$`, 'i');

export function parseNumber(input: string): ParsedNumber {
  const text = input.replace(/[_\s]/g, '');
  if (text === '') return { error: `Enter a number (${SYNTAX})` };
  if (/^0x[0-9a-f]+$/i.test(text) || /^0b[01]+$/i.test(text)) return { value: BigInt(text) };
  const trailingH = /^([0-9a-f]+)h$/i.exec(text);
  if (trailingH) return { value: BigInt(`0x${trailingH[1]}`) };
  const decimal = DECIMAL.exec(text);
  if (decimal) return { value: BigInt(decimal[1]) * (decimal[2] ? SUFFIX[decimal[2][0].toLowerCase()] : 1n) };
  if (SUFFIXED_RADIX.test(text)) return { error: 'Size suffixes apply to decimal numbers only' };
  return { error: `"${input.trim()}" is not a number (${SYNTAX})` };
}

/** A number as parseNumber reads it, for a caller that needs a JS number: at most 2^53 - 1. */
export function parseInteger(input: string): { value: number } | { error: string } {
  const p = parseNumber(input);
  if ('error' in p) return p;
  if (p.value > BigInt(Number.MAX_SAFE_INTEGER)) return { error: `${p.value} is too large (at most ${Number.MAX_SAFE_INTEGER})` };
  return { value: Number(p.value) };
}
