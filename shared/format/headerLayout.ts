/**
 * The 64-byte header, field by field, as QEMU docs/interop/parallels.rst ("Header") lays it out: the one table
 * the decoder, the encoder (`create`), the offsets `H` and the hover and tree descriptions are derived from.
 * The values the header's fields may hold are here too, next to the fields they belong to.
 */
import { hex } from './le';

/** Sector-addressed BAT entries, data_off may be 0 (computed). Parallels Desktop's own variant. */
export const MAGIC_LEGACY = 'WithoutFreeSpace';
/** Cluster-addressed BAT entries, data_off cluster aligned. What QEMU creates. */
export const MAGIC_EXT = 'WithouFreSpacExt';
export const VERSION = 2;

/** in_use while a writer has the image open ("Ynot"). */
export const IN_USE_DIRTY = 0x746f6e59;
/** in_use after a clean close by software that maintains the format extension ("v2.1"). */
export const IN_USE_CLOSED = 0x312e3276;

export const FLAG_EMPTY = 1;

/** How a field's bytes read: 16 bytes of Latin-1 text, or a little-endian 32- or 64-bit number. */
export type HeaderFieldType = 'text16' | 'u32' | 'u64';

/**
 * nb_sectors is one 8-byte field in WithouFreSpacExt images (and in files with neither magic) and two 4-byte
 * halves in WithoutFreeSpace images, whose high half must be zero. The decoder reads all three views; a
 * description shows the ones of the image's variant; the encoder writes the whole field only.
 */
export type HeaderFieldView = 'whole' | 'legacyHalf';

export interface HeaderFieldSpec {
  /** The `Header` property it decodes into, and the key of `H`. */
  readonly key: string;
  /** The spec's name, the last part of the described path ("header.nb_bat_entries"). */
  readonly path: string;
  /** The name a hover and the structure tree show. */
  readonly name: string;
  readonly offset: number;
  readonly size: number;
  readonly type: HeaderFieldType;
  /** What the format demands of the field, in one or two sentences. */
  readonly requirement: string;
  /** What it demands instead in a WithoutFreeSpace image, where that differs. */
  readonly legacyRequirement?: string;
  /** Set on the three views of nb_sectors; see HeaderFieldView. */
  readonly view?: HeaderFieldView;
}

const GEOMETRY = 'Disk geometry for the guest; not used to locate data.';

export const HEADER_FIELDS = [
  {
    key: 'magic',
    path: 'magic',
    name: 'magic',
    offset: 0,
    size: 16,
    type: 'text16',
    requirement: `Must be "${MAGIC_LEGACY}" (BAT entries in sectors) or "${MAGIC_EXT}" (BAT entries in clusters).`,
  },
  { key: 'version', path: 'version', name: 'version', offset: 16, size: 4, type: 'u32', requirement: `Must be ${VERSION}.` },
  { key: 'heads', path: 'heads', name: 'heads', offset: 20, size: 4, type: 'u32', requirement: GEOMETRY },
  { key: 'cylinders', path: 'cylinders', name: 'cylinders', offset: 24, size: 4, type: 'u32', requirement: GEOMETRY },
  {
    key: 'tracks',
    path: 'tracks',
    name: 'tracks (cluster size)',
    offset: 28,
    size: 4,
    type: 'u32',
    requirement: 'The cluster size in sectors; non-zero. ploop and Parallels Desktop expect a power of two from 32 KiB to 64 MiB.',
  },
  {
    key: 'batEntries',
    path: 'nb_bat_entries',
    name: 'nb_bat_entries (BAT size)',
    offset: 32,
    size: 4,
    type: 'u32',
    requirement: 'The number of BAT entries; the BAT follows the header and must cover the disk (ceil(nb_sectors / tracks) entries).',
  },
  {
    key: 'nbSectors',
    path: 'nb_sectors',
    name: 'nb_sectors (disk size)',
    offset: 36,
    size: 8,
    type: 'u64',
    view: 'whole',
    requirement: 'The disk size in sectors.',
  },
  {
    key: 'nbSectorsLow',
    path: 'nb_sectors',
    name: 'nb_sectors (disk size, low half)',
    offset: 36,
    size: 4,
    type: 'u32',
    view: 'legacyHalf',
    requirement: `The disk size in sectors; a ${MAGIC_LEGACY} image uses only these low 4 bytes.`,
  },
  {
    key: 'nbSectorsHigh',
    path: 'nb_sectors_high',
    name: 'nb_sectors (high half)',
    offset: 40,
    size: 4,
    type: 'u32',
    view: 'legacyHalf',
    requirement: `Must be 0 in a ${MAGIC_LEGACY} image.`,
  },
  {
    key: 'inUse',
    path: 'in_use',
    name: 'in_use',
    offset: 44,
    size: 4,
    type: 'u32',
    requirement: `${hex(IN_USE_DIRTY)} ("Ynot") while open for writing, ${hex(IN_USE_CLOSED)} ("v2.1") or 0 when closed; other values are not allowed.`,
  },
  {
    key: 'dataOff',
    path: 'data_off',
    name: 'data_off',
    offset: 48,
    size: 4,
    type: 'u32',
    requirement: 'Sector offset of the data area: non-zero, at or after the end of the BAT, cluster aligned.',
    legacyRequirement:
      'Sector offset of the data area: at or after the end of the BAT, sector aligned (cluster aligned recommended); 0 means right after the BAT.',
  },
  {
    key: 'flags',
    path: 'flags',
    name: 'flags',
    offset: 52,
    size: 4,
    type: 'u32',
    requirement: 'Bit 0: the image is empty (reads as zeros). Bits 1-31 are unused and must be 0.',
  },
  {
    key: 'extOff',
    path: 'ext_off',
    name: 'ext_off',
    offset: 56,
    size: 8,
    type: 'u64',
    requirement: 'Sector offset of the format extension cluster, 0 for none; must meet the requirements of a BAT cluster offset.',
  },
] as const satisfies readonly HeaderFieldSpec[];

type Field = (typeof HEADER_FIELDS)[number];
export type HeaderFieldKey = Field['key'];

/** The fields as decoded: text for the magic, numbers for the rest (64-bit ones lose precision past 2^53). */
export type HeaderValues = { [F in Field as F['key']]: F['type'] extends 'text16' ? string : number };

type StoredField = Exclude<Field, { view: 'legacyHalf' }>;
/** The fields an encoder writes: every byte once, so not the halves of nb_sectors. */
export const STORED_HEADER_FIELDS = HEADER_FIELDS.filter((f): f is StoredField => !('view' in f) || f.view !== 'legacyHalf');
export type StoredHeaderValues = { [F in StoredField as F['key']]: HeaderValues[F['key']] };

/** Byte offsets of the header fields. */
export const H: Readonly<Record<HeaderFieldKey, number>> = Object.fromEntries(HEADER_FIELDS.map((f) => [f.key, f.offset])) as Record<HeaderFieldKey, number>;
/** Byte sizes of the header fields: a finding on a field covers these bytes. */
export const H_SIZE: Readonly<Record<HeaderFieldKey, number>> = Object.fromEntries(HEADER_FIELDS.map((f) => [f.key, f.size])) as Record<HeaderFieldKey, number>;
