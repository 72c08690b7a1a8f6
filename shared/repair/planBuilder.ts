import { OverlaySource } from '../io/overlaySource';
import { BAT_OFFSET } from '../format/constants';
import { Geometry, roundUp } from '../format/geometry';
import { u32Bytes } from '../format/le';
import { slotOrigin } from '../check/metadata';

/**
 * Collects a repair as byte writes on an overlay of the image: nothing reaches the file. New clusters are
 * allocated after the end of the file, so a repair never overwrites bytes that exist, used or not.
 */
export class PlanBuilder {
  readonly steps: string[] = [];
  private allocEnd: number;
  private readonly claimed = new Set<string>();

  constructor(
    readonly state: OverlaySource,
    readonly geometry: Geometry,
  ) {
    const origin = slotOrigin(geometry);
    const end = Math.max(state.size, geometry.dataOffset);
    this.allocEnd = origin + roundUp(end - origin, geometry.clusterSize);
  }

  /**
   * Reserves a thing for one repair in this pass (a BAT entry, the extension layout): repairs read the image as
   * it was before the pass, so a second repair of the same thing would act on stale facts. It is left for the
   * next pass, which sees the first repair's result.
   */
  claim(key: string): boolean {
    if (this.claimed.has(key)) return false;
    this.claimed.add(key);
    return true;
  }

  /**
   * Records what a repair does, as an imperative phrase ("truncate the file to 0x50000, ..."), for the quick fix's
   * title (the button: what it will do), the CLI's "Repairing: ..." lines and the JSON report's steps.
   */
  step(text: string): void {
    this.steps.push(text);
  }

  write(offset: number, data: Uint8Array): void {
    this.state.write(offset, data);
  }

  writeU32(offset: number, value: number): void {
    this.write(offset, u32Bytes(value));
  }

  writeBatEntry(index: number, value: number): void {
    this.writeU32(BAT_OFFSET + index * 4, value);
  }

  resize(size: number): void {
    this.state.resize(size);
    if (size > this.allocEnd) this.allocEnd = size;
  }

  /** A fresh cluster past every existing byte; the file grows to hold it (zero-filled until written). */
  allocateCluster(): number {
    const host = this.allocEnd;
    this.allocEnd += this.geometry.clusterSize;
    this.state.resize(Math.max(this.state.size, this.allocEnd));
    return host;
  }

  /** Copies a cluster's bytes as they read now into a fresh cluster (bytes past the end of the file read as zeros). */
  copyCluster(from: number, to: number): void {
    // Only ranges that can hold non-zero bytes are read (the base file and the patches over the cluster), in
    // pieces, writing those holding a non-zero byte: the target is a fresh cluster (zeros), so a cluster lying
    // mostly past the end of the file costs what it holds, not its (up to 2 GiB) size.
    const end = from + this.geometry.clusterSize;
    for (const [start, stop] of backedRanges(this.state, from, end)) {
      for (let at = start; at < stop; at += COPY_PIECE) {
        const data = this.state.read(at, Math.min(COPY_PIECE, stop - at));
        if (!allZero(data)) this.write(to + (at - from), data);
      }
    }
  }

  /** Moves a BAT entry's data to a new cluster and points the entry there: the guest reads the same bytes. */
  relocateEntry(index: number, fromHost: number): number {
    const to = this.allocateCluster();
    this.copyCluster(fromHost, to);
    const value = to / this.geometry.unit;
    if (value > 0xffffffff) throw new RepairError(`no room for BAT entry ${index}: a new cluster at ${to} is past what a 32-bit entry addresses`);
    this.writeBatEntry(index, value);
    return to;
  }
}

const COPY_PIECE = 1 << 20;

/** The parts of [from, end) that the base file or a patch backs (elsewhere the state reads zeros), merged. */
function backedRanges(state: OverlaySource, from: number, end: number): Array<[number, number]> {
  const ranges: Array<[number, number]> = [];
  if (from < state.base.size) ranges.push([from, Math.min(end, state.base.size)]);
  const patches = state.patches;
  let lo = 0;
  let hi = patches.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (patches[mid].offset + patches[mid].data.length <= from) lo = mid + 1;
    else hi = mid;
  }
  for (let k = lo; k < patches.length && patches[k].offset < end; k++) {
    const start = Math.max(from, patches[k].offset);
    const stop = Math.min(end, patches[k].offset + patches[k].data.length);
    const prev = ranges[ranges.length - 1];
    if (prev && start <= prev[1]) prev[1] = Math.max(prev[1], stop);
    else ranges.push([start, stop]);
  }
  return ranges;
}

function allZero(b: Uint8Array): boolean {
  const words = b.byteOffset % 4 === 0 ? new Uint32Array(b.buffer, b.byteOffset, b.length >>> 2) : new Uint32Array(0);
  for (let i = 0; i < words.length; i++) if (words[i] !== 0) return false;
  for (let i = words.length * 4; i < b.length; i++) if (b[i] !== 0) return false;
  return true;
}

/** A repair that cannot be planned (the image is out of address space); nothing has been written. */
export class RepairError extends Error {}
