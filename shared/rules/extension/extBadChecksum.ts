import { defineRule } from '../rule';
import { checksumOk, extensionMagicOk } from '../../format/extension';
import { markBitmapsDirty, storeChecksum } from '../../repair/extensionEdit';
import { hex } from '../../format/words';
import { hexBytes } from '../../format/le';
import { EXT_HEADER } from '../../format/extensionLayout';

export default defineRule({
  code: 'ext-bad-checksum',
  title: 'Format extension checksum does not match',
  severity: 'error',
  category: 'corruption',
  phase: 'extension',
  doc: `Bytes 8-23 of the extension cluster hold the MD5 of the rest of the cluster (from byte 24). A mismatch
means the cluster changed after it was written: its bitmaps may be wrong. QEMU refuses such an image. The repair
marks every dirty bitmap all dirty (never clean: a wrong "clean" would make a backup miss data) and stores the
checksum of the result.`,
  fix: 'mark dirty bitmaps all dirty and store the correct checksum',
  check(ctx) {
    const ext = ctx.image.extension;
    if (!ext || !extensionMagicOk(ext) || checksumOk(ext)) return [];
    return [
      ctx.finding(
        this,
        `the format extension at ${hex(ext.offset)} stores MD5 ${hexBytes(ext.storedChecksum)} but its contents hash to ${hexBytes(ext.computedChecksum)}`,
        ext.offset + EXT_HEADER.checksum.offset,
        EXT_HEADER.checksum.size,
      ),
    ];
  },
  repair(ctx, plan) {
    if (!plan.claim('extension-checksum')) return;
    markBitmapsDirty(ctx, plan, 'the checksum did not match');
    storeChecksum(ctx, plan);
    plan.step('store the correct format extension checksum');
  },
});
