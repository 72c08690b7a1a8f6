import type { Geometry } from './geometry';
import { hex } from './le';

/** How messages write numbers: offsets in hex (as hex dumps show them), sizes in bytes with a unit. */

export function size(bytes: number): string {
  const units = ['bytes', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let v = bytes;
  let u = 0;
  while (v >= 1024 && u < units.length - 1 && v % 1024 === 0) {
    v /= 1024;
    u++;
  }
  return `${v} ${units[u]}`;
}

export { hex };

/** "BAT entry 5 (guest 0x50000-0x5ffff, value 0x80 = host 0x10000)". */
export function entryWhere(g: Geometry, index: number, value: number): string {
  const guest = index * g.clusterSize;
  return `BAT entry ${index} (guest ${hex(guest)}-${hex(guest + g.clusterSize - 1)}, value ${hex(value)} = host ${hex(value * g.unit)})`;
}

/** "1 BAT entry", "3 more BAT entries", "2 clusters". */
export function plural(n: number, word: string): string {
  if (n === 1) return `${n} ${word}`;
  return /[^aeiou]y$/.test(word) ? `${n} ${word.slice(0, -1)}ies` : `${n} ${word}s`;
}
