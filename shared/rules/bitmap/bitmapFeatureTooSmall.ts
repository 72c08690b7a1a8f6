import type { CheckContext } from '../../check/context';
import { defineRule } from '../rule';
import { BITMAP_HEADER_SIZE, FEATURE_HEADER } from '../../format/extensionLayout';
import { type Feature, extensionMagicOk, featureUnloadable, isNecessary } from '../../format/extension';
import { dropFeature } from '../../repair/extensionEdit';
import { hex } from '../../format/words';

/** Dirty bitmap sections too short to hold a bitmap header (they hold no bitmap at all). */
export function tooSmallBitmaps(ctx: CheckContext): Feature[] {
  const ext = ctx.image.extension;
  if (!ext || !extensionMagicOk(ext)) return [];
  return ext.features.filter((f) => featureUnloadable(f) !== undefined);
}

export default defineRule({
  code: 'bitmap-feature-too-small',
  title: 'Dirty bitmap feature shorter than its header',
  severity: 'error',
  category: 'corruption',
  phase: 'extension',
  doc: `The data of a dirty bitmap feature starts with size (8 bytes), id (16), granularity (4) and l1_size (4):
${BITMAP_HEADER_SIZE} bytes before the L1 table. A data_size below that holds no bitmap (QEMU: "Too small Bitmap
Feature area in Parallels Format Extension"), so the feature cannot be loaded, and which clusters it used cannot be
known. "If this flag [NECESSARY] is unset and there is an error on loading the extension, said extension should be
dropped": the repair drops the section (its clusters then count as unused space, and a leaked tail is reclaimed
after it). A NECESSARY one is not repaired, and nothing is written to the image ("the file should not be changed").
While such a feature is present, space past the last used cluster is not reported as leaked: it may be the
feature's, and -r leaks must not cut it off while the feature stays.`,
  fix: 'drop the dirty bitmap section (unless it is NECESSARY)',
  check(ctx) {
    return tooSmallBitmaps(ctx).map((f) =>
      ctx.finding(
        this,
        `the dirty bitmap section at ${hex(f.offset)} cannot be loaded: ${featureUnloadable(f)}`,
        f.offset + FEATURE_HEADER.dataSize.offset,
        FEATURE_HEADER.dataSize.size,
        isNecessary(f) ? { repair: undefined, repairMode: undefined } : {},
      ),
    );
  },
  repair(ctx, plan, only) {
    const f = tooSmallBitmaps(ctx).find((x) => !isNecessary(x) && (!only || only.offset === x.offset + FEATURE_HEADER.dataSize.offset));
    if (f) dropFeature(ctx, plan, f, 'a dirty bitmap section too short for its header');
  },
});
