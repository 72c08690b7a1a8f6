import type { Geometry } from '../format/geometry';
import { type MetadataRange, slotOrigin } from './metadata';

/**
 * The byte-offset requirements of BAT entries restated as integer bounds in BAT-entry units, computed once per
 * image: the per-entry tests then compare small integers (host offsets reach 2^44, and double arithmetic, fmod
 * above all, costs ten times more in a loop over 16M entries).
 */
export interface EntryBounds {
  /** e < dataStart  <=>  host < dataOffset */
  readonly dataStart: number;
  /** e > lastWhole  <=>  host + cluster > fileSize */
  readonly lastWhole: number;
  /** e < inFile  <=>  host < fileSize */
  readonly inFile: number;
  /** Entry value of slot 0 (where cluster boundaries are counted from). */
  readonly originUnits: number;
  /** Entry units per cluster. */
  readonly perCluster: number;
  /** log2(perCluster), or -1 when it is not a power of two. */
  readonly shift: number;
  /** perCluster - 1 (used only when shift >= 0). */
  readonly mask: number;
  /** BAT entries the virtual disk uses. */
  readonly diskClusters: number;
}

export function entryBounds(g: Geometry): EntryBounds {
  const perCluster = small(g.clusterSize / g.unit);
  return {
    dataStart: small(Math.ceil(g.dataOffset / g.unit)),
    lastWhole: small(Math.floor((g.fileSize - g.clusterSize) / g.unit)),
    inFile: small(Math.ceil(g.fileSize / g.unit)),
    originUnits: small(slotOrigin(g) / g.unit),
    perCluster,
    shift: (perCluster & (perCluster - 1)) === 0 ? small(Math.log2(perCluster)) : -1,
    mask: small(perCluster - 1),
    diskClusters: small(g.diskClusters),
  };
}

/** An integer in int32 range as a small integer, so the JIT compares entries without float conversions. */
function small(v: number): number {
  return v >= -0x80000000 && v <= 0x7fffffff ? v | 0 : v;
}

/**
 * The per-entry predicates of the BAT rules. Each is defined once, in its rule's module (shared/rules/bat), and
 * used by every scan: the full one (BatScanner), the incremental one and the cluster index. They take an
 * allocated entry's value `e` (never 0) or index `i` and the image's bounds, and are small and pure so that the
 * JIT inlines them into the scan's loop (the call sites see one function each): one definition costs no speed.
 *
 * The check layer sits below the rules and cannot import them: the rule catalogue hands them over
 * (`provideEntryTests`) when it loads, and any program that checks loads the catalogue to run the rules.
 */
export interface EntryTests {
  /** bat-entry-before-data: the cluster starts below the data area. */
  beforeData(e: number, b: EntryBounds): boolean;
  /** bat-entry-beyond-eof: the cluster ends past the end of the file. */
  beyondEof(e: number, b: EntryBounds): boolean;
  /** bat-entry-beyond-eof, its first case: the cluster starts at or past the end (it covers no byte of the file). */
  startsPastEof(e: number, b: EntryBounds): boolean;
  /** bat-entry-misaligned: inside the data area but off its cluster grid. */
  misaligned(e: number, b: EntryBounds): boolean;
  /** bat-entry-beyond-disk: an entry past the virtual disk's last cluster. */
  beyondDisk(i: number, b: EntryBounds): boolean;
  /** bat-entry-overlaps-metadata: the entry's host range [host, end) shares bytes with a metadata range. */
  overlapsMetadata(host: number, end: number, metadata: readonly MetadataRange[]): boolean;
}

let provided: EntryTests | undefined;

/** Called by the rule catalogue with the BAT rules' predicates. */
export function provideEntryTests(tests: EntryTests): void {
  provided = tests;
}

/** The BAT rules' predicates; throws when the catalogue (which provides them) was never loaded. */
export function entryTests(): EntryTests {
  if (!provided) throw new Error('internal: the BAT rules were not loaded (import shared/rules/catalogue before scanning)');
  return provided;
}

/** The slot an entry occupies: inside the file, in the data area, on its grid. -1 for any other entry. */
export function slotOf(t: EntryTests, e: number, b: EntryBounds): number {
  if (e === 0 || t.startsPastEof(e, b) || t.beforeData(e, b) || t.misaligned(e, b)) return -1;
  const d = e - b.originUnits;
  return b.shift >= 0 ? d >>> b.shift : d / b.perCluster;
}
