import { defineRule } from '../rule';
import { H, H_SIZE } from '../../format/constants';
import { markBitmapsDirty } from '../../repair/extensionEdit';
import { closedInUse } from './closedValue';
import { hex } from '../../format/words';

export default defineRule({
  code: 'image-unclean',
  title: 'Image was not closed correctly',
  severity: 'error',
  category: 'corruption',
  phase: 'header',
  doc: `in_use is 0x746f6e59 ("Ynot") while a writer has the image open. Found on an image nobody has open, the
writer crashed: the last writes may be partial and the dirty bitmaps miss them. If a VM is running on the image,
do not repair it now. qemu-img reports "image was not closed correctly"; QEMU 8.2+ repairs it on any read-write
open. The repair marks the image closed and, since bitmaps cannot be trusted after a crash, marks them all dirty.`,
  fix: 'mark the image closed (in_use 0, or "v2.1" with an extension) and mark dirty bitmaps all dirty',
  check(ctx) {
    const h = ctx.image.header;
    if (!ctx.geometry || h.inUse !== 0x746f6e59) return [];
    return [ctx.finding(this, `in_use is ${hex(h.inUse)} ("Ynot"): the image was not closed correctly (or a VM has it open now)`, H.inUse, H_SIZE.inUse)];
  },
  repair(ctx, plan) {
    markBitmapsDirty(ctx, plan, 'the image was not closed correctly');
    const v = closedInUse(ctx);
    plan.writeU32(H.inUse, v);
    plan.step(`mark the image closed (in_use ${hex(v)})`);
  },
});
