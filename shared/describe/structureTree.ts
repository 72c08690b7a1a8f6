import { tailIsLeak } from '../check/metadata';
import type { StructureNode } from './structureNode';
import type { FieldInfo } from '../format/fieldInfo';
import { BAT_OFFSET, batEntryOffset } from '../format/constants';
import type { DecodedImage } from '../format/image';
import { hex } from '../format/le';
import { plural, size } from '../format/words';
import { batEntryField, entryMapping, guestRangeText } from './batFields';
import { extensionFields } from './extensionFields';
import { headerFields } from './headerFields';
import type { HostSpace } from './hostSpace';
import type { ByteRange, RangeIndex } from './rangeIndex';

/** A finding as the tree cares: where and which rule. */
export interface CodedRange extends ByteRange {
  code: string;
}

export interface TreeInput {
  image: DecodedImage;
  /** Undefined while the BAT is still being checked: the data area is then not broken down. */
  space?: HostSpace;
  findings: RangeIndex<CodedRange>;
  /** BAT entries per page: `batPageEntries` of the "bytes per BAT page" setting / 4. */
  pageEntries: number;
  /** Most free ranges listed one by one under the data area. */
  maxSpaceNodes?: number;
  /** Allocated entries per page, counted beforehand (`countAllocated`); counted here when absent. */
  pageAllocated?: Uint32Array;
}

/**
 * The most pages a BAT is shown in. A header may claim 536M entries, and the setting may ask for one entry per
 * page: each page is a node (and a line of the text view), so a bigger BAT gets bigger pages instead.
 */
export const MAX_BAT_PAGES = 1 << 16;

/** Entries per BAT page for `wanted` entries per page: at least one, and few enough pages for MAX_BAT_PAGES. */
export function batPageEntries(batEntries: number, wanted: number): number {
  return Math.max(1, Math.floor(wanted), Math.ceil(batEntries / MAX_BAT_PAGES));
}

/**
 * Adds the allocated entries of BAT entries [from, to) to their pages' counts: a caller with a huge BAT counts in
 * slices between other work and passes the counts as `pageAllocated`.
 */
export function countAllocated(bat: Uint32Array, pageEntries: number, counts: Uint32Array, from: number, to: number): void {
  for (let page = Math.floor(from / pageEntries); page * pageEntries < to; page++) {
    const end = Math.min(to, (page + 1) * pageEntries, bat.length);
    let n = 0;
    for (let i = Math.max(from, page * pageEntries); i < end; i++) if (bat[i] !== 0) n++;
    counts[page] += n;
  }
}

/**
 * The decoded image as a tree with offsets, sizes and values: header fields, the BAT in pages (entries on
 * request, see `batPageNode`), padding, the extension with its features and bitmaps, and the data area broken
 * into free and leaked ranges. Leaves carry the codes of the findings on their bytes.
 */
export function structureTree(input: TreeInput): StructureNode {
  const { image } = input;
  const g = image.geometry;
  const fileSize = image.source.size;
  const root: StructureNode = { label: image.source.name.split(/[\\/]/).pop() ?? image.source.name, kind: 'image', offset: 0, length: fileSize, children: [] };
  const children = root.children as StructureNode[];
  if (fileSize === 0) {
    // Nothing to show: no header of 16 NUL "magic" bytes that are not there.
    root.detail = 'the file is empty';
    return root;
  }
  const header = group(
    'header',
    'header',
    0,
    64,
    headerFields(image.header).map((f) => leaf(f, 'field', input)),
  );
  children.push(header);
  if (image.header.variant === undefined) markUndecodable(header, 'not a Parallels image: the bytes as a header would read them');
  if (!g) {
    root.detail = `not decodable: ${image.blocker ?? 'unknown'}`;
    return root;
  }
  root.detail = `${image.header.variant === 'ext' ? 'WithouFreSpacExt' : 'WithoutFreeSpace'}, ${size(g.clusterSize)} clusters, ${size(g.diskBytes)} disk, ${size(fileSize)} file`;
  children.push(batNode(input));
  if (g.dataOffset > g.batEnd)
    children.push(
      withProblems({ label: 'padding', kind: 'space', offset: g.batEnd, length: g.dataOffset - g.batEnd, value: size(g.dataOffset - g.batEnd) }, input),
    );
  const ext = extensionNode(input);
  if (ext) children.push(ext);
  children.push(...bitmapClusterNodes(input));
  children.push(dataAreaNode(input));
  return root;
}

