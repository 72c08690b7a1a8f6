import { defineRule } from '../rule';
import { FLAG_EMPTY, H, H_SIZE } from '../../format/constants';
import { hex } from '../../format/words';

export default defineRule({
  code: 'flags-reserved',
  title: 'Reserved flag bits set',
  severity: 'warning',
  category: 'warning',
  phase: 'header',
  doc: `Only flag bit 0 (Empty) is defined; bits 1-31 are unused and should be 0. Set bits are damage or a newer
writer's meaning that this tool cannot honour. The repair clears them and keeps bit 0.`,
  fix: 'clear flag bits 1-31',
  check(ctx) {
    const flags = ctx.image.header.flags;
    if (!ctx.geometry || (flags & ~FLAG_EMPTY) === 0) return [];
    return [ctx.finding(this, `flags is ${hex(flags)}: reserved bits ${hex((flags & ~FLAG_EMPTY) >>> 0)} are set`, H.flags, H_SIZE.flags)];
  },
  repair(ctx, plan) {
    if (!plan.claim('header:flags')) return;
    plan.writeU32(H.flags, ctx.image.header.flags & FLAG_EMPTY);
    plan.step('clear the reserved flag bits');
  },
});
