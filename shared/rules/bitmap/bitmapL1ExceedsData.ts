import { defineRule } from '../rule';
import { BITMAP_HEADER, BITMAP_HEADER_SIZE, L1_ENTRY_SIZE } from '../../format/extensionLayout';
import { bitmapName, bitmaps } from '../../check/bitmaps';
import { dropBitmaps } from './dropBitmap';

const wrong = (ctx: Parameters<typeof bitmaps>[0]) => bitmaps(ctx).filter((b) => BITMAP_HEADER_SIZE + b.bitmap.l1Size * L1_ENTRY_SIZE > b.feature.dataSize);

export default defineRule({
  code: 'bitmap-l1-exceeds-data',
  title: 'Dirty bitmap L1 table runs past its feature data',
  severity: 'error',
  category: 'corruption',
  phase: 'extension',
  doc: `The L1 table (8 * l1_size bytes) must fit in the feature's data_size after the 32-byte bitmap header.
Otherwise readers take the following section (or garbage) for L1 entries. The repair drops the bitmap.`,
  fix: 'drop the bitmap (the next backup copies everything)',
  check(ctx) {
    return wrong(ctx).map((b) =>
      ctx.finding(
        this,
        `${bitmapName(b)} has ${b.bitmap.l1Size} L1 entries (${b.bitmap.l1Size * L1_ENTRY_SIZE} bytes) but its feature data is ${b.feature.dataSize} bytes`,
        b.feature.dataOffset + BITMAP_HEADER.l1Size.offset,
        BITMAP_HEADER.l1Size.size,
      ),
    );
  },
  repair(ctx, plan, only) {
    dropBitmaps(ctx, plan, wrong(ctx), only, 'its L1 table ran past its data');
  },
});
