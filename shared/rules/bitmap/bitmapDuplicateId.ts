import { defineRule } from '../rule';
import { BITMAP_HEADER } from '../../format/extensionLayout';
import { type BitmapAt, bitmapName, bitmaps } from '../../check/bitmaps';
import { dropBitmaps } from './dropBitmap';

function duplicates(ctx: Parameters<typeof bitmaps>[0]): Array<{ b: BitmapAt; first: BitmapAt }> {
  const seen = new Map<string, BitmapAt>();
  const out: Array<{ b: BitmapAt; first: BitmapAt }> = [];
  for (const b of bitmaps(ctx)) {
    const first = seen.get(b.bitmap.id);
    if (first) out.push({ b, first });
    else seen.set(b.bitmap.id, b);
  }
  return out;
}

export default defineRule({
  code: 'bitmap-duplicate-id',
  title: 'Two dirty bitmaps share an id',
  severity: 'error',
  category: 'corruption',
  phase: 'extension',
  doc: `The id identifies a bitmap "for backup consistency checking": backup software finds its bitmap by id. Two
bitmaps with one id make that lookup ambiguous, and a backup may follow the wrong one. The later bitmap is reported
and the repair drops it.`,
  fix: 'drop the later bitmap with the same id',
  check(ctx) {
    return duplicates(ctx).map(({ b, first }) =>
      ctx.finding(
        this,
        `${bitmapName(b)} has the same id as dirty bitmap ${first.number}`,
        b.feature.dataOffset + BITMAP_HEADER.id.offset,
        BITMAP_HEADER.id.size,
      ),
    );
  },
  repair(ctx, plan, only) {
    dropBitmaps(
      ctx,
      plan,
      duplicates(ctx).map((d) => d.b),
      only,
      'another bitmap had the same id',
    );
  },
});
