import type { FieldInfo } from '../format/fieldInfo';
import { SECTOR } from '../format/constants';
import type { Header } from '../format/header';
import { FLAG_EMPTY, HEADER_FIELDS, type HeaderFieldKey, type HeaderFieldSpec, IN_USE_CLOSED, IN_USE_DIRTY } from '../format/headerLayout';
import { asciiTag, hex } from '../format/le';
import { size } from '../format/words';

/**
 * The header's fields as described ranges: what each is, its decoded value and what the format requires of it,
 * from HEADER_FIELDS (QEMU docs/interop/parallels.rst, "Header"). nb_sectors is one 8-byte field for
 * WithouFreSpacExt images and two 4-byte halves for WithoutFreeSpace images, whose high half must be zero.
 */
export function headerFields(h: Header): FieldInfo[] {
  const legacy = h.variant === 'legacy';
  return HEADER_FIELDS.filter((f) => !('view' in f) || (f.view === 'legacyHalf') === legacy).map((f) => describeField(h, f));
}

function describeField(h: Header, f: HeaderFieldSpec & { key: HeaderFieldKey }): FieldInfo {
  const v = h[f.key];
  return {
    path: `header.${f.path}`,
    name: f.name,
    offset: f.offset,
    size: f.size,
    value: VALUE[f.key](h),
    raw: f.type === 'u64' ? String(v) : v,
    requirement: h.variant === 'legacy' && f.legacyRequirement !== undefined ? f.legacyRequirement : f.requirement,
    region: 'header',
  };
}

/** The header field containing byte `offset` (0..63), if the header has one there. */
export function headerFieldAt(h: Header, offset: number): FieldInfo | undefined {
  return headerFields(h).find((x) => offset >= x.offset && offset < x.offset + x.size);
}

/** Each field's decoded value as shown; a field added to the table without one fails to compile. */
const VALUE: Record<HeaderFieldKey, (h: Header) => string> = {
  magic: magicValue,
  version: (h) => String(h.version),
  heads: (h) => String(h.heads),
  cylinders: (h) => String(h.cylinders),
  tracks: (h) => `${h.tracks} sectors = ${size(h.tracks * SECTOR)}`,
  batEntries: (h) => `${h.batEntries} entries (${size(h.batEntries * 4)} of BAT)`,
  nbSectors: (h) => sectorsValue(h.nbSectors),
  nbSectorsLow: (h) => sectorsValue(h.nbSectorsLow),
  nbSectorsHigh: (h) => hex(h.nbSectorsHigh),
  inUse: (h) => inUseValue(h.inUse),
  dataOff: dataOffValue,
  flags: (h) => flagsValue(h.flags),
  extOff: (h) => (h.extOff === 0 ? '0 (no format extension)' : `${h.extOff} sectors = ${hex(h.extOff * SECTOR)}`),
};

function magicValue(h: Header): string {
  const text = JSON.stringify(h.magic);
  return h.variant === 'ext'
    ? `${text} (cluster-addressed BAT)`
    : h.variant === 'legacy'
      ? `${text} (sector-addressed BAT)`
      : `${text} (not a Parallels magic)`;
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

function flagsValue(flags: number): string {
  const names: string[] = [];
  if (flags & FLAG_EMPTY) names.push('Empty');
  if ((flags & ~FLAG_EMPTY) !== 0) names.push(`reserved bits ${hex((flags & ~FLAG_EMPTY) >>> 0)}`);
  return names.length > 0 ? `${hex(flags)} (${names.join(', ')})` : '0';
}
