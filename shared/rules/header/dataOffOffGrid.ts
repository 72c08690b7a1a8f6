import { defineRule } from '../rule';
import { H, H_SIZE } from '../../format/constants';
import { hex } from '../../format/words';
import { setDataOffset } from './setDataOffset';

export default defineRule({
  code: 'data-off-off-grid',
  title: 'data_off disagrees with where every BAT entry puts the data area',
  severity: 'error',
  category: 'corruption',
  phase: 'header',
  doc: `In a "WithoutFreeSpace" image BAT entries are sector offsets, and "(cluster offset - data offset) must be
aligned to cluster size". When every allocated entry (and ext_off) lies on one cluster grid and the data offset
data_off gives (0 computes it as the end of the BAT) is off that grid, data_off is what is wrong, not each entry:
the entries are judged against the grid they agree on, and the repair writes data_off = the first line of that grid
at or after the end of the BAT (a 4-byte change; no data moves). QEMU reads the entries as they are and does not
check this. An out-of-range data_off with entries that agree is data-off-invalid, repaired the same way.`,
  fix: 'set data_off to the start of the cluster grid every BAT entry lies on',
  check(ctx) {
    const g = ctx.geometry;
    const h = ctx.image.header;
    if (!g?.dataOffsetFromEntries || !g.storedDataOffsetValid) return [];
    const stored =
      h.dataOff === 0
        ? `data_off 0 computes the data area at ${hex(g.storedDataOffset)} (the end of the BAT)`
        : `data_off ${h.dataOff} puts the data area at ${hex(g.storedDataOffset)}`;
    return [ctx.finding(this, `${stored}, but every BAT entry lies on the cluster grid that starts at ${hex(g.dataOffset)}`, H.dataOff, H_SIZE.dataOff)];
  },
  repair(ctx, plan) {
    setDataOffset(ctx, plan, 'where every BAT entry puts the data area');
  },
});
