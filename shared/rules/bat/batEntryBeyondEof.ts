import { EntryFlag } from '../../check/batScan';
import { defineRule } from '../rule';
import { entryFindings, relocate, repairEntries } from './entryRule';
import { hex, size } from '../../format/words';
import type { EntryBounds } from '../../check/entryTests';

/** The rule's predicate (for an allocated entry): its cluster ends past the end of the file. */
export function beyondEof(e: number, b: EntryBounds): boolean {
  return e > b.lastWhole;
}

/** The first of the rule's two cases: the cluster starts at or past the end, so no byte of it is stored. */
export function startsPastEof(e: number, b: EntryBounds): boolean {
  return e >= b.inFile;
}

/** Flags of entries whose cluster another BAT rule copies elsewhere: completing it in place first would be waste. */
const RELOCATED = EntryFlag.Misaligned | EntryFlag.Duplicate | EntryFlag.BeforeData | EntryFlag.OverlapsMetadata;

export default defineRule({
  code: 'bat-entry-beyond-eof',
  title: 'BAT entry points past the end of the file',
  severity: 'error',
  category: 'corruption',
  phase: 'bat',
  doc: `A BAT entry's cluster must lie inside the file ("the value must be lower than the desired file size"). A
cluster that starts past the end holds nothing: the guest reads zeros, and a writer may allocate the same range
again for another cluster. A cluster that starts inside the file but ends past it (the file was cut short) keeps
its first part; when another rule moves that cluster anyway (misaligned, shared, misplaced), the copy reads the
missing part as zeros and the file is not extended for it. qemu-img 10 aborts its check on such images, 7.2 misses clusters that start exactly at the end.`,
  fix: 'unmap the entry if its cluster lies wholly past the end (nothing of it is stored); extend the file with zeros to the end of the cluster if it starts inside (or copy it to a new cluster when it must move anyway)',
  check(ctx) {
    const g = ctx.geometry;
    if (!g) return [];
    return entryFindings(
      ctx,
      this,
      EntryFlag.BeyondEof,
      (p) =>
        p.host >= g.fileSize
          ? `points past the end of the file (${size(g.fileSize)})`
          : `ends past the end of the file: only ${size(g.fileSize - p.host)} of its ${size(g.clusterSize)} are stored`,
      // Each entry gets the one repair that applies to it, not both.
      (p) =>
        p.host >= g.fileSize
          ? 'unmap the entry (nothing of its cluster is stored: the guest reads zeros there already)'
          : `extend the file with zeros to ${hex(p.host + g.clusterSize)}, the end of the entry's cluster`,
    );
  },
  repair(ctx, plan, only) {
    const g = ctx.geometry;
    if (!g) return;
    repairEntries(ctx, plan, EntryFlag.BeyondEof, only, (p) => {
      if (p.host >= g.fileSize) {
        plan.writeBatEntry(p.index, 0);
        plan.step(`unmap BAT entry ${p.index} (its cluster at ${hex(p.host)} is past the end of the file; the guest already reads zeros there)`);
      } else if ((p.flags & RELOCATED) !== 0) {
        relocate(plan, p, 'it ends past the end of the file and must move anyway');
      } else if (p.host + g.clusterSize > plan.state.size) {
        plan.resize(p.host + g.clusterSize);
        plan.step(`extend the file to ${hex(p.host + g.clusterSize)} to complete the cluster of BAT entry ${p.index}`);
      }
    });
  },
});