/** Flags a node and its children as bytes that only look like fields (no magic: not an image). */
function markUndecodable(node: StructureNode, why: string): void {
  node.undecodable = true;
  node.detail = why;
  for (const c of node.children ?? []) markUndecodable(c, why);
}

/** One page of the BAT with its entries as children. */
export function batPageNode(input: TreeInput, page: number): StructureNode | null {
  const g = input.image.geometry;
  if (!g) return null;
  const pages = Math.ceil(g.batEntries / input.pageEntries);
  if (page < 0 || page >= pages) return null;
  const node = pageNode(input, page);
  const bat = input.image.bat ?? new Uint32Array(0);
  const first = page * input.pageEntries;
  const last = Math.min(g.batEntries, first + input.pageEntries);
  node.children = [];
  for (let i = first; i < last; i++) {
    const f = batEntryField(g, i, i < bat.length ? bat[i] : undefined);
    const m = entryMapping(g, i, bat[i] ?? 0);
    const entry = leaf(f, 'batEntry', input);
    entry.label = `entry ${i}`;
    entry.value = (bat[i] ?? 0) === 0 ? '0' : `${hex(bat[i])} → host ${hex(m.host ?? 0)}`;
    entry.detail = guestRangeText(m);
    node.children.push(entry);
  }
  delete node.batPage;
  node.batPage = page;
  return node;
}

function batNode(input: TreeInput): StructureNode {
  const g = input.image.geometry;
  if (!g) throw new Error('no geometry');
  const pages = Math.ceil(g.batEntries / input.pageEntries);
  const allocated = input.space?.scan.allocated;
  const node: StructureNode = {
    label: 'BAT',
    kind: 'bat',
    offset: BAT_OFFSET,
    length: g.batEntries * 4,
    value: `${g.batEntries} entries`,
    detail: `${allocated === undefined ? '' : `${allocated} allocated, `}${plural(pages, 'page')} of ${input.pageEntries} entries`,
    children: [],
  };
  for (let p = 0; p < pages; p++) node.children?.push(pageNode(input, p));
  return node;
}

function pageNode(input: TreeInput, page: number): StructureNode {
  const g = input.image.geometry;
  if (!g) throw new Error('no geometry');
  const first = page * input.pageEntries;
  const last = Math.min(g.batEntries, first + input.pageEntries) - 1;
  const bat = input.image.bat ?? new Uint32Array(0);
  let allocated = input.pageAllocated?.[page];
  if (allocated === undefined) {
    allocated = 0;
    for (let i = first; i <= last && i < bat.length; i++) if (bat[i] !== 0) allocated++;
  }
  const node: StructureNode = {
    label: `entries ${first}-${last}`,
    kind: 'batPage',
    offset: batEntryOffset(first),
    length: (last - first + 1) * 4,
    value: `${allocated} allocated`,
    detail: `guest ${hex(first * g.clusterSize)}-${hex((last + 1) * g.clusterSize - 1)}`,
    batPage: page,
  };
  return withProblems(node, input);
}

