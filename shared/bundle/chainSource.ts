/**
 * The guest disk of a bundle, read through a chain of images (notes §4.3): for each storage, the images from the
 * top down; a guest offset is read from the first image whose BAT maps its cluster (BAT entry 0 falls through to
 * the parent, and so does any offset past an image's own size: lower images may be smaller than the top), a raw
 * (Plain) base holds local sector s at byte s x 512, and what no image maps reads as zeros. Split storages are
 * concatenated by Start/End. Each image is read with its own cluster size.
 *
 * `ChainSource` is a ByteSource over the guest disk (so everything that reads a disk reads a bundle too), and says
 * which image and host offset serve a guest offset (`guestToHost`) and lists the guest disk as runs (`runs`).
 */
import { type ByteSource, clampRange } from '../io/byteSource';
import { FileSource } from '../io/fileSource';
import { sameStamp, stampOf } from '../io/fileStamp';
import { type DecodedImage, decodeImage } from '../format/image';
import { type Bundle, BundleError, type BundleImage } from './bundle';
import { storageRanges, contiguous } from './layout';
import { walk } from './snapshots';
import { BatSpans } from './batSpans';

export interface ChainLayer {
  guid: string;
  path: string;
  kind: 'expandable' | 'raw';
  source: FileSource;
  /** For an expandable layer: the decoded header and BAT (geometry present). */
  image?: DecodedImage;
  /** For an expandable layer: its BAT read as spans of unmapped or host-contiguous clusters. */
  spans?: BatSpans;
  /** Bytes of the storage this layer covers: its disk size, or a raw file's length. */
  covers: number;
}

export interface StorageChain {
  index: number;
  /** Guest byte range of the storage, end exclusive. */
  start: number;
  end: number;
  /** Top first. */
  layers: ChainLayer[];
}

/** Where a guest byte is stored. */
export interface GuestPlace {
  storage: number;
  /**
   * Index in the storage's chain, 0 = top; for zeros, the deepest image whose size covers the offset (as qemu-img
   * map reports holes: past a smaller base's end the hole is the layer above's).
   */
  depth: number;
  /** The image that holds the byte, absent when no image maps it (it reads as zero). */
  layer?: ChainLayer;
  hostOffset?: number;
  /** Bytes from this offset on that are served the same way (to the end of the cluster, or of the hole). */
  extent: number;
}

/** A run of the guest disk served by one image, host-contiguous, or a run of zeros. */
export interface ChainRun {
  start: number;
  length: number;
  storage: number;
  depth: number;
  layer?: ChainLayer;
  hostOffset?: number;
}

export class ChainSource implements ByteSource {
  readonly name: string;
  readonly size: number;
  /** Guest places looked up so far (`guestToHost` calls): the steps of reads and of `runs`, one per extent. */
  lookups = 0;

  private constructor(
    readonly bundle: Bundle,
    readonly guid: string,
    readonly storages: StorageChain[],
  ) {
    this.name = `${bundle.dir} (snapshot ${guid})`;
    this.size = storages.length > 0 ? storages[storages.length - 1].end : 0;
  }

  /**
   * The guest disk of snapshot `guid` (default: the resolved top). Throws `BundleError` when the disk cannot be
   * read faithfully: a descriptor that does not parse, Padding, Parallels Desktop encryption, an unresolved top,
   * a broken chain, gaps between storages, a missing or unreadable image, a raw delta.
   */
  static open(bundle: Bundle, guid?: string): ChainSource {
    const g = guid?.toLowerCase() ?? bundle.top.guid;
    const storages = planChain(bundle, g);
    const opened: StorageChain[] = [];
    try {
      for (const s of storages) opened.push({ ...s, layers: s.images.map((img) => openLayer(img)) });
    } catch (e) {
      for (const s of opened) for (const l of s.layers) l.source.close();
      throw e;
    }
    return new ChainSource(bundle, g as string, opened);
  }

  close(): void {
    for (const s of this.storages) for (const l of s.layers) l.source.close();
  }

