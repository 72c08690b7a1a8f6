/**
 * `info` as data: what the header says, decoded, plus the format extension in summary. Field names follow
 * `qemu-img info --output=json` where it has them ("virtual-size", "cluster-size", "dirty-flag", a
 * "format-specific" object of {type, data}); the rest is ours.
 */
import type { ByteSource } from '../io/byteSource';
import { FLAG_EMPTY, IN_USE_CLOSED, IN_USE_DIRTY, SECTOR } from '../format/constants';
import {
  type DirtyBitmap,
  type Extension,
  type Feature,
  bitmapBytes,
  checksumOk,
  extensionMagicOk,
  featureUnloadable,
  isNecessary,
  isTransit,
} from '../format/extension';
import type { Geometry } from '../format/geometry';
import { type DecodedImage, decodeImage } from '../format/image';
import { asciiTag, hex } from '../format/le';
import { bitmapClusterOffset } from '../check/metadata';
import { parallelsDesktopTag } from '../rules/header/inUseUnknown';
import { requireReadable } from './blocker';

export interface InfoReport {
  filename: string;
  format: 'parallels';
  'virtual-size': number;
  /** Bytes the file occupies on disk (allocated blocks), as qemu-img's "disk size". */
  'actual-size'?: number;
  'cluster-size': number;
  /** in_use says a writer has the image open (or crashed with it open). */
  'dirty-flag': boolean;
  'format-specific': { type: 'parallels'; data: ParallelsInfo };
}

export interface ParallelsInfo {
  variant: 'legacy' | 'ext';
  magic: string;
  version: number;
  heads: number;
  cylinders: number;
  /** tracks: the cluster size in sectors. */
  'cluster-sectors': number;
  'bat-entries': number;
  /** BAT entries the virtual disk uses (the rest of the BAT maps nothing a guest can read). */
  'disk-clusters': number;
  'allocated-clusters': number;
  'nb-sectors': number;
  /** Where the data area starts, in bytes (data_off * 512, or computed for a legacy data_off of 0). */
  'data-offset': number;
  'in-use': InUseInfo;
  flags: { value: number; empty: boolean; reserved: number };
  'file-length': number;
  /** Format extension cluster offset in bytes; 0 when there is none. */
  'ext-offset': number;
  extension?: ExtensionInfo;
}

export interface InUseInfo {
  value: number;
  /** "dirty" (open: 0x746f6e59), "closed" (0), "v2.1" (closed, extension current), "pd17"-like, or "unknown". */
  state: 'dirty' | 'closed' | 'v2.1' | 'parallels-desktop' | 'unknown';
  /** The four bytes as text when printable ("v2.1", "Ynot", "pd22"). */
  tag?: string;
}

export interface ExtensionInfo {
  offset: number;
  'magic-ok': boolean;
  'checksum-ok': boolean;
  'end-found': boolean;
  features: FeatureInfo[];
  bitmaps: BitmapInfo[];
}

export interface FeatureInfo {
  kind: Feature['kind'];
  offset: number;
  magic: string;
  necessary: boolean;
  transit: boolean;
  'data-size': number;
  truncated: boolean;
  /** Why the feature cannot be loaded (a dirty bitmap section too short for its header); absent when it can. */
  error?: string;
}

export interface BitmapInfo {
  id: string;
  /** Sectors the bitmap covers (should be the disk size). */
  size: number;
  /** Sectors per bit. */
  granularity: number;
  'granularity-bytes': number;
  'l1-size': number;
  /** Set bits: granules of `granularity-bytes` marked dirty; null when the bitmap cannot be read. */
  'dirty-clusters': number | null;
  'dirty-bytes': number | null;
}

export interface InfoOptions {
  /** The file's allocated bytes on disk (st_blocks * 512), when known. */
  actualSize?: number;
}

/** Decodes an image and describes it; throws `ImageError` when the header is not usable. */
export function imageInfo(source: ByteSource, options: InfoOptions = {}): InfoReport {
  const image = decodeImage(source);
  requireReadable(image);
  const g = image.geometry;
  const h = image.header;
  // Key order as qemu-img info prints its fields.
  return {
    'virtual-size': g.diskBytes,
    filename: source.name,
    format: 'parallels',
    ...(options.actualSize !== undefined ? { 'actual-size': options.actualSize } : {}),
    'cluster-size': g.clusterSize,
    'dirty-flag': h.inUse === IN_USE_DIRTY,
    'format-specific': { type: 'parallels', data: parallelsInfo(image, g) },
  };
}

function parallelsInfo(image: DecodedImage, g: Geometry): ParallelsInfo {
  const h = image.header;
  const bat = image.bat ?? new Uint32Array(0);
  let allocated = 0;
  for (let i = 0; i < bat.length; i++) if (bat[i] !== 0) allocated++;
  const data: ParallelsInfo = {
    variant: g.variant,
    magic: h.magic,
    version: h.version,
    heads: h.heads,
    cylinders: h.cylinders,
    'cluster-sectors': h.tracks,
    'bat-entries': g.batEntries,
    'disk-clusters': g.diskClusters,
    'allocated-clusters': allocated,
    'nb-sectors': h.nbSectors,
    'data-offset': g.dataOffset,
    'in-use': inUseInfo(h.inUse),
    flags: { value: h.flags, empty: (h.flags & FLAG_EMPTY) !== 0, reserved: h.flags & ~FLAG_EMPTY },
    'file-length': g.fileSize,
    'ext-offset': g.extOffset,
  };
  if (image.extension) data.extension = extensionInfo(image, g, image.extension);
  return data;
}

