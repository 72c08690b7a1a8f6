import { defineRule } from '../rule';
import { extensionMagicOk, isNecessary } from '../../format/extension';
import { FEATURE_HEADER } from '../../format/extensionLayout';
import { dropFeature } from '../../repair/extensionEdit';
import { hex } from '../../format/words';

export default defineRule({
  code: 'ext-feature-truncated',
  title: 'Feature section runs past the extension cluster',
  severity: 'error',
  category: 'corruption',
  phase: 'extension',
  doc: `A feature section's data_size must keep its data inside the one-cluster extension. A larger value is
damage; QEMU's parser reads past its buffer on it. The spec says a feature that fails to load is dropped unless it is
NECESSARY, and then the file must not be changed. The repair ends the feature list where the broken section
starts.`,
  fix: 'end the feature list where the truncated section starts (unless it is NECESSARY)',
  check(ctx) {
    const ext = ctx.image.extension;
    if (!ext || !extensionMagicOk(ext)) return [];
    return ext.features
      .filter((f) => f.truncated)
      .map((f) =>
        ctx.finding(
          this,
          `the feature section at ${hex(f.offset)} claims ${f.dataSize} bytes of data, past the end of the extension cluster`,
          f.offset + FEATURE_HEADER.dataSize.offset,
          FEATURE_HEADER.dataSize.size,
          isNecessary(f) ? { repair: undefined, repairMode: undefined } : {},
        ),
      );
  },
  repair(ctx, plan) {
    const f = ctx.image.extension?.features.find((x) => x.truncated && !isNecessary(x));
    if (f) dropFeature(ctx, plan, f, 'it ran past the end of the cluster');
  },
});
