import type { RegionKind } from '../format/regionKinds';
import { HEADER_SIZE } from '../format/constants';
import type { HostSpace } from './hostSpace';

/** What a byte range of the file is (kinds only: how bad its bytes are comes from the findings, per byte). */
export interface ColouredRegion {
  offset: number;
  length: number;
  kind: RegionKind;
}

/** Regions past this window length are not split per byte range; the grid asks for what it shows. */
export const MAX_REGION_WINDOW = 64 * 1024 * 1024;

/**
 * The coloured regions of a byte window (of a file of `fileSize` bytes): the host space's kinds or, when the header
 * is unusable, the header and unplaced bytes. Neighbours of equal kind merge. Severity is not a region's: the
 * webview overlays the findings it was pushed on the bytes (media/decor.ts), the one place that computes it.
 */
export function regionsOf(space: HostSpace | undefined, fileSize: number, offset: number, length: number): ColouredRegion[] {
  const start = Math.max(0, offset);
  const end = Math.min(start + Math.max(0, Math.min(length, MAX_REGION_WINDOW)), Math.max(fileSize, start));
  if (end <= start) return [];
  const out: ColouredRegion[] = [];
  for (const seg of space ? space.segments(start, end) : unplaced(start, end)) push(out, { offset: seg.start, length: seg.end - seg.start, kind: seg.kind });
  return out;
}

/** Without a usable header only the header is known; the rest of the file cannot be placed. */
function unplaced(start: number, end: number): Array<{ start: number; end: number; kind: RegionKind }> {
  const out: Array<{ start: number; end: number; kind: RegionKind }> = [];
  if (start < HEADER_SIZE) out.push({ start, end: Math.min(end, HEADER_SIZE), kind: 'header' });
  if (end > HEADER_SIZE) out.push({ start: Math.max(start, HEADER_SIZE), end, kind: 'beyond' });
  return out;
}

function push(out: ColouredRegion[], r: ColouredRegion): void {
  const last = out[out.length - 1];
  if (last && last.kind === r.kind && last.offset + last.length === r.offset) last.length += r.length;
  else if (r.length > 0) out.push(r);
}
