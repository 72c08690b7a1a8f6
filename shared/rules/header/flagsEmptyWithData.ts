import { defineRule } from '../rule';
import { FLAG_EMPTY, H, H_SIZE } from '../../format/constants';
import { plural } from '../../format/words';

export default defineRule({
  code: 'flags-empty-with-data',
  title: 'Empty flag set on an image with data',
  severity: 'warning',
  category: 'warning',
  phase: 'header',
  doc: `Flag bit 0 says "the image should be considered clear", yet BAT entries are allocated. Readers disagree:
QEMU ignores the flag and shows the data, others (Aaru) show zeros. The repair clears the flag, so every reader
shows the data the image holds.`,
  fix: 'clear the Empty flag so every reader shows the stored data',
  check(ctx) {
    const scan = ctx.scan;
    if (!scan || (ctx.image.header.flags & FLAG_EMPTY) === 0 || scan.allocated === 0) return [];
    return [ctx.finding(this, `flags has the Empty bit set but ${plural(scan.allocated, 'BAT entry')} are allocated`, H.flags, H_SIZE.flags)];
  },
  repair(ctx, plan) {
    if (!plan.claim('header:flags')) return;
    plan.writeU32(H.flags, ctx.image.header.flags & ~FLAG_EMPTY);
    plan.step('clear the Empty flag');
  },
});
