import { defineRule } from '../rule';
import { hex, plural, size } from '../../format/words';

export default defineRule({
  code: 'unreferenced-clusters',
  title: 'Clusters inside the image that nothing references',
  severity: 'warning',
  category: 'warning',
  phase: 'space',
  doc: `Whole clusters of the data area, before the last used one, that no BAT entry, extension or bitmap uses.
They waste space, and after a damaged BAT they may hold the only copy of guest data whose entries were lost. QEMU
does not look for them; Parallels' checker counts them as unreferenced blocks. Nothing is repaired: hdd-lens never
discards bytes that might be data. A repair that needs a new cluster may reuse one only if it reads all zeros
(an unallocated cluster reads as zeros too, so nothing is lost) or this repair itself moved its data out; it reads
at most 64 MiB of such holes to find out. 'hdd-lens map' and the editor's allocation map show where they are.`,
  check(ctx) {
    const scan = ctx.scan;
    const g = ctx.geometry;
    if (!scan || !g) return [];
    return ctx.capped(
      this,
      scan.holes,
      ([start, end]) =>
        ctx.finding(
          this,
          `${plural((end - start) / g.clusterSize, 'cluster')} (${size(end - start)}) from ${hex(start)} to ${hex(end)} are not referenced by the BAT or the extension`,
          start,
          end - start,
        ),
      (rest, [start, end]) => ctx.finding(this, `${plural(rest, 'more unreferenced range')} from ${hex(start)} on`, start, end - start),
    );
  },
});
