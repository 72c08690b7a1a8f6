import type { CheckContext } from '../../check/context';
import { IN_USE_CLOSED } from '../../format/constants';
import { extensionMagicOk } from '../../format/extension';

/**
 * The in_use value a repaired image gets: 0, as qemu-img writes on close, when there is no format extension;
 * "v2.1" when there is one, since its bitmaps are then up to date (the repairs that set it make them so). A
 * cluster without the extension's magic is no extension (ext-bad-magic drops it).
 */
export function closedInUse(ctx: CheckContext): number {
  const ext = ctx.image.extension;
  return ext && extensionMagicOk(ext) ? IN_USE_CLOSED : 0;
}
