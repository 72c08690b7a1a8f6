import type { CheckContext } from '../../check/context';
import type { Finding } from '../../check/finding';
import type { PlanBuilder } from '../../repair/planBuilder';
import { dropFeature } from '../../repair/extensionEdit';
import type { BitmapAt } from '../../check/bitmaps';

/**
 * The spec's answer to a bitmap that cannot be loaded: a feature without NECESSARY "should be dropped". Losing a
 * bitmap is safe (the next backup is a full one); keeping a wrong one is not.
 */
export function dropBitmaps(ctx: CheckContext, plan: PlanBuilder, bad: BitmapAt[], only: Finding | undefined, why: string): void {
  const target = bad.find((b) => !only || (only.offset >= b.feature.offset && only.offset < b.feature.dataOffset + b.feature.dataSize));
  if (target) dropFeature(ctx, plan, target.feature, `dirty bitmap ${target.bitmap.id}: ${why}`);
}
