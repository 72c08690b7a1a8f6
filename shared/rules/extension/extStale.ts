import { defineRule } from '../rule';
import { H, H_SIZE, IN_USE_CLOSED } from '../../format/constants';
import { extensionMagicOk } from '../../format/extension';
import { markBitmapsDirty } from '../../repair/extensionEdit';

export default defineRule({
  code: 'ext-stale',
  title: 'Format extension may be stale (in_use is 0)',
  severity: 'warning',
  category: 'warning',
  phase: 'extension',
  doc: `in_use 0 means the image was last written by software that "doesn't support Format Extension" (QEMU writes
0 on every close and never updates bitmaps), yet ext_off points to an extension. Its dirty bitmaps miss every write
that software made: a backup from them would silently skip changed data. The repair marks the bitmaps all dirty
and sets in_use to "v2.1", so the extension is current again.`,
  fix: 'mark dirty bitmaps all dirty and set in_use to "v2.1"',
  check(ctx) {
    const ext = ctx.image.extension;
    if (!ext || !extensionMagicOk(ext) || ctx.image.header.inUse !== 0) return [];
    return [
      ctx.finding(
        this,
        'in_use is 0 (written by software that ignores the format extension) but ext_off points to an extension: its bitmaps may miss writes',
        H.inUse,
        H_SIZE.inUse,
      ),
    ];
  },
  repair(ctx, plan) {
    markBitmapsDirty(ctx, plan, 'the last writer ignored them');
    plan.writeU32(H.inUse, IN_USE_CLOSED);
    plan.step('set in_use to "v2.1" (the extension is current)');
  },
});
