import { defineRule } from '../rule';
import { BITMAP_HEADER } from '../../format/extensionLayout';
import { bitmapName, bitmaps } from '../../check/bitmaps';
import { dropBitmaps } from './dropBitmap';

const wrong = (ctx: Parameters<typeof bitmaps>[0]) => bitmaps(ctx).filter((b) => b.bitmap.size !== (ctx.geometry?.diskSectors ?? b.bitmap.size));

export default defineRule({
  code: 'bitmap-size-mismatch',
  title: 'Dirty bitmap size differs from the disk size',
  severity: 'error',
  category: 'corruption',
  phase: 'extension',
  doc: `A dirty bitmap's size "should be equal to disk size in sectors". Otherwise its bits do not line up with the
disk and QEMU refuses the image. The repair drops the bitmap, as the spec says for a feature that fails to load:
the next backup is then a full one.`,
  fix: 'drop the bitmap (the next backup copies everything)',
  check(ctx) {
    return wrong(ctx).map((b) =>
      ctx.finding(
        this,
        `${bitmapName(b)} covers ${b.bitmap.size} sectors but the disk has ${ctx.geometry?.diskSectors}`,
        b.feature.dataOffset + BITMAP_HEADER.size.offset,
        BITMAP_HEADER.size.size,
      ),
    );
  },
  repair(ctx, plan, only) {
    dropBitmaps(ctx, plan, wrong(ctx), only, 'its size did not match the disk');
  },
});
