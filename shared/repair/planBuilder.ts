import { OverlaySource } from '../io/overlaySource';
import { isZero } from '../io/patch';
import { BAT_OFFSET } from '../format/constants';
import { Geometry, roundUp } from '../format/geometry';
import { u32Bytes } from '../format/le';
import { slotOrigin } from '../check/metadata';
import { StepLog } from './stepLog';

/**
 * Collects a repair as byte writes on an overlay of the image: nothing reaches the file. New clusters are
 * allocated after the end of the file, so a repair never overwrites bytes that exist, used or not.
 */
export class PlanBuilder {
  private readonly log: StepLog;
  private allocEnd: number;
  private readonly claimed = new Set<string>();

  constructor(
    readonly state: OverlaySource,
    readonly geometry: Geometry,
  ) {
    this.log = new StepLog(geometry.clusterSize);
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

  /** Records what a repair did, in words, for the report and the quick fix's title. */
  step(text: string): void {
    this.log.add(text);
  }

  /** What the repairs did so far, in words (runs of like relocations as one step each). */
  get steps(): string[] {
    return this.log.list;
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

  /**
   * Copies a cluster as it reads now into a fresh cluster, as runs: bytes the plan wrote become views of those
   * bytes, base bytes a copy of the base, zeros nothing (the target reads zeros already). O(1) memory per cluster
   * whatever its size, and nothing is read.
   */
  copyCluster(from: number, to: number): void {
    for (const r of this.state.contentOf(from, this.geometry.clusterSize)) {
      if (!isZero(r)) this.state.writeRun({ ...r, offset: r.offset - from + to });
    }
  }

  /** Relocates an entry (relocateEntry) and says so, with why. */
  relocate(index: number, fromHost: number, why: string): void {
    const to = this.relocateEntry(index, fromHost);
    this.log.relocated(index, fromHost, to, why);
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

/** A repair that cannot be planned (the image is out of address space); nothing has been written. */
export class RepairError extends Error {}