  read(offset: number, length: number): Uint8Array {
    const [start, end] = clampRange(offset, length, this.size);
    const out = new Uint8Array(end - start);
    this.readInto(start, out);
    return out;
  }

  readInto(offset: number, target: Uint8Array): number {
    const [start, end] = clampRange(offset, target.length, this.size);
    let at = start;
    while (at < end) {
      const p = this.guestToHost(at) as GuestPlace;
      const n = Math.min(p.extent, end - at);
      const part = target.subarray(at - start, at - start + n);
      if (p.layer && p.hostOffset !== undefined) {
        const got = p.layer.source.readInto(p.hostOffset, part);
        // Past the end of an image file the data is zeros (as QEMU reads it).
        if (got < n) part.fill(0, got);
      } else part.fill(0);
      at += n;
    }
    return end - start;
  }

  /** Which storage, image and host offset serve guest byte `offset` (undefined outside the disk). */
  guestToHost(offset: number): GuestPlace | undefined {
    if (offset < 0 || offset >= this.size) return undefined;
    this.lookups++;
    const s = this.storages.find((x) => offset >= x.start && offset < x.end) as StorageChain;
    const local = offset - s.start;
    // Every layer above the one that maps the offset is unmapped only up to the end of its own cluster.
    let extent = s.end - offset;
    let covered = 0;
    for (let depth = 0; depth < s.layers.length; depth++) {
      const layer = s.layers[depth];
      const hit = lookup(layer, local);
      extent = Math.min(extent, hit.extent);
      if (hit.hostOffset !== undefined) return { storage: s.index, depth, layer, hostOffset: hit.hostOffset, extent };
      if (local < layer.covers) covered = depth;
    }
    return { storage: s.index, depth: covered, extent };
  }

  /** BAT entries the lookups have looked at, over all layers. */
  get batEntriesRead(): number {
    let n = 0;
    for (const s of this.storages) for (const l of s.layers) n += l.spans?.entriesRead ?? 0;
    return n;
  }

  /** The guest disk as runs: neighbours merge when both are zeros or the same image host-contiguously. */
  *runs(): Generator<ChainRun> {
    let run: ChainRun | undefined;
    for (let at = 0; at < this.size;) {
      const p = this.guestToHost(at) as GuestPlace;
      if (run && continues(run, p)) run.length += p.extent;
      else {
        if (run) yield run;
        run = { start: at, length: p.extent, storage: p.storage, depth: p.depth, layer: p.layer, hostOffset: p.hostOffset };
      }
      at += p.extent;
    }
    if (run) yield run;
  }
}

function continues(run: ChainRun, p: GuestPlace): boolean {
  if (run.storage !== p.storage || run.depth !== p.depth || run.layer !== p.layer) return false;
  if (run.hostOffset === undefined || p.hostOffset === undefined) return run.hostOffset === p.hostOffset;
  return run.hostOffset + run.length === p.hostOffset;
}

/**
 * Where one layer holds local offset `local`, or how far it does not: to the end of the BAT span around it (the
 * unmapped clusters up to the next mapped one, the rest of the layer past the BAT's end, or a host-contiguous run),
 * so that a walk steps once per span, not once per guest cluster.
 */
function lookup(layer: ChainLayer, local: number): { hostOffset?: number; extent: number } {
  if (local >= layer.covers) return { extent: Number.MAX_SAFE_INTEGER };
  if (layer.kind === 'raw') return { hostOffset: local, extent: layer.covers - local };
  const g = layer.image?.geometry;
  const spans = layer.spans;
  if (!g || !spans) return { extent: layer.covers - local };
  const c = Math.floor(local / g.clusterSize);
  const span = spans.at(c);
  const extent = Math.min(span.end * g.clusterSize - local, layer.covers - local);
  if (span.entry === 0) return { extent };
  return { hostOffset: span.entry * g.unit + (local - span.from * g.clusterSize), extent };
}

interface PlannedStorage {
  index: number;
  start: number;
  end: number;
  images: BundleImage[];
}

