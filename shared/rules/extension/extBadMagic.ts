import { defineRule } from '../rule';
import { EXT_HEADER } from '../../format/extensionLayout';
import { EXT_MAGIC } from '../../format/constants';
import { extensionMagicOk } from '../../format/extension';
import { clearExtOff } from './clearExtOff';
import { hex } from '../../format/words';

export default defineRule({
  code: 'ext-bad-magic',
  title: 'Format extension cluster has a wrong magic',
  severity: 'error',
  category: 'corruption',
  phase: 'extension',
  doc: `The cluster ext_off points to must start with 0xab234cef23dcea87. Without it the cluster is not an
extension (ext_off is damaged, or the cluster was overwritten, for instance by qemu-img's leak repair cutting it off
and the file growing again). Readers refuse the image. The repair clears ext_off: nothing in the cluster can be
trusted, and losing bitmaps only makes the next backup a full one.`,
  fix: 'clear ext_off (drop the unreadable extension)',
  check(ctx) {
    const ext = ctx.image.extension;
    if (!ext || extensionMagicOk(ext)) return [];
    return [
      ctx.finding(
        this,
        `the format extension at ${hex(ext.offset)} starts with ${hex(ext.magic)}, not ${hex(EXT_MAGIC)}`,
        ext.offset + EXT_HEADER.magic.offset,
        EXT_HEADER.magic.size,
      ),
    ];
  },
  repair(_ctx, plan) {
    clearExtOff(plan, 'its magic was wrong');
  },
});
