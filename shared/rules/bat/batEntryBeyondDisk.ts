import { EntryFlag } from '../../check/batScan';
import { defineRule } from '../rule';
import { entryFindings } from './entryRule';
import { size } from '../../format/words';
import type { EntryBounds } from '../../check/entryTests';

/** The rule's predicate: entry `i` lies past the virtual disk's last cluster (it matters only when allocated). */
export function beyondDisk(i: number, b: EntryBounds): boolean {
  return i >= b.diskClusters;
}

export default defineRule({
  code: 'bat-entry-beyond-disk',
  title: 'BAT entry maps a cluster past the end of the virtual disk',
  severity: 'warning',
  category: 'warning',
  phase: 'bat',
  doc: `The BAT has more entries than the virtual disk (nb_sectors) needs, and one of those extra entries is
allocated. No guest can read that cluster: it is usually left from a disk that was shrunk, or a sign that
nb_sectors was damaged. Nothing is repaired automatically, since both choices change what a guest sees: the data
stays in the file and 'hdd-lens map' and the structure view show where.`,
  check(ctx) {
    const g = ctx.geometry;
    if (!g) return [];
    return entryFindings(
      ctx,
      this,
      EntryFlag.BeyondDisk,
      () => `is allocated but the virtual disk ends at ${size(g.diskBytes)} (entry ${g.diskClusters - 1} is its last)`,
    );
  },
});
