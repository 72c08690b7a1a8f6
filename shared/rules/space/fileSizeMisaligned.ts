import { defineRule } from '../rule';
import { slotOrigin } from '../../check/metadata';
import { hex, size } from '../../format/words';

export default defineRule({
  code: 'file-size-misaligned',
  title: 'File size is not a whole number of clusters',
  severity: 'warning',
  category: 'warning',
  phase: 'space',
  doc: `The data area is "a contiguous array of clusters", so the file should end on a cluster boundary (ploop
requires it). A partial last cluster means the file was cut short or grown by a careless writer. Nothing is
repaired: it follows from another finding, whose repair ends the file on a cluster boundary (bat-entry-beyond-eof
completes a cluster in use that the end cuts, leaked-tail truncates a leaked tail).`,
  check(ctx) {
    const g = ctx.geometry;
    if (!g || g.fileSize <= g.dataOffset) return [];
    const partial = (g.fileSize - slotOrigin(g)) % g.clusterSize;
    if (partial === 0) return [];
    return [ctx.finding(this, `the file (${hex(g.fileSize)}) ends ${size(partial)} into a ${size(g.clusterSize)} cluster`, g.fileSize - partial, partial)];
  },
});
