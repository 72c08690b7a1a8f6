/**
 * Structure-aware mutations of Parallels images: header fields, BAT entries, extension and bitmap fields,
 * truncation, growth and hostile size claims. The engine's decoder finds where things are (the fuzzer never
 * decodes the format itself); the mutations then write plain bytes, valid or not.
 */
import { createHash } from 'node:crypto';
import {
  BAT_OFFSET,
  BITMAP_HEADER_SIZE,
  EXT_HEADER_SIZE,
  EXT_MAGIC,
  FEATURE_DIRTY_BITMAP,
  H,
  IN_USE_CLOSED,
  IN_USE_DIRTY,
  MAGIC_EXT,
  MAGIC_LEGACY,
  MAX_BAT_ENTRIES,
  MAX_CLUSTER_SECTORS,
  SECTOR,
} from '../../shared/format/constants';
import { HEADER_FIELDS } from '../../shared/format/headerLayout';
import { type DecodedImage, decodeImage } from '../../shared/format/image';
import { putU32, putU64, u32 } from '../../shared/format/le';
import { BufferSource } from '../../shared/io/byteSource';
import type { Prng } from './prng';

/** A mutable image: bytes that may grow or shrink. */
export class Mutable {
  constructor(public bytes: Uint8Array) {}

  resize(size: number): void {
    if (size <= this.bytes.length) this.bytes = this.bytes.slice(0, size);
    else {
      const grown = new Uint8Array(size);
      grown.set(this.bytes);
      this.bytes = grown;
    }
  }

  /** Writes bytes, growing the image when they reach past its end (never beyond `MAX_GROWTH`). */
  write(at: number, data: Uint8Array): void {
    if (at < 0 || at + data.length > MAX_IMAGE) return;
    if (at + data.length > this.bytes.length) this.resize(at + data.length);
    this.bytes.set(data, at);
  }

  setU32(at: number, v: number): void {
    const b = new Uint8Array(4);
    putU32(b, 0, v);
    this.write(at, b);
  }

  setU64(at: number, v: number | bigint): void {
    const b = new Uint8Array(8);
    putU64(b, 0, BigInt.asUintN(64, BigInt(v)));
    this.write(at, b);
  }

  u32(at: number): number {
    return at + 4 <= this.bytes.length ? u32(this.bytes, at) : 0;
  }

  decode(): DecodedImage {
    return decodeImage(new BufferSource(this.bytes));
  }
}

/** Fuzz images stay small: mutations never grow one past this. */
const MAX_IMAGE = 8 * 1024 * 1024;

type Mutation = (m: Mutable, rng: Prng) => string;

/** 32-bit values that sit on boundaries of the format's arithmetic. */
function interesting32(rng: Prng, current: number): number {
  return (
    rng.pick([
      0,
      1,
      2,
      7,
      8,
      63,
      64,
      128,
      511,
      512,
      2048,
      4096,
      0x7fff,
      0x8000,
      0xffff,
      0x10000,
      0x7fffffff,
      0x80000000,
      0xfffffffe,
      0xffffffff,
      MAX_BAT_ENTRIES,
      MAX_BAT_ENTRIES + 1,
      MAX_CLUSTER_SECTORS,
      MAX_CLUSTER_SECTORS + 1,
      current + 1,
      Math.max(0, current - 1),
      current * 2,
      current >>> 1,
      current ^ (1 << rng.int(32)),
      rng.u32(),
      rng.int(4096),
    ]) >>> 0
  );
}

function interesting64(rng: Prng, current: number): bigint {
  return rng.pick([
    BigInt(interesting32(rng, current)),
    0n,
    1n,
    1n << 32n,
    (1n << 32n) + 1n,
    1n << 40n,
    1n << 53n,
    (1n << 63n) - 1n,
    (1n << 64n) - 1n,
    BigInt(current) * 512n,
    BigInt(current) << 32n,
    (BigInt(rng.u32()) << 32n) | BigInt(rng.u32()),
  ]);
}

/** The numeric header fields, in the table's order (the seeds' mutations depend on it); nb_sectors whole and its high half. */
const NUMERIC_FIELDS: ReadonlyArray<[keyof typeof H, 4 | 8]> = HEADER_FIELDS.filter((f) => f.type !== 'text16' && f.key !== 'nbSectorsLow').map((f) => [
  f.key,
  f.size,
]);

const headerField: Mutation = (m, rng) => {
  const [name, width] = rng.pick(NUMERIC_FIELDS);
  const at = H[name];
  const current = m.u32(at);
  if (width === 8) {
    const v = interesting64(rng, current);
    m.setU64(at, v);
    return `header.${name}=${v}`;
  }
  const v = name === 'inUse' && rng.chance(0.5) ? rng.pick([0, IN_USE_DIRTY, IN_USE_CLOSED, 0x37316470, 0x32326470]) : interesting32(rng, current);
  m.setU32(at, v);
  return `header.${name}=${v}`;
};

