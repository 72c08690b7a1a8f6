import type { DecodedImage } from '../format/image';
import type { Geometry } from '../format/geometry';
import { SECTOR } from '../format/constants';
import { type Extension, extensionMagicOk, featureUnloadable } from '../format/extension';

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
export function metadataRanges(image: DecodedImage, mapped: ReadonlySet<number> = mappedCandidates(image)): MetadataRange[] {
  const g = image.geometry;
  const ext = image.extension;
  if (!g || !ext) return [];
  // Without its magic the cluster is no extension (ext-bad-magic drops it): its "features" are noise.
  const magicOk = extensionMagicOk(ext);
  const ranges = magicOk ? bitmapClusterRanges(g, ext) : [];
  // A cluster the BAT maps is guest data when what claims it cannot be trusted: a bitmap L1 entry there is the invalid
  // one (bitmap-l1-entry-invalid makes it all dirty), so is an ext_off without the magic. Counting it as metadata
  // would relocate the guest data and, for a bitmap, leave it reading guest bytes.
  const kept = ranges.filter((r) => !mapped.has(r.start));
  if (magicOk || !mapped.has(ext.offset)) kept.push({ start: ext.offset, end: ext.offset + g.clusterSize, what: 'format extension cluster' });
  return kept.sort((a, b) => a.start - b.start);
}

/**
 * The host offsets whose being mapped by a BAT entry changes `metadataRanges`: a BAT edit that neither maps nor
 * unmaps any of them leaves the ranges as they are, which the server can tell without a pass over the BAT.
 */
export function metadataCandidates(image: DecodedImage): number[] {
  const g = image.geometry;
  const ext = image.extension;
  if (!g || !ext) return [];
  return extensionMagicOk(ext) ? bitmapClusterRanges(g, ext).map((r) => r.start) : [ext.offset];
}

/** The data clusters of the dirty bitmaps that start inside the file. */
function bitmapClusterRanges(g: Geometry, ext: Extension): MetadataRange[] {
  const ranges: MetadataRange[] = [];
  ext.features.forEach((f, fi) => {
    f.bitmap?.l1.forEach((entry, li) => {
      const host = bitmapClusterOffset(entry);
      if (host !== undefined && host < g.fileSize) ranges.push({ start: host, end: host + g.clusterSize, what: `dirty bitmap ${fi} L1 entry ${li} cluster` });
    });
  });
  return ranges;
}

/**
 * Which of the metadataCandidates a BAT entry points at exactly (host offsets): one pass over the BAT, none when
 * there are no candidates. The bitmap L1 check asks it whether a cluster is guest data (one set lookup per entry).
 */
export function mappedCandidates(image: DecodedImage): Set<number> {
  const g = image.geometry;
  return g ? mappedByBat(g, image.bat, metadataCandidates(image)) : new Set();
}

/** Which of the host offsets a BAT entry points at exactly (one pass over the BAT, only when there are any). */
function mappedByBat(g: Geometry, bat: Uint32Array | undefined, hosts: number[]): Set<number> {
  const found = new Set<number>();
  if (!bat || hosts.length === 0) return found;
  const values = new Set(hosts.filter((h) => h % g.unit === 0).map((h) => h / g.unit));
  for (let i = 0; i < bat.length; i++) if (bat[i] !== 0 && values.has(bat[i])) found.add(bat[i] * g.unit);
  return found;
}

/**
 * Whether the space past the last used cluster is leaked. Not while the extension holds a dirty bitmap section too
 * short to say which clusters it uses (bitmap-feature-too-small): the space may be that feature's, and cutting it
 * off while the feature stays would be the wrong repair; once the feature is dropped, it is a leak again.
 */
export function tailIsLeak(image: DecodedImage): boolean {
  const ext = image.extension;
  return !ext || !extensionMagicOk(ext) || !ext.features.some((f) => featureUnloadable(f) !== undefined);
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
