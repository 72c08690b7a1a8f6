import type { FieldInfo } from '../format/fieldInfo';
import { FLAG_EMPTY, H, IN_USE_CLOSED, IN_USE_DIRTY, MAGIC_EXT, MAGIC_LEGACY, SECTOR } from '../format/constants';
import type { Header } from '../format/header';
import { asciiTag, hex } from '../format/le';
import { size } from '../format/words';

/**
 * The header's fields as described ranges: what each is, its decoded value and what the format requires of it
 * (QEMU docs/interop/parallels.rst, "Header"). nb_sectors is one 8-byte field for WithouFreSpacExt images and two
 * 4-byte halves for WithoutFreeSpace images, whose high half must be zero.
 */
export function headerFields(h: Header): FieldInfo[] {
  const f = (path: string, name: string, offset: number, fieldSize: number, value: string, raw: number | string, requirement: string): FieldInfo => ({
    path: `header.${path}`,
    name,
    offset,
    size: fieldSize,
    value,
    raw,
    requirement,
    region: 'header',
  });
  const cluster = h.tracks * SECTOR;
  const fields: FieldInfo[] = [
    f('magic', 'magic', H.magic, 16, magicValue(h), h.magic, `Must be "${MAGIC_LEGACY}" (BAT entries in sectors) or "${MAGIC_EXT}" (BAT entries in clusters).`),
    f('version', 'version', H.version, 4, String(h.version), h.version, 'Must be 2.'),
    f('heads', 'heads', H.heads, 4, String(h.heads), h.heads, 'Disk geometry for the guest; not used to locate data.'),
    f('cylinders', 'cylinders', H.cylinders, 4, String(h.cylinders), h.cylinders, 'Disk geometry for the guest; not used to locate data.'),
    f('tracks', 'tracks (cluster size)', H.tracks, 4, `${h.tracks} sectors = ${size(cluster)}`, h.tracks, 'The cluster size in sectors; non-zero. ploop and Parallels Desktop expect a power of two from 32 KiB to 64 MiB.'),
    f('nb_bat_entries', 'nb_bat_entries (BAT size)', H.batEntries, 4, `${h.batEntries} entries (${size(h.batEntries * 4)} of BAT)`, h.batEntries, 'The number of BAT entries; the BAT follows the header and must cover the disk (ceil(nb_sectors / tracks) entries).'),
  ];
  if (h.variant === 'legacy') {
    fields.push(
      f('nb_sectors', 'nb_sectors (disk size, low half)', H.nbSectors, 4, sectorsValue(h.nbSectorsLow), h.nbSectorsLow, 'The disk size in sectors; a WithoutFreeSpace image uses only these low 4 bytes.'),
      f('nb_sectors_high', 'nb_sectors (high half)', H.nbSectorsHigh, 4, hex(h.nbSectorsHigh), h.nbSectorsHigh, 'Must be 0 in a WithoutFreeSpace image.'),
    );
  } else {
    fields.push(f('nb_sectors', 'nb_sectors (disk size)', H.nbSectors, 8, sectorsValue(h.nbSectors), String(h.nbSectors), 'The disk size in sectors.'));
  }
  fields.push(
    f('in_use', 'in_use', H.inUse, 4, inUseValue(h.inUse), h.inUse, `${hex(IN_USE_DIRTY)} ("Ynot") while open for writing, ${hex(IN_USE_CLOSED)} ("v2.1") or 0 when closed; other values are not allowed.`),
    f('data_off', 'data_off', H.dataOff, 4, dataOffValue(h), h.dataOff, dataOffRequirement(h)),
    f('flags', 'flags', H.flags, 4, flagsValue(h.flags), h.flags, 'Bit 0: the image is empty (reads as zeros). Bits 1-31 are unused and must be 0.'),
    f('ext_off', 'ext_off', H.extOff, 8, h.extOff === 0 ? '0 (no format extension)' : `${h.extOff} sectors = ${hex(h.extOff * SECTOR)}`, String(h.extOff), 'Sector offset of the format extension cluster, 0 for none; must meet the requirements of a BAT cluster offset.'),
  );
  return fields;
}

/** The header field containing byte `offset` (0..63), if the header has one there. */
export function headerFieldAt(h: Header, offset: number): FieldInfo | undefined {
  return headerFields(h).find((x) => offset >= x.offset && offset < x.offset + x.size);
}

function magicValue(h: Header): string {
  const text = JSON.stringify(h.magic);
  return h.variant === 'ext' ? `${text} (cluster-addressed BAT)` : h.variant === 'legacy' ? `${text} (sector-addressed BAT)` : `${text} (not a Parallels magic)`;
}

function sectorsValue(sectors: number): string {
  return `${sectors} sectors = ${size(sectors * SECTOR)}`;
}

function inUseValue(v: number): string {
  if (v === IN_USE_DIRTY) return `${hex(v)} "Ynot": open for writing (or not closed correctly)`;
  if (v === IN_USE_CLOSED) return `${hex(v)} "v2.1": closed, format extension current`;
  if (v === 0) return '0: closed';
  const tag = asciiTag(v);
  return tag ? `${hex(v)} "${tag}"` : hex(v);
}

function dataOffValue(h: Header): string {
  if (h.dataOff === 0) return h.variant === 'legacy' ? '0 (computed: the end of the BAT rounded up to a sector)' : '0';
  return `${h.dataOff} sectors = ${hex(h.dataOff * SECTOR)}`;
}

function dataOffRequirement(h: Header): string {
  return h.variant === 'legacy'
    ? 'Sector offset of the data area: at or after the end of the BAT, sector aligned (cluster aligned recommended); 0 means right after the BAT.'
    : 'Sector offset of the data area: non-zero, at or after the end of the BAT, cluster aligned.';
}

function flagsValue(flags: number): string {
  const names: string[] = [];
  if (flags & FLAG_EMPTY) names.push('Empty');
  if ((flags & ~FLAG_EMPTY) !== 0) names.push(`reserved bits ${hex((flags & ~FLAG_EMPTY) >>> 0)}`);
  return names.length > 0 ? `${hex(flags)} (${names.join(', ')})` : '0';
}
