import { DecodedImage } from '../format/image';
import { Geometry } from '../format/geometry';
import { SECTOR } from '../format/constants';

/** A host range that holds format metadata (the extension cluster, a bitmap data cluster). */
export interface MetadataRange {
  start: number;
  end: number;
  what: string;
}

/**
 * The clusters outside the BAT that the image uses: the extension cluster and each bitmap's data clusters.
 * They are in use (not leaks), and data clusters must not overlap them. Only ranges that start inside the file
 * count; the extension and bitmap rules report the rest.
 */
export function metadataRanges(image: DecodedImage): MetadataRange[] {
  const g = image.geometry;
  const ext = image.extension;
  if (!g || !ext) return [];
  const ranges: MetadataRange[] = [{ start: ext.offset, end: ext.offset + g.clusterSize, what: 'format extension cluster' }];
  ext.features.forEach((f, fi) => {
    f.bitmap?.l1.forEach((entry, li) => {
      const host = bitmapClusterOffset(entry);
      if (host !== undefined && host < g.fileSize) {
        ranges.push({ start: host, end: host + g.clusterSize, what: `dirty bitmap ${fi} L1 entry ${li} cluster` });
      }
    });
  });
  return ranges.sort((a, b) => a.start - b.start);
}

/** Host offset of a bitmap L1 entry's cluster; 0 and 1 are the all-clean and all-dirty markers. */
export function bitmapClusterOffset(entry: number): number | undefined {
  return entry > 1 ? entry * SECTOR : undefined;
}

export function overlaps(aStart: number, aEnd: number, bStart: number, bEnd: number): boolean {
  return aStart < bEnd && bStart < aEnd;
}

/** Whether a range lies in the data area on a cluster boundary, as BAT-addressed clusters must. */
export function isClusterAligned(g: Geometry, host: number): boolean {
  return (host - slotOrigin(g)) % g.clusterSize === 0;
}

/**
 * Where cluster boundaries are counted from: cluster indices (ext) are aligned to the file start; sector
 * offsets (legacy) to the data area start, as the spec's "(cluster offset - data offset)" says.
 */
export function slotOrigin(g: Geometry): number {
  return g.variant === 'ext' ? 0 : g.dataOffset;
}
