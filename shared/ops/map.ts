/**
 * `map` as data: the guest disk as runs, with the fields and merging of `qemu-img map --output=json` (QEMU 10):
 * an allocated run is present data at a host offset, an unallocated one reads as zeros. Neighbouring clusters
 * merge when both are unallocated or host-contiguous (`guestRuns`). The CLI prints maps with `printMap`
 * (mapPrint.ts), which streams the BAT and formats into byte buffers; these objects are for callers that want data.
 */
import { guestRuns } from '../format/guestMap';
import { DecodedImage } from '../format/image';
import { requireReadable } from './blocker';

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
