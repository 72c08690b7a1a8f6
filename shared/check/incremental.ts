import type { Geometry } from '../format/geometry';
import { BAT_OFFSET, batEntryAt, batEntryOffset } from '../format/constants';
import type { Patch } from '../io/patch';
import { type BatScan, EntryFlag, findHoles } from './batScan';
import type { ClusterIndex } from './clusterIndex';
import { type MetadataRange, overlaps } from './metadata';

/** A BAT entry that an edit changed; the BAT array already holds its new value. */
export interface EntryChange {
  index: number;
  previous: number;
}

/**
 * Keeps a BAT scan current while BAT entries are edited, without scanning the BAT again: an entry's own problems
 * depend only on its value, and its duplicate status only on the entries sharing its host cluster, which the
 * cluster index lists. So an edit re-checks the edited entries and the co-owners of the clusters they left and
 * joined; the only whole-image work left is the hole search over the slot array.
 *
 * Images with irregular entries (below the data area or off the cluster grid) are not tracked: their overlaps
 * span slots and are rare enough that a full scan is the simpler answer (`apply` then returns undefined).
 */
export class IncrementalBatScan {
  constructor(
    private readonly g: Geometry,
    private readonly bat: Uint32Array,
    private readonly metadata: readonly MetadataRange[],
    readonly index: ClusterIndex,
    private current: BatScan,
  ) {}

  get scan(): BatScan {
    return this.current;
  }

  /** Whether `apply` can follow edits of this image (no irregular entries now). */
  get tracking(): boolean {
    return this.index.irregularCount === 0;
  }

  /**
   * Brings the scan up to date with changed entries. Returns the new scan, or undefined when a change involves
   * an irregular entry (nothing is updated then: the caller scans again).
   */
  apply(changes: readonly EntryChange[]): BatScan | undefined {
    if (!this.tracking) return undefined;
    const real = changes.filter((c) => this.bat[c.index] !== c.previous);
    for (const c of real) {
      if (this.index.place(c.previous).kind === 'irregular' || this.index.place(this.bat[c.index]).kind === 'irregular') return undefined;
    }
    const fragmented = this.current.fragmented + this.fragmentationChange(real);
    const affected = new Set<number>();
    for (const c of real) {
      const before = this.index.place(c.previous);
      this.index.update(c.index, c.previous, this.bat[c.index]);
      const after = this.index.place(this.bat[c.index]);
      affected.add(c.index);
      if (before.kind === 'regular') for (const j of this.index.owners(before.slot)) affected.add(j);
      if (after.kind === 'regular') for (const j of this.index.owners(after.slot)) affected.add(j);
    }
    this.current = this.rebuild(affected, fragmented);
    return this.current;
  }

  /**
   * How the changes move qemu-img's fragmented count: only the pairs (i - 1, i) and (i, i + 1) of a changed entry
   * can change. `bat` holds the new values; the changes give the old ones.
   */
  private fragmentationChange(changes: readonly EntryChange[]): number {
    const bat = this.bat;
    const before = new Map(changes.map((c) => [c.index, c.previous]));
    const pairs = new Set<number>();
    for (const c of changes) {
      if (c.index > 0) pairs.add(c.index);
      if (c.index + 1 < bat.length) pairs.add(c.index + 1);
    }
    const step = this.g.clusterSize / this.g.unit;
    const jump = (a: number, b: number): number => (a !== 0 && b !== 0 && a + step !== b ? 1 : 0);
    let delta = 0;
    for (const p of pairs) delta += jump(bat[p - 1], bat[p]) - jump(before.get(p - 1) ?? bat[p - 1], before.get(p) ?? bat[p]);
    return delta;
  }

