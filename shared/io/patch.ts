/** A replacement of bytes at a file offset: the unit of every edit and every repair. */
export interface Patch {
  offset: number;
  data: Uint8Array;
}

/** An edit state: byte patches plus an optional new file size (applied after the patches). */
export interface EditSet {
  patches: Patch[];
  size?: number;
}

/**
 * A sorted list of disjoint, non-adjacent byte runs. Writing a patch overwrites what it covers and merges with
 * its neighbours, so later writes win and the list stays minimal.
 */
export class PatchRuns {
  private runs: Patch[] = [];

  get list(): readonly Patch[] {
    return this.runs;
  }

  write(offset: number, data: Uint8Array): void {
    if (data.length === 0) return;
    const end = offset + data.length;
    // First run that ends at or after `offset` (touching counts, so adjacent runs merge).
    const first = this.firstEndingAtOrAfter(offset);
    let hi = first;
    while (hi < this.runs.length && this.runs[hi].offset <= end) hi++;
    if (first === hi) {
      this.runs.splice(first, 0, { offset, data: data.slice() });
      return;
    }
    const start = Math.min(offset, this.runs[first].offset);
    const last = this.runs[hi - 1];
    const mergedEnd = Math.max(end, last.offset + last.data.length);
    const merged = new Uint8Array(mergedEnd - start);
    for (let k = first; k < hi; k++) merged.set(this.runs[k].data, this.runs[k].offset - start);
    merged.set(data, offset - start);
    this.runs.splice(first, hi - first, { offset: start, data: merged });
  }

  /** Drops every byte at or after `size` (a truncation). */
  truncate(size: number): void {
    const keep: Patch[] = [];
    for (const r of this.runs) {
      if (r.offset >= size) break;
      keep.push(r.offset + r.data.length > size ? { offset: r.offset, data: r.data.slice(0, size - r.offset) } : r);
    }
    this.runs = keep;
  }

  /** Index of the first run whose end is >= offset. */
  firstEndingAtOrAfter(offset: number): number {
    let lo = 0;
    let hi = this.runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const r = this.runs[mid];
      if (r.offset + r.data.length < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }
}

/** Merges patches (later ones win) into a sorted, disjoint list. */
export function mergePatches(patches: readonly Patch[]): Patch[] {
  const runs = new PatchRuns();
  for (const p of patches) runs.write(p.offset, p.data);
  return [...runs.list];
}
