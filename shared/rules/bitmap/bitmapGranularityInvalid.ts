import { defineRule } from '../rule';
import { BITMAP_HEADER } from '../../format/extensionLayout';
import { bitmapName, bitmaps } from '../../check/bitmaps';
import { dropBitmaps } from './dropBitmap';

const isPowerOfTwo = (v: number): boolean => v > 0 && (v & (v - 1)) === 0;
const wrong = (ctx: Parameters<typeof bitmaps>[0]) => bitmaps(ctx).filter((b) => !isPowerOfTwo(b.bitmap.granularity));

export default defineRule({
  code: 'bitmap-granularity-invalid',
  title: 'Dirty bitmap granularity is not a power of two',
  severity: 'error',
  category: 'corruption',
  phase: 'extension',
  doc: `"Granularity must be a power of 2" (in sectors, so at least 512 bytes). Any other value, zero included, makes
the bitmap meaningless, and crashes qemu-img on an assertion. The repair drops the bitmap.`,
  fix: 'drop the bitmap (the next backup copies everything)',
  check(ctx) {
    return wrong(ctx).map((b) =>
      ctx.finding(
        this,
        `${bitmapName(b)} has granularity ${b.bitmap.granularity} sectors, not a power of two`,
        b.feature.dataOffset + BITMAP_HEADER.granularity.offset,
        BITMAP_HEADER.granularity.size,
      ),
    );
  },
  repair(ctx, plan, only) {
    dropBitmaps(ctx, plan, wrong(ctx), only, 'its granularity was invalid');
  },
});
