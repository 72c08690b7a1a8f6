import { EntryFlag } from '../../check/batScan';
import { defineRule } from '../rule';
import { entryFindings, relocate, repairEntries } from './entryRule';
import { hex, size } from '../../format/words';
import type { EntryBounds } from '../../check/entryTests';

/**
 * The rule's predicate (for an allocated entry): inside the data area, off its cluster grid. Entry units per
 * cluster are a power of two in practice: a mask instead of a modulo.
 */
export function misaligned(e: number, b: EntryBounds): boolean {
  if (e < b.dataStart) return false;
  const d = e - b.originUnits;
  return b.shift >= 0 ? (d & b.mask) !== 0 : d % b.perCluster !== 0;
}

export default defineRule({
  code: 'bat-entry-misaligned',
  title: 'BAT entry is not on a cluster boundary',
  severity: 'error',
  category: 'corruption',
  phase: 'bat',
  doc: `"(cluster offset - data offset) must be aligned to cluster size". Only sector-addressed entries
(WithoutFreeSpace) can break this. A misaligned cluster straddles two cluster slots, so it overlaps its neighbours'
data, and writers that allocate by slot will hand the same bytes out twice. QEMU does not detect it. The repair
copies the bytes the entry maps now into a new, aligned cluster: the guest sees the same data. When nothing else
uses the grid slot the cluster straddles from below, the bytes move down onto it, so what the move leaves is at most a
tail that a truncate reclaims. When every entry is off the grid in the same way, data_off is what is wrong
(data-off-off-grid) and no entry moves.`,
  fix: 'copy the bytes the entry maps into a new aligned cluster (in the leaked tail, a free all-zero hole, or at the end of the file) and point the entry there',
  check(ctx) {
    const g = ctx.geometry;
    if (!g) return [];
    return entryFindings(
      ctx,
      this,
      EntryFlag.Misaligned,
      (p) => `is ${size((p.host - g.dataOffset) % g.clusterSize)} off a cluster boundary of the data area (which starts at ${hex(g.dataOffset)})`,
    );
  },
  repair(ctx, plan, only) {
    repairEntries(ctx, plan, EntryFlag.Misaligned, only, (p) => relocate(plan, p, 'it is not cluster aligned'));
  },
});