  private rebuild(affected: Set<number>, fragmented: number): BatScan {
    const old = this.current;
    const fresh = [...affected].sort((a, b) => a - b).map((i) => ({ i, ...this.entryProblems(i) }));
    const index: number[] = [];
    const flags: number[] = [];
    const peer: number[] = [];
    let k = 0;
    const push = (i: number, f: number, p: number): void => {
      index.push(i);
      flags.push(f);
      peer.push(p);
    };
    // Merge the old problem list (minus the re-checked entries) with the re-checked ones, both ascending.
    for (const n of fresh) {
      while (k < old.problemCount && old.problemIndex[k] < n.i) {
        if (!affected.has(old.problemIndex[k])) push(old.problemIndex[k], old.problemFlags[k], old.problemPeer[k]);
        k++;
      }
      if (n.flags !== 0) push(n.i, n.flags, n.peer);
    }
    for (; k < old.problemCount; k++) {
      if (!affected.has(old.problemIndex[k])) push(old.problemIndex[k], old.problemFlags[k], old.problemPeer[k]);
    }
    const usedEnd = this.usedEnd();
    return {
      entries: old.entries,
      allocated: this.index.allocated,
      fragmented,
      problemIndex: Uint32Array.from(index),
      problemFlags: Uint8Array.from(flags),
      problemPeer: Int32Array.from(peer),
      problemValue: Uint32Array.from(index, (i) => this.bat[i]),
      problemCount: index.length,
      usedEnd,
      holes: findHoles(this.g, this.index, [], this.metadata, usedEnd),
    };
  }

  /** The flags the full scan gives entry `i`, knowing the image has no irregular entries: the same rule predicates. */
  private entryProblems(i: number): { flags: number; peer: number } {
    const e = this.bat[i];
    if (e === 0) return { flags: 0, peer: -1 };
    const { tests, bounds: b, geometry: g } = this.index;
    let flags = 0;
    let peer = -1;
    if (tests.beyondEof(e, b)) flags |= EntryFlag.BeyondEof;
    if (tests.beyondDisk(i, b)) flags |= EntryFlag.BeyondDisk;
    if (tests.beforeData(e, b)) flags |= EntryFlag.BeforeData;
    else if (tests.misaligned(e, b)) flags |= EntryFlag.Misaligned;
    const p = this.index.place(e);
    if (p.kind === 'regular') {
      const first = this.index.firstOwner(p.slot);
      if (first !== i) {
        flags |= EntryFlag.Duplicate;
        peer = first;
      }
    }
    const host = e * g.unit;
    if (tests.overlapsMetadata(host, host + g.clusterSize, this.metadata)) flags |= EntryFlag.OverlapsMetadata;
    return { flags, peer };
  }

  private usedEnd(): number {
    const g = this.g;
    let end = Math.max(g.batEnd, Math.min(g.dataOffset, g.fileSize), this.index.regularEnd);
    for (const m of this.metadata) end = Math.max(end, m.end);
    return end;
  }
}

/**
 * Applies patches to a decoded BAT array when they change nothing but BAT entries, returning the changed entries
 * with their previous values; undefined (and the array untouched) when a patch reaches outside the BAT or into
 * format metadata, since then more than the BAT scan depends on the edit. `readEntry` reads an entry's new value
 * from the edited source.
 */
export function applyBatPatches(
  bat: Uint32Array,
  patches: readonly Patch[],
  metadata: readonly MetadataRange[],
  readEntry: (index: number) => number,
): EntryChange[] | undefined {
  const end = batEntryOffset(bat.length);
  const touched = new Set<number>();
  for (const p of patches) {
    if (p.data.length === 0) continue;
    const pEnd = p.offset + p.data.length;
    if (p.offset < BAT_OFFSET || pEnd > end || metadata.some((m) => overlaps(p.offset, pEnd, m.start, m.end))) return undefined;
    const first = batEntryAt(p.offset);
    const last = batEntryAt(pEnd - 1);
    for (let i = first; i <= last; i++) touched.add(i);
  }
  const changes: EntryChange[] = [];
  for (const i of [...touched].sort((a, b) => a - b)) {
    const previous = bat[i];
    bat[i] = readEntry(i);
    changes.push({ index: i, previous });
  }
  return changes;
}
