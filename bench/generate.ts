/**
 * Generates large Parallels images for the benchmarks: header + BAT (+ format extension with dirty bitmaps), and
 * a file extended with ftruncate to the size the entries need. No data is written unless asked, so a 1 TiB disk
 * costs the BAT's bytes on disk (holes read as zeros). Corruptions are planted at known places so that the bench
 * can check every tool's verdict against what was planted.
 *
 *   node out/bench/generate.js OUT --entries 16M --cluster 64K [--scattered 0.25] [--legacy] [--dup N]
 *       [--beyond-eof N] [--leak N] [--bitmaps N] [--data] [--seed N]
 */
import { createHash } from 'node:crypto';
import { closeSync, ftruncateSync, openSync, writeSync } from 'node:fs';
import {
  BAT_OFFSET,
  BITMAP_HEADER_SIZE,
  EXT_HEADER_SIZE,
  EXT_MAGIC,
  FEATURE_DIRTY_BITMAP,
  FEATURE_HEADER_SIZE,
  H,
  HEADER_SIZE,
  IN_USE_CLOSED,
  MAGIC_EXT,
  MAGIC_LEGACY,
  SECTOR,
} from '../shared/format/constants';
import { putU32, putU64 } from '../shared/format/le';
import { Prng } from '../test/fuzz/prng';

export interface ImageSpec {
  entries: number;
  clusterSize: number;
  variant: 'ext' | 'legacy';
  /** Fraction of entries allocated; 1 = dense (every entry, host clusters in guest order). */
  fraction: number;
  /** Entries pointing at another entry's cluster. */
  duplicates: number;
  /** Entries pointing past the end of the file. */
  beyondEof: number;
  /** Unused clusters appended after the last used one. */
  leakClusters: number;
  /** Dirty bitmaps in a format extension cluster (0 = no extension). */
  bitmaps: number;
  /** Write a distinct pattern into every allocated cluster (for convert); otherwise clusters are holes. */
  data: boolean;
  seed: number;
}

/** What was planted, for checking a tool's verdict. */
export interface GeneratedImage {
  path: string;
  spec: ImageSpec;
  fileSize: number;
  allocated: number;
  /** The BAT entry values that are duplicates of an earlier entry (indices). */
  duplicateIndices: number[];
  beyondEofIndices: number[];
  dataOffset: number;
  extOffset: number;
}

export const DEFAULT_SPEC: ImageSpec = {
  entries: 1 << 20,
  clusterSize: 64 * 1024,
  variant: 'ext',
  fraction: 1,
  duplicates: 0,
  beyondEof: 0,
  leakClusters: 0,
  bitmaps: 0,
  data: false,
  seed: 1,
};

/** Granularity of generated bitmaps: 128 sectors (64 KiB), as QEMU's default. */
const BITMAP_GRANULARITY = 128;

/** An image as the pieces that hold bytes; everything else of the file is a hole (zeros). */
export interface ImageLayout extends GeneratedImage {
  header: Uint8Array;
  bat: Uint32Array;
  extension?: Uint8Array;
  /** Stored bitmap clusters: host offset and contents. */
  bitmapClusters: Array<{ host: number; bytes: Uint8Array }>;
}

