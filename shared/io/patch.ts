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

/** Whether an edit set changes anything at all. */
export function changesSomething(e: EditSet): boolean {
  return e.patches.length > 0 || (e.copies?.length ?? 0) > 0 || e.size !== undefined;
}

/** Zeros over a range (what a truncation leaves of the bytes it hid, should the file grow again). */
export interface ZeroFill {
  offset: number;
  length: number;
  zero: true;
}

/**
 * What a range of an overlay holds: literal bytes, bytes of the base (a CopyRun whose `from` is a base offset),
 * or zeros.
 */
export type Run = Patch | CopyRun | ZeroFill;

export function isLiteral(r: Run): r is Patch {
  return 'data' in r;
}

export function isCopy(r: Run): r is CopyRun {
  return 'from' in r;
}

export function isZero(r: Run): r is ZeroFill {
  return 'zero' in r;
}

export function runLength(r: Run): number {
  return isLiteral(r) ? r.data.length : r.length;
}

/** The part [start, end) of a run (within it): a view of its bytes, never a copy. */
export function cutRun(r: Run, start: number, end: number): Run {
  const at = start - r.offset;
  if (isLiteral(r)) return { offset: start, data: r.data.subarray(at, end - r.offset) };
  if (isCopy(r)) return { offset: start, length: end - start, from: r.from + at };
  return { offset: start, length: end - start, zero: true };
}

/**
 * A sorted list of disjoint runs, each saying what a byte range holds: literal bytes, a range of the base, or
 * zeros. Writing a run overwrites what it covers and cuts the runs it overlaps; later writes win.
 *
 * Costs: a write costs O(its own length + log(runs)) plus at most SMALL_RUN bytes of a neighbour it merges with,
 * never a copy of a large run it lands inside (the run is cut into views of its buffer instead), and a copy or
 * zero run costs O(1) whatever its length. Buffers a run refers to are never changed where a view was handed
 * out: only bytes past every view of a buffer are written (appends), so snapshots (`list`, `edits`) stay valid.
 * Adjacent runs stay separate where merging would copy a large one.
 */
export class PatchRuns {
  private runs: Run[] = [];
  /** Bytes copied into run buffers so far (work, for tests: a write inside a large run must not copy it). */
  bytesCopied = 0;
  /** How much of each growable buffer is handed out as views: bytes past it are spare room no view sees. */
  private readonly used = new WeakMap<ArrayBufferLike, number>();

  get list(): readonly Run[] {
    return this.runs;
  }

  /** Writes a copy of `data` at `offset`. */
  write(offset: number, data: Uint8Array): void {
    if (data.length > 0) this.put({ offset, data }, false);
  }

  /**
   * Writes a run as is: its bytes (a view that no one changes, such as a piece of another run) are not copied.
   * A zero-length run is ignored.
   */
  writeRun(run: Run): void {
    if (runLength(run) > 0) this.put(run, isLiteral(run));
  }

  /** Drops every byte at or after `size` (a truncation). */
  truncate(size: number): void {
    const keep: Run[] = [];
    for (const r of this.runs) {
      if (r.offset >= size) break;
      keep.push(r.offset + runLength(r) > size ? cutRun(r, r.offset, size) : r);
    }
    this.runs = keep;
  }

  /** The runs over [start, end), cut to it, in order. */
  within(start: number, end: number): Run[] {
    const out: Run[] = [];
    for (let i = this.firstEndingAtOrAfter(start + 1); i < this.runs.length && this.runs[i].offset < end; i++) {
      const r = this.runs[i];
      out.push(cutRun(r, Math.max(start, r.offset), Math.min(end, r.offset + runLength(r))));
    }
    return out;
  }

