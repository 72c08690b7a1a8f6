import { defineRule } from '../rule';
import { featureName, unknownFeatures } from './unknownFeatures';

export default defineRule({
  code: 'ext-unknown-necessary',
  title: 'Unknown NECESSARY feature: the image must not be changed',
  severity: 'error',
  category: 'warning',
  phase: 'extension',
  doc: `A feature section with the NECESSARY flag that this tool does not know: "If the software cannot load the
extension ... the file should not be changed". hdd-lens reports everything else but writes nothing to such an
image, neither repairs nor quick fixes, unless forced ('check -r --force'). QEMU refuses to open it at all.`,
  check(ctx) {
    return unknownFeatures(ctx, 'necessary').map((f) =>
      ctx.finding(this, `${featureName(f)} is unknown and marked NECESSARY: the image must not be changed by software that does not know it`, f.offset, 16),
    );
  },
});