const magic: Mutation = (m, rng) => {
  const choice = rng.int(4);
  if (choice === 0) m.write(0, Buffer.from(MAGIC_LEGACY, 'latin1'));
  else if (choice === 1) m.write(0, Buffer.from(MAGIC_EXT, 'latin1'));
  else if (choice === 2) m.write(rng.int(16), new Uint8Array([rng.u32() & 0xff]));
  else m.write(0, new Uint8Array(16));
  return `magic#${choice}`;
};

/** Values for a BAT entry that hit each rule's boundary: past the end, into the header, misaligned, shared. */
function entryValue(m: Mutable, rng: Prng, img: DecodedImage, bat: Uint32Array): number {
  const g = img.geometry;
  const unit = g?.unit ?? SECTOR;
  const cluster = g?.clusterSize ?? 65536;
  const other = bat.length > 0 ? bat[rng.int(bat.length)] : 0;
  const endUnits = Math.floor(m.bytes.length / unit);
  return (
    rng.pick([
      0,
      1,
      other,
      other + 1,
      other - 1,
      endUnits,
      endUnits - 1,
      endUnits + 1,
      endUnits - cluster / unit,
      Math.floor((g?.dataOffset ?? 0) / unit) - 1,
      Math.floor((g?.extOffset ?? 0) / unit),
      0xffffffff,
      0x80000000,
      rng.int(endUnits + 4),
      rng.u32(),
    ]) >>> 0
  );
}

const batEntry: Mutation = (m, rng) => {
  const img = m.decode();
  const bat = img.bat ?? new Uint32Array(0);
  const index = bat.length > 0 && rng.chance(0.9) ? rng.int(bat.length) : rng.int(64);
  const v = entryValue(m, rng, img, bat);
  m.setU32(BAT_OFFSET + index * 4, v);
  return `bat[${index}]=${v}`;
};

/** Many entries at once: floods of duplicates, a shifted table, a reversed one. */
const batBlock: Mutation = (m, rng) => {
  const bat = m.decode().bat ?? new Uint32Array(0);
  if (bat.length === 0) return 'batBlock(none)';
  const choice = rng.int(4);
  const from = rng.int(bat.length);
  const to = Math.min(bat.length, from + 1 + rng.int(256));
  for (let i = from; i < to; i++) {
    const v = choice === 0 ? bat[from] : choice === 1 ? bat[i] + 1 : choice === 2 ? bat[to - 1 - (i - from)] : 0;
    m.setU32(BAT_OFFSET + i * 4, v >>> 0);
  }
  return `batBlock#${choice}[${from},${to})`;
};

/** Stores the correct MD5 of the extension cluster, so that mutations behind it reach the deeper rules. */
function fixChecksum(m: Mutable): void {
  const img = m.decode();
  const g = img.geometry;
  if (!g || !img.extension || g.clusterSize > 4 * 1024 * 1024) return;
  const start = g.extOffset;
  const cluster = new Uint8Array(g.clusterSize);
  cluster.set(m.bytes.subarray(start, Math.min(m.bytes.length, start + g.clusterSize)));
  m.write(start + 8, createHash('md5').update(cluster.subarray(EXT_HEADER_SIZE)).digest());
}

