import type { FieldInfo } from '../format/fieldInfo';
import { EXT_HEADER_SIZE, FEATURE_DIRTY_BITMAP, SECTOR } from '../format/constants';
import type { DecodedImage } from '../format/image';
import { type Extension, type Feature, bitmapBytes, checksumOk, extensionMagicOk, isNecessary, isTransit } from '../format/extension';
import { hex } from '../format/le';
import { size } from '../format/words';

/**
 * The format extension cluster as described ranges (spec: "Format Extension", "Dirty bitmaps feature"): the
 * cluster header, each feature section's header and data, bitmap fields and L1 entries, padding, and the unused
 * rest. L1 tables are one field each unless `l1Entries` asks for their entries one by one.
 */
export function extensionFields(image: DecodedImage, options: { l1Entries?: boolean } = {}): FieldInfo[] {
  const g = image.geometry;
  const ext = image.extension;
  if (!g || !ext) return [];
  const out: FieldInfo[] = [
    field('extension.magic', 'extension magic', ext.offset, 8, extensionMagicOk(ext) ? '0xab234cef23dcea87' : `${hex(ext.magic)} (wrong)`, 'Must be 0xAB234CEF23DCEA87.'),
    field('extension.checksum', 'extension checksum (MD5)', ext.offset + 8, 16, checksumValue(ext), 'MD5 of the whole extension cluster except its first 24 bytes.'),
  ];
  if (!extensionMagicOk(ext)) {
    out.push(field('extension.unknown', 'extension cluster contents', ext.offset + EXT_HEADER_SIZE, g.clusterSize - EXT_HEADER_SIZE, 'not parsed: the magic is wrong', 'Feature sections follow the magic and checksum.'));
    return out;
  }
  let end = ext.offset + EXT_HEADER_SIZE;
  ext.features.forEach((f, i) => {
    out.push(...featureFields(f, i, options.l1Entries === true));
    end = f.truncated ? ext.offset + g.clusterSize : f.dataOffset + Math.ceil(f.dataSize / 8) * 8;
  });
  const clusterEnd = ext.offset + g.clusterSize;
  if (end < clusterEnd) {
    const why = ext.endFound ? 'after the End-of-features section' : 'no End-of-features section was found';
    out.push(field('extension.unused', 'unused', end, clusterEnd - end, `${size(clusterEnd - end)} (${why})`, 'Not used by the format; covered by the checksum.'));
  }
  return out;
}

/** The extension field containing `offset`, with L1 entries resolved one by one. */
export function extensionFieldAt(image: DecodedImage, offset: number): FieldInfo | undefined {
  const coarse = extensionFields(image).find((x) => offset >= x.offset && offset < x.offset + x.size);
  if (!coarse || !coarse.path.endsWith('.l1')) return coarse;
  const k = Math.floor((offset - coarse.offset) / 8);
  const feature = image.extension?.features.find((f) => f.bitmap && f.bitmap.l1Offset === coarse.offset);
  return feature?.bitmap ? l1Field(coarse.path, feature, k) : coarse;
}

