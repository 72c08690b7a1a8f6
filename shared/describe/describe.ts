import type { FieldInfo } from '../format/fieldInfo';
import { batEntryAt, batEntryOffset, HEADER_SIZE } from '../format/constants';
import type { DecodedImage } from '../format/image';
import { hex, u32 } from '../format/le';
import { plural, size } from '../format/words';
import { batEntryField, entryMapping, guestRangeText } from './batFields';
import { extensionFieldAt } from './extensionFields';
import { headerFieldAt } from './headerFields';
import type { HostSpace, Segment } from './hostSpace';

/**
 * The field table: what the byte at `offset` is. Header and BAT bytes, the extension cluster and padding are
 * known from the decoded image alone; telling data clusters from free and leaked space needs the scanned host
 * space, and without it (while a huge image is still being checked) the data area is described as such.
 */
export function describe(image: DecodedImage, offset: number, space?: HostSpace): FieldInfo {
  const g = image.geometry;
  if (offset < HEADER_SIZE) return headerFieldAt(image.header, offset) ?? unknown(offset, 1, 'header');
  if (!g) return unknown(offset, Math.max(1, image.source.size - offset), `unreadable: the header is unusable (${image.blocker ?? 'unknown reason'})`);
  if (offset >= g.fileSize) return { ...unknown(offset, 1, 'past the end of the file'), region: 'beyond' };
  if (offset < g.batEnd) {
    const index = batEntryAt(offset);
    return batEntryField(g, index, entryValue(image, index));
  }
  const ext = image.extension;
  if (ext && offset >= ext.offset && offset < ext.offset + g.clusterSize) {
    const f = extensionFieldAt(image, offset);
    if (f) return f;
  }
  if (!space) {
    if (offset < g.dataOffset) return padding(offset, g.batEnd, g.dataOffset);
    return {
      path: 'data',
      name: 'data area',
      offset: g.dataOffset,
      size: g.fileSize - g.dataOffset,
      value: 'the BAT is still being checked',
      requirement: 'Clusters addressed by BAT entries, the format extension and bitmap clusters.',
      region: 'data',
    };
  }
  return describeSegment(image, space.segmentAt(offset), space);
}

function describeSegment(image: DecodedImage, seg: Segment, space: HostSpace): FieldInfo {
  const g = space.geometry;
  const length = seg.end - seg.start;
  switch (seg.kind) {
    case 'header':
    case 'bat':
    case 'padding':
      if (seg.entries.length === 0) return padding(seg.start, g.batEnd, g.dataOffset);
      return dataField(seg, space);
    case 'extension':
      return { ...unknown(seg.start, length, 'format extension cluster'), region: 'extension' };
    case 'bitmap': {
      return {
        path: `bitmap.cluster[${hex(seg.metadata?.start ?? seg.start)}]`,
        name: 'dirty bitmap data cluster',
        offset: seg.metadata?.start ?? seg.start,
        size: Math.min(g.clusterSize, g.fileSize - (seg.metadata?.start ?? seg.start)),
        value: `${seg.metadata?.what ?? 'bitmap cluster'}${seg.entries.length > 0 ? `; also mapped by ${plural(seg.entries.length, 'BAT entry')} (${seg.entries.join(', ')})` : ''}`,
        requirement: 'Bits of a dirty bitmap, one per granule; a cluster inside the data area used by nothing else.',
        region: 'bitmap',
      };
    }
    case 'data':
      return dataField(seg, space);
    case 'leaked':
      return {
        path: 'leaked',
        name: 'leaked space',
        offset: seg.start,
        size: length,
        value: `${size(g.fileSize - space.scan.usedEnd)} after the last used cluster (${hex(space.scan.usedEnd)} to ${hex(g.fileSize)})`,
        requirement: 'The file should end after the last cluster in use; `check -r leaks` truncates it.',
        region: 'leaked',
      };
    case 'free':
      return {
        path: `free[${hex(seg.start)}]`,
        name: 'unreferenced space',
        offset: seg.start,
        size: length,
        value: `${size(length)} that no BAT entry, extension or bitmap uses`,
        requirement:
          'Every cluster of the data area before the last used one should be in use; unreferenced clusters waste space or hold data whose BAT entry was lost.',
        region: 'free',
      };
    case 'beyond':
      void image;
      return { ...unknown(seg.start, length, 'past the end of the file'), region: 'beyond' };
  }
}

/** A data cluster: which entries map it and which guest bytes it backs. */
function dataField(seg: Segment, space: HostSpace): FieldInfo {
  const g = space.geometry;
  const first = seg.entries[0];
  const start = space.hostOf(first);
  const mappings = seg.entries.map((i) => entryMapping(g, i, space.bat[i]));
  const names = seg.entries.length === 1 ? `BAT entry ${first}` : `BAT entries ${seg.entries.join(', ')}`;
  const guest = mappings.map((m) => `entry ${m.index}: ${guestRangeText(m)}`).join('; ');
  const shared = seg.entries.length > 1 ? ' (shared: a guest write through one changes what the others read)' : '';
  return {
    path: `data[${hex(start)}]`,
    name: `data cluster of ${names}`,
    offset: start,
    size: Math.min(g.clusterSize, g.fileSize - start),
    value: `${guest}${shared}`,
    requirement: 'Guest data of the BAT entry that points here; a cluster belongs to exactly one entry, inside the data area, on a cluster boundary.',
    region: seg.kind === 'data' ? 'data' : seg.kind,
  };
}

/** A BAT entry's value: from the decoded BAT, or read from the source when the BAT is not decoded (yet). */
function entryValue(image: DecodedImage, index: number): number | undefined {
  const at = batEntryOffset(index);
  if (image.bat) return index < image.bat.length ? image.bat[index] : undefined;
  return at + 4 <= image.source.size ? u32(image.source.read(at, 4), 0) : undefined;
}

function padding(offset: number, batEnd: number, dataOffset: number): FieldInfo {
  const start = Math.min(offset, batEnd);
  return {
    path: 'padding',
    name: 'padding after the BAT',
    offset: start,
    size: Math.max(1, dataOffset - start),
    value: `${size(Math.max(0, dataOffset - batEnd))} between the end of the BAT (${hex(batEnd)}) and data_off (${hex(dataOffset)})`,
    requirement: 'Not used by the format; fills the BAT up to the sector or cluster boundary where the data area starts.',
    region: 'padding',
  };
}

function unknown(offset: number, length: number, what: string): FieldInfo {
  return { path: 'unknown', name: what, offset, size: length, value: '', requirement: '', region: 'header' };
}
