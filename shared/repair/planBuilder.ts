import type { OverlaySource } from '../io/overlaySource';
import { isZero, runLength } from '../io/patch';
import { batEntryOffset } from '../format/constants';
import type { Geometry } from '../format/geometry';
import { u32Bytes } from '../format/le';
import { ClusterAllocator, type FreeSpace, type Slot } from './allocator';
import { StepLog } from './stepLog';

/**
 * Collects a repair as byte writes on an overlay of the image: nothing reaches the file. New clusters go where
 * the allocator's policy says they cost least (allocator.ts): never over bytes anyone may want.
 */
export class PlanBuilder {
  private readonly log: StepLog;
  /** Host ranges relocations moved data out of, for later passes' allocators (FreeSpace.vacated). */
  readonly vacated: Array<[number, number]> = [];
  /** Clusters placed past the end of the file (the growth copies justify). */
  appended = 0;
  /** Clusters copied (relocations), wherever they went. */
  copies = 0;
  private readonly allocator: ClusterAllocator;
  private readonly claimed = new Set<string>();

  constructor(
    readonly state: OverlaySource,
    readonly geometry: Geometry,
    space?: FreeSpace,
  ) {
    this.allocator = new ClusterAllocator(state, geometry, space);
    this.log = new StepLog(geometry.clusterSize);
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
    this.writeU32(batEntryOffset(index), value);
  }

  resize(size: number): void {
    this.state.resize(size);
    this.allocator.grew(size);
  }

  /** A cluster for new data, where it costs least (the file grows to hold it when it lies past the end). */
  allocateCluster(source?: { host: number; index: number; flags: number }): Slot {
    const slot = this.allocator.allocate(source);
    if (slot.appended) this.appended++;
    return slot;
  }

  /**
   * Copies a cluster as it reads now onto `to`, as runs: bytes the plan wrote become views of those bytes (never
   * changed in place, so a target overlapping its source is safe), base bytes a copy of the base, zeros nothing
   * where the target reads zeros already: past its first `stale` bytes, which hold something (the leaked tail, a
   * vacated hole, the slot a misaligned cluster straddles) and so get the zeros too. O(1) memory per cluster
   * whatever its size, and nothing is read.
   */
  copyCluster(from: number, to: number, stale = 0): void {
    for (const r of this.state.contentOf(from, this.geometry.clusterSize)) {
      const at = r.offset - from + to;
      if (!isZero(r)) this.state.writeRun({ ...r, offset: at });
      else if (at < to + stale) this.state.writeRun({ offset: at, length: Math.min(runLength(r), to + stale - at), zero: true });
    }
  }

  /** Relocates an entry (relocateEntry) and says so, with why. */
  relocate(index: number, fromHost: number, why: string, flags = 0): void {
    const to = this.relocateEntry(index, fromHost, flags);
    this.log.relocated(index, fromHost, to, why);
  }

  /** Moves a BAT entry's data to a new cluster and points the entry there: the guest reads the same bytes. */
  relocateEntry(index: number, fromHost: number, flags = 0): number {
    const slot = this.allocateCluster({ host: fromHost, index, flags });
    const to = slot.host;
    this.copyCluster(fromHost, to, slot.stale);
    this.vacated.push([fromHost, fromHost + this.geometry.clusterSize]);
    this.copies++;
    const value = to / this.geometry.unit;
    if (value > 0xffffffff) throw new RepairError(`no room for BAT entry ${index}: a new cluster at ${to} is past what a 32-bit entry addresses`);
    this.writeBatEntry(index, value);
    return to;
  }
}

/** A repair that cannot be planned (the image is out of address space); nothing has been written. */
export class RepairError extends Error {}
