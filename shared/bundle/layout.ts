/** What the rules and the readers ask of a bundle's storages: their sector ranges and their top images. */
import { effectiveSectors } from '../format/header';
import type { Bundle, BundleImage } from './bundle';
import type { StorageEntry } from './descriptor';

export interface StorageRange {
  index: number;
  /** Sectors, End exclusive. */
  start: number;
  end: number;
}

/** The storages' ranges, or undefined when a Start or End is missing or unreadable. */
export function storageRanges(storages: readonly StorageEntry[]): StorageRange[] | undefined {
  const out: StorageRange[] = [];
  for (const s of storages) {
    const start = s.start?.value;
    const end = s.end?.value;
    if (start === undefined || end === undefined) return undefined;
    out.push({ index: s.index, start, end });
  }
  return out;
}

/** Whether the ranges start at 0 and follow each other without gap or overlap. */
export function contiguous(ranges: readonly StorageRange[]): boolean {
  let expected = 0;
  for (const r of ranges) {
    if (r.start !== expected || r.end <= r.start) return false;
    expected = r.end;
  }
  return ranges.length > 0;
}

/** The top image of each storage (undefined where the chain has no top or the storage lacks its image). */
export function topImages(b: Bundle): Array<BundleImage | undefined> {
  const top = b.chain.guids[0];
  return b.images.map((m) => (top === undefined ? undefined : m.get(top)));
}

/** The disk size an image describes, in sectors: its header's for an expandable image, its length for a raw one. */
export function imageSectors(img: BundleImage): number | undefined {
  if (img.kind === 'raw') return img.file ? Math.floor(img.file.size / 512) : undefined;
  const h = img.decoded?.geometry ? img.decoded.header : undefined;
  return h ? effectiveSectors(h) : undefined;
}
