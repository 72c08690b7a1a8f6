import type { Severity } from '../check/finding';
import type { RegionKind } from '../format/fieldInfo';
import { HEADER_SIZE } from '../format/constants';
import { HostSpace } from './hostSpace';
import { ByteRange, RangeIndex } from './rangeIndex';

export interface ColouredRegion {
  offset: number;
  length: number;
  kind: RegionKind;
  /** Worst severity of the findings on these bytes. */
  severity?: Severity;
}

/** A finding as far as colouring cares. */
export interface SeverityRange extends ByteRange {
  severity: Severity;
}

/** Regions past this window length are not split per byte range; the grid asks for what it shows. */
export const MAX_REGION_WINDOW = 64 * 1024 * 1024;

const RANK: Record<Severity, number> = { info: 1, warning: 2, error: 3 };

/**
 * The coloured regions of a byte window (of a file of `fileSize` bytes): the host space's kinds (or, when the
 * header is unusable, the header and unplaced bytes), cut where findings start and end, each piece
 * carrying the worst severity of the findings on it. Neighbours of equal kind and severity merge.
 */
export function regionsOf(space: HostSpace | undefined, fileSize: number, findings: RangeIndex<SeverityRange>, offset: number, length: number): ColouredRegion[] {
  const start = Math.max(0, offset);
  const end = Math.min(start + Math.max(0, Math.min(length, MAX_REGION_WINDOW)), Math.max(fileSize, start));
  if (end <= start) return [];
  const hits = findings.overlapping(start, end);
  const out: ColouredRegion[] = [];
  for (const seg of space ? space.segments(start, end) : unplaced(start, end)) {
    const cuts = new Set<number>([seg.start, seg.end]);
    for (const f of hits) {
      if (f.offset > seg.start && f.offset < seg.end) cuts.add(f.offset);
      const fEnd = f.offset + Math.max(1, f.length);
      if (fEnd > seg.start && fEnd < seg.end) cuts.add(fEnd);
    }
    const points = [...cuts].sort((a, b) => a - b);
    for (let k = 0; k + 1 < points.length; k++) {
      push(out, { offset: points[k], length: points[k + 1] - points[k], kind: seg.kind, severity: worst(hits, points[k]) });
    }
  }
  return out;
}

/** Without a usable header only the header is known; the rest of the file cannot be placed. */
function unplaced(start: number, end: number): Array<{ start: number; end: number; kind: RegionKind }> {
  const out: Array<{ start: number; end: number; kind: RegionKind }> = [];
  if (start < HEADER_SIZE) out.push({ start, end: Math.min(end, HEADER_SIZE), kind: 'header' });
  if (end > HEADER_SIZE) out.push({ start: Math.max(start, HEADER_SIZE), end, kind: 'beyond' });
  return out;
}

function worst(hits: readonly SeverityRange[], at: number): Severity | undefined {
  let best: Severity | undefined;
  for (const f of hits) {
    if (at < f.offset || at >= f.offset + Math.max(1, f.length)) continue;
    if (!best || RANK[f.severity] > RANK[best]) best = f.severity;
  }
  return best;
}

function push(out: ColouredRegion[], r: ColouredRegion): void {
  const last = out[out.length - 1];
  if (last && last.kind === r.kind && last.severity === r.severity && last.offset + last.length === r.offset) {
    last.length += r.length;
    return;
  }
  if (r.severity === undefined) delete r.severity;
  out.push(r);
}
