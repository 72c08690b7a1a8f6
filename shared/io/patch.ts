/** A replacement of bytes at a file offset: the unit of every edit and every repair. */
export interface Patch {
  offset: number;
  data: Uint8Array;
}

/**
 * A copy inside the state an edit set applies to: `length` bytes read at `from` of that state *before* the set
 * (bytes past its end read as zeros), written at `offset`. Repairs move whole clusters (gigabytes in all on a
 * damaged image); a copy names them instead of carrying them, so a plan costs memory by its metadata only.
 */
export interface CopyRun {
  offset: number;
  length: number;
  from: number;
}

/**
 * An edit state: what turns one state of a file into the next. Applied as: the size is set (when given; otherwise
 * the file grows to hold every target), then every copy reads the *old* state and writes its target (copy targets
 * are disjoint), then the patches are written in order (later ones win, over copies too). Targets past `size` are
 * cut off. Every consumer must honour `copies`: an edit set whose copies are dropped loses guest data.
 */
export interface EditSet {
  patches: Patch[];
  copies?: CopyRun[];
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
    if (hi === first + 1 && this.append(first, offset, data)) return;
    const start = Math.min(offset, this.runs[first].offset);
    const last = this.runs[hi - 1];
    const mergedEnd = Math.max(end, last.offset + last.data.length);
    const merged = new Uint8Array(mergedEnd - start);
    for (let k = first; k < hi; k++) merged.set(this.runs[k].data, this.runs[k].offset - start);
    merged.set(data, offset - start);
    this.runs.splice(first, hi - first, { offset: start, data: merged });
  }

  /** How much of each growable buffer is handed out as views: bytes past it are spare room no view sees. */
  private readonly used = new WeakMap<ArrayBufferLike, number>();

  /**
   * Appends to the end of run k without re-copying it when its buffer has spare room (doubling otherwise): a repair
   * writes long sequences of adjacent clusters and BAT entries, and copying the whole run on each write made those
   * quadratic (2000 duplicate clusters took 144 s to plan). Earlier views of the run never see the appended bytes.
   */
  private append(k: number, offset: number, data: Uint8Array): boolean {
    const r = this.runs[k];
    if (offset !== r.offset + r.data.length) return false;
    const length = r.data.length + data.length;
    const tail = r.data.byteOffset + r.data.length;
    let view: Uint8Array;
    if (this.used.get(r.data.buffer) === tail && r.data.buffer.byteLength >= r.data.byteOffset + length) {
      view = new Uint8Array(r.data.buffer, r.data.byteOffset, length);
    } else {
      view = new Uint8Array(Math.max(2 * length, 4096)).subarray(0, length);
      view.set(r.data);
    }
    view.set(data, r.data.length);
    this.used.set(view.buffer, view.byteOffset + length);
    this.runs[k] = { offset: r.offset, data: view };
    return true;
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