/** Lays an image out in memory (BAT, extension, bitmap clusters); data clusters are written later if asked. */
export function layoutImage(path: string, partial: Partial<ImageSpec>): ImageLayout {
  const spec: ImageSpec = { ...DEFAULT_SPEC, ...partial };
  const rng = new Prng(spec.seed);
  const cluster = spec.clusterSize;
  const unit = spec.variant === 'ext' ? cluster : SECTOR;
  const dataSlot = Math.ceil((BAT_OFFSET + spec.entries * 4) / cluster);
  const dataOffset = dataSlot * cluster;
  const bat = new Uint32Array(spec.entries);
  const allocated = allocate(bat, spec, rng, dataSlot, unit);

  let nextSlot = dataSlot + allocated;
  const extOffset = spec.bitmaps > 0 ? nextSlot++ * cluster : 0;
  const bitmapClusters: ImageLayout['bitmapClusters'] = [];
  const extension =
    spec.bitmaps > 0
      ? buildExtension(spec, rng, () => {
          const host = nextSlot++ * cluster;
          bitmapClusters.push({ host, bytes: randomBytes(rng, cluster) });
          return host;
        })
      : undefined;
  const fileSize = nextSlot * cluster + spec.leakClusters * cluster;

  const duplicateIndices = plantDuplicates(bat, spec, rng);
  const beyondEofIndices = plantBeyondEof(bat, spec, rng, fileSize, unit, new Set(duplicateIndices));
  const header = headerBytes(spec, dataOffset, extOffset, extension !== undefined);
  return { path, spec, fileSize, allocated, duplicateIndices, beyondEofIndices, dataOffset, extOffset, header, bat, extension, bitmapClusters };
}

/** Writes an image as a sparse file: only the header, BAT, metadata (and data when asked) hold blocks. */
export function generateImage(path: string, partial: Partial<ImageSpec>): GeneratedImage {
  const l = layoutImage(path, partial);
  const fd = openSync(path, 'w');
  try {
    writeSync(fd, l.header, 0, HEADER_SIZE, 0);
    writeSync(fd, new Uint8Array(l.bat.buffer), 0, l.bat.byteLength, BAT_OFFSET);
    if (l.extension) writeSync(fd, l.extension, 0, l.extension.length, l.extOffset);
    for (const c of l.bitmapClusters) writeSync(fd, c.bytes, 0, c.bytes.length, c.host);
    if (l.spec.data) forEachDataCluster(l, (host, bytes) => writeSync(fd, bytes, 0, bytes.length, host));
    ftruncateSync(fd, l.fileSize);
  } finally {
    closeSync(fd);
  }
  const { path: p, spec, fileSize, allocated, duplicateIndices, beyondEofIndices, dataOffset, extOffset } = l;
  return { path: p, spec, fileSize, allocated, duplicateIndices, beyondEofIndices, dataOffset, extOffset };
}

/** The whole image in memory, for small seeds (the fuzzer's corpus). */
export function imageBuffer(partial: Partial<ImageSpec>): Uint8Array {
  const l = layoutImage('<memory>', partial);
  const out = new Uint8Array(l.fileSize);
  out.set(l.header, 0);
  out.set(new Uint8Array(l.bat.buffer), BAT_OFFSET);
  if (l.extension) out.set(l.extension, l.extOffset);
  for (const c of l.bitmapClusters) out.set(c.bytes, c.host);
  if (l.spec.data) {
    forEachDataCluster(l, (host, bytes) => {
      if (host + bytes.length <= out.length) out.set(bytes, host);
    });
  }
  return out;
}

/**
 * Allocates entries: dense ones in guest order (as a sequential writer leaves them), scattered ones a random
 * subset of entries on a random permutation of host clusters.
 */
function allocate(bat: Uint32Array, spec: ImageSpec, rng: Prng, dataSlot: number, unit: number): number {
  const perSlot = spec.clusterSize / unit;
  const origin = spec.variant === 'ext' ? 0 : (dataSlot * spec.clusterSize) / unit;
  const firstSlot = spec.variant === 'ext' ? dataSlot : 0;
  const value = (slot: number): number => origin + (firstSlot + slot) * perSlot;
  if (spec.fraction >= 1) {
    for (let i = 0; i < bat.length; i++) bat[i] = value(i);
    return bat.length;
  }
  const count = Math.round(bat.length * spec.fraction);
  const slots = new Uint32Array(count);
  for (let k = 0; k < count; k++) slots[k] = k;
  rng.shuffle(slots);
  // A random subset of entries: a partial Fisher-Yates over the indices picks `count` of them.
  const indices = new Uint32Array(bat.length);
  for (let i = 0; i < indices.length; i++) indices[i] = i;
  for (let k = 0; k < count; k++) {
    const j = k + rng.int(indices.length - k);
    const t = indices[k];
    indices[k] = indices[j];
    indices[j] = t;
    bat[indices[k]] = value(slots[k]);
  }
  return count;
}

