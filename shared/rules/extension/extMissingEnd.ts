import { defineRule } from '../rule';
import { EXT_HEADER_SIZE, FEATURE_HEADER_SIZE } from '../../format/constants';
import { extensionMagicOk, sectionEnd } from '../../format/extension';
import { writeEnd } from '../../repair/extensionEdit';
import { hex } from '../../format/words';

export default defineRule({
  code: 'ext-missing-end',
  title: 'Feature list has no End-of-features section',
  severity: 'error',
  category: 'corruption',
  phase: 'extension',
  doc: `"The last extension must be "End of features" with all the fields set to 0." Without it readers run to the
end of the cluster and may take garbage for features. The repair writes the End section after the last complete
feature (a truncated one is handled by ext-feature-truncated first).`,
  fix: 'write an End-of-features section after the last complete feature',
  check(ctx) {
    const ext = ctx.image.extension;
    if (!ext || !extensionMagicOk(ext) || ext.endFound || ext.features.some((f) => f.truncated)) return [];
    return [
      ctx.finding(
        this,
        `the format extension at ${hex(ext.offset)} has ${ext.features.length} feature section(s) and no End-of-features section`,
        ext.offset,
        EXT_HEADER_SIZE,
      ),
    ];
  },
  repair(ctx, plan) {
    const ext = ctx.image.extension;
    const g = ctx.geometry;
    if (!ext || !g) return;
    const last = ext.features[ext.features.length - 1];
    const after = last ? sectionEnd(last) : ext.offset + EXT_HEADER_SIZE;
    // No room for an End section after the last feature: the End section replaces that feature.
    const at = after + FEATURE_HEADER_SIZE <= ext.offset + g.clusterSize ? after : (last?.offset ?? ext.offset + EXT_HEADER_SIZE);
    writeEnd(ctx, plan, at, 'the feature list had no end');
  },
});
