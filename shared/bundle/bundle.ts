/**
 * A disk bundle: DiskDescriptor.xml, the images it names per storage, the snapshot tree, the resolved top and
 * active chain, and the other files of the folder. Opening reads the descriptor and each image's header and BAT
 * (read-only; nothing is written); the checks are the rules' job (shared/rules/bundle).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { FileSource } from '../io/fileSource';
import { type FileStamp, sameStamp, stampOf } from '../io/fileStamp';
import { type DecodedImage, decodeImage } from '../format/image';
import { MAGIC_EXT, MAGIC_LEGACY } from '../format/constants';
import { type Descriptor, type ImageEntry, type StorageEntry, parseDescriptor } from './descriptor';
import { DESCRIPTOR_NAME, type FolderListing, type ResolvedFile, fileState, listFolder, resolveImageFile } from './bundleFiles';
import { type Chain, type SnapshotTree, type TopResolution, chainProblems, type ChainProblem, resolveTop, snapshotTree, walk } from './snapshots';
import { DESCRIPTOR_LIMITS, PositionMap, type XmlError } from './xml';
import { BundleError } from './bundleError';

/** What an image file holds, by its first bytes: a Parallels header (either magic) or anything else (raw). */
export type ImageKind = 'expandable' | 'raw';

export interface BundleImage {
  storage: number;
  guid: string;
  entry: ImageEntry;
  file?: ResolvedFile;
  /** Set when the file is a readable regular file. */
  kind?: ImageKind;
  /** The decoded header and BAT of an expandable image (its source is closed: reopen to read data). */
  decoded?: DecodedImage;
  /** The file as it was when `decoded` was read: a layer opened later reuses `decoded` only if it is unchanged. */
  stamp?: FileStamp;
  /** Why the file could not be read, when it could not. */
  error?: string;
}

export interface Bundle {
  dir: string;
  descriptorPath: string;
  /** The descriptor's text as read (fixes edit it at the parsed positions). */
  text: string;
  positions: PositionMap;
  descriptor?: Descriptor;
  /** Set when the descriptor is not well-formed XML, or could not be read. */
  xmlError?: XmlError;
  tree: SnapshotTree;
  top: TopResolution;
  /** The active chain (top first). */
  chain: Chain;
  chainProblems: ChainProblem[];
  /** Per storage, the images by lowercase GUID (the first `<Image>` of a duplicated GUID). */
  images: Map<string, BundleImage>[];
  folder: FolderListing;
}

export { BundleError };

/**
 * Opens the bundle in folder `dir` (which holds DiskDescriptor.xml). Throws `BundleError` if there is none.
 * `text` is the descriptor's content when it is not the file's (an editor's unsaved text).
 */
export function openBundle(dir: string, text = readDescriptorText(join(dir, DESCRIPTOR_NAME))): Bundle {
  const descriptorPath = join(dir, DESCRIPTOR_NAME);
  if (text.length > DESCRIPTOR_LIMITS.maxLength)
    throw new BundleError(`${descriptorPath}: more than the ${DESCRIPTOR_LIMITS.maxLength} characters a descriptor may have; not read`);
  const positions = new PositionMap(text);
  const parsed = parseDescriptor(text);
  const descriptor = parsed.descriptor;
  const tree = descriptor ? snapshotTree(descriptor) : snapshotTree(EMPTY);
  const top = descriptor ? resolveTop(descriptor, tree) : { how: 'unresolved' as const, reason: 'the descriptor could not be read', leaves: [] };
  const chain = top.guid === undefined ? { guids: [] } : walk(tree, top.guid);
  const count = (descriptor?.storages ?? []).reduce((n, s) => n + s.images.length, 0);
  // Each image is opened and its BAT held: a hostile descriptor naming one huge image many times must not multiply that.
  if (count > MAX_IMAGES)
    throw new BundleError(`${descriptorPath}: names ${count} images, more than the ${MAX_IMAGES} a bundle may have (ploop allows 128 per storage); not read`);
  const decoded = new Map<string, BundleImage>();
  const images = (descriptor?.storages ?? []).map((s) => storageImages(dir, s, decoded));
  const referenced = new Set(images.flatMap((m) => [...m.values()].map((i) => i.file?.path ?? '')));
  for (const s of descriptor?.storages ?? []) for (const i of s.images) if (i.file) referenced.add(resolveImageFile(dir, i.file.text).path);
  return {
    dir,
    descriptorPath,
    text,
    positions,
    descriptor,
    xmlError: parsed.error,
    tree,
    top,
    chain,
    chainProblems: chainProblems(tree),
    images,
    folder: listFolder(dir, referenced),
  };
}

