import type { FieldInfo } from '../format/fieldInfo';
import { batEntryOffset } from '../format/constants';
import type { Geometry } from '../format/geometry';
import { hex } from '../format/le';

/** Where one BAT entry maps: its guest range and, when allocated, its host cluster. */
export interface EntryMapping {
  index: number;
  value: number;
  guestStart: number;
  /** Exclusive; shorter than a cluster for the disk's last, partial cluster. */
  guestEnd: number;
  host?: number;
  /** The entry lies past the end of the virtual disk: no guest offset reads through it. */
  beyondDisk: boolean;
}

export function entryMapping(g: Geometry, index: number, value: number): EntryMapping {
  const guestStart = index * g.clusterSize;
  const m: EntryMapping = {
    index,
    value,
    guestStart,
    guestEnd: Math.min(guestStart + g.clusterSize, Math.max(g.diskBytes, guestStart)),
    beyondDisk: index >= g.diskClusters,
  };
  if (value !== 0) m.host = value * g.unit;
  return m;
}

/** "guest 0x20000-0x2ffff", or what an entry past the disk maps. */
export function guestRangeText(m: EntryMapping): string {
  if (m.beyondDisk) return `guest ${hex(m.guestStart)}- (past the end of the virtual disk)`;
  return `guest ${hex(m.guestStart)}-${hex(m.guestEnd - 1)}`;
}

/** BAT entry `index` as a described field; `value` is undefined when the file ends before the entry. */
export function batEntryField(g: Geometry, index: number, value: number | undefined): FieldInfo {
  const m = entryMapping(g, index, value ?? 0);
  const unit = g.variant === 'ext' ? 'clusters' : 'sectors';
  const shown =
    value === undefined
      ? 'missing: the file ends before this entry (reads as 0, unallocated)'
      : value === 0
        ? `0: unallocated (${guestRangeText(m)} reads as zeros)`
        : `${hex(value)} ${unit} = host ${hex(m.host ?? 0)}-${hex((m.host ?? 0) + g.clusterSize - 1)} (${guestRangeText(m)})`;
  const info: FieldInfo = {
    path: `bat[${index}]`,
    name: `BAT entry ${index}`,
    offset: batEntryOffset(index),
    size: 4,
    value: shown,
    requirement:
      `0 = unallocated; otherwise the cluster's offset in ${unit} from the start of the file: at or after data_off, inside the file, ` +
      `on a cluster boundary of the data area, unique among all entries.${m.beyondDisk ? ' This entry is past the end of the virtual disk, so it should be 0.' : ''}`,
    region: 'bat',
  };
  if (value !== undefined) info.raw = value;
  return info;
}
