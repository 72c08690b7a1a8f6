import type { ByteSource } from '../io/byteSource';
import {
  BITMAP_HEADER,
  BITMAP_HEADER_SIZE,
  EXT_HEADER,
  EXT_HEADER_SIZE,
  EXT_MAGIC,
  FEATURE_DIRTY_BITMAP,
  FEATURE_END,
  FEATURE_FLAG_NECESSARY,
  FEATURE_FLAG_TRANSIT,
  FEATURE_HEADER,
  FEATURE_HEADER_SIZE,
  L1_ENTRY_SIZE,
  type StructField,
  paddedDataSize,
} from './extensionLayout';
import type { Geometry } from './geometry';
import { hexBytes, u32, u64, u64n } from './le';

/** One feature section of the format extension cluster. */
export interface Feature {
  /** Absolute file offset of the section header. */
  offset: number;
  magic: bigint;
  flags: bigint;
  dataSize: number;
  /** The unused32 field (bytes 20-23 of the section header), which aligns the header to 8 bytes. */
  unused: number;
  /** Absolute file offset of the feature data. */
  dataOffset: number;
  kind: 'end' | 'dirty-bitmap' | 'unknown';
  /** The section claims more data than the cluster holds. */
  truncated: boolean;
  bitmap?: DirtyBitmap;
}

export interface DirtyBitmap {
  /** Bits cover this many sectors; should equal the disk size. */
  size: number;
  /** The 16 id bytes as a UUID string. */
  id: string;
  granularity: number;
  l1Size: number;
  /** Absolute file offset of the L1 table. */
  l1Offset: number;
  /** The L1 entries the feature data holds (fewer than l1Size when the table runs past the data). */
  l1: number[];
}

export interface Extension {
  offset: number;
  /** Bytes of the cluster the file holds (the rest reads as zeros). */
  bytesPresent: number;
  magic: bigint;
  storedChecksum: Uint8Array;
  computedChecksum: Uint8Array;
  features: Feature[];
  /** The End-of-features section was found. */
  endFound: boolean;
}

/** Parsing never reads more than this of an extension cluster (QEMU clusters are at most 2 GiB). */
export const EXT_PARSE_CAP = 64 * 1024 * 1024;

export function decodeExtension(src: ByteSource, g: Geometry): Extension {
  const offset = g.extOffset;
  const parseLength = Math.min(g.clusterSize, EXT_PARSE_CAP);
  const bytes = new Uint8Array(parseLength);
  const bytesPresent = Math.min(g.clusterSize, Math.max(0, src.size - offset));
  src.readInto(offset, bytes);
  return {
    offset,
    bytesPresent,
    magic: u64n(bytes, EXT_HEADER.magic.offset),
    storedChecksum: fieldBytes(bytes, EXT_HEADER.checksum),
    // A cut-short cluster larger than the parse cap is not hashed (it would cost gigabytes of zeros past the end
    // of a small file): ext-off-invalid reports it, its repair completes the cluster, and the next decode verifies.
    computedChecksum:
      bytesPresent === g.clusterSize || g.clusterSize <= EXT_PARSE_CAP
        ? extensionChecksum(src, offset, g.clusterSize, bytes)
        : fieldBytes(bytes, EXT_HEADER.checksum),
    ...parseFeatures(bytes, offset, g.clusterSize),
  };
}

/** MD5 of the cluster past its first 24 bytes; bytes past the end of the file count as zeros. */
export function extensionChecksum(src: ByteSource, offset: number, clusterSize: number, head: Uint8Array): Uint8Array {
  // node:crypto is loaded on the first extension, not at every start (6 ms of a `check` of an image without one).
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { createHash } = require('node:crypto') as typeof import('node:crypto');
  const md5 = createHash('md5');
  md5.update(head.subarray(EXT_HEADER_SIZE));
  const chunk = new Uint8Array(4 * 1024 * 1024);
  for (let at = head.length; at < clusterSize; at += chunk.length) {
    const piece = chunk.subarray(0, Math.min(chunk.length, clusterSize - at));
    piece.fill(0);
    src.readInto(offset + at, piece);
    md5.update(piece);
  }
  return new Uint8Array(md5.digest());
}