/** Images a descriptor may name in all (a split disk of 2 GB pieces with 126 snapshots stays far below). */
export const MAX_IMAGES = 4096;

const EMPTY = parseDescriptor('<Parallels_disk_image/>').descriptor as Descriptor;

function readDescriptorText(path: string): string {
  const st = fileState(path);
  if (st.kind === 'missing') throw new BundleError(`${path}: no such file (a bundle folder holds DiskDescriptor.xml)`);
  if (st.kind === 'not-a-file') throw new BundleError(`${path}: not a regular file`);
  // Bounded before it is read: a hostile "descriptor" of gigabytes must not be loaded.
  if (st.size > DESCRIPTOR_LIMITS.maxLength)
    throw new BundleError(`${path}: ${st.size} bytes, more than the ${DESCRIPTOR_LIMITS.maxLength} a descriptor may have; not read`);
  return readFileSync(path, 'utf8');
}

function storageImages(dir: string, s: StorageEntry, decoded: Map<string, BundleImage>): Map<string, BundleImage> {
  const out = new Map<string, BundleImage>();
  for (const entry of s.images) {
    const g = entry.guid?.value;
    if (g === undefined || out.has(g)) continue;
    const img = inspectImage(dir, s.index, g, entry, decoded);
    out.set(g, img);
  }
  return out;
}

/** Reads an image's header and BAT; a file already read for another `<Image>` is not read again (`decoded`). */
function inspectImage(dir: string, storage: number, guid: string, entry: ImageEntry, decoded: Map<string, BundleImage>): BundleImage {
  const img: BundleImage = { storage, guid, entry };
  if (!entry.file || entry.file.text === '') return img;
  img.file = resolveImageFile(dir, entry.file.text);
  if (img.file.kind !== 'file') return img;
  const seen = decoded.get(img.file.path);
  if (seen) return { ...img, kind: seen.kind, decoded: seen.decoded, stamp: seen.stamp, error: seen.error };
  decoded.set(img.file.path, img);
  let src: FileSource | undefined;
  try {
    src = new FileSource(img.file.path);
    const before = stampOf(src);
    const magic = String.fromCharCode(...src.read(0, 16));
    img.kind = magic === MAGIC_EXT || magic === MAGIC_LEGACY ? 'expandable' : 'raw';
    // A file that says Compressed is decoded whatever its magic, so that the image rules say what is wrong with it.
    if (img.kind === 'expandable' || entry.type?.text !== 'Plain') img.decoded = decodeImage(src);
    // Stamped only when no write happened while it was read: a BAT read half-way through a write is never reused.
    const after = stampOf(src);
    if (sameStamp(before, after)) img.stamp = after;
  } catch (e) {
    img.error = e instanceof Error ? e.message : String(e);
  } finally {
    src?.close();
  }
  return img;
}

/** The image of `guid` in storage `k`. */
export function imageOf(b: Bundle, k: number, guid: string): BundleImage | undefined {
  return b.images[k]?.get(guid);
}

/** Every image of the bundle, storage by storage. */
export function allImages(b: Bundle): BundleImage[] {
  return b.images.flatMap((m) => [...m.values()]);
}

/** Whether `guid` is on the active chain. */
export function isActive(b: Bundle, guid: string): boolean {
  return b.chain.guids.includes(guid);
}