function extensionNode(input: TreeInput): StructureNode | undefined {
  const { image } = input;
  const g = image.geometry;
  const ext = image.extension;
  if (!g || !ext) return undefined;
  const node: StructureNode = {
    label: 'format extension',
    kind: 'extension',
    offset: ext.offset,
    length: g.clusterSize,
    value: plural(ext.features.length, 'feature section'),
    children: [],
  };
  const fields = extensionFields(image, { l1Entries: true });
  const features = new Map<string, StructureNode>();
  for (const f of fields) {
    const m = /^extension\.feature\[(\d+)\]/.exec(f.path);
    if (!m) {
      node.children?.push(leaf(f, 'field', input));
      continue;
    }
    let feature = features.get(m[1]);
    if (!feature) {
      const section = image.extension?.features[Number(m[1])];
      const kind = section?.kind === 'end' ? 'End of features' : section?.kind === 'dirty-bitmap' ? 'dirty bitmap' : 'unknown feature';
      feature = { label: `feature ${m[1]}: ${kind}`, kind: section?.kind === 'dirty-bitmap' ? 'bitmap' : 'feature', offset: f.offset, length: 0, children: [] };
      features.set(m[1], feature);
      node.children?.push(feature);
    }
    feature.children?.push(leaf(f, f.path.includes('.l1[') ? 'l1Entry' : 'field', input));
    feature.length = f.offset + f.size - feature.offset;
  }
  return node;
}

/** The clusters bitmap L1 entries point at (inside the file): their bytes are bitmap data. */
function bitmapClusterNodes(input: TreeInput): StructureNode[] {
  const space = input.space;
  if (!space) return [];
  const ext = input.image.extension;
  return space.metadata
    .filter((m) => m.start !== ext?.offset)
    .map((m) =>
      withProblems({ label: m.what, kind: 'bitmap', offset: m.start, length: Math.min(m.end, space.geometry.fileSize) - m.start, value: 'bitmap data' }, input),
    );
}

function dataAreaNode(input: TreeInput): StructureNode {
  const g = input.image.geometry;
  if (!g) throw new Error('no geometry');
  const start = Math.min(g.dataOffset, g.fileSize);
  const node: StructureNode = { label: 'data area', kind: 'data', offset: start, length: g.fileSize - start, children: [] };
  const space = input.space;
  if (!space) {
    node.detail = 'still being checked';
    return node;
  }
  const scan = space.scan;
  const holes = scan.holes;
  const free = holes.reduce((n, [s, e]) => n + e - s, 0);
  node.value = `${plural(scan.allocated, 'allocated cluster')}`;
  const tail = Math.max(0, g.fileSize - scan.usedEnd);
  const leaked = tailIsLeak(input.image);
  node.detail = `${size(free)} unreferenced, ${size(tail)} ${leaked ? 'leaked' : 'past the last used cluster'}`;
  const limit = input.maxSpaceNodes ?? 200;
  for (const [s, e] of holes.slice(0, limit)) {
    node.children?.push(withProblems({ label: `unreferenced ${hex(s)}-${hex(e - 1)}`, kind: 'space', offset: s, length: e - s, value: size(e - s) }, input));
  }
  if (holes.length > limit)
    node.children?.push({ label: `${holes.length - limit} more unreferenced ranges`, kind: 'space', offset: holes[limit][0], length: 0 });
  if (g.fileSize > scan.usedEnd) {
    const what = leaked ? 'leaked tail' : 'tail a dirty bitmap section that cannot be loaded may use';
    node.children?.push(
      withProblems(
        {
          label: `${what} ${hex(scan.usedEnd)}-${hex(g.fileSize - 1)}`,
          kind: 'space',
          offset: scan.usedEnd,
          length: g.fileSize - scan.usedEnd,
          value: size(g.fileSize - scan.usedEnd),
        },
        input,
      ),
    );
  }
  return node;
}

function group(label: string, kind: StructureNode['kind'], offset: number, length: number, children: StructureNode[]): StructureNode {
  return { label, kind, offset, length, children };
}

function leaf(f: FieldInfo, kind: StructureNode['kind'], input: TreeInput): StructureNode {
  return withProblems({ label: f.name, kind, offset: f.offset, length: f.size, value: f.value, detail: f.path }, input);
}

function withProblems(node: StructureNode, input: TreeInput): StructureNode {
  const codes = [...new Set(input.findings.overlapping(node.offset, node.offset + Math.max(1, node.length)).map((f) => f.code))];
  if (codes.length > 0) node.problems = codes;
  return node;
}
