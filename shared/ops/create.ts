/**
 * `create`: a new, empty image, byte for byte what `qemu-img create -f parallels IMAGE SIZE -o cluster_size=N`
 * writes (7.2 and 10.0 agree): magic "WithouFreSpacExt", version 2, heads 16, cylinders = sectors / (16 * 32)
 * (kept to 32 bits), tracks = cluster / 512, nb_bat_entries = ceil(sectors / tracks), nb_sectors = sectors,
 * in_use 0, data_off = the BAT end rounded up to a cluster (in sectors), flags 0, ext_off 0; the file ends at
 * data_off (header, zero BAT, zero padding). SIZE and the cluster size are rounded up to whole sectors.
 *
 * `legacy` writes the "WithoutFreeSpace" variant with the same layout: data_off cluster-aligned (the spec's
 * recommendation; in sectors, as the legacy variant always has it), in_use 0, and, since that variant keeps only
 * 32 bits of nb_sectors, disks below 2 TiB.
 *
 * Where qemu-img writes headers it cannot open itself, we refuse: more than 536870911 BAT entries (the 32-bit BAT
 * size overflows into a bogus data_off) and clusters of more than 4186127 sectors.
 */
import { closeSync, constants, ftruncateSync, openSync, writeSync } from 'node:fs';
import { withImageWriter } from '../io/imageWriter';
import { pathExists } from '../io/openFile';
import { batEntryOffset, MAGIC_EXT, MAGIC_LEGACY, MAX_BAT_ENTRIES, MAX_CLUSTER_SECTORS, SECTOR, VERSION } from '../format/constants';
import { encodeHeader } from '../format/header';

export const DEFAULT_CLUSTER_SIZE = 1024 * 1024;

export interface CreateSpec {
  /** Virtual disk size in bytes. */
  size: number;
  clusterSize?: number;
  legacy?: boolean;
}

export interface CreateLayout {
  /** The 64-byte header; the rest of the file (BAT and padding) is zeros. */
  header: Uint8Array;
  fileSize: number;
  clusterSize: number;
  batEntries: number;
  sectors: number;
}

/** A size or cluster size that makes no valid image; nothing was written. */
export class CreateError extends Error {}

export function createLayout(spec: CreateSpec): CreateLayout {
  const requested = spec.clusterSize ?? DEFAULT_CLUSTER_SIZE;
  if (!Number.isSafeInteger(spec.size) || spec.size < 0) throw new CreateError(`invalid size ${spec.size}`);
  if (!Number.isSafeInteger(requested) || requested <= 0)
    throw new CreateError(`invalid cluster size ${requested}: it must be at least 1 byte (rounded up to 512)`);
  const tracks = Math.ceil(requested / SECTOR);
  const clusterSize = tracks * SECTOR;
  if (tracks > MAX_CLUSTER_SECTORS) {
    throw new CreateError(
      `cluster size ${clusterSize} is too large: at most ${MAX_CLUSTER_SECTORS} sectors (${MAX_CLUSTER_SECTORS * SECTOR} bytes) can be addressed`,
    );
  }
  const sectors = Math.ceil(spec.size / SECTOR);
  if (spec.size >= clusterSize * 2 ** 32) throw new CreateError(`size ${spec.size} is too large for cluster size ${clusterSize} (at most 2^32 clusters)`);
  const batEntries = Math.ceil(sectors / tracks);
  if (batEntries > MAX_BAT_ENTRIES) {
    throw new CreateError(
      `size ${spec.size} needs ${batEntries} BAT entries with cluster size ${clusterSize}, more than ${MAX_BAT_ENTRIES}: use a larger --cluster-size`,
    );
  }
  if (spec.legacy && sectors > 0xffffffff)
    throw new CreateError(`size ${spec.size} is too large for a WithoutFreeSpace image (32-bit nb_sectors: below 2 TiB)`);
  const dataOff = Math.ceil(batEntryOffset(batEntries) / clusterSize) * tracks;
  const header = encodeHeader({
    magic: spec.legacy ? MAGIC_LEGACY : MAGIC_EXT,
    version: VERSION,
    heads: 16,
    cylinders: Math.floor(sectors / (16 * 32)) % 2 ** 32,
    tracks,
    batEntries,
    nbSectors: sectors,
    inUse: 0,
    dataOff,
    flags: 0,
    extOff: 0,
  });
  return { header, fileSize: dataOff * SECTOR, clusterSize, batEntries, sectors };
}

export interface CreateOptions {
  overwrite?: boolean;
}

/** Writes a new image at `path`; refuses an existing file unless `overwrite`. */
export function createImage(path: string, spec: CreateSpec, options: CreateOptions = {}): CreateLayout {
  let layout: CreateLayout;
  try {
    layout = createLayout(spec);
  } catch (e) {
    throw e instanceof CreateError ? new CreateError(`${path}: ${e.message}`) : e;
  }
  // An image replaced in place is a write like any other: a regular file, not through a link, and locked
  // (never under a VM that has it open). A new one is created exclusively, never through a link either.
  if (options.overwrite && pathExists(path)) {
    withImageWriter(path, {}, (w) => {
      ftruncateSync(w.fd, 0);
      fill(w.fd, layout);
    });
    return layout;
  }
  let fd: number;
  try {
    fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL | (constants.O_NOFOLLOW ?? 0), 0o644);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') throw new CreateError(`${path}: already exists (use --overwrite to replace it)`);
    throw e;
  }
  try {
    fill(fd, layout);
  } finally {
    closeSync(fd);
  }
  return layout;
}

/** The BAT and padding are zeros: growing the file after the header gives them without writing them. */
function fill(fd: number, layout: CreateLayout): void {
  writeSync(fd, layout.header, 0, layout.header.length, 0);
  ftruncateSync(fd, layout.fileSize);
}
