import { defineRule } from '../rule';
import { H, H_SIZE } from '../../format/constants';
import { hex, plural } from '../../format/words';

export default defineRule({
  code: 'bat-truncated',
  title: 'File ends inside the BAT',
  severity: 'error',
  category: 'corruption',
  phase: 'header',
  doc: `The BAT is nb_bat_entries * 4 bytes right after the header; the file ends before it does. The missing
entries read as zero (unallocated) in QEMU. The repair extends the file with zeros to the start of the data area,
which makes that reading explicit and loses nothing.`,
  fix: 'extend the file with zeros to the end of the BAT (the missing entries become unallocated)',
  check(ctx) {
    const g = ctx.geometry;
    if (!g || g.fileSize >= g.batEnd) return [];
    const held = ctx.batEntries;
    return [
      ctx.finding(
        this,
        `the file (${g.fileSize} bytes) ends inside the BAT, which runs to ${hex(g.batEnd)}: ${plural(g.batEntries - held, 'entry')} of ${g.batEntries} are missing`,
        H.batEntries,
        H_SIZE.batEntries,
      ),
    ];
  },
  repair(ctx, plan) {
    const g = ctx.geometry;
    if (!g || plan.state.size >= g.batEnd) return;
    const to = Math.max(g.batEnd, g.minDataOffset);
    plan.resize(to);
    plan.step(`extend the file to ${hex(to)} so that the whole BAT is present (missing entries are unallocated)`);
  },
});