const extensionField: Mutation = (m, rng) => {
  const img = m.decode();
  const ext = img.extension;
  if (!ext || ext.features.length === 0) return addExtension(m, rng);
  const f = rng.pick(ext.features);
  const bm = f.bitmap;
  const choice = rng.int(bm ? 12 : 5);
  let what: string;
  switch (choice) {
    case 0:
      m.setU64(f.offset, rng.pick([0n, FEATURE_DIRTY_BITMAP, BigInt(rng.u32()), 0xdeadbeefn << 16n]));
      what = 'magic';
      break;
    case 1:
      m.setU64(f.offset + 8, BigInt(rng.pick([0, 1, 2, 3, 4, rng.u32()])));
      what = 'flags';
      break;
    case 2:
      m.setU32(f.offset + 16, interesting32(rng, f.dataSize));
      what = 'data_size';
      break;
    case 3:
      m.setU32(f.offset + 20, rng.u32());
      what = 'unused32';
      break;
    case 4:
      m.write(f.offset, new Uint8Array(24));
      what = 'end';
      break;
    case 5:
      m.setU64(f.dataOffset, interesting64(rng, bm!.size));
      what = 'bitmap.size';
      break;
    case 6: {
      const peer = ext.features.find((p) => p !== f && p.bitmap);
      if (peer) m.write(f.dataOffset + 8, m.bytes.slice(peer.dataOffset + 8, peer.dataOffset + 24));
      else m.write(f.dataOffset + 8 + rng.int(16), new Uint8Array([rng.u32() & 0xff]));
      what = 'bitmap.id';
      break;
    }
    case 7:
      m.setU32(f.dataOffset + 24, rng.pick([0, 1, 3, 127, 128, 256, 1 << 20, 0x80000000, 0xffffffff, rng.u32()]));
      what = 'bitmap.granularity';
      break;
    case 8:
      m.setU32(f.dataOffset + 28, interesting32(rng, bm!.l1Size));
      what = 'bitmap.l1_size';
      break;
    default: {
      if (bm!.l1.length === 0) return 'l1(none)';
      const i = rng.int(bm!.l1.length);
      const end = m.bytes.length;
      const v = rng.pick<number | bigint>([
        0,
        1,
        2,
        ext.offset / SECTOR,
        (img.geometry?.dataOffset ?? 0) / SECTOR,
        Math.floor(end / SECTOR),
        Math.floor(end / SECTOR) - 1,
        bm!.l1[rng.int(bm!.l1.length)],
        ((img.bat?.[0] ?? 0) * (img.geometry?.unit ?? SECTOR)) / SECTOR,
        1n << 53n,
        (1n << 64n) - 1n,
        rng.u32(),
      ]);
      m.setU64(bm!.l1Offset + i * 8, v);
      what = `l1[${i}]=${v}`;
    }
  }
  const fixed = rng.chance(0.8);
  if (fixed) fixChecksum(m);
  return `ext.feature@${f.offset}.${what}${fixed ? '+md5' : ''}`;
};

/** Gives an image without an extension a valid one at its end: a bitmap feature covering the disk. */
function addExtension(m: Mutable, rng: Prng): string {
  const img = m.decode();
  const g = img.geometry;
  if (!g || g.clusterSize > 1024 * 1024) return 'addExtension(skip)';
  const at = Math.ceil(m.bytes.length / g.clusterSize) * g.clusterSize;
  if (at + 2 * g.clusterSize > MAX_IMAGE) return 'addExtension(skip)';
  const ext = new Uint8Array(g.clusterSize);
  putU64(ext, 0, EXT_MAGIC);
  putU64(ext, EXT_HEADER_SIZE, FEATURE_DIRTY_BITMAP);
  const granularity = 128;
  const bitmapBytes = Math.ceil(Math.ceil(g.diskSectors / granularity) / 8);
  const l1Size = Math.min(64, Math.ceil(bitmapBytes / g.clusterSize));
  putU32(ext, EXT_HEADER_SIZE + 16, BITMAP_HEADER_SIZE + 8 * l1Size);
  const data = EXT_HEADER_SIZE + 24;
  putU64(ext, data, g.diskSectors);
  for (let i = 0; i < 16; i++) ext[data + 8 + i] = rng.u32() & 0xff;
  putU32(ext, data + 24, granularity);
  putU32(ext, data + 28, l1Size);
  // The first L1 entry stores a cluster (the one after the extension), the rest are clean or dirty.
  for (let i = 0; i < l1Size; i++) putU64(ext, data + BITMAP_HEADER_SIZE + i * 8, i === 0 ? (at + g.clusterSize) / SECTOR : rng.int(2));
  ext.set(createHash('md5').update(ext.subarray(EXT_HEADER_SIZE)).digest(), 8);
  m.write(at, ext);
  m.write(at + g.clusterSize, new Uint8Array(g.clusterSize).fill(0xa5));
  m.setU64(H.extOff, at / SECTOR);
  m.setU32(H.inUse, IN_USE_CLOSED);
  return `addExtension@${at}`;
}

const extensionBytes: Mutation = (m, rng) => {
  const ext = m.decode().extension;
  if (!ext) return addExtension(m, rng);
  const n = 1 + rng.int(8);
  for (let k = 0; k < n; k++) m.write(ext.offset + rng.int(512), new Uint8Array([rng.u32() & 0xff]));
  const fixed = rng.chance(0.6);
  if (fixed) fixChecksum(m);
  return `extBytes x${n}${fixed ? '+md5' : ''}`;
};

/** Cuts the file, mostly at boundaries that decoders care about (header, BAT end, data_off, clusters). */
const truncate: Mutation = (m, rng) => {
  const img = m.decode();
  const g = img.geometry;
  const marks = [0, 15, 16, 19, 20, 63, 64, 65, m.bytes.length - 1, m.bytes.length - 512];
  if (g) {
    marks.push(g.batEnd - 2, g.batEnd, g.dataOffset, g.dataOffset + g.clusterSize - 1, g.extOffset + 100, g.extOffset + g.clusterSize - 8);
    marks.push(Math.floor(m.bytes.length / g.clusterSize - 1) * g.clusterSize + rng.int(3) - 1);
  }
  const size = rng.chance(0.8) ? rng.pick(marks) : rng.int(m.bytes.length + 1);
  const clamped = Math.max(0, Math.min(m.bytes.length, size));
  m.resize(clamped);
  return `truncate(${clamped})`;
};

