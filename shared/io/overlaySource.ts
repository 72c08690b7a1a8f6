import { ByteSource, clampRange } from './byteSource';
import { EditSet, Patch, PatchRuns, mergePatches } from './patch';

/**
 * A byte source that shows unsaved edits over another source: patches win over the base, and an optional size
 * truncates or extends it (extension reads as zeros, as a file extended with ftruncate does).
 */
export class OverlaySource implements ByteSource {
  private readonly runs = new PatchRuns();
  private sizeOverride: number | undefined;

  constructor(
    readonly base: ByteSource,
    edits?: EditSet,
  ) {
    if (edits) this.apply(edits);
  }

  get name(): string {
    return this.base.name;
  }

  get size(): number {
    return this.sizeOverride ?? Math.max(this.base.size, this.patchedEnd());
  }

  /** The edits that turn the base into this source: disjoint patches within the final size, plus that size. */
  get edits(): EditSet {
    let patches = this.runs.list.slice();
    // Base bytes hidden by a truncation and exposed again by a later growth must be written as zeros.
    const exposedEnd = Math.min(this.size, this.base.size);
    if (this.hiddenFrom < exposedEnd) {
      const zeros = { offset: this.hiddenFrom, data: new Uint8Array(exposedEnd - this.hiddenFrom) };
      patches = mergePatches([zeros, ...patches]);
    }
    return this.sizeOverride === undefined && this.size === this.base.size
      ? { patches }
      : { patches, size: this.size };
  }

  get patches(): readonly Patch[] {
    return this.runs.list;
  }

  apply(edits: EditSet): void {
    for (const p of edits.patches) this.write(p.offset, p.data);
    if (edits.size !== undefined) this.resize(edits.size);
  }

  write(offset: number, data: Uint8Array): void {
    this.runs.write(offset, data);
    if (this.sizeOverride !== undefined && offset + data.length > this.sizeOverride) {
      this.sizeOverride = offset + data.length;
    }
  }

  resize(size: number): void {
    // Bytes of the base past a truncation must read as zeros if the file grows again later: record them as a
    // zero patch rather than forgetting them, but only for the part that still exists in the base.
    const current = this.size;
    if (size < current) {
      this.runs.truncate(size);
      const hiddenBaseEnd = Math.min(this.base.size, current);
      if (hiddenBaseEnd > size) this.hiddenFrom = Math.min(this.hiddenFrom, size);
    }
    this.sizeOverride = size;
  }

  read(offset: number, length: number): Uint8Array {
    const [start, end] = clampRange(offset, length, this.size);
    const out = new Uint8Array(end - start);
    this.fill(start, out);
    return out;
  }

  readInto(offset: number, target: Uint8Array): number {
    const [start, end] = clampRange(offset, target.length, this.size);
    this.fill(start, target.subarray(0, end - start));
    return end - start;
  }

  /** Base bytes at or after this offset were cut off by a truncation and read as zeros. */
  private hiddenFrom = Number.POSITIVE_INFINITY;

  private fill(start: number, out: Uint8Array): void {
    const end = start + out.length;
    const baseEnd = Math.min(end, this.base.size, this.hiddenFrom);
    if (baseEnd > start) this.base.readInto(start, out.subarray(0, baseEnd - start));
    if (baseEnd < end) out.fill(0, Math.max(0, baseEnd - start));
    const runs = this.runs.list;
    for (let i = this.runs.firstEndingAtOrAfter(start + 1); i < runs.length && runs[i].offset < end; i++) {
      const r = runs[i];
      const from = Math.max(start, r.offset);
      const to = Math.min(end, r.offset + r.data.length);
      if (to > from) out.set(r.data.subarray(from - r.offset, to - r.offset), from - start);
    }
  }

  private patchedEnd(): number {
    const runs = this.runs.list;
    const last = runs[runs.length - 1];
    return last ? last.offset + last.data.length : 0;
  }
}
