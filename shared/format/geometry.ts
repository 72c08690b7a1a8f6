import { BAT_OFFSET, batEntryOffset, MAX_BAT_ENTRIES, MAX_CLUSTER_SECTORS, SECTOR } from './constants';
import { type Header, type Variant, effectiveSectors } from './header';

/**
 * Byte positions derived from a header whose fundamentals (magic, cluster size, BAT size) are usable. Every
 * other part of the engine speaks in these byte offsets, never in the header's sector units.
 */
export interface Geometry {
  variant: Variant;
  clusterSize: number;
  /** Bytes per BAT entry unit: 512 for the legacy variant, the cluster size for the ext variant. */
  unit: number;
  batEntries: number;
  batOffset: number;
  batEnd: number;
  /**
   * Where the data area starts: data_off, or for legacy data_off = 0 the BAT end rounded up to a sector. A data_off
   * out of range (data-off-invalid) counts as `minDataOffset`, the value its repair sets: entries are judged against
   * where the data area can be, not each reported for the one broken header field. On a WithoutFreeSpace image
   * whose entries all lie on another cluster grid, the start of that grid (inferDataArea): the value the repair sets.
   */
  dataOffset: number;
  /** The data area start data_off gives, valid or not (what data-off-invalid reports). */
  storedDataOffset: number;
  /** Whether `storedDataOffset` is in range (data-off-invalid reports it otherwise). */
  storedDataOffsetValid: boolean;
  /**
   * `dataOffset` is where the BAT entries put the data area, not where data_off does (see inferDataArea): set only
   * once the BAT is read, on WithoutFreeSpace images whose entries all lie on another cluster grid.
   */
  dataOffsetFromEntries?: true;
  /** The smallest data offset the format allows: BAT end, rounded up to a sector (legacy) or cluster (ext). */
  minDataOffset: number;
  diskSectors: number;
  diskBytes: number;
  /** BAT entries the virtual disk uses: ceil(diskSectors / tracks). */
  diskClusters: number;
  /** Format extension cluster offset in bytes, 0 if none. */
  extOffset: number;
  fileSize: number;
}

/** Why a header's geometry cannot be derived (each is a fatal rule's subject), or undefined if it can. */
export function geometryBlocker(h: Header): 'magic' | 'version' | 'truncated' | 'zero-cluster' | 'cluster-too-large' | 'bat-too-large' | undefined {
  if (h.bytesPresent < 16 || h.variant === undefined) return 'magic';
  if (h.bytesPresent < 20 || h.version !== 2) return 'version';
  if (h.bytesPresent < 64) return 'truncated';
  if (h.tracks === 0) return 'zero-cluster';
  if (h.tracks > MAX_CLUSTER_SECTORS) return 'cluster-too-large';
  if (h.batEntries > MAX_BAT_ENTRIES) return 'bat-too-large';
  return undefined;
}

export function roundUp(v: number, to: number): number {
  return Math.ceil(v / to) * to;
}

/** Derives the geometry; callers must first check `geometryBlocker(h) === undefined`. */
export function deriveGeometry(h: Header, fileSize: number): Geometry {
  const variant = h.variant as Variant;
  const clusterSize = h.tracks * SECTOR;
  const batEnd = batEntryOffset(h.batEntries);
  const minDataOffset = roundUp(batEnd, variant === 'ext' ? clusterSize : SECTOR);
  const diskSectors = effectiveSectors(h);
  const storedDataOffset = variant === 'legacy' && h.dataOff === 0 ? roundUp(batEnd, SECTOR) : h.dataOff * SECTOR;
  const dataOffValid = !(variant === 'ext' && h.dataOff === 0) && storedDataOffset >= minDataOffset && storedDataOffset <= fileSize;
  return {
    variant,
    clusterSize,
    unit: variant === 'ext' ? clusterSize : SECTOR,
    batEntries: h.batEntries,
    batOffset: BAT_OFFSET,
    batEnd,
    dataOffset: dataOffValid ? storedDataOffset : minDataOffset,
    storedDataOffset,
    storedDataOffsetValid: dataOffValid,
    minDataOffset,
    diskSectors,
    diskBytes: diskSectors * SECTOR,
    diskClusters: Math.ceil(diskSectors / h.tracks),
    extOffset: h.extOff * SECTOR,
    fileSize,
  };
}

/** Host byte offset of a BAT entry value (0 = unallocated is the caller's concern). */
export function entryHostOffset(g: Geometry, entry: number): number {
  return entry * g.unit;
}

/** The BAT entry value that addresses a host byte offset (which must be a multiple of the unit). */
export function hostOffsetEntry(g: Geometry, host: number): number {
  return host / g.unit;
}