/** Which images make the guest disk of `guid`, per storage, or why the disk cannot be read (BundleError). */
export function planChain(bundle: Bundle, guid: string | undefined): PlannedStorage[] {
  const d = bundle.descriptor;
  if (!d) throw new BundleError(`${bundle.descriptorPath}: the descriptor does not parse (${bundle.xmlError?.message}); nothing can be read`);
  refuseUnsupported(bundle);
  if (guid === undefined)
    throw new BundleError(`${bundle.descriptorPath}: the top is not resolvable (${bundle.top.reason}); name a snapshot with --snapshot GUID`);
  if (!bundle.tree.byGuid.has(guid)) throw new BundleError(`${bundle.descriptorPath}: no snapshot ${guid}`);
  const chain = walk(bundle.tree, guid);
  if (chain.problem)
    throw new BundleError(`${bundle.descriptorPath}: the chain of ${guid} is broken (${chain.problem.kind} at ${chain.problem.guid}); nothing can be read`);
  const ranges = storageRanges(d.storages);
  if (!ranges || !contiguous(ranges)) throw new BundleError(`${bundle.descriptorPath}: the storages do not cover the disk contiguously from sector 0`);
  return ranges.map((r) => ({
    index: r.index,
    start: r.start * 512,
    end: r.end * 512,
    images: chain.guids.map((g, depth) => usableImage(bundle, r.index, g, depth === chain.guids.length - 1)),
  }));
}

function refuseUnsupported(bundle: Bundle): void {
  const dp = bundle.descriptor?.diskParameters;
  const padding = dp?.padding?.value;
  if (padding !== undefined && padding !== 0)
    throw new BundleError(`${bundle.descriptorPath}: Padding=${padding}: the layout of padded disks is undocumented; refusing to read the guest disk`);
  const engine = dp?.encryptionEngine;
  if (engine && engine.text !== '' && engine.value !== '{00000000-0000-0000-0000-000000000000}') {
    throw new BundleError(
      `${bundle.descriptorPath}: the disk is encrypted by Parallels Desktop (engine ${engine.text}); its clusters cannot be read as a disk`,
    );
  }
}

function usableImage(bundle: Bundle, storage: number, guid: string, isRoot: boolean): BundleImage {
  const img = bundle.images[storage]?.get(guid);
  const where = `storage ${storage}, snapshot ${guid}`;
  if (!img) throw new BundleError(`${bundle.descriptorPath}: ${where} has no <Image>`);
  if (!img.file || img.file.kind !== 'file' || img.kind === undefined)
    throw new BundleError(
      `${img.file?.given ?? bundle.descriptorPath}: ${where}: the image file is missing or unreadable${img.error ? ` (${img.error})` : ''}`,
    );
  if (img.kind === 'raw' && !isRoot) throw new BundleError(`${img.file.path}: ${where}: has no Parallels header, and only the base of a chain may be raw`);
  if (img.kind === 'raw' && img.entry.type?.text !== 'Plain')
    throw new BundleError(`${img.file.path}: ${where}: Type is Compressed but the file has no Parallels header`);
  if (img.kind === 'expandable' && !img.decoded?.geometry)
    throw new BundleError(`${img.file.path}: ${where}: the header does not describe a readable image (${img.decoded?.blocker})`);
  return img;
}

function openLayer(img: BundleImage): ChainLayer {
  const path = img.file?.path as string;
  const source = new FileSource(path);
  try {
    if (img.kind === 'raw') return { guid: img.guid, path, kind: 'raw', source, covers: source.size };
    // The bundle read this BAT already: a second copy of a 1 TiB image's BAT of 4 KiB clusters is 1 GiB.
    const image = img.decoded?.bat && sameStamp(img.stamp, stampOf(source)) ? img.decoded : decodeImage(source);
    if (!image.geometry || !image.bat) throw new BundleError(`${path}: the header does not describe a readable image (${image.blocker})`);
    const spans = new BatSpans(image.bat, image.geometry.clusterSize / image.geometry.unit);
    return { guid: img.guid, path, kind: 'expandable', source, image, spans, covers: image.geometry.diskBytes };
  } catch (e) {
    source.close();
    throw e;
  }
}
