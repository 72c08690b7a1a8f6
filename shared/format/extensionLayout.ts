/**
 * The format extension's structures, field by field (QEMU docs/interop/parallels.rst, "Format Extension" and
 * "Dirty bitmaps feature"): the cluster header, a feature section's header, and a dirty bitmap's data before its
 * L1 table. The decoder (extension.ts), the descriptions (describe/extensionFields.ts) and the rules' finding
 * ranges take offsets, sizes and what the format demands from these tables; the magics they name are here too.
 */
import { hex } from './le';

export const EXT_MAGIC = 0xab234cef23dcea87n;
export const FEATURE_END = 0n;
export const FEATURE_DIRTY_BITMAP = 0x20385fae252cb34an;
export const FEATURE_FLAG_NECESSARY = 1n;
export const FEATURE_FLAG_TRANSIT = 2n;
/** A bitmap's L1 table holds 64-bit entries. */
export const L1_ENTRY_SIZE = 8;

/** One field of a structure: its place relative to the structure's start and what the format demands of it. */
export interface StructField {
  /** The spec's name, the last part of the described path ("extension.feature[0].data_size"). */
  readonly path: string;
  /** The name a description shows after the structure's name, when it is not the path ("checksum (MD5)"). */
  readonly label?: string;
  readonly offset: number;
  readonly size: number;
  readonly requirement: string;
}

/** The extension cluster's header; feature sections follow it. */
export const EXT_HEADER = {
  magic: { path: 'magic', offset: 0, size: 8, requirement: `Must be ${hex(EXT_MAGIC)}.` },
  checksum: { path: 'checksum', label: 'checksum (MD5)', offset: 8, size: 16, requirement: 'MD5 of the whole extension cluster except its first 24 bytes.' },
} as const satisfies Record<string, StructField>;

/** A feature section's header; its data follows, padded to 8 bytes. */
export const FEATURE_HEADER = {
  magic: {
    path: 'magic',
    offset: 0,
    size: 8,
    requirement: `0 ends the list, ${hex(FEATURE_DIRTY_BITMAP)} is a dirty bitmap; other values are features this tool does not know.`,
  },
  flags: {
    path: 'flags',
    offset: 8,
    size: 8,
    requirement: 'Bit 0 NECESSARY: if unknown, the file must not be changed. Bit 1 TRANSIT: if unknown, keep as is. Neither: drop it if unknown.',
  },
  dataSize: { path: 'data_size', offset: 16, size: 4, requirement: 'Size of the feature data that follows; the section is padded to 8 bytes.' },
  unused: { path: 'unused32', offset: 20, size: 4, requirement: 'Aligns the section header to 8 bytes.' },
} as const satisfies Record<string, StructField>;

/** A dirty bitmap's feature data before its L1 table. */
export const BITMAP_HEADER = {
  size: { path: 'size', offset: 0, size: 8, requirement: 'The bitmap size in sectors; should equal the disk size.' },
  id: { path: 'id', offset: 8, size: 16, requirement: 'An identifier for backup consistency checking; unique among bitmaps.' },
  granularity: { path: 'granularity', offset: 24, size: 4, requirement: 'Sectors per bit; a power of two.' },
  l1Size: { path: 'l1_size', offset: 28, size: 4, requirement: 'The number of L1 entries: ceil(bitmap bytes / cluster size).' },
} as const satisfies Record<string, StructField>;

/** Feature data is padded to a multiple of 8 bytes: the next section starts this far past the data's start. */
export function paddedDataSize(dataSize: number): number {
  return Math.ceil(dataSize / 8) * 8;
}

/** Where a structure ends: past its last field. */
function structSize(fields: Record<string, StructField>): number {
  return Math.max(...Object.values(fields).map((f) => f.offset + f.size));
}

/** Extension cluster header: magic (8) + MD5 (16). */
export const EXT_HEADER_SIZE = structSize(EXT_HEADER);
/** Feature section header: magic (8), flags (8), data_size (4), unused (4). */
export const FEATURE_HEADER_SIZE = structSize(FEATURE_HEADER);
/** Dirty bitmap feature data before its L1 table: size (8), id (16), granularity (4), l1_size (4). */
export const BITMAP_HEADER_SIZE = structSize(BITMAP_HEADER);