  /** Index of the first run whose end is >= offset. */
  firstEndingAtOrAfter(offset: number): number {
    let lo = 0;
    let hi = this.runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const r = this.runs[mid];
      if (r.offset + runLength(r) < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** `owned`: a literal run's bytes may be kept without a copy. */
  private put(run: Run, owned: boolean): void {
    const offset = run.offset;
    const end = offset + runLength(run);
    // Runs [first, hi) touch or overlap [offset, end): the first may keep a head, the last a tail.
    const first = this.firstEndingAtOrAfter(offset);
    let hi = first;
    while (hi < this.runs.length && this.runs[hi].offset <= end) hi++;
    const firstRun = this.runs[first];
    const lastRun = this.runs[hi - 1];
    // A run that only touches the write is kept whole (no view is made of it: the common append costs no garbage).
    const head =
      first < hi && firstRun.offset < offset
        ? firstRun.offset + runLength(firstRun) === offset
          ? firstRun
          : cutRun(firstRun, firstRun.offset, offset)
        : undefined;
    const tail =
      first < hi && lastRun.offset + runLength(lastRun) > end
        ? lastRun.offset === end
          ? lastRun
          : cutRun(lastRun, end, lastRun.offset + runLength(lastRun))
        : undefined;
    const pieces: Run[] = [];
    let middle: Run = run;
    let middleOwned = owned;
    if (head) {
      const joined = this.join(head, middle, middleOwned);
      if (joined) {
        middle = joined;
        middleOwned = true;
      } else pieces.push(head);
    }
    let rest: Run | undefined = tail;
    if (tail) {
      const joined = this.join(middle, tail, true);
      if (joined) {
        middle = joined;
        middleOwned = true;
        rest = undefined;
      }
    }
    pieces.push(isLiteral(middle) && !middleOwned ? this.owned(middle) : middle);
    if (rest) pieces.push(rest);
    this.runs.splice(first, hi - first, ...pieces);
  }

  /** `a` then `b` as one run, when that is cheap (see the class comment); undefined to keep them apart. */
  private join(a: Run, b: Run, bOwned: boolean): Run | undefined {
    if (isZero(a) && isZero(b)) return { offset: a.offset, length: a.length + b.length, zero: true };
    if (isCopy(a) && isCopy(b)) return a.from + a.length === b.from ? { offset: a.offset, length: a.length + b.length, from: a.from } : undefined;
    if (!isLiteral(a) || !isLiteral(b)) return undefined;
    const appended = this.appendInPlace(a, b.data);
    if (appended) return appended;
    // A large run grows only at the live end of its buffer (doubling: appends cost linear time in all); a piece cut
    // out of a buffer is not copied to join a write, which is what keeps a small write inside a large run O(write).
    if (a.data.length > SMALL_RUN) return this.isLiveEnd(a) ? this.concat(a.offset, a.data, b.data) : undefined;
    // A small head is copied with the write; so is a large unowned write (it is copied anyway), not a large piece.
    if (b.data.length > SMALL_RUN && bOwned) return undefined;
    return this.concat(a.offset, a.data, b.data);
  }

  private isLiveEnd(a: Patch): boolean {
    return this.used.get(a.data.buffer) === a.data.byteOffset + a.data.length;
  }

  /**
   * Appends to the end of `a` without re-copying it when its buffer has spare room past every view: a repair
   * writes long sequences of adjacent BAT entries, and copying the whole run on each write made those quadratic.
   */
  private appendInPlace(a: Patch, data: Uint8Array): Patch | undefined {
    const length = a.data.length + data.length;
    if (!this.isLiveEnd(a) || a.data.buffer.byteLength < a.data.byteOffset + length) return undefined;
    const view = new Uint8Array(a.data.buffer, a.data.byteOffset, length);
    view.set(data, a.data.length);
    this.bytesCopied += data.length;
    this.used.set(view.buffer, view.byteOffset + length);
    return { offset: a.offset, data: view };
  }

  /** A new growable buffer holding `x` then `y` (doubling, so a run of appends costs linear time in all). */
  private concat(offset: number, x: Uint8Array, y: Uint8Array): Patch {
    const length = x.length + y.length;
    const view = new Uint8Array(Math.max(2 * length, 4096)).subarray(0, length);
    view.set(x);
    view.set(y, x.length);
    this.bytesCopied += length;
    this.used.set(view.buffer, length);
    return { offset, data: view };
  }

  private owned(p: Patch): Patch {
    this.bytesCopied += p.data.length;
    const data = p.data.slice();
    this.used.set(data.buffer, data.length);
    return { offset: p.offset, data };
  }
}

/** Neighbours up to this size are merged with a write by copying them (bounded work per write). */
const SMALL_RUN = 4096;

/** Merges patches (later ones win) into a sorted, disjoint list. */
export function mergePatches(patches: readonly Patch[]): Patch[] {
  const runs = new PatchRuns();
  for (const p of patches) runs.write(p.offset, p.data);
  // Only literal runs were written.
  return runs.list as Patch[];
}