export function inUseInfo(value: number): InUseInfo {
  const tag = asciiTag(value);
  const info: InUseInfo = { value, state: inUseState(value) };
  if (tag !== undefined) info.tag = tag;
  return info;
}

function inUseState(value: number): InUseInfo['state'] {
  if (value === IN_USE_DIRTY) return 'dirty';
  if (value === 0) return 'closed';
  if (value === IN_USE_CLOSED) return 'v2.1';
  if (parallelsDesktopTag(value)) return 'parallels-desktop';
  return 'unknown';
}

function extensionInfo(image: DecodedImage, g: Geometry, ext: Extension): ExtensionInfo {
  return {
    offset: ext.offset,
    'magic-ok': extensionMagicOk(ext),
    'checksum-ok': checksumOk(ext),
    'end-found': ext.endFound,
    features: ext.features.map((f) => featureInfo(f)),
    bitmaps: ext.features.flatMap((f) => (f.bitmap ? [bitmapInfo(image.source, g, f.bitmap)] : [])),
  };
}

function featureInfo(f: Feature): FeatureInfo {
  const info: FeatureInfo = {
    kind: f.kind,
    offset: f.offset,
    magic: hex(f.magic),
    necessary: isNecessary(f),
    transit: isTransit(f),
    'data-size': f.dataSize,
    truncated: f.truncated,
  };
  const error = featureUnloadable(f);
  if (error !== undefined) info.error = error;
  return info;
}

function bitmapInfo(src: ByteSource, g: Geometry, bm: DirtyBitmap): BitmapInfo {
  const dirty = countDirty(src, g, bm);
  const granule = bm.granularity * SECTOR;
  return {
    id: bm.id,
    size: bm.size,
    granularity: bm.granularity,
    'granularity-bytes': granule,
    'l1-size': bm.l1Size,
    'dirty-clusters': dirty,
    'dirty-bytes': dirty === null ? null : Math.min(dirty * granule, bm.size * SECTOR),
  };
}

/** Most bytes of stored bitmap clusters `info` reads to count a bitmap's dirty bits (beyond: the count is unknown). */
export const MAX_BITMAP_READ = 256 * 1024 * 1024;

/**
 * Set bits of a dirty bitmap: L1 entry 0 is a clean cluster of bitmap data, 1 an all-dirty one, anything else the
 * sector offset of a stored cluster, whose bits are counted (bit i of the bitmap is bit i % 8 of byte i / 8). Each
 * distinct stored cluster is read once (L1 entries that share one count it again without reading), and at most
 * `maxRead` bytes in all. Null when the granularity is unusable, an L1 entry is missing or points past the end of
 * the file, or the distinct clusters hold more than `maxRead` bytes.
 */
export function countDirty(src: ByteSource, g: Geometry, bm: DirtyBitmap, maxRead = MAX_BITMAP_READ): number | null {
  if (bm.granularity <= 0 || bm.l1.length < bm.l1Size) return null;
  const totalBits = Math.ceil(bm.size / bm.granularity);
  const totalBytes = bitmapBytes(bm);
  const chunk = new Uint8Array(Math.min(g.clusterSize, 1 << 20));
  const counted = new Map<string, number>();
  let read = 0;
  let count = 0;
  for (let i = 0; i < bm.l1.length; i++) {
    const from = i * g.clusterSize;
    if (from >= totalBytes) break;
    const bytes = Math.min(g.clusterSize, totalBytes - from);
    const bits = Math.min(bytes * 8, totalBits - from * 8);
    const entry = bm.l1[i];
    if (entry === 0) continue;
    if (entry === 1) {
      count += bits;
      continue;
    }
    const host = bitmapClusterOffset(entry) as number;
    if (host + bytes > src.size) return null;
    const key = `${host}:${bytes}:${bits}`;
    let n = counted.get(key);
    if (n === undefined) {
      read += bytes;
      if (read > maxRead) return null;
      n = popcountRange(src, host, bytes, chunk, bits);
      counted.set(key, n);
    }
    count += n;
  }
  return count;
}

/** Set bits among the first `bits` bits of `bytes` bytes at `offset`. */
function popcountRange(src: ByteSource, offset: number, bytes: number, chunk: Uint8Array, bits: number): number {
  let count = 0;
  for (let done = 0; done < bytes; done += chunk.length) {
    const piece = chunk.subarray(0, Math.min(chunk.length, bytes - done));
    src.readInto(offset + done, piece);
    for (let k = 0; k < piece.length; k++) {
      const bitIndex = (done + k) * 8;
      const valid = bits - bitIndex;
      if (valid <= 0) return count;
      const b = valid >= 8 ? piece[k] : piece[k] & ((1 << valid) - 1);
      count += POPCOUNT[b];
    }
  }
  return count;
}

const POPCOUNT = Uint8Array.from({ length: 256 }, (_, b) => {
  let n = 0;
  for (let v = b; v !== 0; v >>= 1) n += v & 1;
  return n;
});