/** Later entries made to point at an earlier allocated entry's cluster (their own cluster becomes unreferenced). */
function plantDuplicates(bat: Uint32Array, spec: ImageSpec, rng: Prng): number[] {
  const out: number[] = [];
  for (let n = 0; n < spec.duplicates; n++) {
    const i = allocatedIndex(bat, rng, 1);
    const j = allocatedIndex(bat, rng, 0, i);
    bat[i] = bat[j];
    out.push(i);
  }
  return out.sort((a, b) => a - b);
}

/** Entries (other than the planted duplicates) pointing one or more clusters past the end of the file. */
function plantBeyondEof(bat: Uint32Array, spec: ImageSpec, rng: Prng, fileSize: number, unit: number, avoid: Set<number>): number[] {
  const out = new Set<number>();
  const past = Math.ceil(fileSize / unit);
  while (out.size < Math.min(spec.beyondEof, bat.length - avoid.size)) {
    const i = rng.int(bat.length);
    if (avoid.has(i)) continue;
    bat[i] = Math.min(0xffffffff, past + rng.int(1 << 16) * (spec.clusterSize / unit));
    out.add(i);
  }
  return [...out].sort((a, b) => a - b);
}

/** A random allocated entry with index >= from (and < before when given). */
function allocatedIndex(bat: Uint32Array, rng: Prng, from: number, before = bat.length): number {
  for (let tries = 0; tries < 1000; tries++) {
    const i = from + rng.int(Math.max(1, before - from));
    if (bat[i] !== 0) return i;
  }
  const i = bat.findIndex((e, k) => k >= from && k < before && e !== 0);
  if (i < 0) throw new Error('no allocated entry to duplicate');
  return i;
}

/** The header of a generated image (also used by the repair benchmarks' images). */
export function headerBytes(spec: ImageSpec, dataOffset: number, extOffset: number, hasExt: boolean): Uint8Array {
  const h = new Uint8Array(HEADER_SIZE);
  h.set(Buffer.from(spec.variant === 'ext' ? MAGIC_EXT : MAGIC_LEGACY, 'latin1'));
  const diskSectors = (spec.entries * spec.clusterSize) / SECTOR;
  putU32(h, H.version, 2);
  putU32(h, H.heads, 16);
  putU32(h, H.cylinders, Math.floor(diskSectors / 16 / 32));
  putU32(h, H.tracks, spec.clusterSize / SECTOR);
  putU32(h, H.batEntries, spec.entries);
  putU64(h, H.nbSectors, diskSectors);
  // With an extension, "v2.1" says its bitmaps are current; without, 0 as QEMU leaves a closed image.
  putU32(h, H.inUse, hasExt ? IN_USE_CLOSED : 0);
  putU32(h, H.dataOff, dataOffset / SECTOR);
  putU64(h, H.extOff, extOffset / SECTOR);
  return h;
}

/**
 * The format extension cluster: `spec.bitmaps` dirty bitmaps covering the disk, whose L1 entries are a mix of
 * 0 (clean), 1 (all dirty) and stored clusters (allocated through `take`), then End-of-features, then the MD5.
 */
