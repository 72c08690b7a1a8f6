import { defineRule } from '../rule';
import { bitmapBytes } from '../../format/extension';
import { BITMAP_HEADER } from '../../format/extensionLayout';
import { bitmapName, bitmaps } from '../../check/bitmaps';
import { dropBitmaps } from './dropBitmap';

type Ctx = Parameters<typeof bitmaps>[0];

/** L1 entries the bitmap needs: one per cluster of bitmap data. */
function expected(ctx: Ctx, bytes: number): number {
  const c = ctx.geometry?.clusterSize ?? 1;
  return Math.ceil(bytes / c);
}

const wrong = (ctx: Ctx) =>
  bitmaps(ctx).filter(
    (b) => b.bitmap.granularity > 0 && (b.bitmap.granularity & (b.bitmap.granularity - 1)) === 0 && b.bitmap.l1Size !== expected(ctx, bitmapBytes(b.bitmap)),
  );

export default defineRule({
  code: 'bitmap-l1-size-mismatch',
  title: 'Dirty bitmap L1 table has the wrong number of entries',
  severity: 'error',
  category: 'corruption',
  phase: 'extension',
  doc: `The L1 table needs one entry per cluster of bitmap data: ceil(ceil(size / granularity) / 8 / cluster size).
A different l1_size means the table does not describe the bitmap; QEMU refuses it. The repair drops the bitmap.`,
  fix: 'drop the bitmap (the next backup copies everything)',
  check(ctx) {
    return wrong(ctx).map((b) =>
      ctx.finding(
        this,
        `${bitmapName(b)} has l1_size ${b.bitmap.l1Size}, but ${bitmapBytes(b.bitmap)} bytes of bitmap need ${expected(ctx, bitmapBytes(b.bitmap))} entries`,
        b.feature.dataOffset + BITMAP_HEADER.l1Size.offset,
        BITMAP_HEADER.l1Size.size,
      ),
    );
  },
  repair(ctx, plan, only) {
    dropBitmaps(ctx, plan, wrong(ctx), only, 'its L1 table size was wrong');
  },
});