function featureFields(f: Feature, i: number, l1Entries: boolean): FieldInfo[] {
  const p = `extension.feature[${i}]`;
  const kind = f.kind === 'end' ? 'End of features' : f.kind === 'dirty-bitmap' ? 'Dirty bitmap' : 'unknown feature';
  const out: FieldInfo[] = [
    field(`${p}.magic`, `feature ${i} magic`, f.offset, 8, `${hex(f.magic)} (${kind})`, `0 ends the list, ${hex(FEATURE_DIRTY_BITMAP)} is a dirty bitmap; other values are features this tool does not know.`),
    field(`${p}.flags`, `feature ${i} flags`, f.offset + 8, 8, flagsValue(f), 'Bit 0 NECESSARY: if unknown, the file must not be changed. Bit 1 TRANSIT: if unknown, keep as is. Neither: drop it if unknown.'),
    field(`${p}.data_size`, `feature ${i} data_size`, f.offset + 16, 4, `${f.dataSize} bytes${f.truncated ? ' (runs past the cluster)' : ''}`, 'Size of the feature data that follows; the section is padded to 8 bytes.'),
    field(`${p}.unused32`, `feature ${i} unused32`, f.offset + 20, 4, 'reserved', 'Aligns the section header to 8 bytes.'),
  ];
  if (f.kind === 'end') return out;
  const bm = f.bitmap;
  if (bm) {
    const d = f.dataOffset;
    out.push(
      field(`${p}.size`, `bitmap ${i} size`, d, 8, `${bm.size} sectors = ${size(bm.size * SECTOR)}`, 'The bitmap size in sectors; should equal the disk size.'),
      field(`${p}.id`, `bitmap ${i} id`, d + 8, 16, bm.id, 'An identifier for backup consistency checking; unique among bitmaps.'),
      field(`${p}.granularity`, `bitmap ${i} granularity`, d + 24, 4, `${bm.granularity} sectors per bit = ${size(bm.granularity * SECTOR)}`, 'Sectors per bit; a power of two.'),
      field(`${p}.l1_size`, `bitmap ${i} l1_size`, d + 28, 4, `${bm.l1Size} entries (${size(bitmapBytes(bm))} of bitmap data)`, 'The number of L1 entries: ceil(bitmap bytes / cluster size).'),
    );
    if (bm.l1.length > 0) {
      if (l1Entries) bm.l1.forEach((_, k) => out.push(l1Field(`${p}.l1`, f, k)));
      else out.push(field(`${p}.l1`, `bitmap ${i} L1 table`, bm.l1Offset, bm.l1.length * 8, `${bm.l1.length} entries`, 'Each entry: 0 = all bits clean, 1 = all bits dirty, else the sector offset of one bitmap data cluster.'));
    }
    const tableEnd = bm.l1Offset + bm.l1.length * 8;
    const sectionEnd = d + Math.ceil(f.dataSize / 8) * 8;
    if (sectionEnd > tableEnd) out.push(field(`${p}.padding`, `feature ${i} padding`, tableEnd, sectionEnd - tableEnd, size(sectionEnd - tableEnd), 'Pads the section to 8 bytes (or holds data past the L1 table).'));
  } else if (f.dataSize > 0 && !f.truncated) {
    const padded = Math.ceil(f.dataSize / 8) * 8;
    const what = f.kind === 'unknown' ? 'unknown feature data, kept as is' : 'bitmap data too short to parse';
    out.push(field(`${p}.data`, `feature ${i} data`, f.dataOffset, padded, `${size(f.dataSize)} (${what})`, 'Feature data, padded to 8 bytes.'));
  }
  return out;
}

function l1Field(tablePath: string, f: Feature, k: number): FieldInfo {
  const bm = f.bitmap;
  const entry = bm?.l1[k] ?? 0;
  const at = (bm?.l1Offset ?? 0) + k * 8;
  const value = entry === 0 ? '0 (all bits clean)' : entry === 1 ? '1 (all bits dirty)' : `${hex(entry)} sectors = cluster at ${hex(entry * SECTOR)}`;
  return {
    path: `${tablePath}[${k}]`,
    name: `L1 entry ${k}`,
    offset: at,
    size: 8,
    value,
    raw: String(entry),
    requirement: '0 (clean), 1 (dirty) or the sector offset of a bitmap data cluster inside the file, on a cluster boundary, used by nothing else.',
    region: 'extension',
  };
}

function field(path: string, name: string, offset: number, fieldSize: number, value: string, requirement: string): FieldInfo {
  return { path, name, offset, size: fieldSize, value, requirement, region: 'extension' };
}

function checksumValue(ext: Extension): string {
  const stored = Buffer.from(ext.storedChecksum).toString('hex');
  return checksumOk(ext) ? `${stored} (matches)` : `${stored} (the cluster's MD5 is ${Buffer.from(ext.computedChecksum).toString('hex')})`;
}

function flagsValue(f: Feature): string {
  const names = [isNecessary(f) ? 'NECESSARY' : '', isTransit(f) ? 'TRANSIT' : ''].filter((x) => x !== '');
  return names.length > 0 ? `${hex(f.flags)} (${names.join(', ')})` : hex(f.flags);
}
