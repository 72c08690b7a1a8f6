/** Constants of the Parallels expandable image format (QEMU docs/interop/parallels.rst). */

/** The header's fields, their offsets and the values they may hold are in headerLayout.ts, its one table. */
export * from './headerLayout';

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

/** QEMU refuses larger tracks values ("Too big cluster"): clusters must stay addressable in 32-bit sectors. */
export const MAX_CLUSTER_SECTORS = 4186127;
/** QEMU's "Catalog too large": nb_bat_entries above INT32_MAX / 4. */
export const MAX_BAT_ENTRIES = Math.floor(0x7fffffff / 4);
/** The cluster sizes ploop and Parallels Desktop accept: powers of two from 32 KiB to 64 MiB. */
export const USUAL_CLUSTER_MIN = 32 * 1024;
export const USUAL_CLUSTER_MAX = 64 * 1024 * 1024;

/** The format extension's structures and magics are in extensionLayout.ts, its tables. */
export * from './extensionLayout';
