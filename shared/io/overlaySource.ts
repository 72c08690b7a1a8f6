import { type ByteSource, clampRange } from './byteSource';
import { type CopyRun, type EditSet, type Patch, PatchRuns, type Run, isCopy, isLiteral, runLength } from './patch';

/**
 * A byte source that shows unsaved edits over another source: runs of literal bytes, of base bytes copied from
 * elsewhere, or of zeros win over the base, and an optional size truncates or extends it (extension reads as
 * zeros, as a file extended with ftruncate does). A copy costs O(1) memory whatever its length: a plan that moves
 * gigabytes of clusters holds only where they come from.
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
    return this.sizeOverride ?? Math.max(this.base.size, this.runsEnd());
  }

  /** Bytes copied into run buffers so far: work, for tests (copies and cuts of runs cost none). */
  get bytesCopied(): number {
    return this.runs.bytesCopied;
  }

  /**
   * The edits that turn the base into this source: disjoint patches and copies (of the base) within the final
   * size, plus that size. Base bytes hidden by a truncation and exposed again by a later growth become copies from
   * past the base's end (zeros, by the semantics of a copy), not buffers of zeros.
   */
  get edits(): EditSet {
    const size = this.size;
    const patches: Patch[] = [];
    const copies: CopyRun[] = [];
    for (const r of this.runs.within(0, size)) {
      if (isLiteral(r)) patches.push(r);
      else if (isCopy(r)) copies.push(r);
      // Zeros past the base's end need no edit: the file grows with zeros there.
      else if (r.offset < this.base.size) copies.push({ offset: r.offset, length: Math.min(r.length, this.base.size - r.offset), from: this.base.size });
    }
    return this.sizeOverride === undefined && size === this.base.size ? { patches, copies } : { patches, copies, size };
  }

  /** Applies an edit set as its documented semantics say: copies read the state before the set. */
  apply(edits: EditSet): void {
    // Resolved first (views, base ranges, zeros: nothing the set's own writes can change), then written.
    const moved = (edits.copies ?? []).map((c) => ({ delta: c.offset - c.from, content: this.contentOf(c.from, c.length) }));
    for (const m of moved) for (const r of m.content) this.writeRun({ ...r, offset: r.offset + m.delta });
    for (const p of edits.patches) this.write(p.offset, p.data);
    if (edits.size !== undefined) this.resize(edits.size);
  }

  write(offset: number, data: Uint8Array): void {
    this.runs.write(offset, data);
    this.grow(offset + data.length);
  }

  /** Writes a run as it is (its bytes are not copied: the caller hands over a view no one changes). */
  writeRun(run: Run): void {
    this.runs.writeRun(run);
    this.grow(run.offset + runLength(run));
  }

  resize(size: number): void {
    if (size < this.size) {
      this.runs.truncate(size);
      // Base bytes past the cut must read as zeros if the file grows again later.
      if (this.base.size > size) this.runs.writeRun({ offset: size, length: this.base.size - size, zero: true });
    }
    this.sizeOverride = size;
  }

  /**
   * What [from, from + length) of this state holds, as runs that no later write of this state changes: views of
   * literal bytes, ranges of the base (CopyRun.from is a base offset), zeros (past the end, or hidden by a
   * truncation). The runs cover the range in order; nothing is read or copied.
   */
  contentOf(from: number, length: number): Run[] {
    const end = from + length;
    const visibleEnd = Math.max(from, Math.min(end, this.size));
    const out: Run[] = [];
    let at = from;
    for (const r of this.runs.within(from, visibleEnd)) {
      if (r.offset > at) this.baseRange(at, r.offset, out);
      out.push(r);
      at = r.offset + runLength(r);
    }
    if (at < visibleEnd) this.baseRange(at, visibleEnd, out);
    if (visibleEnd < end) out.push({ offset: visibleEnd, length: end - visibleEnd, zero: true });
    return out;
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

  private grow(end: number): void {
    if (this.sizeOverride !== undefined && end > this.sizeOverride) this.sizeOverride = end;
  }

  /** An uncovered range: the base's bytes, zeros past its end. */
  private baseRange(start: number, end: number, out: Run[]): void {
    const baseEnd = Math.max(start, Math.min(end, this.base.size));
    if (baseEnd > start) out.push({ offset: start, length: baseEnd - start, from: start });
    if (end > baseEnd) out.push({ offset: baseEnd, length: end - baseEnd, zero: true });
  }

  private fill(start: number, out: Uint8Array): void {
    const end = start + out.length;
    let at = start;
    for (const r of this.runs.within(start, end)) {
      if (r.offset > at) this.readBase(at, out.subarray(at - start, r.offset - start));
      const target = out.subarray(r.offset - start, r.offset - start + runLength(r));
      if (isLiteral(r)) target.set(r.data);
      else if (isCopy(r)) this.readBase(r.from, target);
      else target.fill(0);
      at = r.offset + runLength(r);
    }
    if (at < end) this.readBase(at, out.subarray(at - start));
  }

  /** Base bytes into `target`; past the base's end, zeros. */
  private readBase(offset: number, target: Uint8Array): void {
    const n = offset < this.base.size ? this.base.readInto(offset, target) : 0;
    if (n < target.length) target.fill(0, n);
  }

  private runsEnd(): number {
    const runs = this.runs.list;
    const last = runs[runs.length - 1];
    return last ? last.offset + runLength(last) : 0;
  }
}
