import type { CheckContext } from './context';
import { type DirtyBitmap, type Feature, extensionMagicOk } from '../format/extension';

/** A dirty bitmap feature with its section, numbered in feature order (as messages name them). */
export interface BitmapAt {
  feature: Feature;
  bitmap: DirtyBitmap;
  number: number;
}

export function bitmaps(ctx: CheckContext): BitmapAt[] {
  const ext = ctx.image.extension;
  if (!ext || !extensionMagicOk(ext)) return [];
  const out: BitmapAt[] = [];
  for (const feature of ext.features) {
    if (feature.kind !== 'dirty-bitmap') continue;
    if (feature.bitmap) out.push({ feature, bitmap: feature.bitmap, number: out.length });
  }
  return out;
}

export function bitmapName(b: BitmapAt): string {
  return `dirty bitmap ${b.number} (id ${b.bitmap.id})`;
}
