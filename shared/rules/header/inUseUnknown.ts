import { defineRule } from '../rule';
import { H, H_SIZE, IN_USE_CLOSED, IN_USE_DIRTY } from '../../format/constants';
import { asciiTag } from '../../format/le';
import { markBitmapsDirty } from '../../repair/extensionEdit';
import { closedInUse } from './closedValue';
import { hex } from '../../format/words';

/** Parallels Desktop tags its images "pd" and a two-digit version ("pd17", "pd22"): known, not damage. */
export function parallelsDesktopTag(inUse: number): string | undefined {
  const tag = asciiTag(inUse);
  return tag && /^pd\d\d$/.test(tag) ? tag : undefined;
}

export default defineRule({
  code: 'in-use-unknown',
  title: 'Unknown in_use value',
  severity: 'warning',
  category: 'warning',
  phase: 'header',
  doc: `in_use must be 0x746f6e59 (open), 0x312e3276 ("v2.1", closed) or 0 (closed by software without format
extension support); "other values are not allowed". Parallels Desktop's tags ("pd17", "pd22") are recognised and
accepted. Anything else is damage or an unknown writer, and whether the extension is current cannot be told. The
repair marks the image closed and any dirty bitmaps all dirty (safe for backups).`,
  fix: 'mark the image closed (in_use 0, or "v2.1" with an extension) and mark dirty bitmaps all dirty',
  check(ctx) {
    const v = ctx.image.header.inUse;
    if (!ctx.geometry || v === 0 || v === IN_USE_DIRTY || v === IN_USE_CLOSED || parallelsDesktopTag(v)) return [];
    const tag = asciiTag(v);
    return [ctx.finding(this, `in_use is ${hex(v)}${tag ? ` ("${tag}")` : ''}, none of the values the format allows`, H.inUse, H_SIZE.inUse)];
  },
  repair(ctx, plan) {
    markBitmapsDirty(ctx, plan, 'in_use did not say whether they were current');
    const v = closedInUse(ctx);
    plan.writeU32(H.inUse, v);
    plan.step(`set in_use to ${hex(v)} (closed)`);
  },
});