function buildExtension(spec: ImageSpec, rng: Prng, take: () => number): Uint8Array {
  const cluster = spec.clusterSize;
  const ext = new Uint8Array(cluster);
  putU64(ext, 0, EXT_MAGIC);
  const diskSectors = (spec.entries * cluster) / SECTOR;
  const bitmapBytes = Math.ceil(Math.ceil(diskSectors / BITMAP_GRANULARITY) / 8);
  const l1Size = Math.ceil(bitmapBytes / cluster);
  let pos = EXT_HEADER_SIZE;
  for (let b = 0; b < spec.bitmaps; b++) {
    const dataSize = BITMAP_HEADER_SIZE + 8 * l1Size;
    if (pos + FEATURE_HEADER_SIZE * 2 + dataSize > cluster) throw new Error('bitmaps do not fit in one extension cluster');
    putU64(ext, pos, FEATURE_DIRTY_BITMAP);
    putU32(ext, pos + 16, dataSize);
    const data = pos + FEATURE_HEADER_SIZE;
    putU64(ext, data, diskSectors);
    ext.set(randomBytes(rng, 16), data + 8);
    putU32(ext, data + 24, BITMAP_GRANULARITY);
    putU32(ext, data + 28, l1Size);
    // L1 entries cycle through a stored cluster, 0 (all clean) and 1 (all dirty).
    for (let i = 0; i < l1Size; i++) {
      const kind = i % 3;
      putU64(ext, data + BITMAP_HEADER_SIZE + i * 8, kind === 0 ? take() / SECTOR : kind - 1);
    }
    pos = data + Math.ceil(dataSize / 8) * 8;
  }
  // End of features: 24 zero bytes, already there. The checksum covers everything past the first 24 bytes.
  ext.set(createHash('md5').update(ext.subarray(EXT_HEADER_SIZE)).digest(), 8);
  return ext;
}

/**
 * Every allocated cluster with a pattern unique to its guest cluster: 32-bit words (guest index, word index), so
 * a misplaced or mis-sized copy is visible in any comparison. Entries planted past the end are skipped.
 */
function forEachDataCluster(l: ImageLayout, write: (host: number, bytes: Uint8Array) => void): void {
  const unit = l.spec.variant === 'ext' ? l.spec.clusterSize : SECTOR;
  const buf = new Uint8Array(l.spec.clusterSize);
  const words = new Uint32Array(buf.buffer);
  const beyond = new Set(l.beyondEofIndices);
  for (let i = 0; i < l.bat.length; i++) {
    if (l.bat[i] === 0 || beyond.has(i)) continue;
    for (let w = 0; w < words.length; w++) words[w] = (Math.imul(i, 2654435761) ^ Math.imul(w, 40503)) >>> 0;
    write(l.bat[i] * unit, buf);
  }
}

function randomBytes(rng: Prng, n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i++) b[i] = rng.u32() & 0xff;
  return b;
}

/** "16M" -> 16777216, "64K" -> 65536. */
export function parseCount(text: string): number {
  const m = /^(\d+(?:\.\d+)?)([KMGT]?)$/i.exec(text);
  if (!m) throw new Error(`not a count: ${text}`);
  const scale = { '': 1, K: 1024, M: 1024 ** 2, G: 1024 ** 3, T: 1024 ** 4 }[m[2].toUpperCase() as '' | 'K' | 'M' | 'G' | 'T'];
  return Math.round(Number(m[1]) * scale);
}

function main(argv: string[]): void {
  const [out, ...rest] = argv;
  if (!out || out.startsWith('-')) throw new Error('usage: generate OUT --entries N --cluster SIZE [options]');
  const spec: Partial<ImageSpec> = {};
  for (let k = 0; k < rest.length; k++) {
    const flag = rest[k];
    const arg = (): string => rest[++k] ?? '';
    if (flag === '--entries') spec.entries = parseCount(arg());
    else if (flag === '--cluster') spec.clusterSize = parseCount(arg());
    else if (flag === '--scattered') spec.fraction = Number(arg());
    else if (flag === '--legacy') spec.variant = 'legacy';
    else if (flag === '--dup') spec.duplicates = parseCount(arg());
    else if (flag === '--beyond-eof') spec.beyondEof = parseCount(arg());
    else if (flag === '--leak') spec.leakClusters = parseCount(arg());
    else if (flag === '--bitmaps') spec.bitmaps = Number(arg());
    else if (flag === '--data') spec.data = true;
    else if (flag === '--seed') spec.seed = Number(arg());
    else throw new Error(`unknown option ${flag}`);
  }
  const g = generateImage(out, spec);
  process.stdout.write(`${JSON.stringify({ ...g, duplicateIndices: g.duplicateIndices.length, beyondEofIndices: g.beyondEofIndices.length })}\n`);
}

if (require.main === module) main(process.argv.slice(2));
