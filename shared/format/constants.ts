/** Constants of the Parallels expandable image format (QEMU docs/interop/parallels.rst). */

export const SECTOR = 512;
export const HEADER_SIZE = 64;
export const BAT_OFFSET = HEADER_SIZE;
/** A BAT entry is a 32-bit little-endian word. */
export const BAT_ENTRY_SIZE = 4;

/** Where BAT entry `index` is in the file: the BAT follows the header directly. */
export function batEntryOffset(index: number): number {
  return BAT_OFFSET + BAT_ENTRY_SIZE * index;
}

/** The index of the BAT entry whose bytes hold file offset `offset` (at or past BAT_OFFSET). */
export function batEntryAt(offset: number): number {
  return Math.floor((offset - BAT_OFFSET) / BAT_ENTRY_SIZE);
}

/** Sector-addressed BAT entries, data_off may be 0 (computed). Parallels Desktop's own variant. */
export const MAGIC_LEGACY = 'WithoutFreeSpace';
/** Cluster-addressed BAT entries, data_off cluster aligned. What QEMU creates. */
export const MAGIC_EXT = 'WithouFreSpacExt';
export const VERSION = 2;

/** in_use while a writer has the image open ("Ynot"). */
export const IN_USE_DIRTY = 0x746f6e59;
/** in_use after a clean close by software that maintains the format extension ("v2.1"). */
export const IN_USE_CLOSED = 0x312e3276;

/** QEMU refuses larger tracks values ("Too big cluster"): clusters must stay addressable in 32-bit sectors. */
export const MAX_CLUSTER_SECTORS = 4186127;
/** QEMU's "Catalog too large": nb_bat_entries above INT32_MAX / 4. */
export const MAX_BAT_ENTRIES = Math.floor(0x7fffffff / 4);
/** The cluster sizes ploop and Parallels Desktop accept: powers of two from 32 KiB to 64 MiB. */
export const USUAL_CLUSTER_MIN = 32 * 1024;
export const USUAL_CLUSTER_MAX = 64 * 1024 * 1024;

export const FLAG_EMPTY = 1;

export const EXT_MAGIC = 0xab234cef23dcea87n;
/** Extension cluster header: magic (8) + MD5 (16). */
export const EXT_HEADER_SIZE = 24;
/** Feature section header: magic (8), flags (8), data_size (4), unused (4). */
export const FEATURE_HEADER_SIZE = 24;
export const FEATURE_END = 0n;
export const FEATURE_DIRTY_BITMAP = 0x20385fae252cb34an;
export const FEATURE_FLAG_NECESSARY = 1n;
export const FEATURE_FLAG_TRANSIT = 2n;
/** Dirty bitmap feature data before its L1 table: size (8), id (16), granularity (4), l1_size (4). */
export const BITMAP_HEADER_SIZE = 32;

/** Byte offsets of the header fields. */
export const H = {
  magic: 0,
  version: 16,
  heads: 20,
  cylinders: 24,
  tracks: 28,
  batEntries: 32,
  nbSectors: 36,
  nbSectorsHigh: 40,
  inUse: 44,
  dataOff: 48,
  flags: 52,
  extOff: 56,
} as const;
