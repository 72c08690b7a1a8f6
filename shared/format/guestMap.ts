import type { DecodedImage } from './image';
import type { Geometry } from './geometry';

/** Guest offset <-> host offset, through the BAT, as a reader of the image sees it. */

export interface GuestLocation {
  guestOffset: number;
  batIndex: number;
  /** Host byte offset, or undefined when the cluster is unallocated (reads as zeros). */
  hostOffset?: number;
}

export function guestToHost(image: DecodedImage, guestOffset: number): GuestLocation | undefined {
  const g = image.geometry;
  const bat = image.bat;
  if (!g || !bat || guestOffset < 0 || guestOffset >= g.diskBytes) return undefined;
  const batIndex = Math.floor(guestOffset / g.clusterSize);
  const entry = batIndex < bat.length ? bat[batIndex] : 0;
  const loc: GuestLocation = { guestOffset, batIndex };
  if (entry !== 0) loc.hostOffset = entry * g.unit + (guestOffset % g.clusterSize);
  return loc;
}

/** One run of the guest disk: allocated runs are contiguous on the host too. */
export interface MapRun {
  start: number;
  length: number;
  /** Host offset of `start`, or undefined for an unallocated (zero) run. */
  hostOffset?: number;
}

/**
 * The guest disk as runs, merging neighbours that are both unallocated or host-contiguous, as `qemu-img map`
 * does. Linear in the BAT; yields so that a 16M-entry map streams.
 */
export function* guestRuns(g: Geometry, bat: Uint32Array): Generator<MapRun> {
  let run: MapRun | undefined;
  // Past the BAT the disk is unallocated: one step covers it, so a huge nb_sectors costs nothing.
  const mapped = Math.min(g.diskClusters, bat.length);
  for (let i = 0; i <= mapped && i < g.diskClusters; i++) {
    const start = i * g.clusterSize;
    const length = i < mapped ? Math.min(g.clusterSize, g.diskBytes - start) : g.diskBytes - start;
    const entry = i < mapped ? bat[i] : 0;
    const host = entry === 0 ? undefined : entry * g.unit;
    if (run && (host === undefined ? run.hostOffset === undefined : run.hostOffset !== undefined && run.hostOffset + run.length === host)) {
      run.length += length;
      continue;
    }
    if (run) yield run;
    run = host === undefined ? { start, length } : { start, length, hostOffset: host };
  }
  if (run) yield run;
}