const grow: Mutation = (m, rng) => {
  const n = rng.pick([1, 511, 512, 4096, 65536, 65537, 1 << 20, rng.int(1 << 20)]);
  const size = Math.min(MAX_IMAGE, m.bytes.length + n);
  const old = m.bytes.length;
  m.resize(size);
  if (rng.chance(0.5)) for (let k = old; k < size; k += 1 + rng.int(512)) m.bytes[k] = rng.u32() & 0xff;
  return `grow(+${size - old})`;
};

const byteFlips: Mutation = (m, rng) => {
  const n = 1 + rng.int(16);
  const span = rng.chance(0.7) ? Math.min(m.bytes.length, 4096) : m.bytes.length;
  for (let k = 0; k < n && span > 0; k++) m.bytes[rng.int(span)] ^= 1 << rng.int(8);
  return `flips x${n}`;
};

/**
 * The hostile claims a small file can make: a huge BAT, cluster, extension offset, feature or L1 size on a file
 * of a few KiB. Nothing here may make the engine allocate or compute in proportion to the claim.
 */
const hostileClaim: Mutation = (m, rng) => {
  if (rng.chance(0.5)) m.resize(Math.min(m.bytes.length, rng.pick([64, 100, 512, 1024, 4096])));
  const choice = rng.int(6);
  // MAX_BAT_ENTRIES is rare: its bat-truncated repair honestly grows the file to 2 GiB, a minute per case.
  if (choice === 0) m.setU32(H.batEntries, rng.chance(0.05) ? MAX_BAT_ENTRIES : rng.pick([0x7fffffff, 0xffffffff, 1 << 24, 1 << 20, MAX_BAT_ENTRIES + 1]));
  // Clusters near 2 GiB are rare too: relocating into them honestly grows a small file by gigabytes (sparse).
  else if (choice === 1) m.setU32(H.tracks, rng.chance(0.1) ? rng.pick([MAX_CLUSTER_SECTORS, MAX_CLUSTER_SECTORS - 1]) : rng.pick([1 << 17, 1 << 14, 3, 1, 0]));
  else if (choice === 2) m.setU64(H.extOff, rng.pick([1n, 2n, 0xffffffffn, 1n << 40n, (1n << 55n) - 1n, (1n << 64n) - 1n]));
  else if (choice === 3) m.setU64(H.nbSectors, rng.pick([(1n << 64n) - 1n, 1n << 53n, 1n << 40n, 0xffffffffn]));
  else if (choice === 4) m.setU32(H.dataOff, rng.pick([0, 0xffffffff, 0x80000000, 1]));
  else {
    // A tiny extension at sector 1 (inside the header's cluster) claiming huge feature and L1 sizes.
    m.setU64(H.extOff, 1n);
    m.setU64(SECTOR, EXT_MAGIC);
    m.setU64(SECTOR + EXT_HEADER_SIZE, FEATURE_DIRTY_BITMAP);
    m.setU32(SECTOR + EXT_HEADER_SIZE + 16, rng.pick([0xffffffff, 0x7fffffff, 32 + 8]));
    m.setU32(SECTOR + EXT_HEADER_SIZE + 24 + 28, rng.pick([0xffffffff, 0x7fffffff, 1 << 20]));
  }
  return `hostile#${choice}(${m.bytes.length})`;
};

const MUTATIONS: ReadonlyArray<[Mutation, number]> = [
  [headerField, 14],
  [magic, 2],
  [batEntry, 18],
  [batBlock, 5],
  [extensionField, 16],
  [extensionBytes, 5],
  [truncate, 6],
  [grow, 3],
  [byteFlips, 5],
  [hostileClaim, 4],
];
const TOTAL_WEIGHT = MUTATIONS.reduce((s, [, w]) => s + w, 0);

function pickMutation(rng: Prng): Mutation {
  let r = rng.int(TOTAL_WEIGHT);
  for (const [mutation, weight] of MUTATIONS) {
    if (r < weight) return mutation;
    r -= weight;
  }
  return MUTATIONS[0][0];
}

/** Applies 1-4 mutations (mostly few, so most cases stay close to a valid image); returns what was done. */
export function mutate(seed: Uint8Array, rng: Prng): { bytes: Uint8Array; steps: string[] } {
  const m = new Mutable(seed.slice());
  const steps: string[] = [];
  const n = rng.pick([1, 1, 1, 2, 2, 3, 4]);
  for (let k = 0; k < n; k++) steps.push(pickMutation(rng)(m, rng));
  return { bytes: m.bytes, steps };
}
