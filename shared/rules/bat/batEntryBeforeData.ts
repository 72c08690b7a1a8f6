import { EntryFlag } from '../../check/batScan';
import { defineRule } from '../rule';
import { entryFindings, relocate, repairEntries } from './entryRule';
import { hex } from '../../format/words';
import type { EntryBounds } from '../../check/entryTests';

/** The rule's predicate (for an allocated entry): its cluster starts below the data area. */
export function beforeData(e: number, b: EntryBounds): boolean {
  return e < b.dataStart;
}

export default defineRule({
  code: 'bat-entry-before-data',
  title: 'BAT entry points into the header or BAT',
  severity: 'error',
  category: 'corruption',
  phase: 'bat',
  doc: `A BAT entry must not point below the data area ("the value must not be lower than data offset"). Such an
entry maps guest bytes onto the header and the BAT themselves: a guest write there destroys the image's metadata.
QEMU never flags it, and its leak repair then truncates the image, destroying BAT and data. The repair keeps what
the guest sees: the bytes the entry maps now are copied into a new cluster and the entry points there.`,
  fix: 'copy the bytes the entry maps into a new cluster (in the leaked tail, a free all-zero hole, or at the end of the file) and point the entry there',
  check(ctx) {
    const g = ctx.geometry;
    if (!g) return [];
    return entryFindings(ctx, this, EntryFlag.BeforeData, () => `points below the data area, which starts at ${hex(g.dataOffset)}`);
  },
  repair(ctx, plan, only) {
    repairEntries(ctx, plan, EntryFlag.BeforeData, only, (p) => relocate(plan, p, 'it points into the header or the BAT'));
  },
});
