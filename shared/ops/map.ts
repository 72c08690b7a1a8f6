/**
 * `map` as data: the guest disk as runs, with the fields and merging of `qemu-img map --output=json` (QEMU 10):
 * an allocated run is present data at a host offset, an unallocated one reads as zeros. Neighbouring clusters
 * merge when both are unallocated or host-contiguous (`guestRuns`). The CLI prints maps with `printMap`
 * (mapPrint.ts), which streams the BAT and formats into byte buffers; these objects are for callers that want data.
 */
import { guestRuns } from '../format/guestMap';
import type { DecodedImage } from '../format/image';
import { requireReadable } from './blocker';
import { hex } from '../format/le';

export interface MapEntry {
  start: number;
  length: number;
  depth: number;
  present: boolean;
  zero: boolean;
  data: boolean;
  compressed: boolean;
  /** Host offset of `start`; absent for unallocated runs. */
  offset?: number;
}

/** The map of a decoded image, streamed (a 16M-entry BAT may give millions of runs). Throws `ImageError`. */
export function* mapEntries(image: DecodedImage): Generator<MapEntry> {
  requireReadable(image);
  let any = false;
  for (const run of guestRuns(image.geometry, image.bat)) {
    any = true;
    if (run.hostOffset === undefined) {
      yield { start: run.start, length: run.length, depth: 0, present: false, zero: true, data: false, compressed: false };
    } else {
      yield { start: run.start, length: run.length, depth: 0, present: true, zero: false, data: true, compressed: false, offset: run.hostOffset };
    }
  }
  // qemu-img describes an empty disk with one empty entry that is neither data nor zero.
  if (!any) yield { start: 0, length: 0, depth: 0, present: false, zero: false, data: false, compressed: false };
}

/**
 * One entry exactly as qemu-img 10 prints it in a JSON map (for a bundle chain, whose entries have depths; an
 * image map is printed by mapPrint.ts straight into bytes) (`{ "start": 0, ... "offset": 65536}`), without the
 * separator; `compressed: false` lets callers drop the field, as qemu-img 7.2 prints none.
 */
export function mapEntryJson(e: MapEntry, compressed = true): string {
  // One template, no array and join: a scattered 1M-entry map prints 460k of these (190 -> 60 ms).
  const c = compressed ? `, "compressed": ${e.compressed}` : '';
  const o = e.offset !== undefined ? `, "offset": ${e.offset}` : '';
  return `{ "start": ${e.start}, "length": ${e.length}, "depth": ${e.depth}, "present": ${e.present}, "zero": ${e.zero}, "data": ${e.data}${c}${o}}`;
}

/** One line of qemu-img's human map ("%#-16x" columns: offset, length, host offset, file), or undefined for a hole. */
export function mapEntryHuman(e: MapEntry, file: string): string | undefined {
  if (!e.data || e.zero || e.offset === undefined) return undefined;
  return `${col(e.start)}${col(e.length)}${col(e.offset)}${file}`;
}

export const MAP_HUMAN_HEADER = `${'Offset'.padEnd(16)}${'Length'.padEnd(16)}${'Mapped to'.padEnd(16)}File`;

/** printf's "%#-16" PRIx64: "0x" prefix except for zero, left-aligned in 16 columns. */
function col(v: number): string {
  return (v === 0 ? '0' : hex(v)).padEnd(16);
}
