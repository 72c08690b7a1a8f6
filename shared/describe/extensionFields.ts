import type { FieldInfo } from '../format/fieldInfo';
import { SECTOR } from '../format/constants';
import {
  BITMAP_HEADER,
  EXT_HEADER,
  EXT_HEADER_SIZE,
  EXT_MAGIC,
  FEATURE_HEADER,
  L1_ENTRY_SIZE,
  type StructField,
  paddedDataSize,
} from '../format/extensionLayout';
import type { DecodedImage } from '../format/image';
import { type Extension, type Feature, bitmapBytes, checksumOk, extensionMagicOk, isNecessary, isTransit, sectionEnd } from '../format/extension';
import { hex, hexBytes } from '../format/le';
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
  const out = structFields(EXT_HEADER, ext.offset, 'extension', 'extension', {
    magic: extensionMagicOk(ext) ? hex(EXT_MAGIC) : `${hex(ext.magic)} (wrong)`,
    checksum: checksumValue(ext),
  });
  if (!extensionMagicOk(ext)) {
    out.push(
      field(
        'extension.unknown',
        'extension cluster contents',
        ext.offset + EXT_HEADER_SIZE,
        g.clusterSize - EXT_HEADER_SIZE,
        'not parsed: the magic is wrong',
        'Feature sections follow the magic and checksum.',
      ),
    );
    return out;
  }
  let end = ext.offset + EXT_HEADER_SIZE;
  ext.features.forEach((f, i) => {
    out.push(...featureFields(f, i, options.l1Entries === true));
    end = f.truncated ? ext.offset + g.clusterSize : sectionEnd(f);
  });
  const clusterEnd = ext.offset + g.clusterSize;
  if (end < clusterEnd) {
    const why = ext.endFound ? 'after the End-of-features section' : 'no End-of-features section was found';
    out.push(
      field('extension.unused', 'unused', end, clusterEnd - end, `${size(clusterEnd - end)} (${why})`, 'Not used by the format; covered by the checksum.'),
    );
  }
  return out;
}

/** The extension field containing `offset`, with L1 entries resolved one by one. */
export function extensionFieldAt(image: DecodedImage, offset: number): FieldInfo | undefined {
  const coarse = extensionFields(image).find((x) => offset >= x.offset && offset < x.offset + x.size);
  if (!coarse || !coarse.path.endsWith('.l1')) return coarse;
  const k = Math.floor((offset - coarse.offset) / L1_ENTRY_SIZE);
  const feature = image.extension?.features.find((f) => f.bitmap && f.bitmap.l1Offset === coarse.offset);
  return feature?.bitmap ? l1Field(coarse.path, feature, k) : coarse;
}

function featureFields(f: Feature, i: number, l1Entries: boolean): FieldInfo[] {
  const p = `extension.feature[${i}]`;
  const kind = f.kind === 'end' ? 'End of features' : f.kind === 'dirty-bitmap' ? 'Dirty bitmap' : 'unknown feature';
  const out = structFields(FEATURE_HEADER, f.offset, p, `feature ${i}`, {
    magic: `${hex(f.magic)} (${kind})`,
    flags: flagsValue(f),
    dataSize: `${f.dataSize} bytes${f.truncated ? ' (runs past the cluster)' : ''}`,
    unused: 'reserved',
  });
  if (f.kind === 'end') return out;
  const bm = f.bitmap;
  if (bm) {
    const d = f.dataOffset;
    out.push(
      ...structFields(BITMAP_HEADER, d, p, `bitmap ${i}`, {
        size: `${bm.size} sectors = ${size(bm.size * SECTOR)}`,
        id: bm.id,
        granularity: `${bm.granularity} sectors per bit = ${size(bm.granularity * SECTOR)}`,
        l1Size: `${bm.l1Size} entries (${size(bitmapBytes(bm))} of bitmap data)`,
      }),
    );
    if (bm.l1.length > 0) {
      if (l1Entries) bm.l1.forEach((_, k) => out.push(l1Field(`${p}.l1`, f, k)));
      else
        out.push(
          field(
            `${p}.l1`,
            `bitmap ${i} L1 table`,
            bm.l1Offset,
            bm.l1.length * L1_ENTRY_SIZE,
            `${bm.l1.length} entries`,
            'Each entry: 0 = all bits clean, 1 = all bits dirty, else the sector offset of one bitmap data cluster.',
          ),
        );
    }
    const tableEnd = bm.l1Offset + bm.l1.length * L1_ENTRY_SIZE;
    const end = sectionEnd(f);
    if (end > tableEnd)
      out.push(
        field(
          `${p}.padding`,
          `feature ${i} padding`,
          tableEnd,
          end - tableEnd,
          size(end - tableEnd),
          'Pads the section to 8 bytes (or holds data past the L1 table).',
        ),
      );
  } else if (f.dataSize > 0 && !f.truncated) {
    const padded = paddedDataSize(f.dataSize);
    const what = f.kind === 'unknown' ? 'unknown feature data, kept as is' : 'bitmap data too short to parse';
    out.push(field(`${p}.data`, `feature ${i} data`, f.dataOffset, padded, `${size(f.dataSize)} (${what})`, 'Feature data, padded to 8 bytes.'));
  }
  return out;
}

function l1Field(tablePath: string, f: Feature, k: number): FieldInfo {
  const bm = f.bitmap;
  const entry = bm?.l1[k] ?? 0;
  const at = (bm?.l1Offset ?? 0) + k * L1_ENTRY_SIZE;
  const value = entry === 0 ? '0 (all bits clean)' : entry === 1 ? '1 (all bits dirty)' : `${hex(entry)} sectors = cluster at ${hex(entry * SECTOR)}`;
  return {
    path: `${tablePath}[${k}]`,
    name: `L1 entry ${k}`,
    offset: at,
    size: L1_ENTRY_SIZE,
    value,
    raw: String(entry),
    requirement: '0 (clean), 1 (dirty) or the sector offset of a bitmap data cluster inside the file, on a cluster boundary, used by nothing else.',
    region: 'extension',
  };
}

/** The fields of one of the extension's structures (at `base`), each with its value; the table gives the rest. */
function structFields<K extends string>(table: Record<K, StructField>, base: number, path: string, name: string, values: Record<K, string>): FieldInfo[] {
  return (Object.keys(table) as K[]).map((k) => {
    const s = table[k];
    return field(`${path}.${s.path}`, `${name} ${s.label ?? s.path}`, base + s.offset, s.size, values[k], s.requirement);
  });
}

function field(path: string, name: string, offset: number, fieldSize: number, value: string, requirement: string): FieldInfo {
  return { path, name, offset, size: fieldSize, value, requirement, region: 'extension' };
}

function checksumValue(ext: Extension): string {
  const stored = hexBytes(ext.storedChecksum);
  return checksumOk(ext) ? `${stored} (matches)` : `${stored} (the cluster's MD5 is ${hexBytes(ext.computedChecksum)})`;
}

function flagsValue(f: Feature): string {
  const names = [isNecessary(f) ? 'NECESSARY' : '', isTransit(f) ? 'TRANSIT' : ''].filter((x) => x !== '');
  return names.length > 0 ? `${hex(f.flags)} (${names.join(', ')})` : hex(f.flags);
}