function parseFeatures(bytes: Uint8Array, base: number, clusterSize: number): { features: Feature[]; endFound: boolean } {
  const features: Feature[] = [];
  const limit = Math.min(bytes.length, clusterSize);
  let pos = EXT_HEADER_SIZE;
  while (pos + FEATURE_HEADER_SIZE <= limit) {
    const magic = u64n(bytes, pos + FEATURE_HEADER.magic.offset);
    const dataSize = u32(bytes, pos + FEATURE_HEADER.dataSize.offset);
    const dataStart = pos + FEATURE_HEADER_SIZE;
    const truncated = dataStart + dataSize > limit;
    const kind = magic === FEATURE_END ? 'end' : magic === FEATURE_DIRTY_BITMAP ? 'dirty-bitmap' : 'unknown';
    const feature: Feature = {
      offset: base + pos,
      magic,
      flags: u64n(bytes, pos + FEATURE_HEADER.flags.offset),
      dataSize,
      unused: u32(bytes, pos + FEATURE_HEADER.unused.offset),
      dataOffset: base + dataStart,
      kind,
      truncated,
    };
    if (kind === 'dirty-bitmap' && !truncated) {
      feature.bitmap = parseBitmap(bytes.subarray(dataStart, dataStart + dataSize), base + dataStart);
    }
    features.push(feature);
    if (kind === 'end') return { features, endFound: true };
    if (truncated) break;
    pos = dataStart + paddedDataSize(dataSize);
  }
  return { features, endFound: false };
}

function parseBitmap(data: Uint8Array, dataOffset: number): DirtyBitmap | undefined {
  if (data.length < BITMAP_HEADER_SIZE) return undefined;
  const l1Size = u32(data, BITMAP_HEADER.l1Size.offset);
  const held = Math.min(l1Size, Math.floor((data.length - BITMAP_HEADER_SIZE) / L1_ENTRY_SIZE));
  const l1: number[] = new Array(held);
  for (let i = 0; i < held; i++) l1[i] = u64(data, BITMAP_HEADER_SIZE + i * L1_ENTRY_SIZE);
  return {
    size: u64(data, BITMAP_HEADER.size.offset),
    id: formatUuid(fieldBytes(data, BITMAP_HEADER.id)),
    granularity: u32(data, BITMAP_HEADER.granularity.offset),
    l1Size,
    l1Offset: dataOffset + BITMAP_HEADER_SIZE,
    l1,
  };
}

/** Where a feature section ends and the next one starts: its data, padded to 8 bytes. */
export function sectionEnd(f: Feature): number {
  return f.dataOffset + paddedDataSize(f.dataSize);
}

/** Where L1 entry `index` of a bitmap is in the file. */
export function l1EntryOffset(bm: DirtyBitmap, index: number): number {
  return bm.l1Offset + index * L1_ENTRY_SIZE;
}

/** A copy of the bytes of `field` of the structure `b` starts with. */
function fieldBytes(b: Uint8Array, field: StructField): Uint8Array {
  return b.slice(field.offset, field.offset + field.size);
}

function formatUuid(b: Uint8Array): string {
  const h = hexBytes(b);
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/**
 * Whether a feature is NECESSARY. The End-of-features section is no feature: "all the fields set to 0", so set
 * bits in its flags are damage (ext-end-not-zero), not a NECESSARY or TRANSIT request.
 */
export function isNecessary(f: Feature): boolean {
  return f.kind !== 'end' && (f.flags & FEATURE_FLAG_NECESSARY) !== 0n;
}

export function isTransit(f: Feature): boolean {
  return f.kind !== 'end' && (f.flags & FEATURE_FLAG_TRANSIT) !== 0n;
}

/**
 * Why a known feature section cannot be loaded, or undefined if it can: a dirty bitmap section whose data cannot
 * hold the 32-byte bitmap header (size, id, granularity, l1_size). Such a feature holds no bitmap.
 */
export function featureUnloadable(f: Feature): string | undefined {
  if (f.kind !== 'dirty-bitmap' || f.truncated || f.dataSize >= BITMAP_HEADER_SIZE) return undefined;
  return `its data_size ${f.dataSize} is shorter than the ${BITMAP_HEADER_SIZE}-byte dirty bitmap header`;
}

export function extensionMagicOk(e: Extension): boolean {
  return e.magic === EXT_MAGIC;
}

export function checksumOk(e: Extension): boolean {
  return e.storedChecksum.every((b, i) => b === e.computedChecksum[i]);
}

/** Bytes of bitmap data a bitmap of this size and granularity needs (one bit per granule). */
export function bitmapBytes(bm: DirtyBitmap): number {
  return bm.granularity > 0 ? Math.ceil(Math.ceil(bm.size / bm.granularity) / 8) : 0;
}
