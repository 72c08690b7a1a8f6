import { type BatScan, EntryFlag } from '../check/batScan';
import type { ClusterIndex } from '../check/clusterIndex';
import { type MetadataRange, tailIsLeak } from '../check/metadata';
import type { RegionKind } from '../format/regionKinds';
import type { Geometry } from '../format/geometry';
import type { DecodedImage } from '../format/image';

/** A run of host bytes of one kind, covered by the same BAT entries. */
export interface Segment {
  start: number;
  end: number;
  kind: RegionKind;
  /** BAT entries whose clusters cover these bytes, ascending. */
  entries: number[];
  /** The format metadata (extension or bitmap cluster) these bytes belong to. */
  metadata?: MetadataRange;
  /** Bytes that two things claim, or that a corrupt BAT entry maps. */
  corrupt: boolean;
}

/** Entry problems that make the bytes an entry maps suspect (beyond the disk is a warning: the data is fine). */
const CORRUPT_FLAGS = EntryFlag.BeyondEof | EntryFlag.BeforeData | EntryFlag.Misaligned | EntryFlag.Duplicate | EntryFlag.OverlapsMetadata;

/**
 * What every byte of the host file is, once the BAT is scanned: header, BAT, padding, a data cluster (and of
 * which entries), the extension or a bitmap cluster, free (unreferenced) or leaked space. The classification is
 * the same for hovers, the grid's colours and the allocation map, so they never disagree.
 */
export class HostSpace {
  readonly geometry: Geometry;
  readonly bat: Uint32Array;

  constructor(
    readonly image: DecodedImage,
    readonly scan: BatScan,
    readonly metadata: readonly MetadataRange[],
    /** The reverse BAT; without it (huge sparse files) lookups scan the BAT. */
    readonly index: ClusterIndex | undefined,
  ) {
    if (!image.geometry) throw new Error('HostSpace needs a decodable geometry');
    this.geometry = image.geometry;
    this.bat = image.bat ?? new Uint32Array(0);
  }

  /** The problem flags the scan found on entry `i` (0 for none). */
  entryFlags(i: number): number {
    const k = lowerBound(this.scan.problemIndex, this.scan.problemCount, i);
    return k < this.scan.problemCount && this.scan.problemIndex[k] === i ? this.scan.problemFlags[k] : 0;
  }

  entryCorrupt(i: number): boolean {
    return (this.entryFlags(i) & CORRUPT_FLAGS) !== 0;
  }

  /** Host offset of entry `i`'s cluster. */
  hostOf(i: number): number {
    return this.bat[i] * this.geometry.unit;
  }

  /** Entries whose clusters overlap [start, end) and start inside the file, ascending by index. */
  entriesOverlapping(start: number, end: number): number[] {
    const g = this.geometry;
    if (this.index) {
      const out = new Set<number>();
      const first = Math.max(0, Math.floor((start - this.index.slotStart(0)) / g.clusterSize));
      for (let s = first; s < this.index.slotCount && this.index.slotStart(s) < end; s++) {
        for (const i of this.index.owners(s)) out.add(i);
      }
      for (const i of this.index.irregularAround(start, end, this.bat)) out.add(i);
      return [...out].sort((a, b) => a - b);
    }
    const out: number[] = [];
    for (let i = 0; i < this.bat.length; i++) {
      const e = this.bat[i];
      if (e === 0) continue;
      const host = e * g.unit;
      if (host < g.fileSize && host < end && host + g.clusterSize > start) out.push(i);
    }
    return out;
  }

  /** The segments of [start, end), merged where kind, entries and metadata agree. */
  segments(start: number, end: number): Segment[] {
    const g = this.geometry;
    const from = Math.max(0, start);
    const to = Math.max(from, end);
    const entries = this.entriesOverlapping(from, to);
    const cuts = new Set<number>([from, to]);
    const cut = (v: number): void => {
      if (v > from && v < to) cuts.add(v);
    };
    [64, g.batEnd, g.dataOffset, this.scan.usedEnd, g.fileSize].forEach(cut);
    for (const m of this.metadata) {
      cut(m.start);
      cut(m.end);
    }
    for (const i of entries) {
      cut(this.hostOf(i));
      cut(this.hostOf(i) + g.clusterSize);
    }
    const points = [...cuts].sort((a, b) => a - b);
    // Sweep: entries enter at their cluster start and leave at its end; few are active at once.
    const byHost = [...entries].sort((x, y) => this.hostOf(x) - this.hostOf(y) || x - y);
    let next = 0;
    let active: number[] = [];
    const out: Segment[] = [];
    for (let k = 0; k + 1 < points.length; k++) {
      const a = points[k];
      while (next < byHost.length && this.hostOf(byHost[next]) <= a) active.push(byHost[next++]);
      active = active.filter((i) => a < this.hostOf(i) + g.clusterSize);
      const covering = active.length > 1 ? [...active].sort((x, y) => x - y) : [...active];
      const seg = this.classify(a, points[k + 1], covering);
      const last = out[out.length - 1];
      if (last && sameSegment(last, seg)) last.end = seg.end;
      else out.push(seg);
    }
    return out;
  }

  /** The segment containing `offset`, widened to its whole cluster-sized run (at most a cluster each way). */
  segmentAt(offset: number): Segment {
    const g = this.geometry;
    const around = this.segments(Math.max(0, offset - g.clusterSize), offset + g.clusterSize);
    return around.find((s) => offset >= s.start && offset < s.end) ?? this.classify(offset, offset + 1, []);
  }

  private classify(start: number, end: number, covering: number[]): Segment {
    const g = this.geometry;
    const meta = this.metadata.find((m) => start >= m.start && start < m.end);
    const kind: RegionKind =
      start < 64
        ? 'header'
        : start < g.batEnd
          ? 'bat'
          : start >= g.fileSize
            ? 'beyond'
            : meta
              ? meta.start === this.image.extension?.offset
                ? 'extension'
                : 'bitmap'
              : covering.length > 0
                ? 'data'
                : start < g.dataOffset
                  ? 'padding'
                  : start >= this.scan.usedEnd && tailIsLeak(this.image)
                    ? 'leaked'
                    : 'free';
    const corrupt = covering.length > 1 || (covering.length > 0 && kind !== 'data') || covering.some((i) => this.entryCorrupt(i));
    const seg: Segment = { start, end, kind, entries: covering, corrupt };
    if (meta) seg.metadata = meta;
    return seg;
  }
}

function sameSegment(a: Segment, b: Segment): boolean {
  return (
    a.kind === b.kind &&
    a.corrupt === b.corrupt &&
    a.metadata === b.metadata &&
    a.entries.length === b.entries.length &&
    a.entries.every((x, i) => x === b.entries[i])
  );
}

export function lowerBound(sorted: ArrayLike<number>, count: number, v: number): number {
  let lo = 0;
  let hi = count;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (sorted[mid] < v) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
