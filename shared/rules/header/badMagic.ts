import { defineRule } from '../rule';
import { H, MAGIC_EXT, MAGIC_LEGACY } from '../../format/constants';

export default defineRule({
  code: 'bad-magic',
  title: 'Not a Parallels image (magic)',
  severity: 'error',
  category: 'corruption',
  phase: 'header',
  doc: `The first 16 bytes "must contain "WithoutFreeSpace" or "WithouFreSpacExt"". Without either, the file is not
a Parallels expandable image (or its header is destroyed) and nothing else can be located. QEMU says "Image not in
Parallels format". Nothing is repaired: which variant the file was cannot be known from the magic alone.`,
  check(ctx) {
    const h = ctx.image.header;
    if (h.variant !== undefined) return [];
    // An empty file has no magic to quote: say what it is.
    if (h.bytesPresent === 0) return [ctx.finding(this, 'the file is empty: not a Parallels image', H.magic, 1)];
    const shown = JSON.stringify(h.magic.slice(0, Math.min(16, h.bytesPresent)));
    return [
      ctx.finding(
        this,
        `not a Parallels image: the magic is ${shown}, not "${MAGIC_LEGACY}" or "${MAGIC_EXT}"`,
        H.magic,
        Math.min(16, Math.max(h.bytesPresent, 1)),
      ),
    ];
  },
});
