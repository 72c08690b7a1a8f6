import { type DocumentSymbol, SymbolKind } from 'vscode-languageserver/node';
import { AllocationMapBuilder, bucketCount } from '../shared/describe/allocationMap';
import { type TreeInput, batPageEntries, batPageNode, countAllocated, structureTree } from '../shared/describe/structureTree';
import type { AllocationMapResult, StructureNode } from '../shared/protocol';
import type { Analysis } from './documentAnalysis';
import { byteRange } from './diagnostics';
import type { Settings } from './settings';

/** BAT entries per slice of whole-BAT work done between other requests (a few milliseconds each). */
export const SLICE_ENTRIES = 1 << 20;

const turn = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

/** Entries per BAT page: the setting's, made bigger for a BAT that would have too many pages. */
export function pageEntries(analysis: Analysis, settings: Settings): number {
  return batPageEntries(analysis.image.geometry?.batEntries ?? 0, settings.batPageSize / 4);
}

function treeInput(analysis: Analysis, settings: Settings): TreeInput {
  const pages = pageEntries(analysis, settings);
  const input: TreeInput = { image: analysis.image, space: analysis.checked?.space, findings: analysis.view(settings).index, pageEntries: pages };
  const counts = analysis.pageCounts.get(pages);
  if (counts) input.pageAllocated = counts;
  return input;
}

/**
 * Counts the allocated entries of each BAT page in slices, between other requests, before a tree or view of a
 * huge BAT is built (which then only formats the pages). Kept on the analysis.
 */
export async function countPages(analysis: Analysis, settings: Settings): Promise<void> {
  const bat = analysis.image.bat;
  const pages = pageEntries(analysis, settings);
  if (!bat || bat.length <= SLICE_ENTRIES) return;
  const counts = await analysis.memo(`pages:${pages}`, async () => {
    const c = new Uint32Array(Math.ceil(bat.length / pages));
    for (let from = 0; from < bat.length; from += SLICE_ENTRIES) {
      countAllocated(bat, pages, c, from, Math.min(bat.length, from + SLICE_ENTRIES));
      await turn();
    }
    return c;
  });
  analysis.pageCounts.set(pages, counts);
}

/** The structure tree of a checked analysis (BAT pages without their entries). */
export async function structureOf(analysis: Analysis, settings: Settings): Promise<StructureNode> {
  await countPages(analysis, settings);
  return treeOf(analysis, settings);
}

export function treeOf(analysis: Analysis, settings: Settings): StructureNode {
  return analysis.memoFor(settings, 'tree', () => structureTree(treeInput(analysis, settings)));
}

/** One BAT page with its entries, or null past the last page. */
export function batPageOf(analysis: Analysis, settings: Settings, page: number): StructureNode | null {
  return batPageNode(treeInput(analysis, settings), page);
}

/** The allocation map in `buckets` buckets, computed in slices and kept per analysis. */
export function allocationOf(analysis: Analysis, buckets: number): Promise<AllocationMapResult | null> {
  const space = analysis.checked?.space;
  if (!space) return Promise.resolve(null);
  // Keyed by the count the map will have: asking for 70,000 or 80,000 buckets gives the same 65,536.
  const n = bucketCount(buckets, space.geometry.fileSize);
  return analysis.memo(`alloc:${n}`, async () => {
    const builder = new AllocationMapBuilder(space, n);
    while (!builder.done) {
      builder.feed(SLICE_ENTRIES);
      if (!builder.done) await turn();
    }
    return { fileSize: space.geometry.fileSize, buckets: builder.finish() };
  });
}

/** The structure tree as document symbols of the binary document (byte ranges as positions). */
export function binarySymbols(tree: StructureNode): DocumentSymbol[] {
  const convert = (n: StructureNode): DocumentSymbol => {
    const range = byteRange(n.offset, Math.max(1, n.length));
    const s: DocumentSymbol = { name: n.label, kind: SymbolKind.Field, range, selectionRange: range };
    if (n.value) s.detail = n.value;
    if (n.children && n.children.length > 0) s.children = n.children.map(convert);
    return s;
  };
  return (tree.children ?? []).map(convert);
}
